-- The hostile-rule corpus (tests/hostile/*.lua) against the real binary.
--
-- Each file is one attack.  Its header says what it tries and what must come
-- of it:
--   -- attack: <what it tries>
--   -- expect: ERROR <Lua pattern>   the rule named after the file ends as ERROR
--                                    for every subject, with a matching reason
--   -- expect: PASS <Lua pattern>    the attack is harmless by design and bounded
--                                    (e.g. a huge reason is cut to 4000 bytes)
--   -- expect: LOAD <Lua pattern>    the file does not load: `ronghe check` prints
--                                    a matching file:line message and exits 1,
--                                    `ronghe eval` exits 2 and stores nothing
--   -- needs: watchdog               only the supervisor's watchdog can stop it
--   -- known: <file, function: bug>  a reported engine bug makes this attack
--                                    harm the good rules; the test is pending
--                                    (not failed) while the bug is open, and
--                                    passes by itself once it is fixed
-- Several expect lines mean "any of these".
--
-- Each runtime attack is evaluated together with known-good rules over a
-- small real database, and the spec checks that: eval exits 1 (a clean run
-- with ERROR outcomes: not a crash, not 2); the good rules' results and
-- decisions are exactly those of a run without the hostile file; every reason
-- is valid UTF-8 of bounded size and names the rule file and line; the data
-- tables and the schema are unchanged and exactly one run was added; and no
-- file appeared anywhere the attacks aim (/tmp/ronghe-hostile-*, the test
-- folder).
local T = require("support")

local HOSTILE_DIR = T.src .. "/tests/hostile"
-- Under ASan (RONGHE_SANITIZED=1) allocation is slow enough that a memory
-- bomb would hit the time limit before the memory cap, and one C call that
-- builds megabytes can outlast a 1 s watchdog on a busy machine: allow more.
local SANITIZED = os.getenv("RONGHE_SANITIZED") == "1"
local OPTS = ("--as-of 2023-06-30 --format jsonl --budget 5000000 --time-ms %d " ..
              "--watchdog-ms %d --mem-mb 32 --input-ms %d"):format(SANITIZED and 3000 or 500, SANITIZED and 2500 or 1000,
              SANITIZED and 3000 or 1000)
local MAX_REASON = 4000 + #"…"

local GOOD = [=[
rule "GOOD-FUND" {
  title = "一线职工培训经费不低于60%", subject = "enterprise", yearly = true, cite = "二(二)4",
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
rule "GOOD-NAME" {
  title = "has a name", subject = "enterprise", cite = "test",
  check = function(s)
    local n = s.name
    if n and #n > 0 then return pass(("named %s (%s)"):format(n, n:upper()), { name = n }) end
    return fail("no name")
  end,
}
policy "GOOD" { subject = "enterprise", answers = "eligibility", rules = { "GOOD-FUND", "GOOD-NAME" } }
]=]

local function seed(db)
  assert(T.ronghe.exec(db, [[
    INSERT INTO enterprise(id, name) VALUES (1, '甲 Alpha'), (2, '乙 Beta'), (3, '丙 Gamma');
    INSERT INTO edu_fund_year(enterprise_id, year, spent_total, spent_frontline) VALUES
      (1, 2023, 100000, 60000), (2, 2023, 1000000, 599999);
  ]]))
end

-- Reads the header of every attack file.
local function corpus()
  local list = {}
  local p = io.popen("ls " .. T.sh_quote(HOSTILE_DIR))
  for name in p:lines() do
    if name:match("%.lua$") then
      local text = T.read(HOSTILE_DIR .. "/" .. name)
      local a = { file = name, stem = name:gsub("%.lua$", ""), text = text, expects = {} }
      for line in text:gmatch("[^\n]+") do
        local attack = line:match("^%-%- attack: (.+)$")
        if attack then a.attack = attack end
        local kind, pat = line:match("^%-%- expect: (%u+) (.+)$")
        if kind then
          a.kind = a.kind or kind
          assert(a.kind == kind, name .. ": mixed expect kinds")
          a.expects[#a.expects + 1] = pat
        end
        if line:match("^%-%- needs: watchdog") then a.watchdog = true end
        a.known = a.known or line:match("^%-%- known: (.+)$")
      end
      assert(a.attack and a.kind, name .. ": header needs '-- attack:' and '-- expect:' lines")
      list[#list + 1] = a
    end
  end
  p:close()
  table.sort(list, function(x, y) return x.file < y.file end)
  return list
end

local function matches_any(s, pats)
  for _, pat in ipairs(pats) do
    if s:find(pat) then return true end
  end
  return false
end

-- Everything a rule must not be able to change: schema and data tables.
local function snapshot(db)
  local parts = {}
  local tables = assert(T.ronghe.rows(db,
    "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'rh\\_%' ESCAPE '\\' ORDER BY name"))
  for _, t in ipairs(tables) do
    parts[#parts + 1] = t.name .. "\n" .. tostring(t.sql)
    if t.sql and t.sql:match("^CREATE TABLE") then
      local rows = assert(T.ronghe.rows(db, ("SELECT * FROM \"%s\" ORDER BY rowid"):format(t.name)))
      for _, r in ipairs(rows) do
        local keys = {}
        for k in pairs(r) do keys[#keys + 1] = k end
        table.sort(keys)
        for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. tostring(r[k]) end
        parts[#parts + 1] = "|"
      end
    end
  end
  -- engine tables are expected to grow, but never to change shape
  parts[#parts + 1] = T.ronghe.rows(db, "SELECT group_concat(sql, ';') AS s FROM (SELECT sql FROM " ..
    "sqlite_master WHERE name LIKE 'rh\\_%' ESCAPE '\\' ORDER BY name)")[1].s
  return table.concat(parts, "\n")
end

local function listing(dir)
  -- (rule folders live under ./rules and are removed by each test)
  local p = io.popen("cd " .. T.sh_quote(dir) .. " && find . -path ./rules -prune -o -print | sort; " ..
                     "ls -d /tmp/ronghe-hostile-* 2>/dev/null")
  local s = p:read("a")
  p:close()
  -- the database's WAL files come and go with connections
  return (s:gsub("[^\n]*%.db%-wal\n", ""):gsub("[^\n]*%.db%-shm\n", ""))
end

local function valid_utf8(s) return utf8.len(s) ~= nil end

-- The good rules' records (results and decisions), keyed, as comparable text.
local function good_records(recs)
  local out = {}
  for _, r in ipairs(recs) do
    if (r.type == "result" and r.rule:match("^GOOD%-")) or (r.type == "decision" and r.policy == "GOOD") then
      local key = r.type .. " " .. (r.rule or r.policy) .. " " .. r.subject
      out[key] = T.cjson.encode(r)
    end
  end
  return out
end

local function runs(db) return T.count(db, "SELECT count(*) FROM rh_run") end

describe("hostile rules", function()
  local dir, db, base, baseline, snap, files
  local attacks = corpus()

  setup(function()
    os.execute("rm -rf /tmp/ronghe-hostile-*")
    dir = T.tmpdir()
    db = T.new_db(dir)
    seed(db)
    base = dir .. "/good"
    os.execute("mkdir " .. base .. " " .. dir .. "/rules")
    T.write(base .. "/zz_good.lua", GOOD)
    local code, out, err = T.run(("eval --db %s --rules %s %s"):format(db, base, OPTS))
    assert(code == 0, "the good rules alone must run cleanly: " .. tostring(err))
    baseline = good_records(T.jsonl(out))
    assert(next(baseline), "no good records")
    snap = snapshot(db)
    files = listing(dir)
  end)

  teardown(function() T.rmdir(dir) end)

  it("has at least 40 attacks, each with a header", function()
    assert.is_true(#attacks >= 40, "only " .. #attacks .. " attack files")
  end)

  for _, a in ipairs(attacks) do
    it(("%s: %s"):format(a.stem, a.attack), function()
      local rules = dir .. "/rules/" .. a.stem
      os.execute("mkdir " .. T.sh_quote(rules))
      finally(function() os.execute("rm -rf " .. T.sh_quote(rules)) end)
      T.write(rules .. "/zz_good.lua", GOOD)
      os.execute(("cp %s %s/"):format(T.sh_quote(HOSTILE_DIR .. "/" .. a.file), T.sh_quote(rules)))
      local before = runs(db)

      if a.kind == "LOAD" then
        local c1, o1 = T.run(("check --db %s --rules %s"):format(db, rules))
        assert.are.equal(1, c1, o1)
        local hit
        for line in o1:gmatch("[^\n]+") do
          if line:find(a.file, 1, true) and line:match("%.lua:%d+: ") and matches_any(line, a.expects) then
            hit = line
          end
        end
        assert.is_truthy(hit, "check did not report the expected problem; it printed:\n" .. o1)
        local c2, _, e2 = T.run(("eval --db %s --rules %s %s"):format(db, rules, OPTS))
        assert.are.equal(2, c2, e2)
        assert.is_truthy(e2:find(a.file, 1, true), e2)
        assert.are.equal(before, runs(db))
      else
        local code, out, err = T.run(("eval --db %s --rules %s %s"):format(db, rules, OPTS))
        local want = a.kind == "ERROR" and 1 or 0
        assert.are.equal(want, code, "exit code; stderr: " .. tostring(err))
        local recs = T.jsonl(out)
        local seen = 0
        for _, r in ipairs(recs) do
          if r.type == "result" then
            assert.is_true(valid_utf8(r.reason), r.rule .. ": reason is not UTF-8")
            assert.is_true(#r.reason <= MAX_REASON, ("%s: reason of %d bytes"):format(r.rule, #r.reason))
          end
          if r.type == "result" and r.rule == a.stem then
            seen = seen + 1
            assert.are.equal(a.kind, r.outcome, r.subject .. ": " .. r.reason:sub(1, 300))
            assert.is_true(matches_any(r.reason, a.expects),
              ("%s: reason %q matches none of the expected patterns"):format(r.subject, r.reason:sub(1, 300)))
            if a.kind == "ERROR" then
              assert.is_truthy(r.reason:find(a.file .. ":%d+: "), "no file:line in " .. r.reason:sub(1, 300))
            end
          end
        end
        assert.are.equal(3, seen, "results for the hostile rule")
        if a.known and not require("luassert.util").deepcompare(baseline, good_records(recs)) then
          pending("known bug: " .. a.known)
        end
        assert.are.same(baseline, good_records(recs))
        assert.are.equal(before + 1, runs(db))
      end
      assert.are.equal(snap, snapshot(db))
      assert.are.equal(files, listing(dir))
    end)
  end

  it("leaves the rules of every attack together harmless to the good rules", function()
    -- All runtime attacks in one rule set: one worker goes through them in
    -- turn (and is replaced after each crash or watchdog kill).
    local rules = dir .. "/rules/all"
    os.execute("mkdir " .. T.sh_quote(rules))
    finally(function() os.execute("rm -rf " .. T.sh_quote(rules)) end)
    T.write(rules .. "/zz_good.lua", GOOD)
    local n = 0
    for _, a in ipairs(attacks) do
      if a.kind ~= "LOAD" and not a.watchdog then
        os.execute(("cp %s %s/"):format(T.sh_quote(HOSTILE_DIR .. "/" .. a.file), T.sh_quote(rules)))
        n = n + 1
      end
    end
    local code, out, err = T.run(("eval --db %s --rules %s %s"):format(db, rules, OPTS))
    assert.are.equal(1, code, err)
    local recs = T.jsonl(out)
    assert.are.same(baseline, good_records(recs))
    local hostile = 0
    for _, r in ipairs(recs) do
      if r.type == "result" and not r.rule:match("^GOOD%-") and r.subject:match("^enterprise:") then
        hostile = hostile + 1
      end
    end
    assert.are.equal(3 * n, hostile)
    assert.are.equal(snap, snapshot(db))
    assert.are.equal(files, listing(dir))
  end)
end)
