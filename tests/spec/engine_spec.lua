-- The engine end to end: real SQLite files, real worker processes, the real
-- binary.  Each hostile rule must end as a clean ERROR with a reason while the
-- other rules' results stay correct.
local T = require("support")

local GOOD = [=[
rule "FUND-02" {
  title = "一线职工培训经费不低于60%",
  subject = "enterprise", yearly = true, cite = "二(二)4",
  params = { FRONTLINE_MIN = { { from = "2000-01-01", value = "60%", source = "seed" } } },
  inputs = {
    fund = [[SELECT enterprise_id AS id, spent_total, spent_frontline
             FROM edu_fund_year WHERE year = :year]],
  },
  check = function(s, p)
    local f = s.fund
    if not f or f.spent_total == nil or f.spent_frontline == nil then
      return unknown("{year}年职工教育经费数据缺失")
    end
    local total, front = rh.fen(f.spent_total), rh.fen(f.spent_frontline)
    if total == 0 then return na("当年无职工教育经费支出") end
    local v = { total = rh.yuan(total), frontline = rh.yuan(front), percent = rh.percent(front, total) }
    if rh.at_least(front, total, p.FRONTLINE_MIN) then return pass("占比{percent}%,达标", v) end
    return fail("占比{percent}%,低于60%", v)
  end,
}
rule "NAME" {
  title = "has a name", subject = "enterprise", cite = "test",
  check = function(s) if s.name then return pass("named " .. s.name) end return fail("no name") end,
}
policy "TRAINING_FUND" { subject = "enterprise", yearly = true, answers = "compliance", rules = { "FUND-02" } }
policy "BOTH" { subject = "enterprise", answers = "eligibility", rules = { "FUND-02", "NAME" } }
]=]

-- name -> body of check(s, p); each must end as ERROR with reason matching pattern.
local HOSTILE = {
  { "H-OS", "return os.execute('touch /tmp/ronghe-pwned')", "os" },
  { "H-IO", "return io.open('/etc/passwd')", "undefined global 'io'" },
  { "H-REQ", "return require('os')", "undefined global 'require'" },
  { "H-LOAD", "return load(string.char(27) .. 'LuaT')", "undefined global 'load'" },
  { "H-DUMP", "return string.dump(function() end)", "dump" },
  { "H-LOOP", "while true do end", "budget exceeded" },
  { "H-SWALLOW", "while true do pcall(function() while true do end end) end", "budget exceeded" },
  { "H-MEM", "local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(1 << 20) .. i end", "memory limit exceeded" },
  { "H-REP", "return pass(('x'):rep(1 << 40))", "" },
  { "H-META", "return getmetatable('').__index", "undefined global 'getmetatable'" },
  { "H-NIL", "error(nil)", "error object is a nil value" },
  { "H-TABLE", "error({})", "error object is a table value" },
  { "H-TYPE", "return 42", "not an outcome" },
  { "H-GLOBAL", "x = 1 return pass('')", "assignment to global 'x'" },
}

local function hostile_rules()
  local parts = {}
  for _, h in ipairs(HOSTILE) do
    parts[#parts + 1] = ([[rule "%s" { title = "hostile", subject = "enterprise", cite = "test",
      check = function(s, p) %s end }]]):format(h[1], h[2])
  end
  return table.concat(parts, "\n")
end

local function seed(db)
  assert(T.ronghe.exec(db, [[
    INSERT INTO enterprise(id, name) VALUES (1,'甲'),(2,'乙'),(3,'丙'),(4,'丁');
    INSERT INTO edu_fund_year(enterprise_id, year, spent_total, spent_frontline) VALUES
      (1, 2023, 100000, 60000),        -- exactly 60%
      (2, 2023, 1000000, 599999),      -- 59.9999%
      (3, 2023, 0, 0);                 -- N/A
  ]]))
end

