-- Crash safety: what a killed, starved or blocked `ronghe` leaves behind.
--
--   * SIGKILL of `ronghe eval` at 20 points (fixed seed) spread over a run
--     of a few seconds, and of `ronghe import` at 6 points: after each, the
--     database passes PRAGMA integrity_check, no partial run or import is
--     visible (a run is there completely, with all its rows, or not at all;
--     no result, decision or catalog row without its run), and the next run
--     succeeds.
--   * A full disk (a 2 MiB tmpfs; needs root, pending otherwise) and a file
--     size limit (ulimit -f, any user): a clear error, exit 2, nothing stored.
--   * A database locked by another process: a clear "locked" error, exit 2.
local T = require("support")

local KILLS, IMPORT_KILLS, SEED = 20, 6, 20240607
local SUBJECTS = 1500

local SLOW = [[
rule "SLOW" {
  title = "work per subject", subject = "enterprise", cite = "test",
  check = function(s)
    local x = 0
    for i = 1, 15000 do x = x + i % 7 end
    if s.id % 5 == 0 then return fail("id {id} divisible by 5", { id = s.id, x = x }) end
    return pass("ok {id}", { id = s.id })
  end,
}
rule "NAMED" {
  title = "named", subject = "enterprise", cite = "test",
  check = function(s) if s.name then return pass("named") end return unknown("no name") end,
}
policy "P" { subject = "enterprise", rules = { "SLOW", "NAMED" } }
]]

local function q(s) return T.sh_quote(s) end

local function count(db, sql) return T.count(db, sql) end

local function integrity(db)
  return T.ronghe.rows(db, "PRAGMA integrity_check")[1].integrity_check
end

-- Every stored run is whole; nothing refers to a run that is not there.
local function assert_consistent(db, label)
  assert.are.equal("ok", integrity(db), label)
  for _, t in ipairs({ "rh_result_pack", "rh_run_group", "rh_result", "rh_decision", "rh_run_rule", "rh_run_policy", "rh_run_file" }) do
    local orphans = count(db, ("SELECT count(*) FROM %s x WHERE NOT EXISTS (SELECT 1 FROM rh_run r WHERE r.id = x.run_id)"):format(t))
    assert.are.equal(0, orphans, ("%s: %d %s rows without their run"):format(label, orphans, t))
  end
  for _, run in ipairs(T.ronghe.rows(db, "SELECT id, n_results, n_decisions FROM rh_run")) do
    assert.are.equal(run.n_results, count(db, "SELECT count(*) FROM rh_result_rows WHERE run_id = " .. run.id),
      label .. ": results of run " .. run.id)
    assert.are.equal(run.n_decisions, count(db, "SELECT count(*) FROM rh_decision WHERE run_id = " .. run.id),
      label .. ": decisions of run " .. run.id)
  end
end

-- Starts a command in the background; returns its pid.
local function spawn(cmd)
  local p = io.popen("sh -c " .. q("exec " .. cmd .. " >/dev/null 2>&1 </dev/null") .. " & echo $!")
  local pid = p:read("l")
  p:close()
  return assert(tonumber(pid), "no pid")
end

local function alive(pid) return os.execute("kill -0 " .. pid .. " 2>/dev/null") == true end

local function wait_gone(pid)
  for _ = 1, 500 do
    if not alive(pid) then return end
    os.execute("sleep 0.02")
  end
  error("process " .. pid .. " did not go away")
end

local function now()
  local p = io.popen("date +%s.%N")
  local t = tonumber(p:read("l"))
  p:close()
  return t
end

local function sleep(s) os.execute(("sleep %.3f"):format(s)) end

-- Seconds a command takes (for spreading kill points; never asserted on).
local function timed(cmd)
  local t0 = now()
  local ok = os.execute(cmd .. " >/dev/null 2>&1")
  return now() - t0, ok
end

