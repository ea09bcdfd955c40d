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

-- ---------------------------------------------------------------------------------------------------------
-- More cases, written from the policy book (b) "Tax & funds" and conventions 2–3 (missing data → UNKNOWN;
-- exact thresholds; money to 0.01, a computed amount rounded half up once, on the yearly total).
-- ---------------------------------------------------------------------------------------------------------

local function firms(n)
  local t = {}
  for i = 1, n do t[i] = { id = i, name = "企业" .. i } end
  return t
end

case "FUND-02: 二(二)4 — spend just above 60% passes; total 0 → N/A (and COMPLIANT); a NULL amount → UNKNOWN" {
  as_of = "2023-12-31",
  rows = {
    enterprise = firms(4),
    edu_fund_year = {
      fund(1, 100000, 60000.01),
      fund(2, 0, 0),
      { enterprise_id = 3, year = 2023, spent_total = 100000 },             -- spent_frontline NULL
      { enterprise_id = 4, year = 2023, spent_frontline = 60000 },          -- spent_total NULL
    },
  },
  expect = {
    ["FUND-02"] = {
      ["enterprise:1"] = { "PASS", values = { percent = "60.0000", total = 100000, frontline = 60000.01 } },
      ["enterprise:2"] = "N/A",
      ["enterprise:3"] = "UNKNOWN",
      ["enterprise:4"] = "UNKNOWN",
    },
    TRAINING_FUND = {
      ["enterprise:2"] = "COMPLIANT",        -- N/A neither fails nor lacks data (convention 1)
      ["enterprise:3"] = "NEEDS_DATA",
    },
  },
}

case "FUND-02: yearly — --year 2022 judges the 2022 row, not the 2023 one" {
  as_of = "2023-06-30", year = 2022,
  rows = {
    enterprise = firms(1),
    edu_fund_year = {
      { enterprise_id = 1, year = 2022, spent_total = 1000, spent_frontline = 599.99 },
      { enterprise_id = 1, year = 2023, spent_total = 1000, spent_frontline = 1000 },
    },
  },
  expect = { ["FUND-02"] = { ["enterprise:1"] = { "FAIL", values = { percent = "59.9990" } } },
             TRAINING_FUND = { ["enterprise:1"] = "NON_COMPLIANT" } },
}

-- FUND-01: cap = rate(Y)·wage_total; ded = min(expense + carry_in, cap); carry_out = expense + carry_in − ded;
-- carry_in = last year's carry_out, or opening_carry (NULL = 0) on the earliest row.
local function ded(id, year, wages, expense, opening)
  return { enterprise_id = id, year = year, wage_total = wages, expense = expense, opening_carry = opening }
end

case "FUND-01: 财税〔2018〕51号 — 8% cap from 2018; the excess is carried forward" {
  as_of = "2023-12-31",
  rows = {
    enterprise = firms(3),
    edu_fund_year = {
      ded(1, 2023, 1000000, 100000),                      -- cap 80000, carry 20000
      ded(2, 2023, 1000000, 80000),                       -- exactly the cap: nothing carried
      ded(3, 2022, 1000000, 100000), ded(3, 2023, 1000000, 70000),   -- 2022 carries 20000 into 2023
    },
  },
  expect = {
    ["FUND-01"] = {
      ["enterprise:1"] = { "PASS", values = { cap = 80000, deductible = 80000, carry_out = 20000 } },
      ["enterprise:2"] = { "PASS", values = { cap = 80000, deductible = 80000, carry_out = 0 } },
      ["enterprise:3"] = { "PASS", values = { carry_in = 20000, cap = 80000, deductible = 80000, carry_out = 10000 } },
    },
  },
}

case "FUND-01: 实施条例§42 — 2.5% for tax year 2017, 8% for 2018; opening_carry enters the earliest row only" {
  as_of = "2018-12-31",
  rows = {
    enterprise = firms(1),
    edu_fund_year = {
      ded(1, 2017, 1000000, 40000, 5000),        -- cap 25000; 40000 + 5000 − 25000 = 20000 carried
      ded(1, 2018, 1000000, 70000, 99999),       -- opening_carry on a later row is ignored
    },
  },
  expect = {
    ["FUND-01"] = { ["enterprise:1"] = { "PASS", values = { rate = "8%", carry_in = 20000, cap = 80000,
                                                            deductible = 80000, carry_out = 10000 } } },
  },
}

