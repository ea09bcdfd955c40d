-- `ronghe replay RUN`: a stored run re-evaluated with the rule texts it used
-- (kept content-addressed in the database), after the rule files changed on
-- disk, prints the same JSON Lines byte for byte except the run id and times.
local T = require("support")

local V1 = [=[
rule "FUND-02" {
  title = "一线职工培训经费不低于60%", subject = "enterprise", yearly = true, cite = "二(二)4",
  params = { FRONTLINE_MIN = { { from = "2000-01-01", value = "60%" } } },
  inputs = { fund = [[SELECT enterprise_id, spent_total, spent_frontline FROM edu_fund_year WHERE year = :year]] },
  check = function(s, p)
    local f = s.fund
    if not f then return unknown("{year}年职工教育经费数据缺失") end
    local total, front = rh.fen(f.spent_total), rh.fen(f.spent_frontline)
    local v = { total = rh.yuan(total), frontline = rh.yuan(front), percent = rh.percent(front, total) }
    if rh.at_least(front, total, p.FRONTLINE_MIN) then return pass("占比{percent}%,达标", v) end
    return fail("占比{percent}%,低于60%", v)
  end,
}
policy "TRAINING_FUND" { subject = "enterprise", yearly = true, answers = "compliance", rules = { "FUND-02" } }
]=]

-- Raises for enterprise 3: its ERROR reason names this file and line.
local FRAGILE = [=[
rule "FRAGILE" {
  title = "breaks on 3", subject = "enterprise", cite = "test",
  check = function(s)
    if s.id == 3 then error("boom on " .. s.name) end
    return pass("ok " .. s.name)
  end,
}
]=]

local function strip_header(jsonl)
  local first, rest = jsonl:match("^([^\n]*\n)(.*)$")
  first = first:gsub('"run":%d+,', ""):gsub('"started_at":"[^"]*"', ""):gsub('"finished_at":"[^"]*"', "")
  return first .. rest
end

describe("ronghe replay", function()
  local dir, db, rules

  setup(function()
    dir = T.tmpdir()
    db = T.new_db(dir)
    assert(T.ronghe.exec(db, [[
      INSERT INTO enterprise(id, name) VALUES (1, '甲'), (2, '乙, "引号"'), (3, '丙');
      INSERT INTO edu_fund_year(enterprise_id, year, spent_total, spent_frontline) VALUES
        (1, 2023, 100000, 60000), (2, 2023, 100000, 59999.99);
    ]]))
    rules = dir .. "/rules"
    os.execute("mkdir " .. T.sh_quote(rules))
    T.write(rules .. "/fund.lua", V1)
    T.write(rules .. "/fragile.lua", FRAGILE)
  end)
  teardown(function() T.rmdir(dir) end)

  local function stored_run(args)
    local code, out = T.run(("eval --db %s --rules %s --as-of 2023-12-31 --format jsonl %s"):format(db, rules, args or ""))
    assert.is_true(code == 0 or code == 1, out)
    return math.tointeger(T.jsonl(out)[1].run), out
  end

  it("reproduces a run byte for byte after the rule files changed", function()
    local run, original = stored_run()
    assert.matches("fragile%.lua:4: boom on 丙", original)
    -- The officer edits the threshold, adds a file and removes another.
    T.write(rules .. "/fund.lua", (V1:gsub('value = "60%%"', 'value = "50%%"')))
    T.write(rules .. "/new.lua", [[rule "NEW" { title = "n", subject = "enterprise", cite = "x",
      check = function(s) return fail("new") end }]])
    os.remove(rules .. "/fragile.lua")

    local out_file = dir .. "/replay.jsonl"
    local code, out, err = T.run(("replay %d --db %s --out %s"):format(run, db, out_file))
    assert.are.equal(0, code, out .. err)
    assert.matches("run " .. run .. " replayed with its own rule texts %(2 files, rules %x+%) as of 2023%-12%-31: identical", out)
    local c2, shown = T.run(("show %d --db %s --format jsonl"):format(run, db))
    assert.are.equal(0, c2)
    local replayed = T.read(out_file)
    assert.are.equal(strip_header(shown), strip_header(replayed))
    -- the replay stored nothing
    assert.are.equal(1, T.count(db, "SELECT count(*) FROM rh_run"))
    -- and today's rule files do give other results
    local _, now = stored_run()
    assert.are_not.equal(strip_header(shown), strip_header(now))
  end)

  it("replays a run made with --param and --policy the same way", function()
    T.write(rules .. "/fund.lua", V1)
    local run = stored_run("--param FRONTLINE_MIN=55% --policy TRAINING_FUND")
    T.write(rules .. "/fund.lua", (V1:gsub('value = "60%%"', 'value = "70%%"')))
    local code, out = T.run(("replay %d --db %s"):format(run, db))
    assert.are.equal(0, code, out)
    assert.matches("identical", out)
  end)

  it("lists the differences when the data changed since the run", function()
    T.write(rules .. "/fund.lua", V1)
    local run = stored_run()
    assert(T.ronghe.exec(db, "UPDATE edu_fund_year SET spent_frontline = 70000 WHERE enterprise_id = 2"))
    local code, out = T.run(("replay %d --db %s"):format(run, db))
    assert.are.equal(1, code, out)
    assert.matches("DIFFERENT", out)
    assert.matches('stored: {"type":"result","rule":"FUND%-02","subject":"enterprise:2","outcome":"FAIL"', out)
    assert.matches('replay: {"type":"result","rule":"FUND%-02","subject":"enterprise:2","outcome":"PASS"', out)
    assert.matches('stored: {"type":"decision","policy":"TRAINING_FUND","subject":"enterprise:2"', out)
  end)

  it("exits 2 for a run that does not exist", function()
    local code, _, err = T.run(("replay 999 --db %s"):format(db))
    assert.are.equal(2, code)
    assert.matches("no run 999", err)
  end)
end)
