-- `ronghe serve` end to end: a real service on a loopback port (any free
-- port: --listen 127.0.0.1:0, read back from the start line of the log),
-- spoken to over HTTP with curl.  The service's clock is set with
-- RONGHE_SERVE_NOW so that a cron slot falls due a second or two after the
-- start; TZ=UTC keeps the local time of the slots fixed.
local T = require("support")

local RULES = [=[
rule "NAME" {
  title = "has a name", subject = "enterprise", cite = "test",
  check = function(s) if s.name then return pass("named " .. s.name) end return fail("no name") end,
}
policy "NAMED" { subject = "enterprise", answers = "eligibility", rules = { "NAME" } }
]=]

-- About 50 ms of plain Lua per subject: with 200 subjects, a run that is
-- still going for several seconds on any machine.
local SLOW = [=[
rule "SLOW" { title = "slow", subject = "enterprise", cite = "test",
  check = function(s) local x = 0 for i = 1, 5000000 do x = x + i end return pass("ok") end }
]=]

local WEEKLY = [=[
schedule "weekly" { cron = "0 6 * * MON", policies = { "NAMED" } }
]=]

local function sleep(s) os.execute("sleep " .. s) end

-- Polls fn until it returns a true value; fails after `secs`.
local function wait_for(what, secs, fn)
  local deadline = os.time() + secs
  while true do
    local v = fn()
    if v then return v end
    if os.time() > deadline then error("timed out waiting for " .. what, 2) end
    sleep(0.1)
  end
end

-- One serve process; its log, pid and (once it ended) exit code in dir.
local Serve = {}
Serve.__index = Serve

local function serve_start(dir, name, args, env)
  local self = setmetatable({ dir = dir, name = name }, Serve)
  self.log = ("%s/%s.log"):format(dir, name)
  self.pidf = ("%s/%s.pid"):format(dir, name)
  self.codef = ("%s/%s.code"):format(dir, name)
  local script = ("%s/%s.sh"):format(dir, name)
  T.write(script, ('"$EXE" serve %s --listen 127.0.0.1:0 </dev/null >/dev/null 2>>"$LOG" &\n' ..
                   'echo $! > "$PIDF"\nwait $!\necho $? > "$CODEF"\n'):format(args))
  os.execute(("%s EXE=%s LOG=%s PIDF=%s CODEF=%s sh %s >/dev/null 2>&1 &"):format(env or "",
    T.sh_quote(T.exe), self.log, self.pidf, self.codef, script))
  self.pid = wait_for("the pid of " .. name, 10, function()
    local p = T.read(self.pidf)
    return p and p:match("%d+")
  end)
  self.port = wait_for("serve to listen (see " .. self.log .. ")", 30, function()
    local l = T.read(self.log) or ""
    if T.read(self.codef) then error("serve exited early:\n" .. l) end
    return l:match("listening on http://127%.0%.0%.1:(%d+)")
  end)
  return self
end

function Serve:logtext() return T.read(self.log) or "" end

-- method, path[, body] -> status, decoded JSON (or raw text)
function Serve:http(method, path, body)
  local out = ("%s/%s.http"):format(self.dir, self.name)
  local data = ""
  if body then
    T.write(out .. ".in", body)
    data = "--data-binary @" .. out .. ".in"
  end
  local p = io.popen(("curl -s -m 60 -o %s -w '%%{http_code}' -X %s %s 'http://127.0.0.1:%s%s'")
    :format(out, method, data, self.port, path))
  local code = tonumber(p:read("a"))
  p:close()
  local text = T.read(out) or ""
  local ok, json = pcall(T.cjson.decode, text)
  return code, ok and json or text
end

function Serve:get(path) return self:http("GET", path) end

function Serve:kill(sig) os.execute(("kill -%s %s"):format(sig, self.pid)) end

-- Waits for the process to end; returns its exit code.
function Serve:wait(secs)
  local c = wait_for(self.name .. " to exit", secs or 30, function() return T.read(self.codef) end)
  return tonumber(c:match("%d+"))
end

function Serve:stop()
  if not T.read(self.codef) then
    self:kill("TERM")
    return self:wait(30)
  end
  return tonumber(T.read(self.codef):match("%d+"))
