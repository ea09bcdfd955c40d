-- Rule tests for rules/certificate.lua: CERT-01 (per certificate) and CERT-02 (coverage indicator, per 1+X pilot
-- major and for the whole city). Written from the policy book ((b) "1+X and plan targets", X_CERT_START,
-- (d)11: the coverage target is a city parameter, 30% by default [A]) and the data model.
-- A counted certificate: in the 1+X catalog, level ∈ {初级, 中级, 高级}, X_CERT_START (2019-04-04) ≤ issue_date ≤ as_of,
-- not revoked, valid_to NULL or ≥ as_of, not a graduation condition.

local NULL = {}
local function with(base, over)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(over or {}) do
    if v == NULL then t[k] = nil else t[k] = v end
  end
  return t
end

-- A certificate that counts on 2023-06-30.
local function cert(id, student, over)
  return with({ id = id, student_id = student, cert_code = "WEB-FE", in_1x_catalog = 1, level = "中级",
                issue_date = "2022-06-01", revoked = 0 }, over)
end

---------------------------------------------------------------------------
-- CERT-01
---------------------------------------------------------------------------
case "CERT-01: 教职成〔2019〕6号 — issued on the pilot's first day (2019-04-04) counts; the day before does not" {
  as_of = "2023-06-30",
  rows = { certificate = { cert(1, 1, { issue_date = "2019-04-04" }), cert(2, 1, { issue_date = "2019-04-03" }) } },
  expect = {
    ["CERT-01"] = {
      ["certificate:1"] = "PASS",
      ["certificate:2"] = { "FAIL", reason = "早于1+X试点" },
    },
  },
}

case "CERT-01: levels 初级/中级/高级 count; any other recorded level fails; a level not recorded → UNKNOWN" {
  as_of = "2023-06-30",
  rows = {
    certificate = {
      cert(1, 1, { level = "初级" }), cert(2, 1, { level = "中级" }), cert(3, 1, { level = "高级" }),
      cert(4, 1, { level = "四级" }), cert(5, 1, { level = "高级技师" }), cert(6, 1, { level = NULL }),
    },
  },
  expect = {
    ["CERT-01"] = {
      ["certificate:1"] = "PASS", ["certificate:2"] = "PASS", ["certificate:3"] = "PASS",
      ["certificate:4"] = { "FAIL", reason = "四级" }, ["certificate:5"] = "FAIL",
      ["certificate:6"] = "UNKNOWN",
    },
  },
}

case "CERT-01: valid through valid_to inclusive; expired the day before, revoked or a graduation condition fails" {
  as_of = "2023-06-30",
  rows = {
    certificate = {
      cert(1, 1, { valid_to = "2023-06-30" }),
      cert(2, 1, { valid_to = "2023-06-29" }),
      cert(3, 1, { revoked = 1 }),
      cert(4, 1, { is_graduation_condition = 1 }),
      cert(5, 1, { is_graduation_condition = 0 }),
      cert(6, 1, { level = NULL, revoked = 1 }),          -- a known defect decides even with the level unknown
    },
  },
  expect = {
    ["CERT-01"] = {
      ["certificate:1"] = "PASS",
      ["certificate:2"] = { "FAIL", reason = "过期" },
      ["certificate:3"] = { "FAIL", reason = "撤销" },
      ["certificate:4"] = { "FAIL", reason = "毕业条件" },
      ["certificate:5"] = "PASS",
      ["certificate:6"] = "FAIL",
    },
  },
}

case "CERT-01: not a 1+X catalog certificate, or issued after as_of → N/A (not a candidate yet); issued on as_of counts" {
  as_of = "2023-06-30",
  rows = {
    certificate = {
      cert(1, 1, { in_1x_catalog = 0 }),
      cert(2, 1, { issue_date = "2023-07-01" }),
      cert(3, 1, { issue_date = "2023-06-30" }),
    },
  },
  expect = { ["CERT-01"] = { ["certificate:1"] = "N/A", ["certificate:2"] = "N/A", ["certificate:3"] = "PASS" } },
}

