-- Rule tests for rules/enterprise.lua: CJE-01 … CJE-10 and the decisions CULTIVATION_ELIGIBLE (D1 = CJE-01..06, 08)
-- and PRIORITY_SUPPORT (D2 = CJE-03, 07, 10).
-- Written from the policy book (/work/shared/domain/policy-book.md, (b) "Enterprise", conventions 1–4) and the
-- data model; each case names the clause it exercises and sits on a boundary (the day of, the day before/after).
-- Conventions used throughout:
--   * conv. 4: intervals are inclusive; a record is active on d if start ≤ d ≤ end (end NULL = open).
--   * conv. 4: "近N年" window = (add_years(as_of, −N), as_of]; an N-year bar lasts through add_years(r, N) inclusive.
--   * conv. 1: any FAIL → INELIGIBLE, else any UNKNOWN → NEEDS_DATA, else ELIGIBLE.

local NULL = {}  -- marks a column to leave NULL in `with`

-- A copy of `base` with the fields of `over` (NULL removes a field).
local function with(base, over)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(over or {}) do
    if v == NULL then t[k] = nil else t[k] = v end
  end
  return t
end

-- An enterprise that meets CJE-01 and CJE-02: a Shaanxi-registered legal person whose main business is not education.
local function firm(id, over)
  return with({ id = id, name = "企业" .. id, reg_country = "CN", reg_province = "陕西省",
                is_legal_person = 1, main_business_is_education = 0 }, over)
end

local function event(id, ent, kind, start, stop)
  return { id = id, enterprise_id = ent, kind = kind, start_date = start, end_date = stop }
end

local function desig(id, ent, kind, from, over)
  return with({ id = id, enterprise_id = ent, kind = kind, valid_from = from }, over)
end

local function activity(id, ent, kind, start, stop)
  return { id = id, enterprise_id = ent, kind = kind, start_date = start, end_date = stop }
end

-- An internship hosted by enterprise `ent` (only the columns CJE-06 reads matter).
local function hosted(id, ent, start, stop)
  return { id = id, student_id = id, enterprise_id = ent, type = "POST", independent_work = 1,
           start_date = start, end_date = stop, via_intermediary = 0, special_arrangement_filed = 0,
           fees_charged = 0 }
end

---------------------------------------------------------------------------
-- CJE-01: registered in China, independent legal person, reg_province = REQUIRED_PROVINCE (陕西省); NULL → UNKNOWN
---------------------------------------------------------------------------
case "CJE-01: 590号§5 + Shaanxi notice — CN, 陕西省, legal person passes; another province, country or no legal person fails" {
  as_of = "2023-06-30",
  rows = {
    enterprise = {
      firm(1),
      firm(2, { reg_province = "江苏省" }),
      firm(3, { is_legal_person = 0 }),
      firm(4, { reg_country = "US", reg_province = NULL }),   -- known foreign registration decides despite NULL province
    },
  },
  expect = {
    ["CJE-01"] = {
      ["enterprise:1"] = { "PASS", values = { province = "陕西省" } },
      ["enterprise:2"] = { "FAIL", reason = "江苏省" },
      ["enterprise:3"] = { "FAIL", reason = "不具有独立法人资格" },
      ["enterprise:4"] = { "FAIL", reason = "不在中国境内" },
    },
  },
}

case "CJE-01: missing registration data (country, province or legal-person flag NULL) → UNKNOWN, never PASS" {
  as_of = "2023-06-30",
  rows = {
    enterprise = {
      firm(1, { reg_province = NULL }),
      firm(2, { is_legal_person = NULL }),
      firm(3, { reg_country = NULL }),
    },
  },
  expect = {
    ["CJE-01"] = {
      ["enterprise:1"] = { "UNKNOWN", reason = "注册省份" },
      ["enterprise:2"] = { "UNKNOWN", reason = "是否独立法人" },
      ["enterprise:3"] = { "UNKNOWN", reason = "注册国家" },
    },
  },
}

