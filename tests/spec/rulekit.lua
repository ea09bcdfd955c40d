--[[ rulekit: fixtures in, rule outcomes out — the helper of the rules_*_spec.lua files.

  local kit = require("rulekit")
  local run = kit.eval({
      enterprise = { { id = 1, name = "甲" } },
      enterprise_headcount = { { enterprise_id = 1, snapshot_date = "2023-03-31", on_post_employees = 49 } },
    }, { as_of = "2023-06-30", rules = { "INT-02" } })
  run:outcome("INT-02", "enterprise:1")        --> "PASS"
  run:result("INT-02", "enterprise:1").values  --> { k = 0, N = 49, ... }
  run:decision("INTERNSHIP_COMPLIANCE", "enterprise:1")

Each kit.eval creates a fresh database with `RONGHE_EXE init`, inserts the fixture rows with the
sqlite3 command-line tool and runs `RONGHE_EXE eval … --format jsonl`. Rows need only the columns
a test cares about: kit.DEFAULTS fills the NOT NULL columns (and a few plausible ones) that a row
leaves out; write kit.NULL to force SQL NULL where a default exists. Any outcome ERROR raises, so
a rule that breaks fails the spec that ran it.

Environment: RONGHE_EXE (default /work/main/build/ronghe), RONGHE_SOURCE_DIR (default /work/main),
RULEKIT_KEEP=1 keeps the temporary databases (/tmp/ronghe-rulekit.*) after the run.
]]
local cjson = require("cjson")

local M = {}

M.exe = os.getenv("RONGHE_EXE") or "/work/main/build/ronghe"
M.src = os.getenv("RONGHE_SOURCE_DIR") or "/work/main"
M.rules_dir = M.src .. "/rules"
M.NULL = setmetatable({}, { __tostring = function() return "NULL" end })

-- Tables in import order (parents first); the insert order of a fixture.
M.ORDER = {
  "enterprise", "school", "major", "student", "post", "enterprise_headcount", "enterprise_wage",
  "post_headcount", "post_wage", "holiday", "designation", "credit_event", "qualifying_activity",
  "internship", "internship_agreement", "guardian_consent", "internship_insurance", "internship_payment",
  "timesheet", "apprenticeship", "mentor", "mentor_assignment", "subsidy_standard", "certificate",
  "edu_fund_year", "voc_investment", "surcharge_year", "carrier", "plan_target",
}

-- Defaults for columns a fixture row leaves out (a function receives the row).
M.DEFAULTS = {
  enterprise = function(r) return { name = "企业" .. r.id, reg_country = "CN", reg_province = "陕西省",
    is_legal_person = 1, main_business_is_education = 0, is_above_scale = 1, is_leading = 0 } end,
  school = function(r) return { name = "学校" .. r.id, type = "SECONDARY_VOC", is_1x_pilot = 1 } end,
  major = function(r) return { school_id = 1, name = "专业" .. r.id, is_1x_pilot = 0 } end,
  student = function(r) return { school_id = 1, name = "学生" .. r.id, birth_date = "2003-01-01", status = "ACTIVE" } end,
  post = function(r) return { enterprise_id = 1, name = "岗位" .. r.id, is_high_risk = 0, labor_intensity_level = 1 } end,
  enterprise_headcount = { snapshot_date = "2023-03-31" },
  post_headcount = { snapshot_date = "2023-03-31" },
  holiday = { is_statutory = 1 },
  designation = { enterprise_id = 1 },
  credit_event = { enterprise_id = 1 },
  qualifying_activity = { enterprise_id = 1 },
  internship = function(r) return { student_id = r.id, enterprise_id = 1, type = "POST", independent_work = 1,
    start_date = "2023-03-01", end_date = "2023-08-31", grade_at_start = 3, major_matched = 1,
    via_intermediary = 0, special_arrangement_filed = 0, fees_charged = 0 } end,
  internship_agreement = { school_signed = 1, enterprise_signed = 1, student_signed = 1 },
  internship_payment = { form = "MONEY", direct = 1 },
  timesheet = { night_hours = 0 },
  apprenticeship = { program = "NE", enterprise_id = 1, extension = 0 },
  mentor = { kind = "ENTERPRISE" },
  subsidy_standard = { city = "彬州市" },
  certificate = { in_1x_catalog = 1, revoked = 0, level = "中级" },
}

