-- Rule tests for rules/internship.lua (run them with `ronghe test`; see rules/README.md).
-- Each case gives only the rows its rules read; columns a row leaves out are NULL.

-- An above-scale enterprise with its headcount on a date.
local function firm(id, employees)
  return { id = id, name = "测试企业" .. id, is_above_scale = 1 }, {
    enterprise_id = id, snapshot_date = "2023-03-31", on_post_employees = employees }
end

-- A major-matched POST internship of student `student` at enterprise `firm_id` in 2023.
local function intern(id, student, firm_id)
  return { id = id, student_id = student, enterprise_id = firm_id, type = "POST", independent_work = 1,
           start_date = "2023-03-01", end_date = "2023-08-31", major_matched = 1, via_intermediary = 0,
           special_arrangement_filed = 0, fees_charged = 0 }
end

local e1, h1 = firm(1, 70)
local e2, h2 = firm(2, 70)
local e3, h3 = firm(3, 50)

case "INT-01: 2% of 70 employees is 1.4, so 2 interns are needed (never round half-up)" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { e1, e2, e3 },
    enterprise_headcount = { h1, h2, h3 },
    internship = { intern(1, 1, 1), intern(2, 2, 1), intern(3, 3, 2), intern(4, 4, 3) },
  },
  expect = {
    ["INT-01"] = {
      ["enterprise:1"] = { "MET", values = { k = 2, N = 70, required = 2 } },
      ["enterprise:2"] = { "NOT_MET", reason = "应至少2人" },
      ["enterprise:3"] = { "MET", values = { k = 1, N = 50, required = 1 } },  -- exactly 2%
    },
  },
}

case "INT-01: not above scale, the 2% target does not apply" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { { id = 5, name = "小微企业", is_above_scale = 0 } },
    enterprise_headcount = { { enterprise_id = 5, snapshot_date = "2023-03-31", on_post_employees = 20 } },
  },
  expect = { ["INT-01"] = { ["enterprise:5"] = "N/A" } },
}

-- ---------------------------------------------------------------------------------------------------------
-- More cases, written from the policy book (b) "Internships" and conventions 2–5:
--   * Regime: R2016 for dates < 2021-12-31, R2021 from 2021-12-31. Start-based rules (age, grade, agreement,
--     consent) use the start_date's regime; cap rules use as_of; pay uses the first day of the pay month.
--   * R2016: POST + independent_work 1 = 顶岗, 0 = 跟岗; R2021: every POST is 岗位实习.
--   * Evidence rules (agreement, consent, insurance, payment) FAIL when the record is absent; measurement rules
--     (headcounts, hours, ages, levels) with a missing input give UNKNOWN.
-- ---------------------------------------------------------------------------------------------------------

local NULL = {}
local function with(base, over)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(over or {}) do
    if v == NULL then t[k] = nil else t[k] = v end
  end
  return t
end

-- An internship with every NOT NULL column; POST at enterprise 1, post 1, 2023-03-01..2023-08-31 unless overridden.
local function job(id, over)
  return with({ id = id, student_id = id, enterprise_id = 1, post_id = 1, type = "POST", independent_work = 1,
                start_date = "2023-03-01", end_date = "2023-08-31", grade_at_start = 2, major_matched = 1,
                via_intermediary = 0, special_arrangement_filed = 0, fees_charged = 0 }, over)
end
local function student(id, birth, status)
  return { id = id, school_id = 1, birth_date = birth, status = status or "ACTIVE" }
end
local function ent(id, over) return with({ id = id, name = "企业" .. id, is_above_scale = 1 }, over) end
local function hc(id, date, n) return { enterprise_id = id, snapshot_date = date, on_post_employees = n } end
local function post(id, ent_id, over)
  return with({ id = id, enterprise_id = ent_id or 1, name = "岗位" .. id, is_high_risk = 0, labor_intensity_level = 2 }, over)
end
local function staff(post_id, date, n) return { post_id = post_id, snapshot_date = date, staff = n } end

---------------------------------------------------------------------------
-- INT-01 (indicator, yearly): above-scale only; k = distinct students with a POST, major_matched = 1 internship
-- overlapping Y; N = latest snapshot of Y; MET iff 100k ≥ 2N
---------------------------------------------------------------------------
case "INT-01: 二(二)3 — is_above_scale NULL → UNKNOWN; N missing for the year → UNKNOWN; N = 0 → N/A" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { ent(1, { is_above_scale = NULL }), ent(2), ent(3), ent(4) },
    enterprise_headcount = { hc(1, "2023-03-31", 50), hc(2, "2022-12-31", 50),   -- 2: only last year's snapshot
                             hc(3, "2023-03-31", 0), { enterprise_id = 4, snapshot_date = "2023-03-31" } },
  },
  expect = {
    ["INT-01"] = {
      ["enterprise:1"] = "UNKNOWN",
      ["enterprise:2"] = "UNKNOWN",
      ["enterprise:3"] = "N/A",
      ["enterprise:4"] = "UNKNOWN",          -- on_post_employees NULL
    },
  },
}

case "INT-01: only POST, major-matched internships overlapping the year count, each student once ((d)5 defaults)" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { ent(1) },
    enterprise_headcount = { hc(1, "2023-03-31", 150) },                   -- need ceil(3) = 3
    internship = {
      job(1, { start_date = "2022-09-01", end_date = "2023-01-01" }),       -- overlaps 2023 by one day: counts
      job(2), job(3, { student_id = 2 }),                                   -- student 2 twice: once
      job(4, { type = "COGNITIVE", independent_work = 0, post_id = NULL }), -- 认知 does not count
      job(5, { major_matched = 0 }),                                        -- not 专业对口
      job(6, { start_date = "2022-01-01", end_date = "2022-12-31" }),       -- all in 2022
      job(7, { start_date = "2024-01-01", end_date = "2024-06-30" }),       -- all in 2024
    },
  },
  expect = { ["INT-01"] = { ["enterprise:1"] = { "NOT_MET", values = { k = 2, N = 150, required = 3, percent = "1.3333" } } } },
}