case "CJE-01: REQUIRED_PROVINCE is a parameter — with 江苏省 required, the Shaanxi firm fails" {
  as_of = "2023-06-30",
  rows = { enterprise = { firm(1), firm(2, { reg_province = "江苏省" }) } },
  params = { REQUIRED_PROVINCE = "江苏省" },
  expect = { ["CJE-01"] = { ["enterprise:1"] = "FAIL", ["enterprise:2"] = "PASS" } },
}

case "CJE-01/CJE-02: 590号 was issued 2019-03-28 — not judged on 2019-03-27, judged from 2019-03-28" {
  as_of = "2019-03-27",
  rows = { enterprise = { firm(1) } },
  expect = { ["CJE-01"] = { ["enterprise:1"] = "N/A" }, ["CJE-02"] = { ["enterprise:1"] = "N/A" } },
}

case "CJE-01/CJE-02: judged on the day 590号 was issued (2019-03-28)" {
  as_of = "2019-03-28",
  rows = { enterprise = { firm(1) } },
  expect = { ["CJE-01"] = { ["enterprise:1"] = "PASS" }, ["CJE-02"] = { ["enterprise:1"] = "PASS" } },
}

---------------------------------------------------------------------------
-- CJE-02: main business ≠ education/training ("原则上": an officer may admit by exception); NULL → UNKNOWN
---------------------------------------------------------------------------
case "CJE-02: 590号 — education/training main business is excluded in principle; NULL is unknown" {
  as_of = "2023-06-30",
  rows = {
    enterprise = {
      firm(1),
      firm(2, { main_business_is_education = 1 }),
      firm(3, { main_business_is_education = NULL }),
    },
  },
  expect = {
    ["CJE-02"] = {
      ["enterprise:1"] = "PASS",
      ["enterprise:2"] = { "FAIL", reason = "原则上不纳入" },
      ["enterprise:3"] = "UNKNOWN",
    },
  },
}

case "CJE-02: 原则上 — an officer's exception (EDUCATION_EXCEPTIONS) admits enterprise 2 only" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(2, { main_business_is_education = 1 }), firm(3, { main_business_is_education = 1 }) },
  },
  params = { EDUCATION_EXCEPTIONS = "2" },
  expect = { ["CJE-02"] = { ["enterprise:2"] = "PASS", ["enterprise:3"] = "FAIL" } },
}

---------------------------------------------------------------------------
-- CJE-03: no BLACKLIST listing active on as_of (start ≤ as_of ≤ end, end = removal date, NULL = still listed)
---------------------------------------------------------------------------
case "CJE-03: 590号 blacklist — listed on as_of fails (incl. listing day and removal day); removed the day before passes" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2), firm(3), firm(4), firm(5), firm(6) },
    credit_event = {
      event(21, 2, "BLACKLIST", "2023-06-30", nil),            -- listed on as_of itself
      event(31, 3, "BLACKLIST", "2020-01-01", "2023-06-30"),   -- removed on as_of: still listed that day
      event(41, 4, "BLACKLIST", "2020-01-01", "2023-06-29"),   -- removed the day before
      event(51, 5, "BLACKLIST", "2023-07-01", nil),            -- listed only after as_of
      event(61, 6, "TAX_VIOLATION", "2023-01-01", nil),        -- not a blacklist listing
    },
  },
  expect = {
    ["CJE-03"] = {
      ["enterprise:1"] = "PASS",
      ["enterprise:2"] = { "FAIL", values = { date = "2023-06-30" } },
      ["enterprise:3"] = { "FAIL", reason = "2020-01-01" },
      ["enterprise:4"] = "PASS",     -- (d)2 default: only a listing active on as_of blocks
      ["enterprise:5"] = "PASS",
      ["enterprise:6"] = "PASS",
    },
  },
}

