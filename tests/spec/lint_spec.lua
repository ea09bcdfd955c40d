-- `ronghe check` as a linter: one crafted bad rule file per message.  Each
-- must print exactly one `file:line: message` (one root cause), at the right
-- line, and exit 1; the city's own rules must lint clean.
local T = require("support")

-- A rule that is fine on its own; the bad files sit next to it.
local GOOD = [=[
rule "GOOD-01" {
  title = "一线职工培训经费不低于60%", subject = "enterprise", yearly = true, cite = "二(二)4",
  params = { FRONTLINE_MIN = { { from = "2000-01-01", value = "60%" } } },
  inputs = { fund = [[SELECT enterprise_id, spent_total, spent_frontline FROM edu_fund_year WHERE year = :year]] },
  check = function(s, p)
    local f = s.fund
    if not f then return unknown("缺数据") end
    if rh.at_least(rh.fen(f.spent_frontline), rh.fen(f.spent_total), p.FRONTLINE_MIN) then return pass("达标") end
    return fail("低于60%")
  end,
}
policy "GOOD" { subject = "enterprise", answers = "compliance", rules = { "GOOD-01" } }
]=]

-- name, file text, expected line, pattern of the message
local BAD = {
  { "unknown column", [=[
rule "B-COL" {
  title = "t", subject = "enterprise", cite = "二(二)4",
  inputs = {
    fund = [[SELECT enterprise_id,
                    spent_totl
             FROM edu_fund_year]],
  },
  check = function(s) return pass("x") end,
}]=], 5, "rule B%-COL: input 'fund': no such column: spent_totl" },
  { "unknown table", [=[
rule "B-TAB" {
  title = "t", subject = "enterprise", cite = "二(二)4",
  inputs = { x = [[SELECT id FROM enterprize_headcount]] },
  check = function(s) return pass("x") end,
}]=], 3, "rule B%-TAB: input 'x': no such table: enterprize_headcount" },
  { "parameter used, not declared", [=[
rule "B-UNDECL" {
  title = "t", subject = "enterprise", cite = "二(二)4",
  params = { MIN_SHARE = { { from = "2000-01-01", value = "60%" } } },
  check = function(s, p)
    if p.MIN_SHARE then return pass("x") end
    return fail(tostring(p.MIN_SHAER))
  end,
}]=], 6, "rule B%-UNDECL uses parameter MIN_SHAER, which its params do not declare" },
  { "parameter read with p.at, not declared", [=[
rule "B-AT" {
  title = "t", subject = "enterprise", cite = "二(二)4",
  check = function(s, p, ctx)
    return pass(tostring(p.at("CAP_OLD", ctx.as_of)))
  end,
}]=], 4, "rule B%-AT uses parameter CAP_OLD, which its params do not declare" },
  { "parameter declared, never used", [=[
rule "B-UNUSED" {
  title = "t", subject = "enterprise", cite = "二(二)4",
  params = {
    USED = { { from = "2000-01-01", value = 1 } },
    FORGOTTEN = { { from = "2000-01-01", value = 2 } },
  },
  check = function(s, p) return pass(tostring(p.USED)) end,
}]=], 5, "rule B%-UNUSED declares parameter FORGOTTEN, but its check never uses it" },
  { "rule without cite", [=[
rule "B-CITE" {
  title = "t", subject = "enterprise",
  check = function(s) return pass("x") end,
}]=], 1, "rule B%-CITE has no cite" },
  { "duplicate id", [=[
rule "GOOD-01" {
  title = "t", subject = "enterprise", cite = "二(二)4",
  check = function(s) return pass("x") end,
}]=], 1, "rule GOOD%-01 for enterprise is declared twice %(first at .*good%.lua:1%)" },
  { "policy naming an unknown rule", [=[
policy "B-POL" { subject = "enterprise", answers = "eligibility", rules = { "GOOD-01", "GOOD-02" } }
]=], 1, "policy B%-POL names unknown rule GOOD%-02" },
  { "periods that overlap", [=[
rule "B-OVERLAP" {
  title = "t", subject = "enterprise", cite = "二(二)4",
  params = {
    CAP = { { from = "2016-01-01", to = "2021-12-31", value = "10%" },
            { from = "2021-12-30", value = "10%" } },
  },
  check = function(s, p) return pass(p.CAP) end,
}]=], 4, "parameter CAP: the period 2016%-01%-01%.%.2021%-12%-31 overlaps the period starting 2021%-12%-30" },
  { "periods that leave a gap", [=[
rule "B-GAP" {
  title = "t", subject = "enterprise", cite = "二(二)4",
  params = {
    CAP = { { from = "2016-01-01", to = "2021-12-30", value = "10%" },
            { from = "2022-01-01", value = "10%" } },
  },
  check = function(s, p) return pass(p.CAP) end,
}]=], 4, "parameter CAP has no value from 2021%-12%-31 to 2021%-12%-31" },
  { "subject that is not a table", [=[
rule "B-SUBJ" {
  title = "t", subject = "enterprize", cite = "二(二)4",
  check = function(s) return pass("x") end,
}]=], 1, "rule B%-SUBJ: subject 'enterprize' is not a table of the database" },
}

describe("ronghe check (linter)", function()
  local dir, db

  setup(function()
    dir = T.tmpdir()
    db = T.new_db(dir)
  end)
  teardown(function() T.rmdir(dir) end)

  it("finds no problem in the city's rules", function()
    local code, out = T.run(("check --rules %s/rules --db %s"):format(T.sh_quote(T.src), db))
    assert.are.equal(0, code, out)
    assert.matches("no problems", out)
  end)

  it("finds no problem in the good rule alone", function()
    local rules = dir .. "/good"
    os.execute("mkdir " .. T.sh_quote(rules))
    T.write(rules .. "/good.lua", GOOD)
    local code, out = T.run(("check --rules %s --db %s"):format(rules, db))
    assert.are.equal(0, code, out)
  end)

  for i, b in ipairs(BAD) do
    it(("reports %s at its line, once"):format(b[1]), function()
      local rules = ("%s/r%d"):format(dir, i)
      os.execute("mkdir " .. T.sh_quote(rules))
      T.write(rules .. "/good.lua", GOOD)
      T.write(rules .. "/zz_bad.lua", b[2])
      local code, out = T.run(("check --rules %s --db %s"):format(rules, db))
      assert.are.equal(1, code, out)
      local lines = {}
      for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
      assert.are.equal(1, #lines, "one root cause, one message; got:\n" .. out)
      local want = ("^%s/zz_bad%%.lua:%d: "):format(rules:gsub("%p", "%%%0"), b[3])
      assert.matches(want, lines[1])
      assert.matches(b[4], lines[1])
    end)
  end

  it("checks input SQL against the data model when the database does not exist", function()
    local rules = dir .. "/nodb"
    os.execute("mkdir " .. T.sh_quote(rules))
    T.write(rules .. "/a.lua", BAD[1][2])
    local code, out = T.run(("check --rules %s --db %s/missing.db"):format(rules, dir))
    assert.are.equal(1, code, out)
    assert.matches("a%.lua:5: rule B%-COL: input 'fund': no such column: spent_totl", out)
    assert.is_nil(io.open(dir .. "/missing.db"), "check must not create the database")
  end)
end)
