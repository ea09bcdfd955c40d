-- Data model version 1: every table of shared/domain/data-model.md.
--
-- Run by the migration runner inside one transaction (it sets user_version).
-- SQL types are only INTEGER, REAL and TEXT; finer rules (dates, months,
-- money, flags, enums, ranges) are listed in rh_column and enforced by
-- `ronghe import`, which can word its messages better than a CHECK could.
-- Subject tables declare `id INTEGER PRIMARY KEY NOT NULL`: still the rowid,
-- but NOT NULL makes PRAGMA table_info report it as required, so a file
-- without ids is rejected instead of getting ids invented for it.
-- Foreign key columns are indexed unless they lead a UNIQUE key already.

-- Enterprises and posts ------------------------------------------------------

CREATE TABLE enterprise (
  id INTEGER PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  uscc TEXT,
  reg_country TEXT,
  reg_province TEXT,
  is_legal_person INTEGER,
  main_business_is_education INTEGER,
  is_above_scale INTEGER,
  is_leading INTEGER,
  venue_category TEXT
);

CREATE TABLE enterprise_headcount (
  enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
  snapshot_date TEXT NOT NULL,
  on_post_employees INTEGER,
  frontline_employees INTEGER,
  UNIQUE (enterprise_id, snapshot_date)
);

CREATE TABLE enterprise_wage (
  enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
  from_date TEXT NOT NULL,
  lowest_grade_wage_monthly REAL,
  local_min_wage_monthly REAL,
  UNIQUE (enterprise_id, from_date)
);

CREATE TABLE post (
  id INTEGER PRIMARY KEY NOT NULL,
  enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
  name TEXT NOT NULL,
  is_high_risk INTEGER,
  labor_intensity_level INTEGER
);
CREATE INDEX ix_post_enterprise_id ON post(enterprise_id);

CREATE TABLE post_headcount (
  post_id INTEGER NOT NULL REFERENCES post(id),
  snapshot_date TEXT NOT NULL,
  staff INTEGER,
  UNIQUE (post_id, snapshot_date)
);

CREATE TABLE post_wage (
  post_id INTEGER NOT NULL REFERENCES post(id),
  from_date TEXT NOT NULL,
  wage_standard_monthly REAL,
  probation_wage_monthly REAL,
  UNIQUE (post_id, from_date)
);

CREATE TABLE holiday (
  date TEXT NOT NULL,
  is_statutory INTEGER NOT NULL,
  name TEXT,
  UNIQUE (date)
);

-- Schools and students (before the tables that refer to them) ---------------

CREATE TABLE school (
  id INTEGER PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  type TEXT,
  is_1x_pilot INTEGER
);

CREATE TABLE major (
  id INTEGER PRIMARY KEY NOT NULL,
  school_id INTEGER NOT NULL REFERENCES school(id),
  name TEXT NOT NULL,
  is_1x_pilot INTEGER NOT NULL
);
CREATE INDEX ix_major_school_id ON major(school_id);

CREATE TABLE student (
  id INTEGER PRIMARY KEY NOT NULL,
  school_id INTEGER NOT NULL REFERENCES school(id),
  major_id INTEGER REFERENCES major(id),
  name TEXT,
  birth_date TEXT,
  status TEXT NOT NULL
);
CREATE INDEX ix_student_school_id ON student(school_id);
CREATE INDEX ix_student_major_id ON student(major_id);

-- Enterprise status ----------------------------------------------------------

CREATE TABLE designation (
  id INTEGER PRIMARY KEY NOT NULL,
  enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
  kind TEXT NOT NULL,
  level TEXT,
  valid_from TEXT NOT NULL,
  valid_to TEXT,
  certified_date TEXT,
  revoked_date TEXT,
  revoke_reason TEXT
);
CREATE INDEX ix_designation_enterprise_id ON designation(enterprise_id);

CREATE TABLE credit_event (
  id INTEGER PRIMARY KEY NOT NULL,
  enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
  kind TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT
);
CREATE INDEX ix_credit_event_enterprise_id ON credit_event(enterprise_id);