---------------------------------------------------------------------------
-- CJE-04: no MAJOR_{ENV,SAFETY,QUALITY}_ACCIDENT in (add_years(as_of, −3), as_of]
---------------------------------------------------------------------------
case "CJE-04: 近三年 window (2020-06-30, 2023-06-30] — exactly 3 years ago is outside, the day after is inside" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2), firm(3), firm(4), firm(5), firm(6) },
    credit_event = {
      event(11, 1, "MAJOR_SAFETY_ACCIDENT", "2020-06-30"),     -- the excluded lower bound
      event(21, 2, "MAJOR_ENV_ACCIDENT", "2020-07-01"),        -- first day inside the window
      event(31, 3, "MAJOR_QUALITY_ACCIDENT", "2023-06-30"),    -- as_of itself (inclusive)
      event(41, 4, "MAJOR_SAFETY_ACCIDENT", "2023-07-01"),     -- after as_of
      event(51, 5, "TAX_VIOLATION", "2022-01-01"),             -- not an accident (that is CJE-05)
      event(61, 6, "FRAUD", "2022-01-01"),                     -- not an accident either
    },
  },
  expect = {
    ["CJE-04"] = {
      ["enterprise:1"] = { "PASS", values = { window_after = "2020-06-30" } },
      ["enterprise:2"] = { "FAIL", values = { date = "2020-07-01" } },
      ["enterprise:3"] = { "FAIL", values = { date = "2023-06-30" } },
      ["enterprise:4"] = "PASS",
      ["enterprise:5"] = "PASS",
      ["enterprise:6"] = "PASS",
    },
  },
}

case "CJE-04: leap as_of 2024-02-29 — window starts after add_years(2024-02-29, −3) = 2021-02-28" {
  as_of = "2024-02-29",
  rows = {
    enterprise = { firm(1), firm(2) },
    credit_event = {
      event(11, 1, "MAJOR_SAFETY_ACCIDENT", "2021-02-28"),     -- = add_years(as_of, −3): outside
      event(21, 2, "MAJOR_SAFETY_ACCIDENT", "2021-03-01"),     -- inside
    },
  },
  expect = { ["CJE-04"] = { ["enterprise:1"] = "PASS", ["enterprise:2"] = "FAIL" } },
}

---------------------------------------------------------------------------
-- CJE-05: no TAX_VIOLATION in the LOOKBACK window (default 3 years [A], (d)2)
---------------------------------------------------------------------------
case "CJE-05: 590号 tax violation within 近三年 fails; exactly 3 years before as_of passes" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2), firm(3), firm(4) },
    credit_event = {
      event(11, 1, "TAX_VIOLATION", "2020-06-30"),
      event(21, 2, "TAX_VIOLATION", "2020-07-01"),
      event(31, 3, "MAJOR_SAFETY_ACCIDENT", "2022-01-01"),     -- an accident is CJE-04's business
      event(41, 4, "TAX_VIOLATION", "2023-07-01"),             -- after as_of
    },
  },
  expect = {
    ["CJE-05"] = {
      ["enterprise:1"] = "PASS",
      ["enterprise:2"] = { "FAIL", values = { date = "2020-07-01" } },
      ["enterprise:3"] = "PASS",
      ["enterprise:4"] = "PASS",
    },
  },
}

case "CJE-05: LOOKBACK_YEARS is the officer's parameter ((d)2) — 5 years reaches back to 2018-07-01" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2) },
    credit_event = { event(11, 1, "TAX_VIOLATION", "2018-06-30"), event(21, 2, "TAX_VIOLATION", "2018-07-01") },
  },
  params = { LOOKBACK_YEARS = 5 },
  expect = { ["CJE-05"] = { ["enterprise:1"] = "PASS", ["enterprise:2"] = "FAIL" } },
}

