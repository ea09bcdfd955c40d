-- `ronghe serve` under hostile clients and SIGKILL.
--
--   * malformed and oversized requests (tests/tools/http_abuse.py malformed):
--     each is refused or answered, never a crash; /health answers afterwards
--   * 20 slowloris clients while a normal client keeps asking /health
--   * 300 concurrent connections, then 200 idle ones held open
--   * SIGKILL of serve at 5 points (fixed seed) of scheduled runs: the database
--     stays whole, no partial run is visible, and a new serve catches the slot
--     up with a complete run
-- The service runs on a loopback port (--listen 127.0.0.1:0, read back from
-- its log).  Skipped, with a message, if python3 is missing.
local T = require("support")

local KILLS, SEED = 5, 424242

local RULES = [=[
rule "NAME" {
  title = "has a name", subject = "enterprise", cite = "test",
  check = function(s)
    local x = 0
    for i = 1, 200000 do x = x + i end
    if s.name then return pass("named " .. s.name) end
    return fail("no name")
  end,
}
policy "NAMED" { subject = "enterprise", answers = "eligibility", rules = { "NAME" } }
]=]

local WEEKLY = [=[
schedule "weekly" { cron = "0 6 * * MON", policies = { "NAMED" } }
]=]

local function q(s) return T.sh_quote(s) end
local function sleep(s) os.execute(("sleep %.3f"):format(s)) end

local function wait_for(what, secs, fn)
  local deadline = os.time() + secs
  while true do
    local v = fn()
    if v then return v end
    if os.time() > deadline then error("timed out waiting for " .. what, 2) end
    sleep(0.1)
  end
end

local function alive(pid) return os.execute("kill -0 " .. pid .. " 2>/dev/null") == true end

-- One serve process (see serve_spec.lua): log, pid and exit code in dir.
local function serve_start(dir, name, args, env)
  local s = { dir = dir, name = name }
  s.log, s.pidf, s.codef = ("%s/%s.log"):format(dir, name), ("%s/%s.pid"):format(dir, name),
                           ("%s/%s.code"):format(dir, name)
  local script = ("%s/%s.sh"):format(dir, name)
  T.write(script, ('"$EXE" serve %s --listen 127.0.0.1:0 </dev/null >/dev/null 2>>"$LOG" &\n' ..
                   'echo $! > "$PIDF"\nwait $!\necho $? > "$CODEF"\n'):format(args))
  os.execute(("TZ=UTC %s EXE=%s LOG=%s PIDF=%s CODEF=%s sh %s >/dev/null 2>&1 &"):format(env or "",
    q(T.exe), s.log, s.pidf, s.codef, script))
  s.pid = wait_for("the pid of " .. name, 10, function()
    local p = T.read(s.pidf)
    return p and p:match("%d+")
  end)
  s.port = wait_for("serve to listen", 30, function()
    local l = T.read(s.log) or ""
    if T.read(s.codef) then error("serve exited early:\n" .. l) end
    return l:match("listening on http://127%.0%.0%.1:(%d+)")
  end)
  return s
end

local function get(s, path)
  local out = ("%s/%s.http"):format(s.dir, s.name)
  local p = io.popen(("curl -s -m 30 -o %s -w '%%{http_code}' 'http://127.0.0.1:%s%s'"):format(out, s.port, path))
  local code = tonumber(p:read("a"))
  p:close()
  local ok, json = pcall(T.cjson.decode, T.read(out) or "")
  return code, ok and json or nil
end

local function abuse(s, scenario)
  local p = io.popen(("python3 %s/tests/tools/http_abuse.py %s %s"):format(q(T.src), s.port, scenario))
  local text = p:read("a")
  p:close()
  local ok, r = pcall(T.cjson.decode, text)
  assert(ok, "http_abuse.py " .. scenario .. " printed: " .. text)
  return r
end