case "INT-01: N is the year's latest snapshot (Dec-31 counts), k exactly 2% of N is MET" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { ent(1) },
    enterprise_headcount = { hc(1, "2023-03-31", 500), hc(1, "2023-12-31", 150), hc(1, "2024-01-01", 1000) },
    internship = { job(1), job(2), job(3) },
  },
  expect = { ["INT-01"] = { ["enterprise:1"] = { "MET", values = { k = 3, N = 150, required = 3, percent = "2.0000" } } } },
}

case "INT-01: a student whose major match is not recorded could decide the target → UNKNOWN" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { ent(1) },
    enterprise_headcount = { hc(1, "2023-03-31", 100) },                   -- need 2
    internship = { job(1), job(2, { major_matched = NULL }) },
  },
  expect = { ["INT-01"] = { ["enterprise:1"] = "UNKNOWN" } },
}

case "INT-01: INTERN_TARGET is a parameter — at 3% of 70 (2.1) three interns are needed" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { ent(1) },
    enterprise_headcount = { hc(1, "2023-03-31", 70) },
    internship = { job(1), job(2) },
  },
  params = { INTERN_TARGET = "3%" },
  expect = { ["INT-01"] = { ["enterprise:1"] = { "NOT_MET", values = { required = 3 } } } },
}

---------------------------------------------------------------------------
-- INT-02: k = distinct students with an active counted POST internship on as_of; PASS iff 100k ≤ 10N
---------------------------------------------------------------------------
local function interns(first, n, ent_id, over)
  local t = {}
  for i = 0, n - 1 do t[#t + 1] = job(first + i, with({ enterprise_id = ent_id }, over)) end
  return t
end
local function concat(...)
  local t = {}
  for _, l in ipairs({ ... }) do for _, r in ipairs(l) do t[#t + 1] = r end end
  return t
end

case "INT-02: 2016 §9 / R2021 — 5 of 50 (10%) passes, 6 of 50 fails; 49 employees allow 4 (never round half up)" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { ent(1), ent(2), ent(3) },
    enterprise_headcount = { hc(1, "2023-03-31", 50), hc(2, "2023-03-31", 50), hc(3, "2023-03-31", 49) },
    internship = concat(
      interns(100, 3, 1), interns(103, 2, 1, { independent_work = 0 }),     -- R2021: 跟岗-like POST counts too
      interns(200, 6, 2),
      interns(300, 5, 3)),
  },
  expect = {
    ["INT-02"] = {
      ["enterprise:1"] = { "PASS", values = { k = 5, N = 50, max = 5, percent = "10.0000" } },
      ["enterprise:2"] = { "FAIL", values = { k = 6, max = 5, percent = "12.0000" } },
      ["enterprise:3"] = { "FAIL", values = { k = 5, N = 49, max = 4 } },
    },
  },
}

case "INT-02: active on as_of only (start/end inclusive); COGNITIVE never counts; the snapshot after as_of is ignored" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { ent(1) },
    enterprise_headcount = { hc(1, "2023-01-31", 10), hc(1, "2023-07-01", 1000) },   -- N = 10, max 1
    internship = {
      job(1, { start_date = "2023-06-30", end_date = "2023-12-31" }),    -- starts on as_of: counts
      job(2, { start_date = "2023-01-01", end_date = "2023-06-29" }),    -- ended the day before
      job(3, { start_date = "2023-07-01", end_date = "2023-12-31" }),    -- starts the day after
      job(4, { type = "COGNITIVE", independent_work = 0, post_id = NULL }),
    },
  },
  expect = { ["INT-02"] = { ["enterprise:1"] = { "PASS", values = { k = 1, N = 10, max = 1 } } } },
}

case "INT-02: ends on as_of still counts — 2 of 10 fails" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { ent(1) },
    enterprise_headcount = { hc(1, "2023-01-31", 10) },
    internship = { job(1, { end_date = "2023-06-30" }), job(2) },
  },
  expect = { ["INT-02"] = { ["enterprise:1"] = { "FAIL", values = { k = 2 } } } },
}

case "INT-02: R2016 on 2021-12-30 counts only 顶岗 (independent_work = 1): 5 of 50 passes" {
  as_of = "2021-12-30",
  rows = {
    enterprise = { ent(1) },
    enterprise_headcount = { hc(1, "2021-06-30", 50) },
    internship = concat(interns(1, 5, 1, { start_date = "2021-09-01", end_date = "2022-06-30" }),
                        interns(6, 1, 1, { start_date = "2021-09-01", end_date = "2022-06-30", independent_work = 0 })),
  },
  expect = { ["INT-02"] = { ["enterprise:1"] = { "PASS", values = { k = 5, regime = "R2016" } } } },
}

case "INT-02: the same interns on 2021-12-31 (R2021: every 岗位实习 counts) — 6 of 50 fails" {
  as_of = "2021-12-31",
  rows = {
    enterprise = { ent(1) },
    enterprise_headcount = { hc(1, "2021-06-30", 50) },
    internship = concat(interns(1, 5, 1, { start_date = "2021-09-01", end_date = "2022-06-30" }),
                        interns(6, 1, 1, { start_date = "2021-09-01", end_date = "2022-06-30", independent_work = 0 })),
  },
  expect = { ["INT-02"] = { ["enterprise:1"] = { "FAIL", values = { k = 6, regime = "R2021" } } } },
}