---------------------------------------------------------------------------
-- CJE-06: ≥ MIN_ACTIVITIES (1) qualifying activity active on as_of; internship hosting counts only with
-- ≥ HOSTING_DAYS (1095) union days up to as_of
---------------------------------------------------------------------------
case "CJE-06: 590号§5 — an activity active on as_of (start or end on as_of) qualifies; ended or not yet started does not" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2), firm(3), firm(4), firm(5) },
    qualifying_activity = {
      activity(11, 1, "TRAINING_BASE", "2023-06-30", nil),          -- starts on as_of
      activity(21, 2, "APPRENTICESHIP_PILOT", "2020-01-01", "2023-06-29"), -- ended the day before
      activity(31, 3, "X_CERT_PILOT", "2023-07-01", nil),           -- starts the day after
      activity(41, 4, "VOC_GROUP_MEMBER", "2020-01-01", "2023-06-30"), -- ends on as_of
      activity(51, 5, "RUN_SCHOOL", "2010-01-01", nil),
    },
  },
  expect = {
    ["CJE-06"] = {
      ["enterprise:1"] = { "PASS", values = { activities = 1 } },
      ["enterprise:2"] = { "FAIL", values = { activities = 0, hosting_days = 0 } },
      ["enterprise:3"] = "FAIL",
      ["enterprise:4"] = "PASS",
      ["enterprise:5"] = "PASS",
    },
  },
}

case "CJE-06: hosting interns 累计3年 = 1095 union days up to as_of passes; 1094 fails; overlaps count once" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2), firm(3), firm(4) },
    internship = {
      -- enterprise 1: 2020-07-01..2022-06-30 ∪ 2021-07-01..2023-06-30 = 2020-07-01..2023-06-30 = 1095 days
      hosted(101, 1, "2020-07-01", "2022-06-30"), hosted(102, 1, "2021-07-01", "2023-06-30"),
      -- enterprise 2: 2020-07-02..2023-06-30 = 1094 days
      hosted(201, 2, "2020-07-02", "2023-12-31"),                    -- days after as_of are not counted
      -- enterprise 3: two identical stays, 1460 days in sum but a union of 730 days
      hosted(301, 3, "2021-07-01", "2023-06-30"), hosted(302, 3, "2021-07-01", "2023-06-30"),
      -- enterprise 4: an internship starting after as_of does not count
      hosted(401, 4, "2023-07-01", "2027-06-30"),
    },
  },
  expect = {
    ["CJE-06"] = {
      ["enterprise:1"] = { "PASS", values = { hosting_days = 1095 } },
      ["enterprise:2"] = { "FAIL", values = { hosting_days = 1094 }, reason = "1094" },
      ["enterprise:3"] = { "FAIL", values = { hosting_days = 730 } },
      ["enterprise:4"] = { "FAIL", values = { hosting_days = 0 } },
    },
  },
}

case "CJE-06: with MIN_ACTIVITIES = 2 ((d)1), 1095 days of hosting counts as the second activity" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2) },
    qualifying_activity = { activity(11, 1, "TRAINING_BASE", "2020-01-01"), activity(21, 2, "TRAINING_BASE", "2020-01-01") },
    internship = { hosted(101, 1, "2020-07-01", "2023-06-30") },
  },
  params = { MIN_ACTIVITIES = 2 },
  expect = {
    ["CJE-06"] = {
      ["enterprise:1"] = { "PASS", values = { activities = 2 } },
      ["enterprise:2"] = { "FAIL", values = { activities = 1 } },
    },
  },
}

