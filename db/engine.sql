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
-- Results, packed: one row per subject and rule group (the rules of a run
-- that judge the same table, evaluated together; rh_run_group lists them).
-- A row costs one b-tree append whatever the number of rules, which is what
-- lets a run store a million subjects at the speed SQLite writes (a row per
-- rule and subject cost about 1.5 us each, more than the rules themselves).
-- outcomes holds one digit per rule of the group (rh_outcome.code, '0' where
-- the row does not carry that rule: a group split around a crashed subject);
-- detail is a JSON array with one [reason, values] per rule (null where
-- absent, and [reason] alone when there are no values; a reason or values
-- object that repeats is an id into rh_run_reason).  rh_result_rows unpacks them; rh_results is the readable form.
CREATE TABLE IF NOT EXISTS rh_run_group(
  run_id  INTEGER NOT NULL,
  grp     INTEGER NOT NULL,
  k       INTEGER NOT NULL,               -- position in outcomes and detail, from 0
  rule_no INTEGER NOT NULL,
  PRIMARY KEY(run_id, grp, k)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rh_result_pack(
  run_id     INTEGER NOT NULL,
  grp        INTEGER NOT NULL,
  subject_id INTEGER NOT NULL,            -- 0 for the city
  outcomes   TEXT NOT NULL,
  detail     TEXT NOT NULL,
  src        INTEGER NOT NULL             -- the task that made the row: its texts in rh_run_reason
);
-- Reason texts and values objects that repeat within a run, stored once:
-- detail holds the id (a JSON integer) where the text would be.
CREATE TABLE IF NOT EXISTS rh_run_reason(
  run_id INTEGER NOT NULL,
  src    INTEGER NOT NULL,                -- the task (rh_result_pack.src)
  id     INTEGER NOT NULL,
  text   TEXT NOT NULL,
  PRIMARY KEY(run_id, src, id)
) WITHOUT ROWID;
-- Runs stored before packing (one row per rule and subject) stay readable
-- through rh_result_rows; nothing writes here any more.
CREATE TABLE IF NOT EXISTS rh_result(
  run_id     INTEGER NOT NULL,
  rule_no    INTEGER NOT NULL,
  subject_id INTEGER NOT NULL,            -- 0 for the city
  outcome    INTEGER NOT NULL,            -- rh_outcome.code
  reason     TEXT,
  vals       TEXT                         -- JSON object of the values compared
);
-- One row per rule and subject, whichever way the run stored it.  rid is the
-- stored row's rowid: rh_run.first_result .. last_result bound a run's rows,
-- so reading one run is a range scan.
CREATE VIEW IF NOT EXISTS rh_result_rows(rid, run_id, rule_no, subject_id, outcome, reason, vals) AS
  SELECT r.rowid, r.run_id, r.rule_no, r.subject_id, r.outcome, r.reason, r.vals FROM rh_result r
  UNION ALL
  SELECT p.rowid, p.run_id, g.rule_no, p.subject_id, unicode(substr(p.outcomes, g.k + 1, 1)) - 48,
         CASE WHEN json_type(p.detail, '$[' || g.k || '][0]') = 'integer'
           THEN (SELECT t.text FROM rh_run_reason t
                 WHERE t.run_id = p.run_id AND t.src = p.src AND t.id = json_extract(p.detail, '$[' || g.k || '][0]'))
           ELSE json_extract(p.detail, '$[' || g.k || '][0]') END,
         CASE WHEN json_type(p.detail, '$[' || g.k || '][1]') = 'integer'
           THEN (SELECT t.text FROM rh_run_reason t
                 WHERE t.run_id = p.run_id AND t.src = p.src AND t.id = json_extract(p.detail, '$[' || g.k || '][1]'))
           ELSE json_extract(p.detail, '$[' || g.k || '][1]') END
  FROM rh_result_pack p JOIN rh_run_group g ON g.run_id = p.run_id AND g.grp = p.grp
  WHERE substr(p.outcomes, g.k + 1, 1) <> '0';
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
  FROM rh_result_rows r
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
