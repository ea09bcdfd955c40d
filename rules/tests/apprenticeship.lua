-- Rule tests for rules/apprenticeship.lua: APP-01 … APP-09 and the decisions APPRENTICESHIP_COMPLIANCE
-- (APP-01, 02, 05, 06, 08, 09) and MENTOR_QUALIFIED (APP-03, 04).
-- Written from the policy book ((b) "Apprenticeship", parameters APP_SUBSIDY_FLOOR, NE_CONTRACT_MIN / NE_DURATION,
-- MENTOR_LOAD, MENTOR_MIN_SKILL; conventions 1–4) and the data model. Evidence rules (agreement, contract,
-- mentor assignment) FAIL when the record is absent; measured facts (wage, age, level, months) missing → UNKNOWN.

local NULL = {}
local function with(base, over)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(over or {}) do
    if v == NULL then t[k] = nil else t[k] = v end
  end
  return t
end

-- An NE apprenticeship (企业新型学徒制) that meets every NE criterion on 2023-06-30.
local function ne(id, over)
  return with({ id = id, program = "NE", enterprise_id = 1, birth_date = "2000-01-01",
                start_date = "2023-01-01", end_date = "2024-12-31", planned_months = 24, extension = 0,
                contract_start = "2023-01-01", contract_end = "2025-12-31", monthly_wage = 3000 }, over)
end
-- A MODERN apprenticeship (现代学徒制) of student `id` that meets every MODERN criterion on 2023-06-30.
local function modern(id, over)
  return with({ id = id, program = "MODERN", student_id = id, enterprise_id = 1, school_id = 1,
                start_date = "2023-03-01", end_date = "2025-06-30", extension = 0,
                agreement_signed_date = "2023-02-20" }, over)
end
local function student(id, birth, status)
  return { id = id, school_id = 1, birth_date = birth, status = status or "ACTIVE" }
end
local function assign(app, mentor, role, start, stop)
  return { apprenticeship_id = app, mentor_id = mentor, role = role, start_date = start or "2023-01-01", end_date = stop }
end
local function both_mentors(app) return assign(app, 1, "SCHOOL"), assign(app, 2, "ENTERPRISE") end
local WAGE = { enterprise_id = 1, from_date = "2023-01-01", local_min_wage_monthly = 2160 }

---------------------------------------------------------------------------
-- APP-01: on as_of ≥1 SCHOOL and ≥1 ENTERPRISE assignment active with a mentor named (both programmes)
---------------------------------------------------------------------------
case "APP-01: 二(三)2 双导师 — both mentors active on as_of pass; a missing, ended or unnamed mentor fails" {
  as_of = "2023-06-30",
  rows = {
    apprenticeship = { ne(1), ne(2), ne(3), ne(4), modern(5), ne(6) },
    mentor_assignment = {
      assign(1, 11, "SCHOOL"), assign(1, 12, "ENTERPRISE"),
      assign(2, 21, "SCHOOL"), assign(2, 22, "ENTERPRISE", "2023-01-01", "2023-06-29"),  -- ended the day before
      assign(3, 31, "SCHOOL"), assign(3, nil, "ENTERPRISE"),                             -- slot without a mentor
      assign(4, 41, "SCHOOL", "2023-06-30"), assign(4, 42, "ENTERPRISE", "2023-01-01", "2023-06-30"), -- on as_of
      assign(5, 52, "ENTERPRISE"),                                                       -- no school mentor
      assign(6, 61, "SCHOOL", "2023-07-01"), assign(6, 62, "ENTERPRISE"),                -- school mentor from tomorrow
    },
  },
  expect = {
    ["APP-01"] = {
      ["apprenticeship:1"] = { "PASS", values = { school_mentor = 11, enterprise_mentor = 12 } },
      ["apprenticeship:2"] = { "FAIL", reason = "企业导师" },
      ["apprenticeship:3"] = { "FAIL", reason = "企业导师" },
      ["apprenticeship:4"] = "PASS",
      ["apprenticeship:5"] = { "FAIL", reason = "学校导师" },
      ["apprenticeship:6"] = { "FAIL", reason = "学校导师" },
    },
  },
}