case "INT-02: N = 0 passes only with no interns; interns but no headcount → UNKNOWN; one student twice counts once" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { ent(1), ent(2), ent(3), ent(4) },
    enterprise_headcount = { hc(1, "2023-01-31", 0), hc(2, "2023-01-31", 0), hc(4, "2023-01-31", 10) },
    internship = {
      job(1, { enterprise_id = 2 }),
      job(2, { enterprise_id = 3 }),
      job(3, { enterprise_id = 4, student_id = 9 }), job(4, { enterprise_id = 4, student_id = 9 }),
    },
  },
  expect = {
    ["INT-02"] = {
      ["enterprise:1"] = { "PASS", values = { k = 0 } },
      ["enterprise:2"] = "FAIL",
      ["enterprise:3"] = "UNKNOWN",
      ["enterprise:4"] = { "PASS", values = { k = 1, max = 1 } },
    },
  },
}

---------------------------------------------------------------------------
-- INT-03 (subject post): 100k_post ≤ 20·staff_post; staff 0 and k > 0 → FAIL; no snapshot → UNKNOWN
---------------------------------------------------------------------------
case "INT-03: 2016 §9 — 2 of 10 post staff (20%) passes, 3 fails; staff 0 with an intern fails; no snapshot → UNKNOWN" {
  as_of = "2023-06-30",
  rows = {
    post = { post(1), post(2), post(3), post(4), post(5) },
    post_headcount = { staff(1, "2023-01-31", 10), staff(2, "2023-01-31", 10), staff(3, "2023-01-31", 0),
                       staff(5, "2023-01-31", 4) },
    internship = {
      job(1, { post_id = 1 }), job(2, { post_id = 1 }),
      job(3, { post_id = 2 }), job(4, { post_id = 2 }), job(5, { post_id = 2 }),
      job(6, { post_id = 3 }),
      job(7, { post_id = 4 }),
      -- post 5: 4 staff allow 0.8 → 0 interns
      job(8, { post_id = 5 }),
    },
  },
  expect = {
    ["INT-03"] = {
      ["post:1"] = { "PASS", values = { k = 2, staff = 10, max = 2, percent = "20.0000" } },
      ["post:2"] = { "FAIL", values = { k = 3, max = 2, percent = "30.0000" } },
      ["post:3"] = "FAIL",
      ["post:4"] = "UNKNOWN",
      ["post:5"] = { "FAIL", values = { max = 0 } },
    },
  },
}

case "INT-03: R2016 (as_of 2021-12-30) — 跟岗 interns are not counted against the post cap" {
  as_of = "2021-12-30",
  rows = {
    post = { post(1) },
    post_headcount = { staff(1, "2021-01-31", 5) },                     -- max 1
    internship = {
      job(1, { start_date = "2021-09-01", end_date = "2022-06-30" }),
      job(2, { start_date = "2021-09-01", end_date = "2022-06-30", independent_work = 0 }),
    },
  },
  expect = { ["INT-03"] = { ["post:1"] = { "PASS", values = { k = 1 } } } },
}

---------------------------------------------------------------------------
-- INT-04: POST — an agreement signed by school, enterprise and student, signed_date ≤ start (evidence rule)
---------------------------------------------------------------------------
local function agreement(iid, date, over)
  return with({ internship_id = iid, school_signed = 1, enterprise_signed = 1, student_signed = 1, signed_date = date }, over)
end

case "INT-04: 2016 §12 — three-party agreement signed on the start day passes; a day late, partial, undated or absent fails" {
  as_of = "2023-06-30",
  rows = {
    internship = { job(1), job(2), job(3), job(4), job(5), job(6),
                   job(7, { type = "COGNITIVE", independent_work = 0, post_id = NULL }) },
    internship_agreement = {
      agreement(1, "2023-03-01"),
      agreement(2, "2023-03-02"),
      agreement(3, "2023-02-01", { student_signed = 0 }),
      agreement(4, nil),
      agreement(6, "2023-02-01", { school_signed = 0 }), agreement(6, "2023-02-15"),   -- a complete one too
    },
  },
  expect = {
    ["INT-04"] = {
      ["internship:1"] = { "PASS", values = { signed = "2023-03-01" } },
      ["internship:2"] = { "FAIL", values = { signed = "2023-03-02" } },
      ["internship:3"] = { "FAIL", reason = "学生" },
      ["internship:4"] = "FAIL",
      ["internship:5"] = "FAIL",            -- no agreement at all: evidence missing → FAIL, not UNKNOWN
      ["internship:6"] = "PASS",
      ["internship:7"] = "N/A",             -- 认识实习 needs no three-party agreement
    },
  },
}

case "INT-04: an internship that has not started on as_of is not judged yet" {
  as_of = "2023-02-28",
  rows = { internship = { job(1) } },
  expect = { ["INT-04"] = { ["internship:1"] = "N/A" } },
}

