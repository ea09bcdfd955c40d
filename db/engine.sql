-- The engine's own tables. Created on demand (IF NOT EXISTS) in any database
-- that ronghe evaluates, so the data-model migrations never depend on them.
-- Result rows are compact (integer codes, rule numbers within the run); the
-- rh_results / rh_decisions views give the readable form.
CREATE TABLE IF NOT EXISTS rh_run(
  id            INTEGER PRIMARY KEY,
  as_of         TEXT NOT NULL,
  year          INTEGER NOT NULL,
  rules_version TEXT NOT NULL,          -- sha256 of the rule set (file names and texts)
  started_at    TEXT NOT NULL,          -- UTC, ISO 8601
  finished_at   TEXT NOT NULL,
  schedule      TEXT,                   -- the schedule that started it; NULL when run by hand
  filters       TEXT,                   -- restrictions (--policy/--rule/--subject), NULL = everything
  n_subjects    INTEGER NOT NULL,
  n_results     INTEGER NOT NULL,
  n_decisions   INTEGER NOT NULL,
  n_errors      INTEGER NOT NULL,
  first_result  INTEGER,                -- rowid range of the run's rh_result rows
  last_result   INTEGER
);
-- Rule texts, content-addressed so that every run can show the very text that decided it.
CREATE TABLE IF NOT EXISTS rh_source(
  sha256  TEXT PRIMARY KEY,
  content BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rh_run_file(
  run_id INTEGER NOT NULL,
  path   TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY(run_id, path)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rh_run_rule(
  run_id  INTEGER NOT NULL,
  no      INTEGER NOT NULL,               -- the rule's number within the run
  rule    TEXT NOT NULL,
  subject TEXT NOT NULL,
  kind    TEXT NOT NULL,                  -- result | indicator | target
  yearly  INTEGER NOT NULL,
  warn    INTEGER NOT NULL,
  title   TEXT,
  cite    TEXT,
  file    TEXT NOT NULL,
  line    INTEGER NOT NULL,
  PRIMARY KEY(run_id, no)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rh_run_policy(
  run_id  INTEGER NOT NULL,
  no      INTEGER NOT NULL,
  policy  TEXT NOT NULL,
  subject TEXT NOT NULL,
  answers TEXT NOT NULL,                  -- eligibility | compliance
  yearly  INTEGER NOT NULL,
  rules   TEXT NOT NULL,                  -- rule ids, comma-separated
  PRIMARY KEY(run_id, no)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rh_outcome(
  code INTEGER PRIMARY KEY,
  name TEXT NOT NULL
);
INSERT OR IGNORE INTO rh_outcome VALUES
  (1,'PASS'),(2,'FAIL'),(3,'N/A'),(4,'UNKNOWN'),(5,'ERROR'),
  (6,'MET'),(7,'NOT_MET'),(8,'ACHIEVED'),(9,'NOT_ACHIEVED');
-- One row per rule and subject.  An append-only rowid table: a run's rows
-- are contiguous (rh_run.first_result .. last_result), so reading a run is a
-- range scan, and storing a result costs one b-tree append and no index
-- (except for outcomes other than PASS and N/A, which decisions read).  The
-- index condition avoids IN (...): SQLite would build a temporary table for
-- the list on every single insert.
CREATE TABLE IF NOT EXISTS rh_result(
  run_id     INTEGER NOT NULL,
  rule_no    INTEGER NOT NULL,
  subject_id INTEGER NOT NULL,            -- 0 for the city
  outcome    INTEGER NOT NULL,            -- rh_outcome.code
  reason     TEXT,
  vals       TEXT                         -- JSON object of the values compared
);
CREATE INDEX IF NOT EXISTS rh_result_bad ON rh_result(run_id, rule_no, subject_id)
  WHERE outcome <> 1 AND outcome <> 3;
CREATE TABLE IF NOT EXISTS rh_decision(
  run_id     INTEGER NOT NULL,
  policy_no  INTEGER NOT NULL,
  subject_id INTEGER NOT NULL,
  decision   INTEGER NOT NULL,            -- 1 positive, 2 negative, 3 NEEDS_DATA
  failed     TEXT NOT NULL,               -- sorted rule ids, comma-separated
  unknown    TEXT NOT NULL,
  PRIMARY KEY(run_id, policy_no, subject_id)
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS rh_results AS
  SELECT r.run_id, rr.rule, rr.subject || CASE WHEN rr.subject = 'city' THEN '' ELSE ':' || r.subject_id END AS subject,
         o.name AS outcome, r.reason, r.vals AS "values", rr.cite,
         CASE WHEN rr.yearly THEN run.year END AS year
  FROM rh_result r
  JOIN rh_run_rule rr ON rr.run_id = r.run_id AND rr.no = r.rule_no
  JOIN rh_outcome o ON o.code = r.outcome
  JOIN rh_run run ON run.id = r.run_id;
CREATE VIEW IF NOT EXISTS rh_decisions AS
  SELECT d.run_id, p.policy, p.subject || ':' || d.subject_id AS subject,
         CASE d.decision
           WHEN 1 THEN CASE p.answers WHEN 'eligibility' THEN 'ELIGIBLE' ELSE 'COMPLIANT' END
           WHEN 2 THEN CASE p.answers WHEN 'eligibility' THEN 'INELIGIBLE' ELSE 'NON_COMPLIANT' END
           ELSE 'NEEDS_DATA' END AS decision,
         d.failed, d.unknown, CASE WHEN p.yearly THEN run.year END AS year
  FROM rh_decision d
  JOIN rh_run_policy p ON p.run_id = d.run_id AND p.no = d.policy_no
  JOIN rh_run run ON run.id = d.run_id;