---------------------------------------------------------------------------
-- CJE-07: a PRIORITY_DESIGNATIONS designation active on as_of and not revoked on or before as_of
-- CJE-10: no disqualifying event starting in [valid_from of that designation, as_of]; N/A if CJE-07 fails
-- PRIORITY_SUPPORT = CJE-03, CJE-07, CJE-10
---------------------------------------------------------------------------
case "CJE-07: 二(二)1 — active designation on as_of (inclusive valid_from/valid_to); revoked on as_of no longer counts" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2), firm(3), firm(4), firm(5), firm(6), firm(7), firm(8) },
    designation = {
      desig(11, 1, "CITY_DEMO", "2022-01-01"),
      desig(21, 2, "CJRH_RESERVE", "2023-06-30"),                              -- valid from as_of
      desig(31, 3, "CJRH_CERTIFIED", "2023-07-01"),                            -- only from tomorrow
      desig(41, 4, "CJRH_CERTIFIED", "2020-01-01", { valid_to = "2023-06-29" }), -- expired yesterday
      desig(51, 5, "CJRH_CERTIFIED", "2020-01-01", { valid_to = "2023-06-30" }), -- last valid day
      desig(61, 6, "CJRH_CERTIFIED", "2020-01-01", { revoked_date = "2023-06-30", revoke_reason = "OTHER" }),
      desig(71, 7, "CJRH_CERTIFIED", "2020-01-01", { revoked_date = "2023-07-01", revoke_reason = "OTHER" }),
    },
  },
  expect = {
    ["CJE-07"] = {
      ["enterprise:1"] = { "PASS", values = { designation_id = 11 } },
      ["enterprise:2"] = "PASS",
      ["enterprise:3"] = "FAIL",
      ["enterprise:4"] = "FAIL",
      ["enterprise:5"] = "PASS",
      ["enterprise:6"] = { "FAIL", reason = "被撤销" },
      ["enterprise:7"] = "PASS",
      ["enterprise:8"] = "FAIL",      -- no designation at all
    },
  },
}

case "CJE-07: (d)3 — PRIORITY_DESIGNATIONS is a parameter; restricted to CITY_DEMO a reserve-only firm fails" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2) },
    designation = { desig(11, 1, "CITY_DEMO", "2022-01-01"), desig(21, 2, "CJRH_RESERVE", "2022-01-01") },
  },
  params = { PRIORITY_DESIGNATIONS = "CITY_DEMO" },
  expect = { ["CJE-07"] = { ["enterprise:1"] = "PASS", ["enterprise:2"] = { "FAIL", reason = "优先支持范围" } } },
}

case "CJE-10: 590号 exit — a disqualifying event from valid_from through as_of fails; before valid_from or not disqualifying passes" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2), firm(3), firm(4), firm(5), firm(6) },
    designation = {
      desig(11, 1, "CITY_DEMO", "2022-01-01"), desig(21, 2, "CITY_DEMO", "2022-01-01"),
      desig(31, 3, "CITY_DEMO", "2022-01-01"), desig(41, 4, "CITY_DEMO", "2022-01-01"),
      desig(51, 5, "CITY_DEMO", "2022-01-01"),
    },
    credit_event = {
      event(11, 1, "FRAUD", "2021-12-31"),                          -- the day before valid_from
      event(21, 2, "MAJOR_SAFETY_ACCIDENT", "2022-01-01"),          -- on valid_from
      event(31, 3, "STUDENT_RIGHTS_INFRINGEMENT", "2023-06-30"),    -- on as_of
      event(41, 4, "TAX_VIOLATION", "2023-01-01"),                  -- not a disqualifying kind
      event(51, 5, "BLACKLIST", "2023-07-01"),                      -- after as_of
    },
  },
  expect = {
    ["CJE-10"] = {
      ["enterprise:1"] = "PASS",
      ["enterprise:2"] = { "FAIL", values = { date = "2022-01-01" } },
      ["enterprise:3"] = { "FAIL", reason = "建议撤销" },
      ["enterprise:4"] = "PASS",
      ["enterprise:5"] = "PASS",
      ["enterprise:6"] = "N/A",       -- no designation: CJE-07 fails, so CJE-10 does not apply
    },
  },
}