end

-- pid and all its descendants (serve -> eval -> workers).
local function tree(pid)
  local out, queue = {}, { tostring(pid) }
  while #queue > 0 do
    local p = table.remove(queue)
    out[#out + 1] = p
    local h = io.popen("pgrep -P " .. p)
    for l in h:lines() do queue[#queue + 1] = l end
    h:close()
  end
  return out
end

local function alive(pid) return os.execute("kill -0 " .. pid .. " 2>/dev/null") == true end

local function state(db, name)
  return T.ronghe.rows(db, ("SELECT last_slot, claimed_by, done_slot FROM rh_schedule_state WHERE name = '%s'")
    :format(name))[1]
end

local function seed(db, n)
  assert(T.ronghe.exec(db, ([[
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %d)
    INSERT INTO enterprise(id, name) SELECT i, 'E' || i FROM k;]]):format(n)))
end

describe("serve", function()
  local dir, db, rules, servers
  local function start(name, args, env)
    local s = serve_start(dir, name, args, "TZ=UTC " .. (env or ""))
    servers[#servers + 1] = s
    return s
  end
  before_each(function()
    dir = T.tmpdir()
    db = T.new_db(dir)
    rules = dir .. "/rules"
    os.execute("mkdir " .. rules)
    T.write(rules .. "/names.lua", RULES)
    servers = {}
  end)
  after_each(function()
    for _, s in ipairs(servers) do
      if not T.read(s.codef) then
        s:kill("KILL")
        pcall(s.wait, s, 10)
      end
    end
    T.rmdir(dir)
  end)

  it("answers health, rules, runs and bad requests with JSON", function()
    seed(db, 3)
    local s = start("a", ("--db %s --rules %s"):format(db, rules))
    local code, h = s:get("/health")
    assert.are.equal(200, code)
    assert.are.equal("ok", h.status)
    assert.are.equal(64, #h.rules_version)
    local _, r = s:get("/rules")
    assert.are.equal(h.rules_version, r.version)
    assert.are.equal("NAME", r.rules[1].id)
    assert.are.equal("has a name", r.rules[1].title)
    assert.are.equal("test", r.rules[1].cite)
    assert.are.equal(rules .. "/names.lua", r.rules[1].file)
    assert.are.same({}, r.errors)
    local c2, runs = s:get("/runs")
    assert.are.equal(200, c2)
    assert.are.same({}, runs.runs)
    for path, want in pairs({ ["/runs/abc"] = 400, ["/runs/7"] = 404, ["/nope"] = 404,
                              ["/subjects/enterprise"] = 400, ["/subjects/enterprise:1"] = 404,
                              ["/runs?limit=0"] = 400, ["/evaluate/x:y"] = 400,
                              ["/evaluate/enterprise:1?as_of=2024-02-30"] = 400 }) do
      local c, body = s:get(path)
      assert.are.equal(want, c, path)
      assert.is_string(body.error, path)
    end
    local c3, e3 = s:http("POST", "/evaluate", "{not json")
    assert.are.equal(400, c3)
    assert.is_string(e3.error)
    local c4 = s:http("DELETE", "/runs")
    assert.are.equal(405, c4)
    -- more subjects than evaluations may run at once (8): they take turns
    local subs = {}
    for i = 1, 12 do subs[i] = ('"enterprise:%d"'):format((i - 1) % 3 + 1) end
    local c5, many = s:http("POST", "/evaluate", ('{"subjects": [%s], "as_of": "2024-01-08"}'):format(table.concat(subs, ",")))
    assert.are.equal(200, c5, T.cjson.encode(many))
    assert.are.equal(12, #many.subjects)
    for i, item in ipairs(many.subjects) do
      local id = (i - 1) % 3 + 1
      assert.are.equal("enterprise:" .. id, item.subject)
      assert.are.equal("named E" .. id, item.results[1].reason, T.cjson.encode(item))
    end
    assert.are.equal(0, s:stop())
    assert.matches("GET /runs/abc %-> 400", s:logtext())
  end)

  it("fires a schedule that falls due and stores a run tagged with it", function()
    seed(db, 3)
    T.write(dir .. "/schedules.lua", WEEKLY)
    -- Monday 2024-01-08, two seconds before the 06:00 slot.
    local s = start("a", ("--db %s --rules %s --config %s"):format(db, rules, dir .. "/schedules.lua"),
      "RONGHE_SERVE_NOW=2024-01-08T05:59:58")
    local _, sc = s:get("/schedules")
    assert.are.equal("weekly", sc.schedules[1].name)
    assert.are.equal("2024-01-08T06:00:00+00:00", sc.schedules[1].next_fire)
    local run = wait_for("the scheduled run", 30, function()
      local _, runs = s:get("/runs?schedule=weekly")
      return runs.runs and runs.runs[1]
    end)
    assert.are.equal("weekly", run.schedule)
    assert.are.equal("2024-01-08", run.as_of)
    assert.are.equal(3, run.decisions)
    assert.are.same({ policy = { "NAMED" } }, run.filters)
    local _, h = s:get("/health")
    assert.are.equal(h.rules_version, run.rules_version)
    -- the run's decisions, filtered, and one subject's latest answer
    local c, d = s:get(("/runs/%d/decisions?policy=NAMED&decision=ELIGIBLE&limit=2"):format(run.id))
    assert.are.equal(200, c)
    assert.are.equal(2, #d.decisions)
    assert.are.equal("ELIGIBLE", d.decisions[1].decision)
    local _, none = s:get(("/runs/%d/decisions?decision=INELIGIBLE"):format(run.id))
    assert.are.same({}, none.decisions)
    local _, subj = s:get("/subjects/enterprise:2")
    assert.are.equal(run.id, subj.results.run.id)
    assert.are.equal("named E2", subj.results.items[1].reason)
    assert.are.equal("ELIGIBLE", subj.decisions.items[1].decision)
    local _, sc2 = s:get("/schedules")
    assert.are.equal("2024-01-15T06:00:00+00:00", sc2.schedules[1].next_fire)
    assert.are.equal(run.id, sc2.schedules[1].last_run.id)
    assert.are.equal(0, s:stop())
    assert.are.equal(1, T.count(db, "SELECT count(*) FROM rh_run WHERE schedule = 'weekly'"))
    local l = s:logtext()
    assert.matches("schedule weekly fired %(on time%): slot 2024%-01%-08T06:00:00Z", l)
    assert.matches("schedule weekly: run %d+: 3 subjects", l)
  end)

  it("catches up a slot missed while down once, not once per slot", function()
    seed(db, 2)
    T.write(dir .. "/schedules.lua", [[schedule "daily" { cron = "30 7 * * *" }]])
    local args = ("--db %s --rules %s --config %s"):format(db, rules, dir .. "/schedules.lua")
    -- first start records the schedule; no run (nothing was missed yet)
    local s1 = start("a", args, "RONGHE_SERVE_NOW=2024-03-01T12:00:00")
    assert.are.equal(0, s1:stop())
    assert.are.equal(0, T.count(db, "SELECT count(*) FROM rh_run"))
    -- nine days later: nine slots passed, one run (for the latest slot)
    local s2 = start("b", args, "RONGHE_SERVE_NOW=2024-03-10T12:00:00")
    local run = wait_for("the catch-up run", 30, function()
      local _, runs = s2:get("/runs")
      return runs.runs and runs.runs[1]
    end)
    assert.are.equal("2024-03-10", run.as_of)
    assert.are.equal(0, s2:stop())
    assert.are.equal(1, T.count(db, "SELECT count(*) FROM rh_run"))
    assert.matches("slot 2024%-03%-10T07:30:00Z passed while the service was down", s2:logtext())
    -- the same day again: nothing more to catch up
    local s3 = start("c", args, "RONGHE_SERVE_NOW=2024-03-10T13:00:00")
    sleep(1)
    assert.are.equal(0, s3:stop())
    assert.are.equal(1, T.count(db, "SELECT count(*) FROM rh_run"))
  end)

  it("never lets two serve processes on one database run the same slot", function()
    seed(db, 3)
    T.write(dir .. "/schedules.lua", WEEKLY)
    local args = ("--db %s --rules %s --config %s"):format(db, rules, dir .. "/schedules.lua")
    local a = start("a", args, "RONGHE_SERVE_NOW=2024-01-08T05:59:57")
    local b = start("b", args, "RONGHE_SERVE_NOW=2024-01-08T05:59:57")
    wait_for("the slot to be handled by both", 30, function()
      local la, lb = a:logtext(), b:logtext()
      local done = function(l) return l:match("schedule weekly: run %d+") or l:match("already claimed") end
      return done(la) and done(lb)
    end)
    assert.are.equal(0, a:stop())
    assert.are.equal(0, b:stop())
    assert.are.equal(1, T.count(db, "SELECT count(*) FROM rh_run WHERE schedule = 'weekly'"))
    local claimed = (a:logtext() .. b:logtext()):match("slot 2024%-01%-08T06:00:00Z was already claimed")
    assert.is_not_nil(claimed)
  end)

  it("runs an on_import schedule once after a data import", function()
    seed(db, 2)
    T.write(dir .. "/schedules.lua", [[schedule "after_import" { on_import = true, as_of = "2024-06-30" }]])
    local s = start("a", ("--db %s --rules %s --config %s"):format(db, rules, dir .. "/schedules.lua"))
    sleep(2.5) -- a poll or two: nothing was imported, nothing runs
    assert.are.equal(0, T.count(db, "SELECT count(*) FROM rh_run"))
    T.write(dir .. "/more.csv", "id,name\n10,新企业\n11,另一家\n")
    local code = T.run(("import enterprise %s/more.csv --db %s"):format(dir, db))
    assert.are.equal(0, code)
    local run = wait_for("the run after the import", 30, function()
      local _, runs = s:get("/runs?schedule=after_import")
      return runs.runs and runs.runs[1]
    end)
    assert.are.equal("2024-06-30", run.as_of)
    assert.are.equal(4, run.subjects)
    sleep(2.5) -- the run's own commit is not an import
    assert.are.equal(0, s:stop())
    assert.are.equal(1, T.count(db, "SELECT count(*) FROM rh_run"))
  end)

  it("rejects a bad edit, keeps answering with the old rules, and picks up a good one", function()
    seed(db, 3)
    local s = start("a", ("--db %s --rules %s"):format(db, rules))
    local _, r0 = s:get("/rules")
    local v0 = r0.version
    -- a syntax error at line 3
    T.write(rules .. "/names.lua", RULES:gsub('title = "has a name",', 'title = "has a name" oops'))
    local r1 = wait_for("the failed reload", 30, function()
      local _, r = s:get("/rules")
      return #r.errors > 0 and r
    end)
    assert.are.equal(v0, r1.version)
    assert.matches("^" .. rules:gsub("%p", "%%%0") .. "/names%.lua:%d+:", r1.errors[1])
    assert.is_false(r1.last_reload.ok)
    local c, e = s:get("/evaluate/enterprise:1")
    assert.are.equal(200, c)
    assert.are.equal("named E1", e.results[1].reason)
    assert.are.equal(v0, e.rules_version)
    assert.matches("reload failed %(file change%)", s:logtext())
    -- a good edit
    T.write(rules .. "/names.lua", RULES:gsub('"named "', '"called "'))
    local r2 = wait_for("the good reload", 30, function()
      local _, r = s:get("/rules")
      return r.version ~= v0 and #r.errors == 0 and r
    end)
    assert.is_true(r2.last_reload.ok)
    local _, e2 = s:get("/evaluate/enterprise:1")
    assert.are.equal("called E1", e2.results[1].reason)
    assert.are.equal(r2.version, e2.rules_version)
    -- SIGHUP reloads too (nothing changed: says so)
    s:kill("HUP")
    wait_for("the SIGHUP reload", 10, function() return s:logtext():match("reload %(SIGHUP%): no change") end)
    assert.are.equal(0, s:stop())
  end)

  it("leaves no partial run when stopped with SIGTERM during a long run, and exits 0", function()
    seed(db, 200)
    T.write(rules .. "/slow.lua", SLOW)
    T.write(dir .. "/schedules.lua", WEEKLY:gsub('policies = { "NAMED" }', ""))
    local s = start("a", ("--db %s --rules %s --config %s"):format(db, rules, dir .. "/schedules.lua"),
      "RONGHE_SERVE_NOW=2024-01-08T05:59:59")
    wait_for("the run to be going", 30, function()
      local _, h = s:get("/health")
      return h.running and #h.running > 0
    end)
    sleep(1) -- results are being written inside the run's transaction now
    local root = s:logtext():match("snapshots in (%S+)")
    assert.is_not_nil(root)
    s:kill("TERM")
    assert.are.equal(0, s:wait(60))
    assert.are.equal(0, T.count(db, "SELECT count(*) FROM rh_run"))
    assert.are.equal(0, T.count(db, "SELECT count(*) FROM rh_result_rows"))
    assert.are.equal("ok", T.ronghe.rows(db, "PRAGMA integrity_check")[1].integrity_check)
    local l = s:logtext()
    assert.matches("run abandoned at shutdown", l)
    assert.matches("stopped %(exit 0%)", l)
    assert.is_nil(os.rename(root, root), "the private folder is removed")
    -- the abandoned slot is given back: the next start catches it up
    assert.are.equal(0, T.count(db, "SELECT count(*) FROM rh_schedule_state WHERE last_slot = '2024-01-08T06:00:00Z'"))
  end)

  -- The run of a claimed slot is going (a slow rule: about 10 s) when serve,
  -- its eval and the workers are all SIGKILLed: nothing was stored, and the
  -- claim names a process that is gone.  The next start runs that slot once;
  -- the start after that runs nothing.
  it("runs a slot once more when serve and its run were SIGKILLed before the run was stored", function()
    seed(db, 200)
    T.write(rules .. "/slow.lua", SLOW)
    T.write(dir .. "/schedules.lua", WEEKLY:gsub('policies = { "NAMED" }', ""))
    local args = ("--db %s --rules %s --config %s"):format(db, rules, dir .. "/schedules.lua")
    local s1 = start("a", args, "RONGHE_SERVE_NOW=2024-01-08T05:59:59")
    local h = wait_for("the run to be going", 30, function()
      local _, hh = s1:get("/health")
      return hh.running and #hh.running > 0 and hh
    end)
    sleep(0.5) -- inside the run's transaction: its first rows are written, not committed
    local claim = state(db, "weekly")
    assert.are.equal("2024-01-08T06:00:00Z", claim.last_slot)
    assert.matches(":" .. s1.pid .. "$", claim.claimed_by)
    assert.are_not.equal(claim.last_slot, claim.done_slot)
    local procs = tree(s1.pid)
    assert.is_true(#procs >= 3, "serve, eval and a worker: " .. table.concat(procs, " "))
    os.execute("kill -9 " .. table.concat(procs, " "))
    for _, p in ipairs(procs) do wait_for("process " .. p .. " to end", 10, function() return not alive(p) end) end
    assert.are.equal(h.running[1].slot, "2024-01-08T06:00:00Z")
    assert.are.equal(0, T.count(db, "SELECT count(*) FROM rh_run"))
    assert.are.equal("ok", T.ronghe.rows(db, "PRAGMA integrity_check")[1].integrity_check)
    -- restart within the same week: the killed slot is the latest one
    os.remove(rules .. "/slow.lua") -- (a quick run this time)
    local s2 = start("b", args, "RONGHE_SERVE_NOW=2024-01-08T06:10:00")
    local run = wait_for("the slot to run again", 60, function()
      local _, runs = s2:get("/runs?schedule=weekly")
      return runs.runs and runs.runs[1]
    end)
    assert.are.equal("2024-01-08", run.as_of)
    assert.are.equal(200, run.subjects)
    assert.are.equal(0, s2:stop())
    local l = s2:logtext()
    assert.matches("slot 2024%-01%-08T06:00:00Z was claimed by %S+:" .. s1.pid .. " but never stored %(killed%): catching up once", l)
    assert.matches("taken over", l)
    claim = state(db, "weekly")
    assert.are.equal(claim.last_slot, claim.done_slot)
    -- and once only
    local s3 = start("c", args, "RONGHE_SERVE_NOW=2024-01-08T06:20:00")
    sleep(1.5)
    assert.are.equal(0, s3:stop())
    assert.is_nil(s3:logtext():match("catching up"))
    assert.are.equal(1, T.count(db, "SELECT count(*) FROM rh_run WHERE schedule = 'weekly'"))
    assert.are.equal(1, T.count(db, "SELECT count(*) FROM rh_run"))
    assert.are.equal("ok", T.ronghe.rows(db, "PRAGMA integrity_check")[1].integrity_check)
  end)

  -- Only serve is SIGKILLed: its eval goes on and stores the slot with no
  -- service to see it.  The run's own transaction marks the slot done, so
  -- the next start does not run it again.  (A serve cannot start while the
  -- run writes: opening the engine tables waits for the write lock.)
  it("does not run a slot again when the run of a killed serve stored it", function()
    seed(db, 200)
    T.write(rules .. "/slow.lua", SLOW)
    T.write(dir .. "/schedules.lua", WEEKLY:gsub('policies = { "NAMED" }', ""))
    local args = ("--db %s --rules %s --config %s"):format(db, rules, dir .. "/schedules.lua")
    local s1 = start("a", args, "RONGHE_SERVE_NOW=2024-01-08T05:59:59")
    local h = wait_for("the run to be going", 30, function()
      local _, hh = s1:get("/health")
      return hh.running and #hh.running > 0 and hh
    end)
    local eval_pid = ("%d"):format(h.running[1].pid) -- (cjson gives a float)
    sleep(0.5)
    s1:kill("KILL")
    s1:wait(10)
    assert.is_true(alive(eval_pid), "the run goes on without its service")
    wait_for("the orphaned run to end", 120, function() return not alive(eval_pid) end)
    assert.are.equal(1, T.count(db, "SELECT count(*) FROM rh_run WHERE schedule = 'weekly'"))
    local claim = state(db, "weekly")
    assert.are.equal("2024-01-08T06:00:00Z", claim.last_slot)
    assert.are.equal(claim.last_slot, claim.done_slot)
    local s2 = start("b", args, "RONGHE_SERVE_NOW=2024-01-08T06:10:00")
    sleep(1.5)
    assert.are.equal(0, s2:stop())
    assert.is_nil(s2:logtext():match("catching up"))
    assert.are.equal(1, T.count(db, "SELECT count(*) FROM rh_run WHERE schedule = 'weekly'"))
    assert.are.equal("ok", T.ronghe.rows(db, "PRAGMA integrity_check")[1].integrity_check)
  end)

  it("answers an on-demand evaluation while a long scheduled run is in progress", function()
    seed(db, 200)
    T.write(rules .. "/slow.lua", SLOW)
    T.write(dir .. "/schedules.lua", WEEKLY:gsub('policies = { "NAMED" }', ""))
    local s = start("a", ("--db %s --rules %s --config %s"):format(db, rules, dir .. "/schedules.lua"),
      "RONGHE_SERVE_NOW=2024-01-08T05:59:59")
    wait_for("the run to be going", 30, function()
      local _, h = s:get("/health")
      return h.running and #h.running > 0
    end)
    sleep(0.5)
    local c, e = s:get("/evaluate/enterprise:7?as_of=2024-01-08")
    assert.are.equal(200, c, T.cjson.encode(e))
    assert.are.equal("enterprise:7", e.subject)
    assert.are.equal("named E7", e.results[1].reason or e.results[2].reason)
    assert.are.equal("ELIGIBLE", e.decisions[1].decision)
    -- answered while the run was still going: it has stored nothing yet
    local _, h = s:get("/health")
    assert.are.equal(1, #h.running)
    assert.are.equal(0, T.count(db, "SELECT count(*) FROM rh_run"))
    local c2, many = s:http("POST", "/evaluate", '{"subjects": ["enterprise:1", "enterprise:999"], "as_of": "2024-01-08"}')
    assert.are.equal(200, c2)
    assert.are.equal(2, #many.subjects)
    assert.is_table(many.subjects[1].results)
    assert.matches("no rule judges enterprise:999", many.subjects[2].error)
    assert.are.equal(0, s:stop())
  end)
end)
