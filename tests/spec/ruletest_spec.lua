-- `ronghe test`: rule tests for policy staff.  Pass and fail paths, cases
-- that are written wrong, test files that do not load, coverage by clause,
-- and the tests shipped with the city's rules.
local T = require("support")

local RULES = [=[
rule "FUND-02" {
  title = "一线职工培训经费不低于60%", subject = "enterprise", yearly = true, cite = "二(二)4(一线职工60%);国发〔2010〕36号",
  params = { FRONTLINE_MIN = { { from = "2000-01-01", value = "60%" } } },
  inputs = { fund = [[SELECT enterprise_id, spent_total, spent_frontline FROM edu_fund_year WHERE year = :year]] },
  check = function(s, p)
    local f = s.fund
    if not f then return unknown("{year}年职工教育经费数据缺失") end
    local total, front = rh.fen(f.spent_total), rh.fen(f.spent_frontline)
    local v = { percent = rh.percent(front, total) }
    if rh.at_least(front, total, p.FRONTLINE_MIN) then return pass("占比{percent}%,达标", v) end
    return fail("占比{percent}%,低于60%", v)
  end,
}
rule "NAMED" {
  title = "有名称", subject = "enterprise", cite = "二(一)1",
  check = function(s) if s.name ~= "" then return pass("名称" .. s.name) end return fail("无名称") end,
}
rule "UNTESTED" {
  title = "没有测试", subject = "enterprise", cite = "二(三)1(职业体验)",
  check = function(s) return pass("ok") end,
}
policy "TRAINING_FUND" { subject = "enterprise", yearly = true, answers = "compliance", rules = { "FUND-02", "NAMED" } }
]=]

local PASSING = [=[
local rows = {
  enterprise = { { id = 1, name = "甲" }, { id = 2, name = "乙" }, { id = 3, name = "丙" } },
  edu_fund_year = {
    { enterprise_id = 1, year = 2023, spent_total = 100000, spent_frontline = 60000 },
    { enterprise_id = 2, year = 2023, spent_total = 100000, spent_frontline = 59999.99 },
  },
}
case "60% passes, 59.9999% fails" {
  as_of = "2023-12-31",
  rows = rows,
  expect = {
    ["FUND-02"] = { ["enterprise:1"] = { "PASS", values = { percent = "60.0000" } },
                    ["enterprise:2"] = { "FAIL", reason = "59.9999%" },
                    ["enterprise:3"] = "UNKNOWN" },
    TRAINING_FUND = { ["enterprise:1"] = "COMPLIANT", ["enterprise:2"] = "NON_COMPLIANT",
                      ["enterprise:3"] = "NEEDS_DATA" },
  },
}
case "a parameter tried in a case" {
  as_of = "2023-12-31",
  rows = rows,
  params = { FRONTLINE_MIN = "50%" },
  expect = { ["FUND-02"] = { ["enterprise:2"] = "PASS" } },
}
]=]

local FAILING = [=[
case "wrong expectations" {
  as_of = "2023-12-31",
  rows = {
    enterprise = { { id = 2, name = "乙" } },
    edu_fund_year = { { enterprise_id = 2, year = 2023, spent_total = 100000, spent_frontline = 59999.99 } },
  },
  expect = {
    ["FUND-02"] = { ["enterprise:2"] = "PASS", ["enterprise:9"] = "PASS" },
    TRAINING_FUND = { ["enterprise:2"] = "COMPLIANT" },
  },
}
]=]

