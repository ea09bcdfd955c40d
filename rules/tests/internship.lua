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