case "APP-01: an apprenticeship not running on as_of (ended the day before, or starting the day after) is N/A" {
  as_of = "2023-06-30",
  rows = {
    apprenticeship = { ne(1, { end_date = "2023-06-29" }), ne(2, { start_date = "2023-07-01" }),
                       ne(3, { end_date = "2023-06-30" }) },
    mentor_assignment = { assign(3, 31, "SCHOOL"), assign(3, 32, "ENTERPRISE") },
  },
  expect = { ["APP-01"] = { ["apprenticeship:1"] = "N/A", ["apprenticeship:2"] = "N/A", ["apprenticeship:3"] = "PASS" } },
}

---------------------------------------------------------------------------
-- APP-02: MODERN — training agreement signed ≤ start (职教法2022 §30);
--         NE — contract_end ≥ add_years(contract_start, 1) − 1 day, or open-ended (contract_end NULL)
---------------------------------------------------------------------------
case "APP-02: 职业教育法 §30 (MODERN) — agreement signed on the start day passes; a day late or none fails" {
  as_of = "2023-06-30",
  rows = {
    apprenticeship = { modern(1, { agreement_signed_date = "2023-03-01" }),
                       modern(2, { agreement_signed_date = "2023-03-02" }),
                       modern(3, { agreement_signed_date = NULL }) },
  },
  expect = {
    ["APP-02"] = {
      ["apprenticeship:1"] = "PASS",
      ["apprenticeship:2"] = { "FAIL", reason = "晚于" },
      ["apprenticeship:3"] = "FAIL",         -- no agreement on record: evidence missing → FAIL
    },
  },
}

case "APP-02: 〔2021〕39号 (NE) — a contract through add_years(start, 1) − 1 day is 1 year; one day shorter fails" {
  as_of = "2023-06-30",
  rows = {
    apprenticeship = {
      ne(1, { contract_start = "2022-03-01", contract_end = "2023-02-28" }),
      ne(2, { contract_start = "2022-03-01", contract_end = "2023-02-27" }),
      ne(3, { contract_start = "2022-03-01", contract_end = NULL }),          -- open-ended
      ne(4, { contract_start = NULL, contract_end = NULL }),                  -- no contract recorded
    },
  },
  expect = {
    ["APP-02"] = {
      ["apprenticeship:1"] = { "PASS", values = { req = "2023-02-28" } },
      ["apprenticeship:2"] = { "FAIL", values = { req = "2023-02-28" } },
      ["apprenticeship:3"] = "PASS",
      ["apprenticeship:4"] = "FAIL",
    },
  },
}

case "APP-02: NE contract from 2024-02-29 — add_years gives 2025-02-28, so 1 year runs through 2025-02-27" {
  as_of = "2025-06-30",
  rows = {
    apprenticeship = {
      ne(1, { start_date = "2024-02-29", contract_start = "2024-02-29", contract_end = "2025-02-27" }),
      ne(2, { start_date = "2024-02-29", contract_start = "2024-02-29", contract_end = "2025-02-26" }),
    },
  },
  expect = {
    ["APP-02"] = {
      ["apprenticeship:1"] = { "PASS", values = { req = "2025-02-27" } },
      ["apprenticeship:2"] = "FAIL",
    },
  },
}