describe("ronghe test", function()
  local dir, rules

  setup(function()
    dir = T.tmpdir()
    rules = dir .. "/rules"
    os.execute(("mkdir -p %s/tests"):format(T.sh_quote(rules)))
    T.write(rules .. "/fund.lua", RULES)
  end)
  teardown(function() T.rmdir(dir) end)

  local function tests_dir(name, files)
    local d = dir .. "/" .. name
    os.execute("mkdir -p " .. T.sh_quote(d))
    for f, text in pairs(files) do T.write(d .. "/" .. f, text) end
    return d
  end

  it("passes when every expectation holds, and reports coverage by clause", function()
    local d = tests_dir("pass", { ["fund_test.lua"] = PASSING })
    local code, out = T.run(("test --rules %s --tests %s --verbose"):format(rules, d))
    assert.are.equal(0, code, out)
    assert.matches("ok   .*fund_test%.lua:8: case \"60%% passes, 59%.9999%% fails\" %(6 expectations%)", out)
    assert.matches("2 cases: 2 passed, 0 failed", out)
    assert.matches("coverage: 1 of 3 rules and 2 of 4 cited clauses have a test", out)
    assert.matches("rules no test exercises: NAMED UNTESTED", out)
    assert.matches("二%(三%)1  %(UNTESTED%)", out)      -- the clause, without its parenthesized gloss
    assert.matches("二%(一%)1  %(NAMED%)", out)
    assert.matches("tested: 二%(二%)4  %(FUND%-02%)", out)
    -- nothing is stored anywhere: the rules folder holds only what we wrote
    local p = io.popen("ls " .. T.sh_quote(rules))
    local listing = p:read("a")
    p:close()
    assert.are.equal("fund.lua\ntests\n", listing)
  end)

  it("fails with expected vs actual and the reason text", function()
    local d = tests_dir("fail", { ["bad_test.lua"] = FAILING })
    local code, out = T.run(("test --rules %s --tests %s"):format(rules, d))
    assert.are.equal(1, code, out)
    assert.matches("FAIL .*bad_test%.lua:1: case \"wrong expectations\"", out)
    assert.matches("FUND%-02 enterprise:2: expected PASS, got FAIL: 占比59%.9999%%,低于60%%", out)
    assert.matches("FUND%-02 enterprise:9: expected PASS, got no result", out)
    assert.matches("TRAINING_FUND enterprise:2: expected COMPLIANT, got NON_COMPLIANT; failed: FUND%-02", out)
    assert.matches("FUND%-02 enterprise:2 FAIL: 占比59%.9999%%,低于60%%", out)
    assert.matches("1 case: 0 passed, 1 failed", out)
  end)

  it("runs only the cases named on the command line", function()
    local d = tests_dir("only", { ["fund_test.lua"] = PASSING, ["bad_test.lua"] = FAILING })
    local code, out = T.run(("test --rules %s --tests %s parameter"):format(rules, d))
    assert.are.equal(0, code, out)
    assert.matches("1 case: 1 passed, 0 failed", out)
  end)

  it("explains cases written wrong", function()
    local d = tests_dir("wrong", { ["w_test.lua"] = [=[
case "typo in a field" { as_of = "2023-12-31", expects = {} }
case "no date" { expect = { ["FUND-02"] = { ["enterprise:1"] = "PASS" } } }
case "unknown rule" { as_of = "2023-12-31", expect = { ["FUND-99"] = { ["enterprise:1"] = "PASS" } } }
case "bad outcome" { as_of = "2023-12-31", expect = { ["FUND-02"] = { ["enterprise:1"] = "OK" } } }
case "bad column" { as_of = "2023-12-31", rows = { enterprise = { { id = 1, nmae = "x" } } },
  expect = { ["FUND-02"] = { ["enterprise:1"] = "PASS" } } }
case "missing required column" { as_of = "2023-12-31", rows = { enterprise = { { id = 1 } } },
  expect = { ["FUND-02"] = { ["enterprise:1"] = "PASS" } } }
]=] })
    local code, out = T.run(("test --rules %s --tests %s"):format(rules, d))
    assert.are.equal(1, code, out)
    assert.matches("unknown field 'expects'", out)
    assert.matches("as_of must be a date", out)
    assert.matches("expect names FUND%-99, which is neither a rule nor a policy", out)
    assert.matches("expected OK, which is not an outcome", out)
    assert.matches("rows%.enterprise%[1%]: enterprise has no column nmae", out)
    assert.matches("rows%.enterprise%[1%]: NOT NULL constraint failed: enterprise%.name", out)
    assert.matches("6 cases: 0 passed, 6 failed", out)
  end)

  it("reports a test file that does not load with file:line and exits 2", function()
    local d = tests_dir("broken", { ["x_test.lua"] = "case \"a\" {\n  as_of = ,\n}\n" })
    local code, out, err = T.run(("test --rules %s --tests %s"):format(rules, d))
    assert.are.equal(2, code, out .. err)
    assert.matches("x_test%.lua:2:", out)
  end)

  it("never runs test files in the supervising process", function()
    -- a test file is sandboxed like a rule: no io, no os.execute
    local d = tests_dir("hostile", { ["h_test.lua"] = "io.open('/tmp/ronghe-pwned-test', 'w')\n" })
    local code, out = T.run(("test --rules %s --tests %s"):format(rules, d))
    assert.are.equal(2, code, out)
    assert.matches("undefined global 'io'", out)
    assert.is_nil(io.open("/tmp/ronghe-pwned-test"))
  end)

  it("passes the tests shipped with the city's rules", function()
    local code, out = T.run(("test --rules %s/rules"):format(T.sh_quote(T.src)))
    assert.are.equal(0, code, out)
    assert.matches("%d+ cases?: %d+ passed, 0 failed", out)
  end)
end)