local function children_of(pid)
  local p = io.popen("pgrep -P " .. pid)
  local out = {}
  for l in p:lines() do out[#out + 1] = l end
  p:close()
  return out
end

describe("serve under attack", function()
  local dir, db, rules, servers
  local has_python = os.execute("python3 -c 'import socket' >/dev/null 2>&1")

  before_each(function()
    dir = T.tmpdir()
    db = T.new_db(dir)
    assert(T.ronghe.exec(db, [[
      WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 100)
      INSERT INTO enterprise(id, name) SELECT i, 'E' || i FROM k;]]))
    rules = dir .. "/rules"
    os.execute("mkdir " .. rules)
    T.write(rules .. "/names.lua", RULES)
    servers = {}
  end)
  after_each(function()
    for _, s in ipairs(servers) do
      if not T.read(s.codef) then
        for _, c in ipairs(children_of(s.pid)) do os.execute("kill -9 " .. c .. " 2>/dev/null") end
        os.execute("kill -9 " .. s.pid .. " 2>/dev/null")
        pcall(wait_for, "serve to end", 10, function() return T.read(s.codef) end)
      end
    end
    T.rmdir(dir)
  end)

  local function start(args, env)
    local s = serve_start(dir, "s" .. (#servers + 1), args or ("--db %s --rules %s"):format(q(db), q(rules)), env)
    servers[#servers + 1] = s
    return s
  end

  it("refuses malformed and oversized requests and keeps answering", function()
    if not has_python then pending("python3 is needed for raw HTTP clients") end
    local s = start()
    local r = abuse(s, "malformed")
    local report = {}
    for name, line in pairs(r.cases) do
      report[#report + 1] = name .. " -> " .. line:gsub("[^%g ]", "?")
      -- an answer is a 4xx (or a 2xx where the request still made sense),
      -- or the connection closed; never a server error
      assert.is_falsy(line:match("^HTTP/%d%.%d 5%d%d") and not line:match(" 503 "), name .. ": " .. line)
      assert.is_falsy(line:match("^refused"), name .. ": " .. line)
    end
    table.sort(report)
    print("# " .. table.concat(report, "\n# "))
    assert.matches("^HTTP/1%.1 200", r.health)
    assert.is_true(alive(s.pid))
    local code, h = get(s, "/health")
    assert.are.equal(200, code)
    assert.are.equal("ok", h.status)
    -- the database was not touched by any of it
    assert.are.equal(100, T.count(db, "SELECT count(*) FROM enterprise"))
  end)

  it("keeps answering while slow clients hold connections", function()
    if not has_python then pending("python3 is needed for raw HTTP clients") end
    local s = start()
    local r = abuse(s, "slow")
    assert.are.same({}, r.bad)
    assert.is_true(r.answers > 0)
    assert.matches("^HTTP/1%.1 200", r.health)
    assert.is_true(alive(s.pid))
  end)

  it("survives 300 concurrent connections and 200 idle ones", function()
    if not has_python then pending("python3 is needed for raw HTTP clients") end
    local s = start()
    local r = abuse(s, "flood")
    print(("# %d of %d answered 200; others: %s; %d idle held; health then: %s")
      :format(r.ok, r.total, table.concat(r.others, ", "), r.idle_held, r.health_with_idle))
    assert.is_true(r.ok > 0)
    for _, o in ipairs(r.others) do
      assert.is_falsy(o:match("^HTTP/%d%.%d 5%d%d") and not o:match(" 503 "), o)
    end
    assert.matches("^HTTP/1%.1 200", r.health)
    assert.is_true(alive(s.pid))
  end)

  it(("leaves the database whole when serve is SIGKILLed at %d points of scheduled runs"):format(KILLS), function()
    T.write(dir .. "/schedules.lua", WEEKLY)
    local args = ("--db %s --rules %s --config %s"):format(q(db), q(rules), q(dir .. "/schedules.lua"))
    math.randomseed(SEED)
    for i = 1, KILLS do
      -- two seconds before a Monday 06:00 slot, a different week each time
      local now = ("2024-%02d-%02dT05:59:58"):format(1 + (i - 1) // 4, ({ 8, 15, 22, 29 })[(i - 1) % 4 + 1])
      local s = start(args, "RONGHE_SERVE_NOW=" .. now)
      wait_for("the run to be going", 30, function()
        local _, h = get(s, "/health")
        return h and h.running and #h.running > 0
      end)
      sleep(math.random() * 1.5)
      local kids = children_of(s.pid)
      os.execute("kill -9 " .. s.pid)
      -- the eval it started is a process of its own: it may finish (a whole
      -- run) or be killed too (no run); stop it either way
      if i % 2 == 0 then
        for _, c in ipairs(kids) do os.execute("kill -9 " .. c .. " 2>/dev/null") end
      end
      for _, c in ipairs(kids) do wait_for("child " .. c .. " to end", 60, function() return not alive(c) end) end
      wait_for("serve to be gone", 10, function() return T.read(s.codef) end)
      local label = "kill " .. i
      assert.are.equal("ok", T.ronghe.rows(db, "PRAGMA integrity_check")[1].integrity_check, label)
      for _, t in ipairs({ "rh_result_pack", "rh_run_group", "rh_decision", "rh_run_rule", "rh_run_policy" }) do
        assert.are.equal(0, T.count(db, ("SELECT count(*) FROM %s x WHERE NOT EXISTS (SELECT 1 FROM rh_run r WHERE r.id = x.run_id)"):format(t)), label .. ": " .. t)
      end
      for _, run in ipairs(T.ronghe.rows(db, "SELECT id, n_results, n_decisions FROM rh_run")) do
        assert.are.equal(run.n_results, T.count(db, "SELECT count(*) FROM rh_result_rows WHERE run_id = " .. run.id), label)
        assert.are.equal(run.n_decisions, T.count(db, "SELECT count(*) FROM rh_decision WHERE run_id = " .. run.id), label)
      end
    end
    -- a new serve starts on the database the kills left behind, answers, and
    -- runs the next slot (Monday 2024-02-12 06:00, two seconds after it starts)
    -- completely.  (Each kill's slot was claimed in a later week than the one
    -- before, so a slot whose serve and eval were both killed is superseded
    -- by the next start's catch-up; serve_spec runs a killed slot again.)
    local before = T.count(db, "SELECT count(*) FROM rh_run")
    local s = start(args, "RONGHE_SERVE_NOW=2024-02-12T05:59:58")
    local code = get(s, "/health")
    assert.are.equal(200, code)
    wait_for("the next scheduled run", 60, function()
      return T.count(db, "SELECT count(*) FROM rh_run WHERE as_of = '2024-02-12'") > 0
    end)
    assert.are.equal(before + 1, T.count(db, "SELECT count(*) FROM rh_run"))
    assert.are.equal(100, T.count(db, "SELECT n_decisions FROM rh_run WHERE as_of = '2024-02-12'"))
    assert.are.equal(0, T.count(db, "SELECT count(*) FROM (SELECT as_of FROM rh_run GROUP BY as_of HAVING count(*) > 1)"),
      "no slot ran twice")
  end)
end)
