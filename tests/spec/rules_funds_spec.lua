-- rules/funds.lua: FUND-01..03, TAX-01..02 and the TRAINING_FUND policy at their policy-book boundaries.
local kit = require("rulekit")

local function ents(n)
  local t = {}
  for i = 1, n do t[i] = { id = i } end
  return t
end

describe("FUND-02 front-line share >= 60% (二(二)4)", function()
  local run
  setup(function()
    run = kit.eval({
      enterprise = ents(8),
      edu_fund_year = {
        { enterprise_id = 1, year = 2023, spent_total = 100000.00, spent_frontline = 60000.00 },
        { enterprise_id = 2, year = 2023, spent_total = 100000.00, spent_frontline = 59999.99 },
        { enterprise_id = 3, year = 2023, spent_total = 100000.00, spent_frontline = 60000.01 },
        { enterprise_id = 4, year = 2023, spent_total = 0, spent_frontline = 0 },
        { enterprise_id = 5, year = 2023, spent_total = 1000.00 },
        { enterprise_id = 7, year = 2022, spent_total = 10.00, spent_frontline = 5.00 },
        { enterprise_id = 8, year = 2023, spent_total = 0.03, spent_frontline = 0.02 },
      },
    }, { as_of = "2023-06-30", policies = { "TRAINING_FUND" } })
  end)

  it("exactly 60.0000% passes", function()
    local r = run:result("FUND-02", "enterprise:1")
    assert.are.equal("PASS", r.outcome, run:show("FUND-02", "enterprise:1"))
    assert.are.equal("60.0000", r.values.percent)
    assert.are.equal(100000, r.values.total)
    assert.are.equal(60000, r.values.frontline)
    assert.are.equal(2023, r.year)
  end)
  it("59.9999% fails, truncated not rounded", function()
    local r = run:result("FUND-02", "enterprise:2")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal("59.9999", r.values.percent)
    assert.truthy(r.reason:find("59.9999%", 1, true))
    assert.truthy(r.reason:find("59999.99", 1, true))
  end)
  it("one fen above passes", function()
    assert.are.equal("PASS", run:outcome("FUND-02", "enterprise:3"))
  end)
  it("no spending is N/A", function()
    assert.are.equal("N/A", run:outcome("FUND-02", "enterprise:4"))
  end)
  it("a NULL amount, a missing row or only another year's row is UNKNOWN", function()
    assert.are.equal("UNKNOWN", run:outcome("FUND-02", "enterprise:5"))
    assert.are.equal("UNKNOWN", run:outcome("FUND-02", "enterprise:6"))
    assert.are.equal("UNKNOWN", run:outcome("FUND-02", "enterprise:7"))
  end)
  it("tiny amounts compare exactly (2 fen of 3 = 66.6666%)", function()
    local r = run:result("FUND-02", "enterprise:8")
    assert.are.equal("PASS", r.outcome)
    assert.are.equal("66.6666", r.values.percent)
  end)
  it("TRAINING_FUND decides per year from FUND-02", function()
    local d = run:decision("TRAINING_FUND", "enterprise:1")
    assert.are.equal("COMPLIANT", d.decision)
    assert.are.equal(2023, d.year)
    d = run:decision("TRAINING_FUND", "enterprise:2")
    assert.are.equal("NON_COMPLIANT", d.decision)
    assert.are.same({ "FUND-02" }, d.failed)
    assert.are.equal("NEEDS_DATA", run:decision("TRAINING_FUND", "enterprise:5").decision)
    assert.are.equal("COMPLIANT", run:decision("TRAINING_FUND", "enterprise:4").decision)
  end)
  it("--year selects the fund year", function()
    local r2 = kit.eval(run.db, { as_of = "2023-06-30", year = 2022, rules = { "FUND-02" } })
    local r = r2:result("FUND-02", "enterprise:7")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal(2022, r.year)
    assert.are.equal("50.0000", r.values.percent)
  end)
end)