---------------------------------------------------------------------------
-- INT-05: POST and under 18 at start → guardian consent dated ≤ start; adult → N/A; birth NULL → UNKNOWN
---------------------------------------------------------------------------
case "INT-05: 18th birthday on the start day → adult (N/A); one day short → minor needing prior consent" {
  as_of = "2023-06-30",
  rows = {
    student = { student(1, "2005-03-01"), student(2, "2005-03-02"), student(3, "2005-03-02"),
                student(4, "2005-03-02"), student(5, nil), student(6, "2007-01-01") },
    internship = { job(1), job(2), job(3), job(4), job(5),
                   job(6, { type = "COGNITIVE", independent_work = 0, post_id = NULL }) },
    guardian_consent = { { internship_id = 2, consent_date = "2023-03-01" },
                         { internship_id = 3, consent_date = "2023-03-02" } },
  },
  expect = {
    ["INT-05"] = {
      ["internship:1"] = { "N/A", values = { age = 18 } },
      ["internship:2"] = { "PASS", values = { age = 17, consent = "2023-03-01" } },
      ["internship:3"] = { "FAIL", values = { consent = "2023-03-02" } },
      ["internship:4"] = "FAIL",            -- no consent at all
      ["internship:5"] = "UNKNOWN",
      ["internship:6"] = "N/A",             -- 认识实习
    },
  },
}

case "INT-05: born 2004-02-29 — 18 on 2022-02-28 (Feb-29 → Feb-28), so no consent is needed from that day" {
  as_of = "2022-06-30",
  rows = {
    student = { student(1, "2004-02-29"), student(2, "2004-02-29") },
    internship = { job(1, { start_date = "2022-02-28", end_date = "2022-06-30" }),
                   job(2, { start_date = "2022-02-27", end_date = "2022-06-30" }) },
  },
  expect = { ["INT-05"] = { ["internship:1"] = "N/A", ["internship:2"] = { "FAIL", values = { age = 17 } } } },
}

---------------------------------------------------------------------------
-- INT-06: POST — age at start ≥ 16 (both regimes)
---------------------------------------------------------------------------
case "INT-06: R2021 §16 — 16 on the start day passes, one day short fails; birth NULL → UNKNOWN; COGNITIVE N/A" {
  as_of = "2023-06-30",
  rows = {
    student = { student(1, "2007-03-01"), student(2, "2007-03-02"), student(3, nil), student(4, "2010-01-01") },
    internship = { job(1), job(2), job(3), job(4, { type = "COGNITIVE", independent_work = 0, post_id = NULL }) },
  },
  expect = {
    ["INT-06"] = {
      ["internship:1"] = { "PASS", values = { age = 16 } },
      ["internship:2"] = { "FAIL", values = { age = 15, reached = "2023-03-02" } },
      ["internship:3"] = "UNKNOWN",
      ["internship:4"] = "N/A",
    },
  },
}

case "INT-06: MIN_AGE_POST 16 applies in both regimes — a 15-year-old 跟岗 intern in 2020 fails" {
  as_of = "2020-12-31",
  rows = {
    student = { student(1, "2005-01-01") },
    internship = { job(1, { independent_work = 0, start_date = "2020-09-01", end_date = "2020-12-31" }) },
  },
  expect = { ["INT-06"] = { ["internship:1"] = { "FAIL", values = { age = 15 } } } },
}

---------------------------------------------------------------------------
-- INT-07: no grade-1 students — R2016: 顶岗 only; R2021: all POST; COGNITIVE → N/A (regime of start_date)
---------------------------------------------------------------------------
case "INT-07: regime of the start date — grade-1 跟岗 from 2021-12-30 is allowed (N/A); from 2021-12-31 it fails" {
  as_of = "2022-06-30",
  rows = {
    internship = {
      job(1, { independent_work = 0, grade_at_start = 1, start_date = "2021-12-30", end_date = "2022-06-30" }),
      job(2, { independent_work = 0, grade_at_start = 1, start_date = "2021-12-31", end_date = "2022-06-30" }),
      job(3, { independent_work = 1, grade_at_start = 1, start_date = "2021-12-30", end_date = "2022-06-30" }),
      job(4, { independent_work = 1, grade_at_start = 2, start_date = "2021-12-30", end_date = "2022-06-30" }),
      job(5, { grade_at_start = NULL, start_date = "2022-03-01" }),
      job(6, { type = "COGNITIVE", independent_work = 0, post_id = NULL, grade_at_start = 1, start_date = "2022-03-01" }),
    },
  },
  expect = {
    ["INT-07"] = {
      ["internship:1"] = "N/A",
      ["internship:2"] = { "FAIL", values = { regime = "R2021" } },
      ["internship:3"] = { "FAIL", values = { regime = "R2016" } },    -- 顶岗 in R2016
      ["internship:4"] = "PASS",
      ["internship:5"] = "UNKNOWN",
      ["internship:6"] = "N/A",
    },
  },
}

---------------------------------------------------------------------------
-- INT-08: pay per month — R2016 顶岗: ≥ 80% probation wage; R2021 independent: ≥ 80% post wage OR ≥ lowest grade
-- (EITHER, (d)4); R2021 non-independent: > 0; R2016 跟岗: N/A; partial months prorated by days/days-in-month;
-- payment missing → FAIL (evidence)
---------------------------------------------------------------------------
local function pay(iid, month, amount, form, direct)
  return { internship_id = iid, pay_month = month, amount = amount, form = form or "MONEY", direct = direct or 1 }