case "CJE-10: the period starts at the earliest valid_from of the designations that pass CJE-07 (an expired one does not count)" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2) },
    designation = {
      desig(11, 1, "CJRH_RESERVE", "2019-01-01", { valid_to = "2021-12-31" }),   -- expired: not the period
      desig(12, 1, "CJRH_CERTIFIED", "2022-01-01"),
      desig(21, 2, "CJRH_RESERVE", "2020-01-01"),                                -- both active: from 2020-01-01
      desig(22, 2, "CJRH_CERTIFIED", "2022-01-01"),
    },
    credit_event = { event(11, 1, "FRAUD", "2021-06-01"), event(21, 2, "FRAUD", "2021-06-01") },
  },
  expect = {
    ["CJE-10"] = {
      ["enterprise:1"] = { "PASS", values = { valid_from = "2022-01-01" } },
      ["enterprise:2"] = { "FAIL", values = { valid_from = "2020-01-01" } },
    },
  },
}

case "PRIORITY_SUPPORT (D2): CJE-03 + CJE-07 + CJE-10 — any FAIL → INELIGIBLE, all PASS → ELIGIBLE" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2), firm(3), firm(4) },
    designation = {
      desig(11, 1, "CITY_DEMO", "2022-01-01"),
      desig(31, 3, "CJRH_CERTIFIED", "2022-01-01"),
      desig(41, 4, "CJRH_RESERVE", "2022-01-01"),
    },
    credit_event = {
      event(31, 3, "MAJOR_ENV_ACCIDENT", "2023-03-01"),             -- during the designation: CJE-10 FAIL
      event(41, 4, "BLACKLIST", "2023-05-01", nil),                 -- listed on as_of: CJE-03 and CJE-10 FAIL
    },
  },
  expect = {
    PRIORITY_SUPPORT = {
      ["enterprise:1"] = "ELIGIBLE",
      ["enterprise:2"] = "INELIGIBLE",   -- no designation (CJE-07 FAIL)
      ["enterprise:3"] = "INELIGIBLE",
      ["enterprise:4"] = "INELIGIBLE",
    },
    ["CJE-03"] = { ["enterprise:4"] = "FAIL" },
  },
}

---------------------------------------------------------------------------
-- CJE-08: no designation revoked for FRAUD, MAJOR_*_ACCIDENT, STUDENT_RIGHTS_INFRINGEMENT or BLACKLIST
-- with as_of ≤ add_years(revoked_date, 5) (the bar lasts through that day; re-apply from the next day)
---------------------------------------------------------------------------
case "CJE-08: 590号 5-year bar — on add_years(revoked, 5) still barred; the day before that date's revocation is free" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2), firm(3), firm(4), firm(5), firm(6) },
    designation = {
      desig(11, 1, "CJRH_CERTIFIED", "2017-01-01", { revoked_date = "2018-06-30", revoke_reason = "FRAUD" }),
      desig(21, 2, "CJRH_CERTIFIED", "2017-01-01", { revoked_date = "2018-06-29", revoke_reason = "FRAUD" }),
      desig(31, 3, "CJRH_CERTIFIED", "2020-01-01", { revoked_date = "2022-01-01", revoke_reason = "OTHER" }),
      desig(41, 4, "CJRH_CERTIFIED", "2020-01-01", { revoked_date = "2022-01-01" }),   -- reason not recorded
      desig(51, 5, "CJRH_CERTIFIED", "2020-01-01", { revoked_date = "2023-07-01", revoke_reason = "FRAUD" }),
    },
  },
  expect = {
    ["CJE-08"] = {
      ["enterprise:1"] = { "FAIL", values = { bar_end = "2023-06-30", reapply = "2023-07-01" } },
      ["enterprise:2"] = "PASS",
      ["enterprise:3"] = "PASS",          -- OTHER is not a disqualifying reason
      ["enterprise:4"] = "UNKNOWN",       -- revoked within 5 years, reason missing
      ["enterprise:5"] = "PASS",          -- revoked only after as_of
      ["enterprise:6"] = "PASS",          -- never designated
    },
  },
}