describe("FUND-01 deduction cap and carry-forward", function()
  local db
  setup(function()
    db = kit.db({
      enterprise = ents(6),
      edu_fund_year = {
        { enterprise_id = 1, year = 2021, wage_total = 10000000, expense = 900000 },
        { enterprise_id = 1, year = 2022, wage_total = 10500000, expense = 800000 },
        { enterprise_id = 1, year = 2023, wage_total = 11000000, expense = 700000 },
        { enterprise_id = 2, year = 2017, wage_total = 1000000, expense = 30000 },
        { enterprise_id = 2, year = 2018, wage_total = 1000000, expense = 10000 },
        { enterprise_id = 3, year = 2021, wage_total = 1000000, expense = 10000 },
        { enterprise_id = 3, year = 2023, wage_total = 1000000, expense = 10000 },
        { enterprise_id = 4, year = 2023, wage_total = 1000000, expense = 100000, opening_carry = 50000 },
        { enterprise_id = 5, year = 2017, wage_total = 1000.20, expense = 100 },
        { enterprise_id = 6, year = 2023, wage_total = 1000000 },
      },
    })
  end)

  it("carries the excess over the 8% cap into later years", function()
    local run = kit.eval(db, { as_of = "2023-06-30", rules = { "FUND-01" } })
    local r = run:result("FUND-01", "enterprise:1")
    assert.are.equal("PASS", r.outcome, run:show("FUND-01", "enterprise:1"))
    assert.are.equal(880000, r.values.cap)
    assert.are.equal(60000, r.values.carry_in)
    assert.are.equal(760000, r.values.deductible)
    assert.are.equal(0, r.values.carry_out)
    local r21 = kit.eval(db, { as_of = "2021-12-31", year = 2021, rules = { "FUND-01" } })
      :result("FUND-01", "enterprise:1")
    assert.are.equal(800000, r21.values.deductible)
    assert.are.equal(100000, r21.values.carry_out)
  end)
  it("uses 2.5% for tax years up to 2017 and 8% from 2018", function()
    local r17 = kit.eval(db, { as_of = "2017-12-31", year = 2017, rules = { "FUND-01" } })
      :result("FUND-01", "enterprise:2")
    assert.are.equal("2.5%", r17.values.rate)
    assert.are.equal(25000, r17.values.cap)
    assert.are.equal(5000, r17.values.carry_out)
    local r18 = kit.eval(db, { as_of = "2018-12-31", year = 2018, rules = { "FUND-01" } })
      :result("FUND-01", "enterprise:2")
    assert.are.equal("8%", r18.values.rate)
    assert.are.equal(80000, r18.values.cap)
    assert.are.equal(15000, r18.values.deductible)
    assert.are.equal(0, r18.values.carry_out)
  end)
  it("rounds the cap half up to the fen once (1000.20 x 2.5% = 25.005 -> 25.01)", function()
    local r = kit.eval(db, { as_of = "2017-12-31", year = 2017, rules = { "FUND-01" } })
      :result("FUND-01", "enterprise:5")
    assert.are.equal(25.01, r.values.cap)
    assert.are.equal(25.01, r.values.deductible)
    assert.are.equal(74.99, r.values.carry_out)
  end)
  it("a missing year in the chain or a NULL input is UNKNOWN", function()
    local run = kit.eval(db, { as_of = "2023-06-30", rules = { "FUND-01" } })
    assert.are.equal("UNKNOWN", run:outcome("FUND-01", "enterprise:3"))
    assert.are.equal("UNKNOWN", run:outcome("FUND-01", "enterprise:6"))
  end)
  it("opening_carry enters on the earliest row", function()
    local r = kit.eval(db, { as_of = "2023-06-30", rules = { "FUND-01" } }):result("FUND-01", "enterprise:4")
    assert.are.equal(50000, r.values.carry_in)
    assert.are.equal(80000, r.values.cap)
    assert.are.equal(80000, r.values.deductible)
    assert.are.equal(70000, r.values.carry_out)
  end)
end)

describe("FUND-03 (warning) extraction >= 1.5% of wages", function()
  local run
  setup(function()
    run = kit.eval({
      enterprise = ents(4),
      edu_fund_year = {
        { enterprise_id = 1, year = 2023, wage_total = 1000000, extracted = 15000.00 },
        { enterprise_id = 2, year = 2023, wage_total = 1000000, extracted = 14999.99 },
        { enterprise_id = 3, year = 2023, wage_total = 0, extracted = 0 },
        { enterprise_id = 4, year = 2023, wage_total = 1000000 },
      },
    }, { as_of = "2023-06-30" })
  end)
  it("exactly 1.5% passes, one fen less fails", function()
    assert.are.equal("PASS", run:outcome("FUND-03", "enterprise:1"))
    local r = run:result("FUND-03", "enterprise:2")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal("1.4999", r.values.percent)
  end)
  it("no wages is N/A, no data UNKNOWN", function()
    assert.are.equal("N/A", run:outcome("FUND-03", "enterprise:3"))
    assert.are.equal("UNKNOWN", run:outcome("FUND-03", "enterprise:4"))
  end)
  it("belongs to no policy", function()
    local d = run:decision("TRAINING_FUND", "enterprise:2")
    assert.are.same({}, d.failed)
  end)
end)