end
local function months(iid, list, amount)
  local t = {}
  for _, m in ipairs(list) do t[#t + 1] = pay(iid, m, amount) end
  return t
end
local MAR_MAY = { "2023-03", "2023-04", "2023-05" }
local function spring(id, over) return job(id, with({ end_date = "2023-05-31" }, over)) end

case "INT-08: R2021 §18 (EITHER) — 80% of the post wage or the lowest grade wage suffices; below both fails" {
  as_of = "2023-12-31",
  rows = {
    post_wage = { { post_id = 1, from_date = "2020-01-01", wage_standard_monthly = 5000, probation_wage_monthly = 4500 } },
    enterprise_wage = { { enterprise_id = 1, from_date = "2020-01-01", lowest_grade_wage_monthly = 3500 } },
    internship = { spring(1), spring(2), spring(3), spring(4) },
    internship_payment = concat(
      months(1, MAR_MAY, 4000),                                     -- exactly 80% of 5000
      months(2, MAR_MAY, 3500),                                     -- below 80% but exactly the lowest grade
      months(3, { "2023-03", "2023-05" }, 4000), { pay(3, "2023-04", 3499.99) },
      months(4, { "2023-03", "2023-04" }, 4000)),                   -- May not paid at all
  },
  expect = {
    ["INT-08"] = {
      ["internship:1"] = { "PASS", values = { months = 3 } },
      ["internship:2"] = "PASS",
      ["internship:3"] = { "FAIL", values = { month = "2023-04", paid = 3499.99 } },
      ["internship:4"] = { "FAIL", values = { month = "2023-05", paid = 0 }, reason = "无报酬支付记录" },
    },
  },
}

case "INT-08: a partial first month is prorated — 16/31 of 80% × 5000 = 2064.516…: 2064.52 passes, 2064.51 fails" {
  as_of = "2023-12-31",
  rows = {
    post_wage = { { post_id = 1, from_date = "2020-01-01", wage_standard_monthly = 5000 } },
    enterprise_wage = { { enterprise_id = 1, from_date = "2020-01-01", lowest_grade_wage_monthly = 6000 } },
    internship = { job(1, { start_date = "2023-03-16", end_date = "2023-04-30" }),
                   job(2, { start_date = "2023-03-16", end_date = "2023-04-30" }) },
    internship_payment = { pay(1, "2023-03", 2064.52), pay(1, "2023-04", 4000),
                           pay(2, "2023-03", 2064.51), pay(2, "2023-04", 4000) },
  },
  expect = {
    ["INT-08"] = {
      ["internship:1"] = { "PASS", values = { months = 2 } },
      ["internship:2"] = { "FAIL", values = { month = "2023-03" }, reason = "16/31" },
    },
  },
}

case "INT-08: wage standards not recorded → UNKNOWN; only the post wage known and failed (lowest grade unknown) → UNKNOWN" {
  as_of = "2023-12-31",
  rows = {
    internship = { spring(1), spring(2, { post_id = 2 }) },
    post_wage = { { post_id = 2, from_date = "2020-01-01", wage_standard_monthly = 5000 } },
    internship_payment = concat(months(1, MAR_MAY, 4000), months(2, MAR_MAY, 3000)),
  },
  expect = { ["INT-08"] = { ["internship:1"] = "UNKNOWN", ["internship:2"] = "UNKNOWN" } },
}

case "INT-08: R2021 non-independent POST must be paid more than 0; COGNITIVE → N/A; months not yet due are not judged" {
  as_of = "2023-04-15",
  rows = {
    internship = {
      spring(1, { independent_work = 0 }), spring(2, { independent_work = 0 }),
      spring(3, { type = "COGNITIVE", independent_work = 0, post_id = NULL }),
      spring(4, { independent_work = 0 }),
    },
    internship_payment = { pay(1, "2023-03", 0.01), pay(2, "2023-03", 0), pay(4, "2023-03", 100) },   -- April not due yet
  },
  expect = {
    ["INT-08"] = {
      ["internship:1"] = { "PASS", values = { months = 1 } },
      ["internship:2"] = { "FAIL", reason = "应大于0元" },
      ["internship:3"] = "N/A",
      ["internship:4"] = { "PASS", values = { months = 1 } },
    },
  },
}

case "INT-08: R2016 — 顶岗 at ≥ 80% of the probation wage (3200 of 4000) passes, 3199.99 fails; 跟岗 has no standard" {
  as_of = "2021-06-30",
  rows = {
    post_wage = { { post_id = 1, from_date = "2020-01-01", wage_standard_monthly = 9000, probation_wage_monthly = 4000 } },
    enterprise_wage = { { enterprise_id = 1, from_date = "2020-01-01", lowest_grade_wage_monthly = 1000 } },
    internship = {
      job(1, { start_date = "2021-03-01", end_date = "2021-04-30" }),
      job(2, { start_date = "2021-03-01", end_date = "2021-04-30" }),
      job(3, { start_date = "2021-03-01", end_date = "2021-04-30", independent_work = 0 }),
    },
    internship_payment = { pay(1, "2021-03", 3200), pay(1, "2021-04", 3200),
                           pay(2, "2021-03", 3200), pay(2, "2021-04", 3199.99) },   -- lowest grade does not help in R2016
  },
  expect = {
    ["INT-08"] = {
      ["internship:1"] = "PASS",
      ["internship:2"] = { "FAIL", values = { month = "2021-04" } },
      ["internship:3"] = "N/A",
    },
  },
}

case "INT-08: regime per pay month — Dec 2021 is R2016 (probation 80%), Jan 2022 is R2021 (EITHER / > 0)" {
  as_of = "2022-03-31",
  rows = {
    post_wage = { { post_id = 1, from_date = "2020-01-01", wage_standard_monthly = 5000, probation_wage_monthly = 4000 } },
    enterprise_wage = { { enterprise_id = 1, from_date = "2020-01-01", lowest_grade_wage_monthly = 3500 } },
    internship = {
      job(1, { start_date = "2021-12-01", end_date = "2022-01-31" }),
      job(2, { start_date = "2021-12-01", end_date = "2022-01-31" }),
      job(3, { start_date = "2021-12-01", end_date = "2022-01-31", independent_work = 0 }),
    },
    internship_payment = {
      pay(1, "2021-12", 3200), pay(1, "2022-01", 3500),       -- 80% × 4000; then the lowest grade
      pay(2, "2021-12", 3500), pay(2, "2022-01", 3499.99),    -- fine in Dec, below both R2021 floors in Jan
      pay(3, "2022-01", 0),                                   -- 跟岗 in Dec (no standard), 岗位实习 in Jan: 0 fails
    },
  },
  expect = {
    ["INT-08"] = {
      ["internship:1"] = { "PASS", values = { months = 2 } },
      ["internship:2"] = { "FAIL", values = { month = "2022-01" } },
      ["internship:3"] = { "FAIL", values = { month = "2022-01", months = 1 } },
    },
  },
}

case "INT-08: (d)4 alternative reading PAY_FLOOR_MODE = LOWEST_GRADE_80 — 80% of the lowest grade (2800 of 3500)" {
  as_of = "2023-12-31",
  rows = {
    post_wage = { { post_id = 1, from_date = "2020-01-01", wage_standard_monthly = 5000 } },
    enterprise_wage = { { enterprise_id = 1, from_date = "2020-01-01", lowest_grade_wage_monthly = 3500 } },
    internship = { spring(1), spring(2) },
    internship_payment = concat(months(1, MAR_MAY, 2800), months(2, MAR_MAY, 2799.99)),
  },
  params = { PAY_FLOOR_MODE = "LOWEST_GRADE_80" },
  expect = { ["INT-08"] = { ["internship:1"] = "PASS", ["internship:2"] = "FAIL" } },
}

---------------------------------------------------------------------------
-- INT-09: R2021 — each covered month paid in MONEY, directly to the student
---------------------------------------------------------------------------
case "INT-09: R2021 §18 — money paid directly each month passes; goods, vouchers, a third party or a missing month fail" {
  as_of = "2023-12-31",
  rows = {
    internship = { spring(1), spring(2), spring(3), spring(4), spring(5),
                   spring(6, { type = "COGNITIVE", independent_work = 0, post_id = NULL }) },
    internship_payment = concat(
      months(1, MAR_MAY, 4000), { pay(1, "2023-04", 100) },        -- two money payments in April are fine
      months(2, { "2023-03", "2023-05" }, 4000), { pay(2, "2023-04", 4000, "GOODS") },
      months(3, { "2023-03", "2023-05" }, 4000), { pay(3, "2023-04", 4000, "VOUCHER") },
      months(4, { "2023-03", "2023-05" }, 4000), { pay(4, "2023-04", 4000, "MONEY", 0) },
      months(5, { "2023-03", "2023-04" }, 4000)),
  },
  expect = {
    ["INT-09"] = {
      ["internship:1"] = { "PASS", values = { months = 3 } },
      ["internship:2"] = { "FAIL", reason = "实物" },
      ["internship:3"] = { "FAIL", reason = "代金券" },
      ["internship:4"] = { "FAIL", reason = "第三方" },
      ["internship:5"] = { "FAIL", reason = "2023-05未支付" },
      ["internship:6"] = "N/A",
    },
  },
}

case "INT-09: R2016 months are not judged — a 2021 internship is N/A; Dec 2021 / Jan 2022 judges January only" {
  as_of = "2022-03-31",
  rows = {
    internship = { job(1, { start_date = "2021-03-01", end_date = "2021-06-30" }),
                   job(2, { start_date = "2021-12-01", end_date = "2022-01-31" }),
                   job(3, { start_date = "2021-12-01", end_date = "2022-01-31" }) },
    internship_payment = { pay(2, "2021-12", 1000, "GOODS"), pay(2, "2022-01", 1000), pay(3, "2021-12", 1000) },
  },
  expect = {
    ["INT-09"] = {
      ["internship:1"] = "N/A",
      ["internship:2"] = { "PASS", values = { months = 1 } },
      ["internship:3"] = { "FAIL", reason = "2022-01未支付" },
    },
  },
}

---------------------------------------------------------------------------
-- INT-10: timesheet — every day ≤ 8 h, every ISO week ≤ 40 h, night_hours = 0, no hours on a statutory holiday
---------------------------------------------------------------------------
local function ts(iid, date, hours, night)
  return { internship_id = iid, work_date = date, hours = hours, night_hours = night or 0 }
end
local function week(iid, monday_day, hours)   -- Mon–Fri of the week of 2023-03-<monday_day>
  local t = {}
  for d = 0, 4 do t[#t + 1] = ts(iid, string.format("2023-03-%02d", monday_day + d), hours) end
  return t
end

case "INT-10: 2016 §16 — 8 h a day and 40 h an ISO week pass; 8.5 h a day, 40.5 h a week or night hours fail" {
  as_of = "2023-06-30",
  rows = {
    internship = { job(1), job(2), job(3), job(4) },
    timesheet = concat(
      week(1, 6, 8),                                            -- Mon 2023-03-06 … Fri: exactly 40 h
      week(2, 6, 8), { ts(2, "2023-03-11", 0.5) },              -- + Saturday 0.5 h = 40.5 h
      { ts(3, "2023-03-06", 8.5) },
      { ts(4, "2023-03-06", 6, 0.5) }),                         -- half an hour after 22:00
  },
  expect = {
    ["INT-10"] = {
      ["internship:1"] = { "PASS", values = { days = 5, weeks = 1 } },
      ["internship:2"] = { "FAIL", reason = "2023-W10" },
      ["internship:3"] = { "FAIL", reason = "8.50小时" },
      ["internship:4"] = { "FAIL", reason = "夜间" },
    },
  },
}

case "INT-10: statutory holidays (is_statutory = 1) with hours fail; other listed days and 0 h are fine" {
  as_of = "2023-12-31",
  rows = {
    internship = { job(1), job(2), job(3) },
    holiday = { { date = "2023-05-01", is_statutory = 1, name = "劳动节" },
                { date = "2023-05-04", is_statutory = 0, name = "青年节" } },
    timesheet = { ts(1, "2023-05-01", 4), ts(2, "2023-05-04", 8), ts(3, "2023-05-01", 0) },
  },
  expect = {
    ["INT-10"] = {
      ["internship:1"] = { "FAIL", reason = "劳动节" },
      ["internship:2"] = "PASS",
      ["internship:3"] = "PASS",
    },
  },
}

case "INT-10: weeks are ISO weeks — Mon 2024-12-30 … Sat 2025-01-04 is one week (2025-W01): 41 h fails" {
  as_of = "2025-01-31",
  rows = {
    internship = { job(1, { start_date = "2024-12-01", end_date = "2025-01-31" }),
                   job(2, { start_date = "2024-12-01", end_date = "2025-01-31" }) },
    timesheet = {
      ts(1, "2024-12-30", 8), ts(1, "2024-12-31", 8), ts(1, "2025-01-02", 8), ts(1, "2025-01-03", 8),
      ts(1, "2025-01-04", 8), ts(1, "2025-01-05", 1),                                    -- 41 h in 2025-W01
      ts(2, "2024-12-29", 8), ts(2, "2024-12-30", 8), ts(2, "2024-12-31", 8), ts(2, "2025-01-02", 8),
      ts(2, "2025-01-03", 8), ts(2, "2025-01-04", 8),    -- Sun 12-29 is 2024-W52: 40 h in 2025-W01
    },
  },
  expect = {
    ["INT-10"] = {
      ["internship:1"] = { "FAIL", reason = "2025-W01" },
      ["internship:2"] = { "PASS", values = { weeks = 2 } },
    },
  },
}

case "INT-10: no timesheet up to as_of → UNKNOWN (hours are measured data); days after as_of are ignored" {
  as_of = "2023-06-30",
  rows = {
    internship = { job(1), job(2) },
    timesheet = { ts(2, "2023-07-01", 12) },
  },
  expect = { ["INT-10"] = { ["internship:1"] = "UNKNOWN", ["internship:2"] = "UNKNOWN" } },
}

---------------------------------------------------------------------------
-- INT-11: the union of liability-insurance policies covers [start, end] (evidence: none → FAIL)
---------------------------------------------------------------------------
local function cover(iid, a, b) return { internship_id = iid, policy_no = "P" .. iid, cover_start = a, cover_end = b } end

case "INT-11: 实习责任保险 — exact or adjoining cover passes; a one-day gap, a short end or no policy fails" {
  as_of = "2023-06-30",
  rows = {
    internship = { job(1), job(2), job(3), job(4), job(5) },
    internship_insurance = {
      cover(1, "2023-03-01", "2023-08-31"),
      cover(2, "2023-03-01", "2023-05-31"), cover(2, "2023-06-01", "2023-08-31"),      -- adjoining
      cover(3, "2023-03-01", "2023-05-31"), cover(3, "2023-06-02", "2023-08-31"),      -- 2023-06-01 uncovered
      cover(4, "2023-03-02", "2023-08-30"),                                             -- first and last day missing
    },
  },
  expect = {
    ["INT-11"] = {
      ["internship:1"] = "PASS",
      ["internship:2"] = { "PASS", values = { policies = 2 } },
      ["internship:3"] = { "FAIL", values = { uncovered = "2023-06-01" } },
      ["internship:4"] = { "FAIL", values = { uncovered = "2023-03-01、2023-08-31" } },
      ["internship:5"] = "FAIL",
    },
  },
}

case "INT-11: not started on as_of → not judged" {
  as_of = "2023-02-28",
  rows = { internship = { job(1) } },
  expect = { ["INT-11"] = { ["internship:1"] = "N/A" } },
}

---------------------------------------------------------------------------
-- INT-12: no restricted venue, no intermediary, no high-risk post, labour intensity < III
---------------------------------------------------------------------------
case "INT-12: R2021 §16–17 — grade II passes, grade III fails; high-risk, intermediary or a KTV fails (even 认识实习)" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { ent(1), ent(2, { venue_category = "KTV" }) },
    post = { post(1), post(2, 1, { labor_intensity_level = 3 }), post(3, 1, { labor_intensity_level = 4 }),
             post(4, 1, { is_high_risk = 1 }) },
    internship = {
      job(1), job(2, { post_id = 2 }), job(3, { post_id = 3 }), job(4, { post_id = 4 }),
      job(5, { via_intermediary = 1 }),
      job(6, { enterprise_id = 2, type = "COGNITIVE", independent_work = 0, post_id = NULL }),
      job(7, { post_id = 4, special_arrangement_filed = 1 }),   -- (d)6 default: a filed arrangement waives nothing
      job(8, { type = "COGNITIVE", independent_work = 0, post_id = NULL }),
    },
  },
  expect = {
    ["INT-12"] = {
      ["internship:1"] = "PASS",
      ["internship:2"] = { "FAIL", reason = "III级" },
      ["internship:3"] = { "FAIL", reason = "IV级" },
      ["internship:4"] = { "FAIL", reason = "高危" },
      ["internship:5"] = { "FAIL", reason = "中介" },
      ["internship:6"] = { "FAIL", reason = "KTV" },
      ["internship:7"] = "FAIL",
      ["internship:8"] = "PASS",                 -- 认识实习 at an ordinary enterprise, no post
    },
  },
}