case "FUND-01: tax year 2017 at 2.5%; the cap is rounded half up once (10000.20 × 2.5% = 250.005 → 250.01)" {
  as_of = "2017-12-31",
  rows = { enterprise = firms(1), edu_fund_year = { ded(1, 2017, 10000.20, 300) } },
  expect = {
    ["FUND-01"] = { ["enterprise:1"] = { "PASS", values = { rate = "2.5%", cap = 250.01, deductible = 250.01,
                                                            carry_out = 49.99 } } },
  },
}

case "FUND-01: missing data → UNKNOWN — no row for the year, NULL wages or expense, or a missing year in the carry chain" {
  as_of = "2023-12-31",
  rows = {
    enterprise = firms(4),
    edu_fund_year = {
      ded(1, 2022, 1000000, 1000),                         -- nothing for 2023
      ded(2, 2023, nil, 1000),                             -- wage_total NULL
      ded(3, 2023, 1000000, nil),                          -- expense NULL
      ded(4, 2021, 1000000, 100000), ded(4, 2023, 1000000, 1000),   -- 2022 missing: the carry is unknown
    },
  },
  expect = {
    ["FUND-01"] = {
      ["enterprise:1"] = "UNKNOWN", ["enterprise:2"] = "UNKNOWN",
      ["enterprise:3"] = "UNKNOWN", ["enterprise:4"] = { "UNKNOWN", reason = "2022" },
    },
  },
}

-- FUND-03 (WARN): extracted ≥ 1.5% of wage_total.
case "FUND-03: 国发〔2014〕19号 — exactly 1.5% passes, one fen less fails; NULL → UNKNOWN; no wages → N/A" {
  as_of = "2023-12-31",
  rows = {
    enterprise = firms(4),
    edu_fund_year = {
      { enterprise_id = 1, year = 2023, wage_total = 1000000, extracted = 15000 },
      { enterprise_id = 2, year = 2023, wage_total = 1000000, extracted = 14999.99 },
      { enterprise_id = 3, year = 2023, wage_total = 1000000 },
      { enterprise_id = 4, year = 2023, wage_total = 0, extracted = 0 },
    },
  },
  expect = {
    ["FUND-03"] = {
      ["enterprise:1"] = { "PASS", values = { percent = "1.5000" } },
      ["enterprise:2"] = { "FAIL", values = { percent = "1.4999", required = 15000 } },
      ["enterprise:3"] = "UNKNOWN",
      ["enterprise:4"] = "N/A",
    },
  },
}

-- TAX-01 / TAX-02 (财税〔2019〕46号 第三条): credit = round(30% × eligible investments of the year);
-- avail = credit + carry_in; used = min(avail, edu_due + local_edu_due); carry_out = avail − used.
local function cert(id, ent, from, over)
  local d = { id = id, enterprise_id = ent, kind = "CJRH_CERTIFIED", valid_from = from }
  for k, v in pairs(over or {}) do d[k] = v end
  return d
end
local function inv(id, ent, date, amount, category, withdrawn)
  return { id = id, enterprise_id = ent, invest_date = date, amount = amount, category = category or "RUN_SCHOOL",
           withdrawn_date = withdrawn }
end
local function due(ent, year, edu, loc, opening)
  return { enterprise_id = ent, year = year, edu_due = edu, local_edu_due = loc, opening_credit_carry = opening }
end

case "TAX-01: 30% of an eligible investment, used against both surcharges, the rest carried forward" {
  as_of = "2023-12-31",
  rows = {
    enterprise = firms(2),
    designation = { cert(1, 1, "2022-01-01"), cert(2, 2, "2022-01-01") },
    voc_investment = { inv(11, 1, "2023-03-01", 100000), inv(21, 2, "2023-03-01", 100000, "TRAINING_BASE_OPS") },
    surcharge_year = { due(1, 2023, 12000, 8000), due(2, 2023, 30000, 20000) },
  },
  expect = {
    ["TAX-01"] = {
      ["enterprise:1"] = { "PASS", values = { credit = 30000, available = 30000, used = 20000, carry_out = 10000, payable = 0 } },
      ["enterprise:2"] = { "PASS", values = { credit = 30000, available = 30000, used = 30000, carry_out = 0, payable = 20000 } },
    },
  },
}

