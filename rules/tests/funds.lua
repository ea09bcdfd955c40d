-- Rule tests for rules/funds.lua: FUND-02 and its policy TRAINING_FUND at the 60% boundary.

local function fund(id, total, frontline)
  return { enterprise_id = id, year = 2023, spent_total = total, spent_frontline = frontline }
end

case "FUND-02: 60% exactly passes, 59.9999% fails" {
  as_of = "2023-12-31",
  rows = {
    enterprise = { { id = 1, name = "甲" }, { id = 2, name = "乙" }, { id = 3, name = "丙" } },
    edu_fund_year = { fund(1, 100000, 60000), fund(2, 100000, 59999.99) },
  },
  expect = {
    ["FUND-02"] = {
      ["enterprise:1"] = { "PASS", values = { percent = "60.0000" } },
      ["enterprise:2"] = { "FAIL", reason = "59.9999%" },
      ["enterprise:3"] = "UNKNOWN",                       -- no fund record for 2023
    },
    TRAINING_FUND = {
      ["enterprise:1"] = "COMPLIANT",
      ["enterprise:2"] = "NON_COMPLIANT",
      ["enterprise:3"] = "NEEDS_DATA",
    },
  },
}