case "CJE-08: every disqualifying reason bars (BLACKLIST, MAJOR_*_ACCIDENT, STUDENT_RIGHTS_INFRINGEMENT)" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { firm(1), firm(2), firm(3), firm(4), firm(5) },
    designation = {
      desig(11, 1, "CJRH_RESERVE", "2020-01-01", { revoked_date = "2021-01-01", revoke_reason = "BLACKLIST" }),
      desig(21, 2, "CJRH_RESERVE", "2020-01-01", { revoked_date = "2021-01-01", revoke_reason = "MAJOR_ENV_ACCIDENT" }),
      desig(31, 3, "CJRH_RESERVE", "2020-01-01", { revoked_date = "2021-01-01", revoke_reason = "MAJOR_SAFETY_ACCIDENT" }),
      desig(41, 4, "CJRH_RESERVE", "2020-01-01", { revoked_date = "2021-01-01", revoke_reason = "MAJOR_QUALITY_ACCIDENT" }),
      desig(51, 5, "CITY_DEMO", "2020-01-01", { revoked_date = "2021-01-01", revoke_reason = "STUDENT_RIGHTS_INFRINGEMENT" }),
    },
  },
  expect = {
    ["CJE-08"] = {
      ["enterprise:1"] = "FAIL", ["enterprise:2"] = "FAIL", ["enterprise:3"] = "FAIL",
      ["enterprise:4"] = "FAIL", ["enterprise:5"] = { "FAIL", values = { reapply = "2026-01-02" } },
    },
  },
}

case "CJE-08: revoked 2020-02-29 — the bar ends on add_years = 2025-02-28 (Feb-29 → Feb-28): still barred that day" {
  as_of = "2025-02-28",
  rows = {
    enterprise = { firm(1) },
    designation = { desig(11, 1, "CJRH_CERTIFIED", "2019-06-01", { revoked_date = "2020-02-29", revoke_reason = "BLACKLIST" }) },
  },
  expect = { ["CJE-08"] = { ["enterprise:1"] = { "FAIL", values = { bar_end = "2025-02-28", reapply = "2025-03-01" } } } },
}

case "CJE-08: revoked 2020-02-29 — free to re-apply on 2025-03-01" {
  as_of = "2025-03-01",
  rows = {
    enterprise = { firm(1) },
    designation = { desig(11, 1, "CJRH_CERTIFIED", "2019-06-01", { revoked_date = "2020-02-29", revoke_reason = "BLACKLIST" }) },
  },
  expect = { ["CJE-08"] = { ["enterprise:1"] = "PASS" } },
}

---------------------------------------------------------------------------
-- CJE-09 (subject designation): certification date ≥ add_years(reserve.valid_from, 1) (先建后认)
---------------------------------------------------------------------------
case "CJE-09: 先建后认 — certified exactly 1 year after entering the reserve passes; one day earlier fails" {
  as_of = "2023-06-30",
  rows = {
    designation = {
      desig(11, 1, "CJRH_RESERVE", "2022-03-01"),
      desig(12, 1, "CJRH_CERTIFIED", "2023-03-01", { certified_date = "2023-03-01" }),
      desig(21, 2, "CJRH_RESERVE", "2022-03-01"),
      desig(22, 2, "CJRH_CERTIFIED", "2023-02-28", { certified_date = "2023-02-28" }),
      desig(31, 3, "CJRH_CERTIFIED", "2023-01-01", { certified_date = "2023-01-01" }),   -- never in the reserve
      desig(41, 4, "CJRH_RESERVE", "2023-02-01"),                                         -- entered after certification
      desig(42, 4, "CJRH_CERTIFIED", "2023-01-01", { certified_date = "2023-01-01" }),
    },
  },
  expect = {
    ["CJE-09"] = {
      ["designation:12"] = { "PASS", values = { earliest = "2023-03-01", days = 365 } },
      ["designation:22"] = { "FAIL", values = { days = 364 } },
      ["designation:31"] = { "FAIL", reason = "未进入储备库" },
      ["designation:42"] = "FAIL",
      ["designation:11"] = "N/A",        -- a reserve entry is not a certification
    },
  },
}