describe("eval", function()
  local dir, db, rules
  before_each(function()
    dir = T.tmpdir()
    db = T.new_db(dir)
    seed(db)
    rules = dir .. "/rules"
    os.execute("mkdir " .. rules)
    T.write(rules .. "/good.lua", GOOD)
  end)
  after_each(function() T.rmdir(dir) end)

  it("decides FUND-02 exactly at 60% (pass) and 59.9999% (fail)", function()
    local code, out = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --format jsonl"):format(db, rules))
    assert.are.equal(0, code)
    local recs = T.jsonl(out)
    assert.are.equal("PASS", T.find(recs, "result", "rule", "FUND-02", "enterprise:1").outcome)
    local r2 = T.find(recs, "result", "rule", "FUND-02", "enterprise:2")
    assert.are.equal("FAIL", r2.outcome)
    assert.are.equal("59.9999", r2.values.percent)
    assert.are.equal("N/A", T.find(recs, "result", "rule", "FUND-02", "enterprise:3").outcome)
    assert.are.equal("UNKNOWN", T.find(recs, "result", "rule", "FUND-02", "enterprise:4").outcome)
    assert.are.equal("COMPLIANT", T.find(recs, "decision", "policy", "TRAINING_FUND", "enterprise:1").decision)
    local d2 = T.find(recs, "decision", "policy", "TRAINING_FUND", "enterprise:2")
    assert.are.equal("NON_COMPLIANT", d2.decision)
    assert.are.same({ "FUND-02" }, d2.failed)
    local d4 = T.find(recs, "decision", "policy", "TRAINING_FUND", "enterprise:4")
    assert.are.equal("NEEDS_DATA", d4.decision)
    assert.are.same({ "FUND-02" }, d4.unknown)
  end)

  it("writes JSON Lines as interfaces.md describes", function()
    local code, out = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --format jsonl"):format(db, rules))
    assert.are.equal(0, code)
    local recs = T.jsonl(out)
    local run = recs[1]
    assert.are.equal("run", run.type)
    assert.is_number(run.run)
    assert.are.equal("2023-06-30", run.as_of)
    assert.are.equal(2023, run.year)
    assert.matches("^%x+$", run.rules_version)
    assert.are.equal(64, #run.rules_version)
    for i = 2, #recs do
      local r = recs[i]
      if r.type == "result" then
        for _, k in ipairs({ "rule", "subject", "outcome", "reason", "values", "cite" }) do
          assert.is_not_nil(r[k], k .. " missing in " .. T.cjson.encode(r))
        end
        assert.matches("^enterprise:%d+$", r.subject)
        if r.rule == "FUND-02" then assert.are.equal(2023, r.year) else assert.is_nil(r.year) end
      else
        assert.are.equal("decision", r.type)
        for _, k in ipairs({ "policy", "subject", "decision", "failed", "unknown" }) do
          assert.is_not_nil(r[k], k .. " missing")
        end
      end
    end
    -- stored: show prints the same lines
    local code2, out2 = T.run(("show %d --db %s --format jsonl"):format(run.run, db))
    assert.are.equal(0, code2)
    assert.are.equal(out, out2)
  end)

  it("writes values and reasons the same way whichever encoder takes them", function()
    -- VAL-FLAT returns a flat table (the C fast path of core/wloop.c); VAL-NEST
    -- adds a nested table, which sends the whole table to rh_vm_json.  Both
    -- must give the same bytes for the shared keys, and the same reason.
    local flat = [[{ i = -9223372036854775807 - 1, j = 42, f = 0.1, g = 1e300, h = -0.0, n = 0/0,
      s = 'q"\\\n\t\1', u = '中文', t = true, b = false, ["键"] = 7, [ "a b" ] = 'x' }]]
    T.write(rules .. "/vals.lua", ([[
rule "VAL-FLAT" { title = "v", subject = "enterprise", cite = "t",
  check = function(s) return pass("{i} {j} {f} {g} {h} {s} {u} {t} {b} {键} {a b} {year} {none}", %s) end }
rule "VAL-NEST" { title = "v", subject = "enterprise", cite = "t",
  check = function(s) local v = %s v.zz = { 1, 2 } return pass("{i} {j} {f} {g} {h} {s} {u} {t} {b} {键} {a b} {year} {none}", v) end }
]]):format(flat, flat))
    local code, out = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --rule VAL-FLAT --rule VAL-NEST --format jsonl"):format(db, rules))
    assert.are.equal(0, code, out)
    local lines = {}
    for line in out:gmatch("[^\n]+") do
      local rule = line:match('"rule":"(VAL%-%u+)"')
      if rule and line:find('"subject":"enterprise:1"', 1, true) then lines[rule] = line end
    end
    assert.is_truthy(lines["VAL-FLAT"] and lines["VAL-NEST"], out)
    local vf = lines["VAL-FLAT"]:match('"values":(%b{})')
    local vn = lines["VAL-NEST"]:match('"values":(%b{})')
    assert.are.equal(vf, (vn:gsub(',"zz":%[1,2%]', '')))
    assert.are_not.equal(vf, vn)
    assert.matches('"i":%-9223372036854775808,', vf)
    assert.matches('"n":null', vf)
    assert.matches('"f":0.1,', vf)
    local rf = lines["VAL-FLAT"]:match('"reason":("[^"]*")')
    assert.are.equal(rf, lines["VAL-NEST"]:match('"reason":("[^"]*")'))
  end)

  it("stores a reason that repeats once per run, and reads it back everywhere", function()
    local vals = {}
    for i = 5, 60 do vals[#vals + 1] = ("(%d, 'e%d')"):format(i, i) end
    assert(T.ronghe.exec(db, "INSERT INTO enterprise(id, name) VALUES " .. table.concat(vals, ",")))
    T.write(rules .. "/same.lua", [[
rule "SAME" { title = "s", subject = "enterprise", cite = "t",
  check = function(s) if s.id % 2 == 0 then return fail("同一个理由,每个偶数企业都一样") end
                      return pass("奇数 {n}", { n = s.id }) end }
]])
    local code, out = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --rule SAME --jobs 1 --format jsonl"):format(db, rules))
    assert.are.equal(0, code, out)
    local fails = 0
    for _, r in ipairs(T.jsonl(out)) do
      if r.type == "result" then
        local id = tonumber(r.subject:match("%d+"))
        if id % 2 == 0 then
          fails = fails + 1
          assert.are.equal("同一个理由,每个偶数企业都一样", r.reason)
        else
          assert.are.equal("奇数 " .. id, r.reason)
        end
      end
    end
    assert.are.equal(30, fails)
    local run = T.jsonl(out)[1].run
    assert.are.equal(1, T.count(db, "SELECT count(*) FROM rh_run_reason WHERE run_id = " .. run))
    assert.are.equal(29, T.count(db, ("SELECT count(*) FROM rh_result_pack WHERE run_id = %d AND json_type(detail, '$[0][0]') = 'integer'"):format(run)))
    assert.are.equal(30, T.count(db, ("SELECT count(*) FROM rh_results WHERE run_id = %d AND reason = '同一个理由,每个偶数企业都一样'"):format(run)))
    -- a result without values is stored as [reason] and reads back with no values
    assert.are.equal(30, T.count(db, ("SELECT count(*) FROM rh_result_pack WHERE run_id = %d AND json_array_length(detail, '$[0]') = 1"):format(run)))
    assert.are.equal(30, T.count(db, ("SELECT count(*) FROM rh_results WHERE run_id = %d AND \"values\" IS NULL"):format(run)))
    assert.are.equal(30, T.count(db, ("SELECT count(*) FROM rh_results WHERE run_id = %d AND json_extract(\"values\", '$.n') = CAST(substr(subject, 12) AS INTEGER)"):format(run)))
  end)

  it("turns every hostile rule into ERROR with a reason, others unharmed", function()
    T.write(rules .. "/hostile.lua", hostile_rules())
    os.remove("/tmp/ronghe-pwned")
    local code, out, err = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --format jsonl --time-ms 3000 --watchdog-ms 10000")
      :format(db, rules))
    assert.are.equal(1, code, err)
    local recs = T.jsonl(out)
    for _, h in ipairs(HOSTILE) do
      for id = 1, 4 do
        local r = T.find(recs, "result", "rule", h[1], "enterprise:" .. id)
        assert.is_not_nil(r, h[1])
        assert.are.equal("ERROR", r.outcome, h[1] .. ": " .. tostring(r.reason))
        assert.matches("hostile%.lua:%d+:", r.reason, 1, false)
        if h[3] ~= "" then assert.is_truthy(r.reason:find(h[3], 1, true), h[1] .. ": " .. r.reason) end
      end
    end
    assert.is_nil(io.open("/tmp/ronghe-pwned"))
    assert.are.equal("PASS", T.find(recs, "result", "rule", "FUND-02", "enterprise:1").outcome)
    assert.are.equal("FAIL", T.find(recs, "result", "rule", "FUND-02", "enterprise:2").outcome)
    assert.are.equal("PASS", T.find(recs, "result", "rule", "NAME", "enterprise:3").outcome)
  end)

  it("reports a syntax error with file:line; eval exits 2 and stores nothing", function()
    local code, out = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --format jsonl"):format(db, rules))
    assert.are.equal(0, code)
    local runs = T.count(db, "SELECT count(*) FROM rh_run")
    T.write(rules .. "/broken.lua", "rule \"X\" {\n  title = 'x',\n  subject = \n}\n")
    local c1, o1 = T.run(("check --db %s --rules %s"):format(db, rules))
    assert.are.equal(1, c1)
    assert.matches("broken%.lua:4:", o1)
    local c2, _, e2 = T.run(("eval --db %s --rules %s --as-of 2023-06-30"):format(db, rules))
    assert.are.equal(2, c2)
    assert.matches("broken%.lua:4:", e2)
    assert.are.equal(runs, T.count(db, "SELECT count(*) FROM rh_run"))
  end)

  it("reports declaration mistakes at their line", function()
    T.write(rules .. "/bad.lua", "\n\nrule \"Y\" { subject = 'enterprise', chek = function() end }\n" ..
      "policy \"P\" { subject = 'enterprise', rules = { 'NOPE' } }\n")
    local code, out = T.run(("check --db %s --rules %s"):format(db, rules))
    assert.are.equal(1, code)
    assert.matches("bad%.lua:3: rule Y: unknown field 'chek'", out)
  end)

  it("restricts to one subject and its related subjects", function()
    local code, out = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --format jsonl --subject enterprise:2")
      :format(db, rules))
    assert.are.equal(0, code)
    local seen = 0
    for _, r in ipairs(T.jsonl(out)) do
      if r.subject then
        assert.are.equal("enterprise:2", r.subject)
        seen = seen + 1
      end
    end
    -- two rules and two policies judge enterprise 2: an empty output must not pass
    assert.are.equal(4, seen)
    assert.are.equal("FAIL", T.find(T.jsonl(out), "result", "rule", "FUND-02", "enterprise:2").outcome)
  end)

  it("explains a subject without storing a run", function()
    local before = T.count(db, "SELECT count(*) FROM rh_run")
    local code, out = T.run(("explain enterprise:2 --db %s --rules %s --as-of 2023-06-30"):format(db, rules))
    assert.are.equal(0, code)
    assert.matches("enterprise:2", out)
    assert.matches("59%.9999", out)
    assert.matches("二%(二%)4", out)
    assert.are.equal(before, T.count(db, "SELECT count(*) FROM rh_run"))
  end)
end)