case "TAX-01: carry chain — opening_credit_carry on the earliest row, then last year's carry_out" {
  as_of = "2023-12-31",
  rows = {
    enterprise = firms(1),
    designation = { cert(1, 1, "2022-01-01") },
    voc_investment = { inv(11, 1, "2023-03-01", 100000) },
    surcharge_year = { due(1, 2022, 3000, 1000, 5000), due(1, 2023, 12000, 8000, 77777) },  -- 2023's opening is ignored
  },
  expect = {
    -- 2022: avail 5000, used 4000, carry 1000; 2023: 30000 + 1000 = 31000, used 20000, carry 11000
    ["TAX-01"] = { ["enterprise:1"] = { "PASS", values = { carry_in = 1000, credit = 30000, available = 31000,
                                                         used = 20000, carry_out = 11000, payable = 0 } } },
  },
}

case "TAX-01: eligibility — designation active on the investment day, category, 2019-01-01 start, no same-year withdrawal" {
  as_of = "2023-12-31",
  rows = {
    enterprise = firms(1),
    designation = { cert(1, 1, "2023-03-01", { valid_to = "2023-09-30" }) },
    voc_investment = {
      inv(11, 1, "2023-02-28", 1000),                            -- the day before the designation: excluded ((d)9)
      inv(12, 1, "2023-03-01", 1000),                            -- on valid_from: counts
      inv(13, 1, "2023-09-30", 1000, "TRAINING_BASE_BUILD"),     -- on valid_to: counts
      inv(14, 1, "2023-10-01", 1000),                            -- the day after valid_to: excluded
      inv(15, 1, "2023-05-01", 1000, "OTHER"),                   -- category not eligible
      inv(16, 1, "2023-05-01", 1000, "RUN_SCHOOL", "2023-12-31"),-- withdrawn on Dec-31 of the same year
      inv(17, 1, "2023-05-01", 1000, "RUN_SCHOOL", "2024-01-01"),-- withdrawn next year: counts this year
    },
    surcharge_year = { due(1, 2023, 0, 0) },
  },
  expect = {
    ["TAX-01"] = { ["enterprise:1"] = { "PASS", values = { eligible = 3000, credit = 900, used = 0, carry_out = 900 } } },
  },
}

case "TAX-01: a designation revoked on the investment day no longer counts; the credit starts 2019-01-01" {
  as_of = "2019-12-31",
  rows = {
    enterprise = firms(2),
    designation = { cert(1, 1, "2018-01-01", { revoked_date = "2019-06-01", revoke_reason = "OTHER" }),
                    cert(2, 2, "2018-01-01") },
    voc_investment = {
      inv(11, 1, "2019-05-31", 1000), inv(12, 1, "2019-06-01", 1000),
      inv(21, 2, "2018-12-31", 1000), inv(22, 2, "2019-01-01", 1000),
    },
    surcharge_year = { due(1, 2018, 0, 0), due(1, 2019, 0, 0), due(2, 2018, 0, 0), due(2, 2019, 0, 0) },
  },
  expect = {
    ["TAX-01"] = {
      ["enterprise:1"] = { "PASS", values = { eligible = 1000, credit = 300 } },
      ["enterprise:2"] = { "PASS", values = { eligible = 1000, credit = 300, carry_in = 0 } },
    },
  },
}

case "TAX-01: the credit is rounded once on the yearly total — 2 × 1000.05 × 30% = 600.03 (not 600.04)" {
  as_of = "2023-12-31",
  rows = {
    enterprise = firms(1),
    designation = { cert(1, 1, "2020-01-01") },
    voc_investment = { inv(11, 1, "2023-03-01", 1000.05), inv(12, 1, "2023-04-01", 1000.05) },
    surcharge_year = { due(1, 2023, 0, 0) },
  },
  expect = { ["TAX-01"] = { ["enterprise:1"] = { "PASS", values = { credit = 600.03, carry_out = 600.03 } } } },
}