---------------------------------------------------------------------------
-- CERT-02: coverage = ACTIVE students in pilot majors with ≥ 1 counted certificate ÷ ACTIVE students in pilot majors
---------------------------------------------------------------------------
local function students(first, n, major, status)
  local t = {}
  for i = first, first + n - 1 do t[#t + 1] = { id = i, school_id = 1, major_id = major, status = status or "ACTIVE" } end
  return t
end
local function concat(...)
  local t = {}
  for _, l in ipairs({ ... }) do for _, r in ipairs(l) do t[#t + 1] = r end end
  return t
end

case "CERT-02: per pilot major and for the city — 3 of 10 (30%) is MET, 1 of 10 NOT_MET, an unknown level could decide → UNKNOWN" {
  as_of = "2023-06-30",
  rows = {
    major = {
      { id = 1, school_id = 1, name = "能源化工", is_1x_pilot = 1 },
      { id = 2, school_id = 1, name = "装备制造", is_1x_pilot = 1 },
      { id = 3, school_id = 1, name = "现代农业", is_1x_pilot = 1 },
      { id = 4, school_id = 1, name = "会计", is_1x_pilot = 0 },
      { id = 5, school_id = 1, name = "新专业", is_1x_pilot = 1 },
    },
    student = concat(
      students(1, 10, 1), students(11, 1, 1, "GRADUATED"),      -- major 1: 10 active + 1 graduate
      students(21, 10, 2),
      students(31, 10, 3),
      students(41, 2, 4),
      students(51, 2, 5, "WITHDRAWN")),                          -- major 5: no active student
    certificate = {
      -- major 1: students 1, 2, 3 hold a counted certificate (student 3 two of them); the graduate's is ignored
      cert(1, 1), cert(2, 2), cert(3, 3), cert(4, 3, { level = "高级" }), cert(5, 11),
      -- major 2: two counted, one with the level not recorded: 2 or 3 of 10 → UNKNOWN
      cert(21, 21), cert(22, 22), cert(23, 23, { level = NULL }),
      -- major 3: one counted, one expired, one revoked, one outside the catalog
      cert(31, 31), cert(32, 32, { valid_to = "2023-06-29" }), cert(33, 33, { revoked = 1 }),
      cert(34, 34, { in_1x_catalog = 0 }),
      -- major 4 is not a pilot major
      cert(41, 41), cert(42, 42),
    },
  },
  expect = {
    ["CERT-02"] = {
      ["major:1"] = { "MET", values = { numerator = 3, denominator = 10, percent = "30.0000" } },
      ["major:2"] = { "UNKNOWN", values = { numerator = 2, denominator = 10 } },
      ["major:3"] = { "NOT_MET", values = { numerator = 1, denominator = 10, percent = "10.0000" } },
      ["major:4"] = "N/A",
      ["major:5"] = "N/A",
      -- city: pilot majors 1, 2, 3, 5 → 6 of 30 = 20% (7 of 30 = 23.3% even if the unknown level counts)
      city = { "NOT_MET", values = { numerator = 6, denominator = 30, percent = "20.0000" } },
    },
  },
}

case "CERT-02: COVERAGE_TARGET is the city's parameter ((d)11) — at 20% the same city is MET" {
  as_of = "2023-06-30",
  rows = {
    major = { { id = 1, school_id = 1, name = "能源化工", is_1x_pilot = 1 } },
    student = students(1, 10, 1),
    certificate = { cert(1, 1), cert(2, 2), cert(3, 3, { issue_date = "2019-04-03" }) },
  },
  params = { COVERAGE_TARGET = "20%" },
  expect = {
    ["CERT-02"] = {
      ["major:1"] = { "MET", values = { numerator = 2, denominator = 10 } },
      city = { "MET", values = { numerator = 2, denominator = 10, percent = "20.0000" } },
    },
  },
}

case "CERT-02: 29 of 100 (29.0000%) is one student short of 30% — NOT_MET for the major and the city" {
  as_of = "2023-06-30",
  rows = {
    major = { { id = 1, school_id = 1, name = "能源化工", is_1x_pilot = 1 } },
    student = students(1, 100, 1),
    certificate = (function()
      local t = {}
      for i = 1, 29 do t[#t + 1] = cert(i, i) end
      return t
    end)(),
  },
  expect = { ["CERT-02"] = { ["major:1"] = { "NOT_MET", values = { numerator = 29, percent = "29.0000" } },
                             city = "NOT_MET" } },
}

case "CERT-02: a city without active students in pilot majors has no coverage to judge (N/A)" {
  as_of = "2023-06-30",
  rows = {
    major = { { id = 1, school_id = 1, name = "能源化工", is_1x_pilot = 1 }, { id = 2, school_id = 1, name = "会计", is_1x_pilot = 0 } },
    student = concat(students(1, 3, 1, "GRADUATED"), students(4, 3, 2)),
    certificate = { cert(1, 1), cert(4, 4) },
  },
  expect = { ["CERT-02"] = { city = "N/A", ["major:1"] = "N/A", ["major:2"] = "N/A" } },
}