describe("isolation", function()
  local dir, db, rules
  before_each(function()
    dir = T.tmpdir()
    db = T.new_db(dir)
    seed(db)
    rules = dir .. "/rules"
    os.execute("mkdir " .. rules)
    T.write(rules .. "/good.lua", GOOD)
  end)
  after_each(function() T.rmdir(dir) end)

  it("turns a worker crash (SIGSEGV) into ERROR for that rule and subject only", function()
    local code, out = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --format jsonl"):format(db, rules),
      "RONGHE_FAULT=segv:FUND-02:2")
    assert.are.equal(1, code)
    local recs = T.jsonl(out)
    local r2 = T.find(recs, "result", "rule", "FUND-02", "enterprise:2")
    assert.are.equal("ERROR", r2.outcome)
    assert.matches("signal 11", r2.reason)
    assert.matches("good%.lua:%d+: rule FUND%-02", r2.reason)
    assert.are.equal("PASS", T.find(recs, "result", "rule", "FUND-02", "enterprise:1").outcome)
    assert.are.equal("N/A", T.find(recs, "result", "rule", "FUND-02", "enterprise:3").outcome)
    assert.are.equal("UNKNOWN", T.find(recs, "result", "rule", "FUND-02", "enterprise:4").outcome)
    assert.are.equal("PASS", T.find(recs, "result", "rule", "NAME", "enterprise:2").outcome)
    local d = T.find(recs, "decision", "policy", "TRAINING_FUND", "enterprise:2")
    assert.are.equal("NEEDS_DATA", d.decision)
    assert.are.same({ "FUND-02" }, d.unknown)
  end)

  it("stops a worker that hangs inside C (watchdog) and goes on", function()
    local code, out = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --format jsonl --watchdog-ms 500")
      :format(db, rules), "RONGHE_FAULT=hang:NAME:3")
    assert.are.equal(1, code)
    local recs = T.jsonl(out)
    local r = T.find(recs, "result", "rule", "NAME", "enterprise:3")
    assert.are.equal("ERROR", r.outcome)
    assert.matches("watchdog", r.reason)
    assert.are.equal("PASS", T.find(recs, "result", "rule", "NAME", "enterprise:4").outcome)
    assert.are.equal("PASS", T.find(recs, "result", "rule", "NAME", "enterprise:2").outcome)
  end)

  it("leaves no partial run when eval is killed with SIGKILL mid-run", function()
    -- A slow rule: about 20 ms of work per subject over 300 subjects.
    assert(T.ronghe.exec(db, [[
      WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 310)
      INSERT INTO enterprise(id, name) SELECT i, 'E' || i FROM n;]]))
    T.write(rules .. "/slow.lua", [[
      rule "SLOW" { title = "slow", subject = "enterprise", cite = "test",
        check = function(s) local x = 0 for i = 1, 2000000 do x = x + i end return pass("ok") end }]])
    local before = T.count(db, "SELECT count(*) FROM rh_run")
    local pidfile = dir .. "/pid"
    os.execute(("(%s eval --db %s --rules %s --as-of 2023-06-30 --quiet >/dev/null 2>&1 & echo $! > %s; wait) &")
      :format(T.sh_quote(T.exe), db, rules, pidfile))
    os.execute("sleep 1.5")
    local pid = T.read(pidfile):match("%d+")
    -- results are being written inside the open transaction right now
    os.execute("kill -9 " .. pid)
    os.execute("sleep 0.5")
    assert.are.equal(before, T.count(db, "SELECT count(*) FROM rh_run"))
    assert.are.equal(0, T.count(db, "SELECT count(*) FROM rh_result_rows r WHERE NOT EXISTS (SELECT 1 FROM rh_run WHERE id = r.run_id)"))
    assert.are.equal("ok", T.ronghe.rows(db, "PRAGMA integrity_check")[1].integrity_check)
    local code = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --quiet --rule FUND-02"):format(db, rules))
    assert.are.equal(0, code)
    assert.are.equal(before + 1, T.count(db, "SELECT count(*) FROM rh_run"))
  end)
end)