case "TAX-01: missing surcharge data → UNKNOWN; no investment and no opening carry → N/A" {
  as_of = "2023-12-31",
  rows = {
    enterprise = firms(4),
    designation = { cert(1, 1, "2020-01-01"), cert(2, 2, "2020-01-01"), cert(3, 3, "2020-01-01") },
    voc_investment = { inv(11, 1, "2023-03-01", 1000), inv(21, 2, "2023-03-01", 1000), inv(31, 3, "2022-03-01", 1000) },
    surcharge_year = {
      due(2, 2023, 100, nil),                                   -- local_edu_due NULL
      due(3, 2021, 0, 0), due(3, 2023, 0, 0),                   -- 2022 missing: the carry is unknown
      due(4, 2023, 100, 100),                                   -- enterprise 4: nothing invested, no carry
    },
  },
  expect = {
    ["TAX-01"] = {
      ["enterprise:1"] = "UNKNOWN",        -- no surcharge row at all
      ["enterprise:2"] = "UNKNOWN",
      ["enterprise:3"] = { "UNKNOWN", reason = "2022" },
      ["enterprise:4"] = "N/A",
    },
  },
}

-- TAX-02: attributable = round(30% × amount); from_carry = min(attributable, carry); repay = attributable − from_carry.
case "TAX-02: 46号 — withdrawal of a credited investment: taken from the carried credit first, the rest repaid (FAIL)" {
  as_of = "2023-12-31",
  rows = {
    enterprise = firms(2),
    designation = { cert(1, 1, "2020-01-01"), cert(2, 2, "2020-01-01") },
    voc_investment = {
      inv(11, 1, "2021-06-01", 100000, "TRAINING_BASE_BUILD", "2023-05-01"),
      inv(21, 2, "2021-06-01", 20000, "RUN_SCHOOL", "2023-05-01"),
    },
    surcharge_year = {
      -- 1: 2021 credit 30000, used 20000 → 10000; 2022 used 4000 → 6000 carried into 2023
      due(1, 2021, 12000, 8000), due(1, 2022, 3000, 1000), due(1, 2023, 3000, 2000),
      -- 2: opening 10000, 2021 credit 6000, nothing due → 16000 carried into 2023
      due(2, 2021, 0, 0, 10000), due(2, 2022, 0, 0),
    },
  },
  expect = {
    ["TAX-02"] = {
      ["enterprise:1"] = { "FAIL", values = { attributable = 30000, from_carry = 6000, repay = 24000 } },
      ["enterprise:2"] = { "PASS", values = { attributable = 6000, from_carry = 6000, repay = 0 } },
    },
    -- the year of the withdrawal: the clawed-back carry is no longer available
    ["TAX-01"] = { ["enterprise:1"] = { "PASS", values = { clawback = 6000, available = 0, used = 0, payable = 5000 } } },
  },
}

case "TAX-02: nothing to repay → N/A (no withdrawal, a withdrawal in the investment's own year, or an uncredited one)" {
  as_of = "2023-12-31",
  rows = {
    enterprise = firms(3),
    designation = { cert(1, 1, "2020-01-01"), cert(2, 2, "2020-01-01") },
    voc_investment = {
      inv(11, 1, "2022-06-01", 1000),                                  -- never withdrawn
      inv(21, 2, "2023-02-01", 1000, "RUN_SCHOOL", "2023-11-01"),      -- withdrawn the same year: never credited
      inv(31, 3, "2022-06-01", 1000, "RUN_SCHOOL", "2023-05-01"),      -- enterprise 3 was never designated
    },
    surcharge_year = { due(1, 2022, 0, 0), due(1, 2023, 0, 0), due(2, 2023, 0, 0), due(3, 2022, 0, 0) },
  },
  expect = { ["TAX-02"] = { ["enterprise:1"] = "N/A", ["enterprise:2"] = "N/A", ["enterprise:3"] = "N/A" } },
}

case "TAX-02: the carry at the withdrawal is unknown when a year of surcharge data is missing → UNKNOWN" {
  as_of = "2023-12-31",
  rows = {
    enterprise = firms(1),
    designation = { cert(1, 1, "2020-01-01") },
    voc_investment = { inv(11, 1, "2021-06-01", 1000, "RUN_SCHOOL", "2023-05-01") },
    surcharge_year = { due(1, 2021, 0, 0) },                           -- 2022 missing
  },
  expect = { ["TAX-02"] = { ["enterprise:1"] = "UNKNOWN" } },
}