CREATE TABLE qualifying_activity (
  id INTEGER PRIMARY KEY NOT NULL,
  enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
  kind TEXT NOT NULL,
  partner_school_id INTEGER REFERENCES school(id),
  start_date TEXT NOT NULL,
  end_date TEXT
);
CREATE INDEX ix_qualifying_activity_enterprise_id ON qualifying_activity(enterprise_id);
CREATE INDEX ix_qualifying_activity_partner_school_id ON qualifying_activity(partner_school_id);

-- Internships ----------------------------------------------------------------

CREATE TABLE internship (
  id INTEGER PRIMARY KEY NOT NULL,
  student_id INTEGER NOT NULL REFERENCES student(id),
  enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
  post_id INTEGER REFERENCES post(id),
  type TEXT NOT NULL,
  independent_work INTEGER NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  grade_at_start INTEGER,
  major_matched INTEGER,
  via_intermediary INTEGER NOT NULL,
  special_arrangement_filed INTEGER NOT NULL,
  fees_charged REAL NOT NULL
);
CREATE INDEX ix_internship_student_id ON internship(student_id);
CREATE INDEX ix_internship_enterprise_id ON internship(enterprise_id);
CREATE INDEX ix_internship_post_id ON internship(post_id);

CREATE TABLE internship_agreement (
  internship_id INTEGER NOT NULL REFERENCES internship(id),
  school_signed INTEGER NOT NULL,
  enterprise_signed INTEGER NOT NULL,
  student_signed INTEGER NOT NULL,
  signed_date TEXT
);
CREATE INDEX ix_internship_agreement_internship_id ON internship_agreement(internship_id);

CREATE TABLE guardian_consent (
  internship_id INTEGER NOT NULL REFERENCES internship(id),
  consent_date TEXT NOT NULL
);
CREATE INDEX ix_guardian_consent_internship_id ON guardian_consent(internship_id);

CREATE TABLE internship_insurance (
  internship_id INTEGER NOT NULL REFERENCES internship(id),
  policy_no TEXT,
  cover_start TEXT NOT NULL,
  cover_end TEXT NOT NULL
);
CREATE INDEX ix_internship_insurance_internship_id ON internship_insurance(internship_id);

CREATE TABLE internship_payment (
  internship_id INTEGER NOT NULL REFERENCES internship(id),
  pay_month TEXT NOT NULL,
  amount REAL NOT NULL,
  form TEXT NOT NULL,
  direct INTEGER NOT NULL
);
CREATE INDEX ix_internship_payment_internship_id ON internship_payment(internship_id, pay_month);

CREATE TABLE timesheet (
  internship_id INTEGER NOT NULL REFERENCES internship(id),
  work_date TEXT NOT NULL,
  hours REAL NOT NULL,
  night_hours REAL NOT NULL,
  UNIQUE (internship_id, work_date)
);

-- Apprenticeships ------------------------------------------------------------

CREATE TABLE apprenticeship (
  id INTEGER PRIMARY KEY NOT NULL,
  program TEXT NOT NULL,
  student_id INTEGER REFERENCES student(id),
  birth_date TEXT,
  enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
  school_id INTEGER REFERENCES school(id),
  start_date TEXT NOT NULL,
  end_date TEXT,
  planned_months INTEGER,
  extension INTEGER NOT NULL,
  contract_start TEXT,
  contract_end TEXT,
  agreement_signed_date TEXT,
  monthly_wage REAL
);
CREATE INDEX ix_apprenticeship_student_id ON apprenticeship(student_id);
CREATE INDEX ix_apprenticeship_enterprise_id ON apprenticeship(enterprise_id);
CREATE INDEX ix_apprenticeship_school_id ON apprenticeship(school_id);

CREATE TABLE mentor (
  id INTEGER PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL,
  enterprise_id INTEGER REFERENCES enterprise(id),
  school_id INTEGER REFERENCES school(id),
  name TEXT,
  skill_level TEXT
);
CREATE INDEX ix_mentor_enterprise_id ON mentor(enterprise_id);
CREATE INDEX ix_mentor_school_id ON mentor(school_id);