case "CJE-09: reserve from 2020-02-29 — one year later is 2021-02-28 (Feb-29 → Feb-28), certification that day passes" {
  as_of = "2023-06-30",
  rows = {
    designation = {
      desig(11, 1, "CJRH_RESERVE", "2020-02-29"),
      desig(12, 1, "CJRH_CERTIFIED", "2021-02-28", { certified_date = "2021-02-28" }),
      desig(21, 2, "CJRH_RESERVE", "2020-03-01"),
      desig(22, 2, "CJRH_CERTIFIED", "2021-02-28", { certified_date = "2021-02-28" }),
    },
  },
  expect = {
    ["CJE-09"] = {
      ["designation:12"] = { "PASS", values = { earliest = "2021-02-28" } },
      ["designation:22"] = { "FAIL", values = { earliest = "2021-03-01" } },
    },
  },
}

case "CJE-09: certification date not recorded → UNKNOWN; certified after as_of → not yet judged (N/A)" {
  as_of = "2023-06-30",
  rows = {
    designation = {
      desig(11, 1, "CJRH_RESERVE", "2020-01-01"),
      desig(12, 1, "CJRH_CERTIFIED", "2021-06-01"),                                       -- certified_date NULL
      desig(21, 2, "CJRH_RESERVE", "2020-01-01"),
      desig(22, 2, "CJRH_CERTIFIED", "2023-07-01", { certified_date = "2023-07-01" }),
    },
  },
  expect = { ["CJE-09"] = { ["designation:12"] = "UNKNOWN", ["designation:22"] = "N/A" } },
}

---------------------------------------------------------------------------
-- CULTIVATION_ELIGIBLE (D1) = CJE-01..CJE-06, CJE-08
---------------------------------------------------------------------------
case "CULTIVATION_ELIGIBLE (D1): all criteria met → ELIGIBLE; a missing fact → NEEDS_DATA; any FAIL wins over UNKNOWN" {
  as_of = "2023-06-30",
  rows = {
    enterprise = {
      firm(1),
      firm(2, { reg_province = NULL }),                         -- CJE-01 UNKNOWN only
      firm(3, { main_business_is_education = 1 }),              -- CJE-02 FAIL
      firm(4, { reg_province = NULL }),                         -- CJE-01 UNKNOWN + CJE-05 FAIL
      firm(5),                                                  -- CJE-08 UNKNOWN (revocation reason missing)
      firm(6),                                                  -- CJE-03 FAIL
      firm(7),                                                  -- CJE-06 FAIL (no activity)
    },
    qualifying_activity = {
      activity(11, 1, "RUN_SCHOOL", "2020-01-01"), activity(21, 2, "RUN_SCHOOL", "2020-01-01"),
      activity(31, 3, "RUN_SCHOOL", "2020-01-01"), activity(41, 4, "RUN_SCHOOL", "2020-01-01"),
      activity(51, 5, "RUN_SCHOOL", "2020-01-01"), activity(61, 6, "RUN_SCHOOL", "2020-01-01"),
    },
    credit_event = {
      event(41, 4, "TAX_VIOLATION", "2022-05-01"),
      event(61, 6, "BLACKLIST", "2023-01-01"),
    },
    designation = { desig(51, 5, "CJRH_RESERVE", "2020-01-01", { revoked_date = "2022-01-01" }) },
  },
  expect = {
    CULTIVATION_ELIGIBLE = {
      ["enterprise:1"] = "ELIGIBLE",
      ["enterprise:2"] = "NEEDS_DATA",
      ["enterprise:3"] = "INELIGIBLE",
      ["enterprise:4"] = "INELIGIBLE",
      ["enterprise:5"] = "NEEDS_DATA",
      ["enterprise:6"] = "INELIGIBLE",
      ["enterprise:7"] = "INELIGIBLE",
    },
  },
}