-- Convention 5 of the policy book: start-based rules ("age, grade, agreement, consent") use the regime in force
-- on the apprenticeship's start_date, so an NE apprenticeship that started in 2020 (before the 1-year contract
-- minimum of 2021-06-22) is N/A whatever the evaluation date.
case "APP-02: convention 5 — the NE contract minimum in force on the start date applies (none before 2021-06-22)" {
  as_of = "2023-06-30",
  rows = { apprenticeship = { ne(1, { start_date = "2020-03-01", contract_start = "2020-03-01", contract_end = "2020-08-31" }),
                              ne(2, { start_date = "2021-06-22", contract_start = "2021-06-22", contract_end = "2021-12-31" }) } },
  expect = { ["APP-02"] = { ["apprenticeship:1"] = "N/A", ["apprenticeship:2"] = "FAIL" } },
}

---------------------------------------------------------------------------
-- APP-03 (subject mentor): an enterprise mentor's distinct apprenticeships with an ENTERPRISE assignment active on
-- as_of and the apprenticeship itself running on as_of ≤ MENTOR_LOAD (8) [L]
---------------------------------------------------------------------------
local function load(mentor_id, first, n, over)
  local apps, asg = {}, {}
  for i = first, first + n - 1 do
    apps[#apps + 1] = ne(i, over)
    asg[#asg + 1] = assign(i, mentor_id, "ENTERPRISE")
  end
  return apps, asg
end
local function concat(...)
  local t = {}
  for _, l in ipairs({ ... }) do for _, r in ipairs(l) do t[#t + 1] = r end end
  return t
end

local a1, m1 = load(1, 100, 8)                               -- mentor 1: exactly 8
local a2, m2 = load(2, 200, 9)                               -- mentor 2: 9
local a3, m3 = load(3, 300, 8)                               -- mentor 3: 8 running …
local a3x, m3x = load(3, 310, 1, { end_date = "2023-06-29" }) -- … + 1 apprenticeship that ended yesterday
local a3y, m3y = load(3, 320, 1, { start_date = "2023-07-01" }) -- … + 1 that starts tomorrow

case "APP-03: 8 apprentices per enterprise mentor [L] — 8 passes, 9 fails; ended or future apprenticeships don't count" {
  as_of = "2023-06-30",
  rows = {
    mentor = {
      { id = 1, kind = "ENTERPRISE", enterprise_id = 1, name = "张师傅", skill_level = "技师" },
      { id = 2, kind = "ENTERPRISE", enterprise_id = 1, name = "李师傅", skill_level = "技师" },
      { id = 3, kind = "ENTERPRISE", enterprise_id = 1, name = "王师傅", skill_level = "技师" },
      { id = 4, kind = "ENTERPRISE", enterprise_id = 1, name = "赵师傅", skill_level = "技师" },
      { id = 5, kind = "SCHOOL", school_id = 1, name = "钱老师" },
    },
    apprenticeship = concat(a1, a2, a3, a3x, a3y, { ne(400), ne(401) }, { ne(500) }),
    mentor_assignment = concat(m1, m2, m3, m3x, m3y, {
      assign(400, 4, "ENTERPRISE", "2022-01-01", "2022-12-31"), assign(400, 4, "ENTERPRISE", "2023-01-01"), -- one apprentice, two rows
      assign(401, 4, "ENTERPRISE", "2023-01-01", "2023-06-29"),                                          -- assignment ended
    }),
  },
  expect = {
    ["APP-03"] = {
      ["mentor:1"] = { "PASS", values = { n = 8, max = 8 } },
      ["mentor:2"] = { "FAIL", values = { n = 9 } },
      ["mentor:3"] = { "PASS", values = { n = 8 } },
      ["mentor:4"] = { "PASS", values = { n = 1 } },
      ["mentor:5"] = "N/A",                        -- school mentors are not limited
    },
  },
}

---------------------------------------------------------------------------
-- APP-04 (subject mentor): enterprise mentor skill ∈ {高级工, 技师, 高级技师}; NULL → UNKNOWN
---------------------------------------------------------------------------
case "APP-04: 〔2018〕66号 优秀高技能人才 ≥ 高级工 — 高级工/技师/高级技师 pass, 中级工/初级工 fail, NULL unknown" {
  as_of = "2023-06-30",
  rows = {
    mentor = {
      { id = 1, kind = "ENTERPRISE", enterprise_id = 1, skill_level = "高级工" },
      { id = 2, kind = "ENTERPRISE", enterprise_id = 1, skill_level = "技师" },
      { id = 3, kind = "ENTERPRISE", enterprise_id = 1, skill_level = "高级技师" },
      { id = 4, kind = "ENTERPRISE", enterprise_id = 1, skill_level = "中级工" },
      { id = 5, kind = "ENTERPRISE", enterprise_id = 1, skill_level = "初级工" },
      { id = 6, kind = "ENTERPRISE", enterprise_id = 1 },
      { id = 7, kind = "SCHOOL", school_id = 1, skill_level = "初级工" },
    },
  },
  expect = {
    ["APP-04"] = {
      ["mentor:1"] = "PASS", ["mentor:2"] = "PASS", ["mentor:3"] = "PASS",
      ["mentor:4"] = { "FAIL", values = { level = "中级工" } }, ["mentor:5"] = "FAIL",
      ["mentor:6"] = "UNKNOWN",
      ["mentor:7"] = "N/A",
    },
  },
}

case "MENTOR_QUALIFIED: APP-03 + APP-04 — qualified → COMPLIANT; overloaded → NON_COMPLIANT; level unknown → NEEDS_DATA" {
  as_of = "2023-06-30",
  rows = {
    mentor = {
      { id = 1, kind = "ENTERPRISE", enterprise_id = 1, skill_level = "高级工" },
      { id = 2, kind = "ENTERPRISE", enterprise_id = 1, skill_level = "高级技师" },
      { id = 6, kind = "ENTERPRISE", enterprise_id = 1 },
      { id = 7, kind = "SCHOOL", school_id = 1 },
    },
    apprenticeship = concat(a1, a2),
    mentor_assignment = concat(m1, m2),
  },
  expect = {
    MENTOR_QUALIFIED = {
      ["mentor:1"] = "COMPLIANT",
      ["mentor:2"] = "NON_COMPLIANT",
      ["mentor:6"] = "NEEDS_DATA",
      ["mentor:7"] = "COMPLIANT",          -- both rules N/A for a school mentor
    },
  },
}

---------------------------------------------------------------------------
-- APP-05: NE — 12 ≤ planned_months ≤ 24, or ≤ 36 with the extension flag
---------------------------------------------------------------------------
case "APP-05: 〔2021〕39号 — 12 and 24 months pass, 11 and 25 fail; extended: 36 passes, 37 fails; NULL unknown" {
  as_of = "2023-06-30",
  rows = {
    apprenticeship = {
      ne(1, { planned_months = 12 }), ne(2, { planned_months = 11 }),
      ne(3, { planned_months = 24 }), ne(4, { planned_months = 25 }),
      ne(5, { planned_months = 25, extension = 1 }), ne(6, { planned_months = 36, extension = 1 }),
      ne(7, { planned_months = 37, extension = 1 }), ne(8, { planned_months = NULL }),
      modern(9),
    },
  },
  expect = {
    ["APP-05"] = {
      ["apprenticeship:1"] = "PASS", ["apprenticeship:2"] = { "FAIL", values = { months = 11, min = 12 } },
      ["apprenticeship:3"] = "PASS", ["apprenticeship:4"] = { "FAIL", values = { max = 24 } },
      ["apprenticeship:5"] = "PASS", ["apprenticeship:6"] = { "PASS", values = { max = 36 } },
      ["apprenticeship:7"] = "FAIL", ["apprenticeship:8"] = "UNKNOWN",
      ["apprenticeship:9"] = "N/A",
    },
  },
}

---------------------------------------------------------------------------
-- APP-06: NE — monthly_wage ≥ the local minimum wage in force on as_of
---------------------------------------------------------------------------
case "APP-06: 〔2018〕66号 — a wage equal to the local minimum passes, one fen less fails; missing data → UNKNOWN" {
  as_of = "2023-06-30",
  rows = {
    enterprise_wage = {
      { enterprise_id = 1, from_date = "2022-01-01", local_min_wage_monthly = 1950 },
      WAGE,                                                                   -- 2160 from 2023-01-01
      { enterprise_id = 1, from_date = "2023-07-01", local_min_wage_monthly = 2500 },   -- not yet in force
      { enterprise_id = 2, from_date = "2023-01-01" },                        -- minimum not recorded
    },
    apprenticeship = {
      ne(1, { monthly_wage = 2160 }), ne(2, { monthly_wage = 2159.99 }), ne(3, { monthly_wage = NULL }),
      ne(4, { enterprise_id = 2 }), ne(5, { enterprise_id = 3 }), modern(6),
    },
  },
  expect = {
    ["APP-06"] = {
      ["apprenticeship:1"] = { "PASS", values = { minimum = 2160, wage_from = "2023-01-01" } },
      ["apprenticeship:2"] = { "FAIL", reason = "2159.99" },
      ["apprenticeship:3"] = "UNKNOWN",
      ["apprenticeship:4"] = "UNKNOWN",
      ["apprenticeship:5"] = "UNKNOWN",      -- no wage table at all for enterprise 3
      ["apprenticeship:6"] = "N/A",          -- 现代学徒制 students are not on an apprentice wage
    },
  },
}

---------------------------------------------------------------------------
-- APP-07 (subject subsidy_standard): amount_per_year ≥ APP_SUBSIDY_FLOOR in force on set_date
-- (4000 from 2018-10-12, 5000 from 2021-06-22)
---------------------------------------------------------------------------
case "APP-07: 〔2018〕66号 / 〔2021〕39号 — the floor in force on set_date: 4000 up to 2021-06-21, 5000 from 2021-06-22" {
  as_of = "2023-06-30",
  rows = {
    subsidy_standard = {
      { id = 1, city = "彬州市", amount_per_year = 4000, set_date = "2021-06-21" },
      { id = 2, city = "彬州市", amount_per_year = 4999.99, set_date = "2021-06-22" },
      { id = 3, city = "彬州市", amount_per_year = 5000, set_date = "2021-06-22" },
      { id = 4, city = "彬州市", amount_per_year = 3999.99, set_date = "2018-10-12" },
      { id = 5, city = "彬州市", amount_per_year = 100, set_date = "2018-10-11" },     -- before any national floor
    },
  },
  expect = {
    ["APP-07"] = {
      ["subsidy_standard:1"] = { "PASS", values = { floor = 4000 } },
      ["subsidy_standard:2"] = { "FAIL", values = { floor = 5000 } },
      ["subsidy_standard:3"] = "PASS",
      ["subsidy_standard:4"] = { "FAIL", values = { floor = 4000 } },
      ["subsidy_standard:5"] = "N/A",
    },
  },
}

---------------------------------------------------------------------------
-- APP-08: MODERN — the apprentice's student status is ACTIVE (双身份)
---------------------------------------------------------------------------
case "APP-08: 二(三)2 双身份 — ACTIVE student passes; GRADUATED or WITHDRAWN fails; no student → UNKNOWN; NE → N/A" {
  as_of = "2023-06-30",
  rows = {
    student = { student(1, "2005-01-01"), student(2, "2005-01-01", "GRADUATED"), student(3, "2005-01-01", "WITHDRAWN") },
    apprenticeship = { modern(1), modern(2), modern(3), modern(4, { student_id = NULL }), modern(5), ne(6) },
  },
  expect = {
    ["APP-08"] = {
      ["apprenticeship:1"] = "PASS",
      ["apprenticeship:2"] = { "FAIL", values = { status = "GRADUATED" } },
      ["apprenticeship:3"] = { "FAIL", values = { status = "WITHDRAWN" } },
      ["apprenticeship:4"] = "UNKNOWN",
      ["apprenticeship:5"] = "UNKNOWN",     -- student 5 is not on record
      ["apprenticeship:6"] = "N/A",
    },
  },
}

---------------------------------------------------------------------------
-- APP-09: age ≥ 16 at start (age n reached on add_years(birth, n)); birth_date from the apprenticeship, else
-- from the student
---------------------------------------------------------------------------
case "APP-09: 劳动法§15 — 16 on the start day passes, one day short fails; the student's birth date is the fallback" {
  as_of = "2023-06-30",
  rows = {
    student = { student(3, "2007-03-01"), student(4, "2000-01-01"), student(5, nil) },
    apprenticeship = {
      ne(1, { start_date = "2023-03-01", birth_date = "2007-03-01" }),
      ne(2, { start_date = "2023-03-01", birth_date = "2007-03-02" }),
      modern(3, { birth_date = NULL }),                                  -- student 3: 16 on 2023-03-01
      modern(4, { birth_date = "2007-03-02" }),                          -- the apprenticeship's own date wins
      modern(5, { birth_date = NULL }),                                  -- neither recorded
    },
  },
  expect = {
    ["APP-09"] = {
      ["apprenticeship:1"] = { "PASS", values = { age = 16 } },
      ["apprenticeship:2"] = { "FAIL", values = { age = 15, reached = "2023-03-02" } },
      ["apprenticeship:3"] = { "PASS", values = { birth = "2007-03-01" } },
      ["apprenticeship:4"] = "FAIL",
      ["apprenticeship:5"] = "UNKNOWN",
    },
  },
}

---------------------------------------------------------------------------
-- APPRENTICESHIP_COMPLIANCE = APP-01, APP-02, APP-05, APP-06, APP-08, APP-09
---------------------------------------------------------------------------
case "APPRENTICESHIP_COMPLIANCE: all met → COMPLIANT; a FAIL → NON_COMPLIANT; only missing data → NEEDS_DATA" {
  as_of = "2023-06-30",
  rows = {
    enterprise_wage = { WAGE },
    student = { student(2, "2005-01-01"), student(4, "2005-01-01", "GRADUATED") },
    apprenticeship = {
      ne(1),                                                    -- NE, compliant
      modern(2),                                                -- MODERN, compliant
      ne(3, { monthly_wage = NULL }),                           -- APP-06 UNKNOWN only
      modern(4),                                                -- APP-08 FAIL
      ne(5, { planned_months = 30, monthly_wage = NULL }),      -- APP-05 FAIL wins over APP-06 UNKNOWN
    },
    mentor_assignment = concat({ both_mentors(1) }, { both_mentors(2) }, { both_mentors(3) },
                               { both_mentors(4) }, { both_mentors(5) }),
  },
  expect = {
    APPRENTICESHIP_COMPLIANCE = {
      ["apprenticeship:1"] = "COMPLIANT",
      ["apprenticeship:2"] = "COMPLIANT",
      ["apprenticeship:3"] = "NEEDS_DATA",
      ["apprenticeship:4"] = "NON_COMPLIANT",
      ["apprenticeship:5"] = "NON_COMPLIANT",
    },
    -- the compliant ones are judged, not skipped
    ["APP-01"] = { ["apprenticeship:1"] = "PASS", ["apprenticeship:2"] = "PASS" },
    ["APP-02"] = { ["apprenticeship:1"] = "PASS", ["apprenticeship:2"] = "PASS" },
    ["APP-06"] = { ["apprenticeship:1"] = "PASS" },
    ["APP-08"] = { ["apprenticeship:2"] = "PASS" },
    ["APP-09"] = { ["apprenticeship:1"] = "PASS", ["apprenticeship:2"] = "PASS" },
  },
}