CREATE TABLE mentor_assignment (
  apprenticeship_id INTEGER NOT NULL REFERENCES apprenticeship(id),
  mentor_id INTEGER REFERENCES mentor(id),
  role TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT
);
CREATE INDEX ix_mentor_assignment_apprenticeship_id ON mentor_assignment(apprenticeship_id);
CREATE INDEX ix_mentor_assignment_mentor_id ON mentor_assignment(mentor_id);

CREATE TABLE subsidy_standard (
  id INTEGER PRIMARY KEY NOT NULL,
  city TEXT NOT NULL,
  amount_per_year REAL NOT NULL,
  set_date TEXT NOT NULL
);

-- Certificates ---------------------------------------------------------------

CREATE TABLE certificate (
  id INTEGER PRIMARY KEY NOT NULL,
  student_id INTEGER NOT NULL REFERENCES student(id),
  cert_code TEXT,
  in_1x_catalog INTEGER NOT NULL,
  level TEXT,
  issue_date TEXT NOT NULL,
  valid_to TEXT,
  revoked INTEGER NOT NULL,
  is_graduation_condition INTEGER
);
CREATE INDEX ix_certificate_student_id ON certificate(student_id);

-- Money: training funds and tax ----------------------------------------------

CREATE TABLE edu_fund_year (
  enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
  year INTEGER NOT NULL,
  wage_total REAL,
  extracted REAL,
  expense REAL,
  spent_total REAL,
  spent_frontline REAL,
  opening_carry REAL,
  UNIQUE (enterprise_id, year)
);

CREATE TABLE voc_investment (
  id INTEGER PRIMARY KEY NOT NULL,
  enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
  invest_date TEXT NOT NULL,
  amount REAL NOT NULL,
  category TEXT NOT NULL,
  withdrawn_date TEXT
);
CREATE INDEX ix_voc_investment_enterprise_id ON voc_investment(enterprise_id);

CREATE TABLE surcharge_year (
  enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
  year INTEGER NOT NULL,
  edu_due REAL,
  local_edu_due REAL,
  opening_credit_carry REAL,
  UNIQUE (enterprise_id, year)
);

-- Plan carriers and targets --------------------------------------------------

CREATE TABLE carrier (
  id INTEGER PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL,
  name TEXT,
  enterprise_id INTEGER REFERENCES enterprise(id),
  school_id INTEGER REFERENCES school(id),
  major_id INTEGER REFERENCES major(id),
  recognized_date TEXT,
  revoked_date TEXT,
  open_to_public INTEGER,
  shared INTEGER,
  functions TEXT
);
CREATE INDEX ix_carrier_kind ON carrier(kind);
CREATE INDEX ix_carrier_enterprise_id ON carrier(enterprise_id);
CREATE INDEX ix_carrier_school_id ON carrier(school_id);
CREATE INDEX ix_carrier_major_id ON carrier(major_id);

CREATE TABLE plan_target (
  kind TEXT NOT NULL,
  target INTEGER NOT NULL,
  deadline TEXT,
  UNIQUE (kind)
);

-- The seed plan's targets (the city may update them).
INSERT INTO plan_target (kind, target, deadline) VALUES
  ('INDUSTRY', 1, '2023-12-31'),
  ('DEMO_ENTERPRISE', 3, '2023-12-31'),
  ('TRAINING_BASE', 1, '2023-12-31'),
  ('EXPERIENCE_CENTER', 2, '2023-12-31'),
  ('BRAND_MAJOR', 3, '2023-12-31'),
  ('TEACHER_TEAM', 2, '2023-12-31'),
  ('ALLIANCE', 1, NULL),
  ('INDUSTRY_BLOCK', 1, NULL);

-- Column metadata for the importer -------------------------------------------
-- kind: date (YYYY-MM-DD, a real calendar date), month (YYYY-MM), money (at
-- most 2 decimals), flag (0/1), enum (arg: values separated by |, exact
-- spelling), range (arg: lo-hi, inclusive integer bounds).  Columns not
-- listed need only their SQL type (certificate.level is free text on purpose).