describe("crash safety", function()
  local dir, db, rules

  setup(function()
    dir = T.tmpdir()
    db = T.new_db(dir)
    assert(T.ronghe.exec(db, ([[
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
      INSERT INTO enterprise(id, name) SELECT i, 'E' || i FROM n;]]):format(SUBJECTS)))
    rules = dir .. "/rules"
    os.execute("mkdir " .. rules)
    T.write(rules .. "/slow.lua", SLOW)
  end)
  teardown(function() T.rmdir(dir) end)

  it(("leaves no partial run when eval is SIGKILLed at %d points"):format(KILLS), function()
    local eval = ("%s eval --db %s --rules %s --as-of 2023-06-30 --quiet"):format(q(T.exe), q(db), q(rules))
    local span, ok = timed(eval)
    assert.is_true(ok, "an uninterrupted run must succeed")
    assert_consistent(db, "after a full run")
    math.randomseed(SEED)
    local points = {}
    -- (past the end too: the commit and the exit are kill points as well)
    for i = 1, KILLS do points[i] = math.random() * span * 1.25 end
    table.sort(points)
    local committed = 0
    for i, at in ipairs(points) do
      local label = ("kill %d at %.2f s of %.2f s"):format(i, at, span)
      local before = count(db, "SELECT count(*) FROM rh_run")
      local pid = spawn(eval)
      sleep(at)
      os.execute("kill -9 " .. pid .. " 2>/dev/null")
      wait_gone(pid)
      local after = count(db, "SELECT count(*) FROM rh_run")
      assert.is_true(after == before or after == before + 1, label .. ": runs went from " .. before .. " to " .. after)
      if after == before + 1 then committed = committed + 1 end
      assert_consistent(db, label)
      -- the next run can write: a short one, restricted to two subjects
      local code, out, err = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --quiet --subject enterprise:1 --subject enterprise:5")
        :format(q(db), q(rules)))
      assert.are.equal(0, code, label .. ": the next run failed: " .. tostring(err))
      assert.matches("run %d+: 2 subjects, 4 results, 2 decisions, 0 errors", out)
      assert.are.equal(after + 1, count(db, "SELECT count(*) FROM rh_run"), label)
    end
    -- and a full run still gives the same answers as the first one
    local code = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --quiet"):format(q(db), q(rules)))
    assert.are.equal(0, code)
    assert_consistent(db, "at the end")
    local ids = T.ronghe.rows(db, "SELECT min(id) AS first, max(id) AS last FROM rh_run")[1]
    local first, last = ids.first, ids.last
    assert.are.equal(0, count(db, ([[SELECT count(*) FROM (
        SELECT rule_no, subject_id, outcome, reason, vals FROM rh_result_rows WHERE run_id = %d
        EXCEPT SELECT rule_no, subject_id, outcome, reason, vals FROM rh_result_rows WHERE run_id = %d)]]):format(first, last)))
    print(("# %d kill points over %.2f s (an uninterrupted run), %d of them after the commit")
      :format(KILLS, span, committed))
  end)

  it(("leaves a table whole when import is SIGKILLed at %d points"):format(IMPORT_KILLS), function()
    local csv = dir .. "/posts.csv"
    local f = assert(io.open(csv, "w"))
    f:write("id,enterprise_id,name\n")
    for i = 1, 100000 do f:write(("%d,%d,post %d\n"):format(i, i % SUBJECTS + 1, i)) end
    f:close()
    local import = ("%s import post %s --db %s"):format(q(T.exe), q(csv), q(db))
    local scratch = dir .. "/scratch.db"
    os.execute(("cp %s %s"):format(q(db), q(scratch)))
    local span = timed(("%s import post %s --db %s"):format(q(T.exe), q(csv), q(scratch)))
    math.randomseed(SEED + 1)
    for i = 1, IMPORT_KILLS do
      local at = math.random() * span * 1.1
      local label = ("import kill %d at %.2f s of %.2f s"):format(i, at, span)
      local pid = spawn(import)
      sleep(at)
      os.execute("kill -9 " .. pid .. " 2>/dev/null")
      wait_gone(pid)
      assert.are.equal("ok", integrity(db), label)
      local n = count(db, "SELECT count(*) FROM post")
      assert.is_true(n == 0 or n == 100000, label .. ": " .. n .. " posts")
      if n > 0 then assert(T.ronghe.exec(db, "DELETE FROM post")) end
    end
  end)

  it("reports a full disk (tmpfs) clearly, exits 2 and stores nothing", function()
    local mnt = dir .. "/tmpfs"
    os.execute("mkdir " .. q(mnt))
    if not os.execute(("mount -t tmpfs -o size=2m tmpfs %s 2>/dev/null"):format(q(mnt))) then
      pending("cannot mount a tmpfs here (needs root); the ulimit -f test covers a failing write")
    end
    finally(function() os.execute("umount " .. q(mnt) .. " 2>/dev/null") end)
    local small = mnt .. "/t.db"
    assert(T.ronghe.init(small))
    assert(T.ronghe.exec(small, ([[
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
      INSERT INTO enterprise(id, name) SELECT i, 'E' || i FROM n;]]):format(SUBJECTS)))
    -- fill the file system, leaving 160 KiB: less than the run's results need
    local p = io.popen("df -k --output=avail " .. q(mnt) .. " | tail -1")
    local avail = tonumber(p:read("l"))
    p:close()
    os.execute(("dd if=/dev/zero of=%s/filler bs=1024 count=%d 2>/dev/null"):format(q(mnt), avail - 160))
    local before = count(small, "SELECT count(*) FROM rh_run")
    local code, _, err = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --quiet"):format(q(small), q(rules)))
    assert.are.equal(2, code, err)
    assert.matches("disk is full", err)
    assert.are.equal(before, count(small, "SELECT count(*) FROM rh_run"))
    assert.are.equal("ok", integrity(small))
    os.execute(("rm -f %s/filler"):format(q(mnt)))
    code, _, err = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --quiet --subject enterprise:1"):format(q(small), q(rules)))
    assert.are.equal(0, code, err)
  end)

  it("reports a failing write (file size limit) clearly, exits 2 and stores nothing", function()
    local small = dir .. "/limited.db"
    os.execute(("cp %s %s"):format(q(db), q(small)))
    assert(T.ronghe.exec(small, "PRAGMA wal_checkpoint(TRUNCATE)"))
    local before = count(small, "SELECT count(*) FROM rh_run")
    -- results need more than 64 KiB of WAL; SIGXFSZ ignored so write() fails with EFBIG
    local cmd = ("sh -c %s"):format(q(("trap '' XFSZ; ulimit -f 64; exec %s eval --db %s --rules %s --as-of 2023-06-30 --quiet")
      :format(q(T.exe), q(small), q(rules))))
    local d = T.tmpdir()
    local ok, how, code = os.execute(cmd .. " >" .. d .. "/out 2>" .. d .. "/err")
    local err = T.read(d .. "/err")
    T.rmdir(d)
    assert.are.equal("exit", how, err)
    assert.are.equal(2, code, err)
    assert.matches("ronghe eval: .*I/O error", err)
    assert.are.equal(before, count(small, "SELECT count(*) FROM rh_run"))
    assert.are.equal("ok", integrity(small))
    assert_consistent(small, "after the failed write")
  end)

  it("reports a database locked by another process as locked, exits 2", function()
    local holder = io.popen("sqlite3 " .. q(db) .. " >/dev/null 2>&1", "w")
    -- (with a busy timeout: the probe below may hold the lock for a moment)
    holder:write(".timeout 10000\nBEGIN EXCLUSIVE;\nINSERT INTO holiday(date, is_statutory) VALUES ('2099-01-01', 1);\n")
    holder:flush()
    finally(function() holder:close() end)
    -- wait until the lock is really held
    local held = false
    for _ = 1, 100 do
      if not os.execute(("sqlite3 -cmd '.timeout 0' %s 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1"):format(q(db))) then
        held = true
        break
      end
      sleep(0.05)
    end
    assert.is_true(held, "the other process did not get the lock")
    local before = count(db, "SELECT count(*) FROM rh_run")
    local code, _, err = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --quiet --subject enterprise:1"):format(q(db), q(rules)))
    assert.are.equal(2, code, err)
    assert.matches("locked", err)
    local csv = dir .. "/one.csv"
    T.write(csv, "date,is_statutory\n2099-02-02,1\n")
    local c2, _, e2 = T.run(("import holiday %s --db %s"):format(q(csv), q(db)))
    assert.are.equal(2, c2, e2)
    assert.matches("locked", e2)
    holder:close()
    holder = { close = function() end }
    assert.are.equal(before, count(db, "SELECT count(*) FROM rh_run"))
    assert.are.equal(0, count(db, "SELECT count(*) FROM holiday"))
    code, _, err = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --quiet --subject enterprise:1"):format(q(db), q(rules)))
    assert.are.equal(0, code, err)
  end)
end)