case "INT-12: unknown post facts → UNKNOWN (risk or intensity NULL, or a POST internship without a post)" {
  as_of = "2023-06-30",
  rows = {
    enterprise = { ent(1) },
    post = { post(1, 1, { is_high_risk = NULL }), post(2, 1, { labor_intensity_level = NULL }) },
    internship = { job(1), job(2, { post_id = 2 }), job(3, { post_id = NULL }) },
  },
  expect = {
    ["INT-12"] = {
      ["internship:1"] = { "UNKNOWN", reason = "高危" },
      ["internship:2"] = { "UNKNOWN", reason = "体力劳动强度" },
      ["internship:3"] = { "UNKNOWN", reason = "实习岗位" },
    },
  },
}

---------------------------------------------------------------------------
-- INT-13: fees_charged = 0
---------------------------------------------------------------------------
case "INT-13: R2021 — no fee passes; even 0.01 charged fails" {
  as_of = "2023-06-30",
  rows = { internship = { job(1), job(2, { fees_charged = 0.01 }) } },
  expect = { ["INT-13"] = { ["internship:1"] = "PASS", ["internship:2"] = { "FAIL", values = { fees = 0.01 } } } },
}

---------------------------------------------------------------------------
-- INTERNSHIP_COMPLIANCE = INT-02 (enterprise) + INT-03 (its posts) + INT-04..INT-13 (its internships)
---------------------------------------------------------------------------
-- A complete, compliant POST internship (2023-03-01..2023-05-31, judged on 2023-04-30: March and April are due)
-- at enterprise `e`, post `e`, internship/student `id`.
local function clean(e, id)
  return {
    enterprise = ent(e),
    headcount = hc(e, "2023-01-31", 100),
    post = post(e, e),
    staff = staff(e, "2023-01-31", 10),
    post_wage = { post_id = e, from_date = "2020-01-01", wage_standard_monthly = 5000 },
    ent_wage = { enterprise_id = e, from_date = "2020-01-01", lowest_grade_wage_monthly = 3500 },
    student = student(id, "2003-01-01"),
    internship = job(id, { enterprise_id = e, post_id = e, start_date = "2023-03-01", end_date = "2023-05-31" }),
    agreement = agreement(id, "2023-02-20"),
    insurance = cover(id, "2023-03-01", "2023-05-31"),
    payment = pay(id, "2023-03", 4000),
    payment2 = pay(id, "2023-04", 4000),
    timesheet = ts(id, "2023-03-06", 8),
  }