CREATE TABLE rh_column (
  tbl TEXT NOT NULL,
  col TEXT NOT NULL,
  kind TEXT NOT NULL,
  arg TEXT,
  PRIMARY KEY (tbl, col)
) WITHOUT ROWID;

INSERT INTO rh_column (tbl, col, kind, arg) VALUES
  ('enterprise', 'is_legal_person', 'flag', NULL),
  ('enterprise', 'main_business_is_education', 'flag', NULL),
  ('enterprise', 'is_above_scale', 'flag', NULL),
  ('enterprise', 'is_leading', 'flag', NULL),
  ('enterprise', 'venue_category', 'enum', 'BAR|KTV|NIGHTCLUB|BATHHOUSE|GAME_HALL|INTERNET_CAFE'),

  ('enterprise_headcount', 'snapshot_date', 'date', NULL),

  ('enterprise_wage', 'from_date', 'date', NULL),
  ('enterprise_wage', 'lowest_grade_wage_monthly', 'money', NULL),
  ('enterprise_wage', 'local_min_wage_monthly', 'money', NULL),

  ('post', 'is_high_risk', 'flag', NULL),
  ('post', 'labor_intensity_level', 'range', '1-4'),

  ('post_headcount', 'snapshot_date', 'date', NULL),

  ('post_wage', 'from_date', 'date', NULL),
  ('post_wage', 'wage_standard_monthly', 'money', NULL),
  ('post_wage', 'probation_wage_monthly', 'money', NULL),

  ('holiday', 'date', 'date', NULL),
  ('holiday', 'is_statutory', 'flag', NULL),

  ('designation', 'kind', 'enum', 'CJRH_RESERVE|CJRH_CERTIFIED|CITY_DEMO'),
  ('designation', 'level', 'enum', 'NATIONAL|PROVINCIAL|CITY'),
  ('designation', 'valid_from', 'date', NULL),
  ('designation', 'valid_to', 'date', NULL),
  ('designation', 'certified_date', 'date', NULL),
  ('designation', 'revoked_date', 'date', NULL),
  ('designation', 'revoke_reason', 'enum', 'FRAUD|MAJOR_ENV_ACCIDENT|MAJOR_SAFETY_ACCIDENT|MAJOR_QUALITY_ACCIDENT|STUDENT_RIGHTS_INFRINGEMENT|BLACKLIST|OTHER'),

  ('credit_event', 'kind', 'enum', 'BLACKLIST|MAJOR_ENV_ACCIDENT|MAJOR_SAFETY_ACCIDENT|MAJOR_QUALITY_ACCIDENT|TAX_VIOLATION|FRAUD|STUDENT_RIGHTS_INFRINGEMENT'),
  ('credit_event', 'start_date', 'date', NULL),
  ('credit_event', 'end_date', 'date', NULL),

  ('qualifying_activity', 'kind', 'enum', 'RUN_SCHOOL|CORP_UNIVERSITY|APPRENTICESHIP_PILOT|X_CERT_PILOT|TRAINING_BASE|VOC_GROUP_MEMBER'),
  ('qualifying_activity', 'start_date', 'date', NULL),
  ('qualifying_activity', 'end_date', 'date', NULL),

  ('school', 'type', 'enum', 'SECONDARY_VOC|HIGHER_VOC|TECHNICAL|UNDERGRADUATE|OTHER'),
  ('school', 'is_1x_pilot', 'flag', NULL),

  ('major', 'is_1x_pilot', 'flag', NULL),

  ('student', 'birth_date', 'date', NULL),
  ('student', 'status', 'enum', 'ACTIVE|GRADUATED|WITHDRAWN'),

  ('internship', 'type', 'enum', 'COGNITIVE|POST'),
  ('internship', 'independent_work', 'flag', NULL),
  ('internship', 'start_date', 'date', NULL),
  ('internship', 'end_date', 'date', NULL),
  ('internship', 'major_matched', 'flag', NULL),
  ('internship', 'via_intermediary', 'flag', NULL),
  ('internship', 'special_arrangement_filed', 'flag', NULL),
  ('internship', 'fees_charged', 'money', NULL),

  ('internship_agreement', 'school_signed', 'flag', NULL),
  ('internship_agreement', 'enterprise_signed', 'flag', NULL),
  ('internship_agreement', 'student_signed', 'flag', NULL),
  ('internship_agreement', 'signed_date', 'date', NULL),

  ('guardian_consent', 'consent_date', 'date', NULL),

  ('internship_insurance', 'cover_start', 'date', NULL),
  ('internship_insurance', 'cover_end', 'date', NULL),

  ('internship_payment', 'pay_month', 'month', NULL),
  ('internship_payment', 'amount', 'money', NULL),
  ('internship_payment', 'form', 'enum', 'MONEY|GOODS|VOUCHER'),
  ('internship_payment', 'direct', 'flag', NULL),

  ('timesheet', 'work_date', 'date', NULL),

  ('apprenticeship', 'program', 'enum', 'MODERN|NE'),
  ('apprenticeship', 'birth_date', 'date', NULL),
  ('apprenticeship', 'start_date', 'date', NULL),
  ('apprenticeship', 'end_date', 'date', NULL),
  ('apprenticeship', 'extension', 'flag', NULL),
  ('apprenticeship', 'contract_start', 'date', NULL),
  ('apprenticeship', 'contract_end', 'date', NULL),
  ('apprenticeship', 'agreement_signed_date', 'date', NULL),
  ('apprenticeship', 'monthly_wage', 'money', NULL),

  ('mentor', 'kind', 'enum', 'SCHOOL|ENTERPRISE'),
  ('mentor', 'skill_level', 'enum', '初级工|中级工|高级工|技师|高级技师'),

  ('mentor_assignment', 'role', 'enum', 'SCHOOL|ENTERPRISE'),
  ('mentor_assignment', 'start_date', 'date', NULL),
  ('mentor_assignment', 'end_date', 'date', NULL),

  ('subsidy_standard', 'amount_per_year', 'money', NULL),
  ('subsidy_standard', 'set_date', 'date', NULL),

  ('certificate', 'in_1x_catalog', 'flag', NULL),
  ('certificate', 'issue_date', 'date', NULL),
  ('certificate', 'valid_to', 'date', NULL),
  ('certificate', 'revoked', 'flag', NULL),
  ('certificate', 'is_graduation_condition', 'flag', NULL),

  ('edu_fund_year', 'wage_total', 'money', NULL),
  ('edu_fund_year', 'extracted', 'money', NULL),
  ('edu_fund_year', 'expense', 'money', NULL),
  ('edu_fund_year', 'spent_total', 'money', NULL),
  ('edu_fund_year', 'spent_frontline', 'money', NULL),
  ('edu_fund_year', 'opening_carry', 'money', NULL),

  ('voc_investment', 'invest_date', 'date', NULL),
  ('voc_investment', 'amount', 'money', NULL),
  ('voc_investment', 'category', 'enum', 'RUN_SCHOOL|TRAINING_BASE_BUILD|TRAINING_BASE_OPS|OTHER'),
  ('voc_investment', 'withdrawn_date', 'date', NULL),

  ('surcharge_year', 'edu_due', 'money', NULL),
  ('surcharge_year', 'local_edu_due', 'money', NULL),
  ('surcharge_year', 'opening_credit_carry', 'money', NULL),

  ('carrier', 'kind', 'enum', 'INDUSTRY|DEMO_ENTERPRISE|TRAINING_BASE|EXPERIENCE_CENTER|BRAND_MAJOR|TEACHER_TEAM|ALLIANCE|INDUSTRY_BLOCK'),
  ('carrier', 'recognized_date', 'date', NULL),
  ('carrier', 'revoked_date', 'date', NULL),
  ('carrier', 'open_to_public', 'flag', NULL),
  ('carrier', 'shared', 'flag', NULL),

  ('plan_target', 'kind', 'enum', 'INDUSTRY|DEMO_ENTERPRISE|TRAINING_BASE|EXPERIENCE_CENTER|BRAND_MAJOR|TEACHER_TEAM|ALLIANCE|INDUSTRY_BLOCK'),
  ('plan_target', 'deadline', 'date', NULL);