describe("TAX-01 surcharge credit (46号 §3)", function()
  local db
  setup(function()
    db = kit.db({
      enterprise = ents(12),
      designation = {
        { id = 1, enterprise_id = 1, kind = "CJRH_RESERVE", valid_from = "2020-01-01" },
        { id = 2, enterprise_id = 2, kind = "CJRH_RESERVE", valid_from = "2022-06-01" },
        { id = 3, enterprise_id = 3, kind = "CJRH_CERTIFIED", valid_from = "2021-01-01", revoked_date = "2022-03-01",
          revoke_reason = "OTHER" },
        { id = 4, enterprise_id = 4, kind = "CJRH_RESERVE", valid_from = "2018-01-01" },
        { id = 5, enterprise_id = 5, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
        { id = 6, enterprise_id = 7, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
        { id = 7, enterprise_id = 8, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
        { id = 8, enterprise_id = 10, kind = "CITY_DEMO", valid_from = "2021-01-01" },
      },
      voc_investment = {
        { id = 1, enterprise_id = 1, invest_date = "2021-05-10", amount = 2000000, category = "TRAINING_BASE_BUILD" },
        { id = 2, enterprise_id = 1, invest_date = "2022-08-01", amount = 500000, category = "TRAINING_BASE_OPS" },
        { id = 3, enterprise_id = 1, invest_date = "2023-03-15", amount = 1000000.05, category = "RUN_SCHOOL" },
        { id = 4, enterprise_id = 1, invest_date = "2023-05-01", amount = 200000, category = "OTHER" },
        { id = 5, enterprise_id = 2, invest_date = "2022-05-31", amount = 100000, category = "RUN_SCHOOL" },
        { id = 6, enterprise_id = 2, invest_date = "2022-06-01", amount = 100000, category = "RUN_SCHOOL" },
        { id = 7, enterprise_id = 3, invest_date = "2022-02-28", amount = 100000, category = "RUN_SCHOOL" },
        { id = 8, enterprise_id = 3, invest_date = "2022-03-01", amount = 100000, category = "RUN_SCHOOL" },
        { id = 9, enterprise_id = 4, invest_date = "2018-12-31", amount = 100000, category = "RUN_SCHOOL" },
        { id = 10, enterprise_id = 4, invest_date = "2019-01-01", amount = 100000, category = "RUN_SCHOOL" },
        { id = 11, enterprise_id = 5, invest_date = "2023-02-01", amount = 100000, category = "RUN_SCHOOL",
          withdrawn_date = "2023-12-31" },
        { id = 12, enterprise_id = 5, invest_date = "2023-02-01", amount = 100000, category = "RUN_SCHOOL",
          withdrawn_date = "2024-01-01" },
        { id = 13, enterprise_id = 7, invest_date = "2023-02-01", amount = 100000, category = "RUN_SCHOOL" },
        { id = 14, enterprise_id = 8, invest_date = "2023-02-01", amount = 100000, category = "RUN_SCHOOL" },
        { id = 15, enterprise_id = 10, invest_date = "2023-02-01", amount = 100000, category = "RUN_SCHOOL" },
      },
      surcharge_year = {
        { enterprise_id = 1, year = 2021, edu_due = 300000, local_edu_due = 200000 },
        { enterprise_id = 1, year = 2022, edu_due = 288000, local_edu_due = 192000 },
        { enterprise_id = 1, year = 2023, edu_due = 312000, local_edu_due = 208000 },
        { enterprise_id = 2, year = 2022, edu_due = 1000000, local_edu_due = 0 },
        { enterprise_id = 3, year = 2022, edu_due = 1000000, local_edu_due = 0 },
        { enterprise_id = 4, year = 2018, edu_due = 1000000, local_edu_due = 0 },
        { enterprise_id = 4, year = 2019, edu_due = 1000000, local_edu_due = 0 },
        { enterprise_id = 5, year = 2023, edu_due = 1000000, local_edu_due = 0 },
        { enterprise_id = 8, year = 2023, edu_due = 1000 },
        { enterprise_id = 9, year = 2023, edu_due = 150000, local_edu_due = 100000, opening_credit_carry = 20000 },
        { enterprise_id = 10, year = 2023, edu_due = 1000000, local_edu_due = 0 },
      },
    })
  end)

  local function tax(year, id)
    local run = kit.eval(db, { as_of = year .. "-12-31", rules = { "TAX-01" } })
    return run:result("TAX-01", "enterprise:" .. id), run
  end

  it("computes credit, use and carry year by year", function()
    local r21 = tax(2021, 1)
    assert.are.equal("PASS", r21.outcome)
    assert.are.equal(600000, r21.values.credit)
    assert.are.equal(500000, r21.values.used)
    assert.are.equal(100000, r21.values.carry_out)
    assert.are.equal(0, r21.values.payable)
    local r22 = tax(2022, 1)
    assert.are.equal(150000, r22.values.credit)
    assert.are.equal(250000, r22.values.available)
    assert.are.equal(250000, r22.values.used)
    assert.are.equal(0, r22.values.carry_out)
    assert.are.equal(230000, r22.values.payable)
  end)
  it("rounds 30% of the year's total half up once and lists the excluded investments", function()
    local r = tax(2023, 1)
    assert.are.equal(300000.02, r.values.credit)
    assert.are.equal(300000.02, r.values.used)
    assert.are.equal(219999.98, r.values.payable)
    assert.are.equal(0, r.values.carry_out)
    assert.truthy(r.reason:find("投资4", 1, true))
  end)
  it("counts an investment only on a day the enterprise is designated (from valid_from)", function()
    local r = tax(2022, 2)
    assert.are.equal(30000, r.values.credit)
    assert.truthy(r.reason:find("投资5", 1, true))
  end)
  it("not on or after the revocation day", function()
    local r = tax(2022, 3)
    assert.are.equal(30000, r.values.credit)
    assert.truthy(r.reason:find("投资8", 1, true))
  end)
  it("not before 2019-01-01", function()
    assert.are.equal(0, tax(2018, 4).values.credit)
    assert.are.equal(30000, tax(2019, 4).values.credit)
  end)
  it("not if withdrawn on or before Dec-31 of its year", function()
    local r = tax(2023, 5)
    assert.are.equal(30000, r.values.credit)
    assert.truthy(r.reason:find("投资11", 1, true))
  end)
  it("a CITY_DEMO title alone earns no credit", function()
    assert.are.equal(0, tax(2023, 10).values.credit)
  end)
  it("opening_credit_carry enters on the earliest row", function()
    local r = tax(2023, 9)
    assert.are.equal("PASS", r.outcome)
    assert.are.equal(20000, r.values.carry_in)
    assert.are.equal(20000, r.values.used)
    assert.are.equal(230000, r.values.payable)
  end)
  it("UNKNOWN without the year's surcharges or with a NULL amount; N/A without investments or carry", function()
    local _, run = tax(2023, 1)
    assert.are.equal("UNKNOWN", run:outcome("TAX-01", "enterprise:7"))
    assert.are.equal("UNKNOWN", run:outcome("TAX-01", "enterprise:8"))
    assert.are.equal("N/A", run:outcome("TAX-01", "enterprise:11"))
    assert.are.equal("N/A", run:outcome("TAX-01", "enterprise:12"))
  end)
end)

describe("TAX-02 clawback on withdrawal", function()
  local run
  setup(function()
    run = kit.eval({
      enterprise = ents(7),
      designation = {
        { id = 1, enterprise_id = 1, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
        { id = 2, enterprise_id = 2, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
        { id = 3, enterprise_id = 3, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
        { id = 4, enterprise_id = 4, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
        { id = 5, enterprise_id = 5, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
      },
      voc_investment = {
        -- 1: credit 240000 in 2022, 100000 used, 140000 carried; withdrawn 2023 -> repay 100000
        { id = 1, enterprise_id = 1, invest_date = "2022-06-01", amount = 800000, category = "TRAINING_BASE_BUILD",
          withdrawn_date = "2023-05-20" },
        -- 2: credit 30000 of a carry of 85000 -> absorbed
        { id = 2, enterprise_id = 2, invest_date = "2022-02-01", amount = 100000, category = "TRAINING_BASE_OPS",
          withdrawn_date = "2023-03-01" },
        -- 3: two withdrawals against a carry of 50000, in date order
        { id = 3, enterprise_id = 3, invest_date = "2022-02-01", amount = 100000, category = "RUN_SCHOOL",
          withdrawn_date = "2023-03-01" },
        { id = 4, enterprise_id = 3, invest_date = "2022-02-01", amount = 100000, category = "RUN_SCHOOL",
          withdrawn_date = "2023-02-01" },
        -- 4: never credited (category OTHER) -> nothing to claw back
        { id = 5, enterprise_id = 4, invest_date = "2022-02-01", amount = 100000, category = "OTHER",
          withdrawn_date = "2023-03-01" },
        -- 5: credited, but the 2022 surcharges are missing
        { id = 6, enterprise_id = 5, invest_date = "2021-02-01", amount = 100000, category = "RUN_SCHOOL",
          withdrawn_date = "2023-03-01" },
      },
      surcharge_year = {
        { enterprise_id = 1, year = 2022, edu_due = 60000, local_edu_due = 40000, opening_credit_carry = 0 },
        { enterprise_id = 1, year = 2023, edu_due = 66000, local_edu_due = 44000 },
        { enterprise_id = 2, year = 2022, edu_due = 9000, local_edu_due = 6000, opening_credit_carry = 70000 },
        { enterprise_id = 2, year = 2023, edu_due = 9600, local_edu_due = 6400 },
        { enterprise_id = 3, year = 2022, edu_due = 10000, local_edu_due = 0 },
        { enterprise_id = 3, year = 2023, edu_due = 0, local_edu_due = 0 },
        { enterprise_id = 4, year = 2022, edu_due = 10000, local_edu_due = 0 },
        { enterprise_id = 5, year = 2021, edu_due = 10000, local_edu_due = 0 },
      },
    }, { as_of = "2023-06-30", rules = { "TAX-01", "TAX-02" } })
  end)

  it("repays what the carry cannot absorb -> FAIL", function()
    local r = run:result("TAX-02", "enterprise:1")
    assert.are.equal("FAIL", r.outcome, run:show("TAX-02", "enterprise:1"))
    assert.are.equal(240000, r.values.attributable)
    assert.are.equal(140000, r.values.from_carry)
    assert.are.equal(100000, r.values.repay)
  end)
  it("the clawback reduces the carry that TAX-01 uses in the same year", function()
    local r = run:result("TAX-01", "enterprise:1")
    assert.are.equal(140000, r.values.carry_in)
    assert.are.equal(140000, r.values.clawback)
    assert.are.equal(0, r.values.available)
    assert.are.equal(110000, r.values.payable)
  end)
  it("absorbed by the carry -> PASS, no repayment", function()
    local r = run:result("TAX-02", "enterprise:2")
    assert.are.equal("PASS", r.outcome)
    assert.are.equal(30000, r.values.attributable)
    assert.are.equal(30000, r.values.from_carry)
    assert.are.equal(0, r.values.repay)
    local t = run:result("TAX-01", "enterprise:2")
    assert.are.equal(85000, t.values.carry_in)
    assert.are.equal(39000, t.values.carry_out)
  end)
  it("deducts several withdrawals from the carry in date order", function()
    local r = run:result("TAX-02", "enterprise:3")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal(60000, r.values.attributable)
    assert.are.equal(50000, r.values.from_carry)
    assert.are.equal(10000, r.values.repay)
    assert.truthy(r.reason:find("投资4于2023-02-01", 1, true) < r.reason:find("投资3于2023-03-01", 1, true))
  end)
  it("N/A without a credited withdrawal, UNKNOWN when the carry cannot be computed", function()
    assert.are.equal("N/A", run:outcome("TAX-02", "enterprise:4"))
    assert.are.equal("UNKNOWN", run:outcome("TAX-02", "enterprise:5"))
    assert.are.equal("N/A", run:outcome("TAX-02", "enterprise:6"))
  end)
end)