local function sh(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function sql_value(v)
  if v == nil or v == M.NULL then return "NULL" end
  local t = type(v)
  if t == "boolean" then return v and "1" or "0" end
  if t == "number" then
    if math.type(v) == "integer" then return string.format("%d", v) end
    return string.format("%.17g", v)
  end
  return "'" .. tostring(v):gsub("'", "''") .. "'"
end

local function read_file(path)
  local f = io.open(path, "r")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

local function write_file(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local tmp_root
local function tmpdir()
  if not tmp_root then
    local p = io.popen("mktemp -d /tmp/ronghe-rulekit.XXXXXX")
    tmp_root = p:read("l")
    p:close()
    assert(tmp_root and tmp_root ~= "", "rulekit: mktemp failed")
  end
  return tmp_root
end
local counter = 0

-- Removes every database this process created.
function M.cleanup()
  if tmp_root and tmp_root:match("^/tmp/ronghe%-rulekit%.") then os.execute("rm -rf " .. sh(tmp_root)) end
  tmp_root = nil
end

-- The databases go when the process ends, unless RULEKIT_KEEP is set (to inspect a failing case).
M._reaper = setmetatable({}, { __gc = function()
  if not os.getenv("RULEKIT_KEEP") then M.cleanup() end
end })

-- The INSERT statements of a fixture, in import order.
function M.sql(fixtures)
  local out, known = { "BEGIN;" }, {}
  for _, t in ipairs(M.ORDER) do known[t] = true end
  for t in pairs(fixtures) do
    if not known[t] and t ~= "sql" then error("rulekit: unknown table '" .. tostring(t) .. "'", 3) end
  end
  for _, t in ipairs(M.ORDER) do
    for _, row in ipairs(fixtures[t] or {}) do
      local full = {}
      local d = M.DEFAULTS[t]
      if type(d) == "function" then d = d(row) end
      for k, v in pairs(d or {}) do full[k] = v end
      for k, v in pairs(row) do full[k] = v end
      local cols, vals = {}, {}
      for k in pairs(full) do cols[#cols + 1] = k end
      table.sort(cols)
      for i, k in ipairs(cols) do vals[i] = sql_value(full[k]) end
      local verb = (t == "plan_target") and "INSERT OR REPLACE" or "INSERT"
      out[#out + 1] = string.format("%s INTO %s (%s) VALUES (%s);", verb, t, table.concat(cols, ", "),
                                    table.concat(vals, ", "))
    end
  end
  for _, s in ipairs(fixtures.sql or {}) do out[#out + 1] = s .. ";" end
  out[#out + 1] = "COMMIT;"
  return table.concat(out, "\n") .. "\n"
end

-- A fresh database holding the fixture; returns its path.
function M.db(fixtures)
  counter = counter + 1
  local dir = tmpdir()
  local path = string.format("%s/t%04d.db", dir, counter)
  local log = path .. ".log"
  local ok = os.execute(sh(M.exe) .. " init --db " .. sh(path) .. " >" .. sh(log) .. " 2>&1")
  if not ok then error("rulekit: ronghe init failed: " .. read_file(log), 2) end
  local sqlfile = path .. ".sql"
  write_file(sqlfile, M.sql(fixtures or {}))
  ok = os.execute("sqlite3 -bail " .. sh(path) .. " < " .. sh(sqlfile) .. " >" .. sh(log) .. " 2>&1")
  if not ok then error("rulekit: inserting the fixture failed: " .. read_file(log) .. "\n" .. read_file(sqlfile), 2) end
  return path
end

-- A copy of the rule set with one exact text replaced in one file (e.g. an open question's default
-- switched); returns the folder, for eval's opts.rules_dir.
function M.rules_with(file, old, new)
  counter = counter + 1
  local dir = string.format("%s/rules%04d", tmpdir(), counter)
  assert(os.execute("mkdir -p " .. sh(dir) .. " && cp " .. sh(M.rules_dir) .. "/*.lua " .. sh(dir)))
  local text = read_file(dir .. "/" .. file)
  local a, b = text:find(old, 1, true)
  if not a then error("rulekit.rules_with: text not found in " .. file .. ": " .. old, 2) end
  write_file(dir .. "/" .. file, text:sub(1, a - 1) .. new .. text:sub(b + 1))
  return dir
end

local Run = {}
Run.__index = Run

-- The result / indicator / target record of rule for subject ("enterprise:7" or "city").
function Run:result(rule, subject)
  for _, r in ipairs(self.records) do
    if (r.type == "result" or r.type == "indicator" or r.type == "target") and r.rule == rule
       and r.subject == subject then
      return r
    end
  end
  return nil
end

function Run:outcome(rule, subject)
  local r = self:result(rule, subject)
  return r and r.outcome
end

function Run:decision(policy, subject)
  for _, r in ipairs(self.records) do
    if r.type == "decision" and r.policy == policy and r.subject == subject then return r end
  end
  return nil
end

-- All records of a rule (any subject).
function Run:all(rule)
  local t = {}
  for _, r in ipairs(self.records) do
    if r.rule == rule then t[#t + 1] = r end
  end
  return t
end

-- A one-line summary for assertion messages.
function Run:show(rule, subject)
  local r = self:result(rule, subject)
  if not r then return rule .. " " .. subject .. ": no result" end
  return string.format("%s %s %s: %s %s", rule, subject, r.outcome, r.reason or "", cjson.encode(r.values or {}))
end

-- Evaluates a database (path) or a fixture (table). opts: as_of (required), year, rules, policies,
-- subjects, allow_errors. Returns a Run: records, run (the first line), and the helpers above.
function M.eval(db_or_fixtures, opts)
  opts = opts or {}
  local path = db_or_fixtures
  if type(path) == "table" then path = M.db(db_or_fixtures) end
  assert(opts.as_of, "rulekit.eval: as_of is required")
  local args = { sh(M.exe), "eval", "--db", sh(path), "--rules", sh(opts.rules_dir or M.rules_dir),
                 "--as-of", opts.as_of, "--format", "jsonl" }
  if opts.year then args[#args + 1] = "--year"; args[#args + 1] = tostring(opts.year) end
  for _, id in ipairs(opts.rules or {}) do args[#args + 1] = "--rule"; args[#args + 1] = sh(id) end
  for _, p in ipairs(opts.policies or {}) do args[#args + 1] = "--policy"; args[#args + 1] = sh(p) end
  for _, s in ipairs(opts.subjects or {}) do args[#args + 1] = "--subject"; args[#args + 1] = sh(s) end
  local errfile = path .. ".err"
  local p = io.popen(table.concat(args, " ") .. " 2>" .. sh(errfile))
  local text = p:read("a")
  local _, _, code = p:close()
  if code == 2 then error("rulekit: ronghe eval failed (exit 2): " .. read_file(errfile), 2) end
  local run = setmetatable({ records = {}, db = path }, Run)
  for line in text:gmatch("[^\n]+") do
    local ok, rec = pcall(cjson.decode, line)
    if not ok then error("rulekit: bad JSON line from eval: " .. line, 2) end
    if rec.type == "run" then run.run = rec else run.records[#run.records + 1] = rec end
  end
  if not run.run then error("rulekit: eval printed no run line; stderr: " .. read_file(errfile), 2) end
  if not opts.allow_errors then
    local errs = {}
    for _, r in ipairs(run.records) do
      if r.outcome == "ERROR" then errs[#errs + 1] = r.rule .. " " .. r.subject .. ": " .. tostring(r.reason) end
    end
    if #errs > 0 then error("rulekit: rule errors:\n" .. table.concat(errs, "\n"), 2) end
  end
  return run
end

return M