end
local function city(list, drop)
  local rows = { enterprise = {}, enterprise_headcount = {}, post = {}, post_headcount = {}, post_wage = {},
                 enterprise_wage = {}, student = {}, internship = {}, internship_agreement = {},
                 internship_insurance = {}, internship_payment = {}, timesheet = {} }
  local map = { enterprise = "enterprise", headcount = "enterprise_headcount", post = "post", staff = "post_headcount",
                post_wage = "post_wage", ent_wage = "enterprise_wage", student = "student", internship = "internship",
                agreement = "internship_agreement", insurance = "internship_insurance", payment = "internship_payment",
                payment2 = "internship_payment", timesheet = "timesheet" }
  for i, c in ipairs(list) do
    for k, tab in pairs(map) do
      if c[k] and not (drop[i] and drop[i][k]) then table.insert(rows[tab], c[k]) end
    end
  end
  return rows
end

case "INTERNSHIP_COMPLIANCE: every rule met → COMPLIANT; an insurance gap → NON_COMPLIANT; no timesheet → NEEDS_DATA" {
  as_of = "2023-04-30",
  rows = city({ clean(1, 11), clean(2, 21), clean(3, 31), clean(4, 41) },
              { [2] = { insurance = true }, [3] = { timesheet = true }, [4] = { staff = true } }),
  expect = {
    INTERNSHIP_COMPLIANCE = {
      ["enterprise:1"] = "COMPLIANT",
      ["enterprise:2"] = "NON_COMPLIANT",
      ["enterprise:3"] = "NEEDS_DATA",
      ["enterprise:4"] = "NEEDS_DATA",      -- its post has an intern but no staff snapshot (INT-03 UNKNOWN)
    },
    ["INT-03"] = { ["post:1"] = "PASS", ["post:4"] = "UNKNOWN" },
    -- enterprise 1 is compliant because each rule passes (or does not apply), not because nothing was judged:
    ["INT-02"] = { ["enterprise:1"] = { "PASS", values = { k = 1 } } },
    ["INT-04"] = { ["internship:11"] = "PASS" },
    ["INT-05"] = { ["internship:11"] = "N/A" },          -- 20 years old at the start
    ["INT-06"] = { ["internship:11"] = "PASS" },
    ["INT-07"] = { ["internship:11"] = "PASS" },
    ["INT-08"] = { ["internship:11"] = { "PASS", values = { months = 2 } } },
    ["INT-09"] = { ["internship:11"] = "PASS" },
    ["INT-10"] = { ["internship:11"] = "PASS" },
    ["INT-11"] = { ["internship:11"] = "PASS", ["internship:21"] = "FAIL" },
    ["INT-12"] = { ["internship:11"] = "PASS" },
    ["INT-13"] = { ["internship:11"] = "PASS" },
  },
}
