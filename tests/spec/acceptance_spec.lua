-- Acceptance cases written from the policy book only (shared/domain/policy-book.md,
-- data-model.md, interfaces.md), by someone who did not write the rules.
--
-- Every block builds a fresh database with just the rows it needs, evaluates it with the
-- real rules folder through the real binary (`ronghe eval --format jsonl`) and checks the
-- outcomes, decisions, failed/unknown lists and the named `values` keys of the book's
-- "Keys of values" list.  Subjects that do not interfere share one database and one eval
-- to keep the suite fast; every `it` is one acceptance case.
local T = require("support")
local cjson = T.cjson
local RULES = T.src .. "/rules"
local NULL = cjson.null -- SQL NULL in fixtures (and JSON null in output)

---------------------------------------------------------------------------------------------
-- fixtures
---------------------------------------------------------------------------------------------
local function lit(v)
  if v == NULL then return "NULL" end
  if type(v) == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    return ("%.2f"):format(v)
  end
  return "'" .. tostring(v):gsub("'", "''") .. "'"
end

local function merge(a, b)
  local t = {}
  for k, v in pairs(a) do t[k] = v end
  for k, v in pairs(b or {}) do t[k] = v end
  return t
end

-- A buffer of INSERT statements.
local Fx = {}
Fx.__index = Fx
local function fixture() return setmetatable({ sql = {} }, Fx) end

function Fx:add(tbl, row)
  local cols = {}
  for k in pairs(row) do cols[#cols + 1] = k end
  table.sort(cols)
  local vals = {}
  for i, k in ipairs(cols) do vals[i] = lit(row[k]) end
  self.sql[#self.sql + 1] = ("INSERT INTO %s(%s) VALUES (%s);"):format(tbl, table.concat(cols, ","),
    table.concat(vals, ","))
  return self
end

function Fx:raw(sql) self.sql[#self.sql + 1] = sql return self end

function Fx:school()
  self:add("school", { id = 1, name = "彬州市职教中心", type = "SECONDARY_VOC", is_1x_pilot = 1 })
  self:add("major", { id = 1, school_id = 1, name = "化工技术", is_1x_pilot = 0 })
  return self
end

function Fx:enterprise(id, o)
  return self:add("enterprise", merge({
    id = id, name = "企业" .. id, reg_country = "CN", reg_province = "陕西省", is_legal_person = 1,
    main_business_is_education = 0, is_above_scale = 1,
  }, o))
end

function Fx:headcount(ent, date, n)
  return self:add("enterprise_headcount", { enterprise_id = ent, snapshot_date = date, on_post_employees = n })
end

function Fx:ewage(ent, lowest, localmin)
  return self:add("enterprise_wage", { enterprise_id = ent, from_date = "2015-01-01",
    lowest_grade_wage_monthly = lowest, local_min_wage_monthly = localmin })
end

-- A post with a staff snapshot (o.staff = false: none) and its wages.
function Fx:post(id, ent, o)
  o = o or {}
  self:add("post", { id = id, enterprise_id = ent, name = "岗位" .. id, is_high_risk = o.high_risk or 0,
    labor_intensity_level = o.intensity or 2 })
  if o.staff ~= false then
    self:add("post_headcount", { post_id = id, snapshot_date = o.staff_date or "2015-01-01", staff = o.staff or 1000 })
  end
  self:add("post_wage", { post_id = id, from_date = "2015-01-01", wage_standard_monthly = o.std or 5000.0,
    probation_wage_monthly = o.probation or 3000.05 })
  return self
end

function Fx:activity(id, ent, kind, s, e)
  return self:add("qualifying_activity", { id = id, enterprise_id = ent, kind = kind, start_date = s, end_date = e or NULL })
end

function Fx:event(id, ent, kind, s, e)
  return self:add("credit_event", { id = id, enterprise_id = ent, kind = kind, start_date = s, end_date = e or NULL })
end

function Fx:designation(id, ent, kind, from, o)
  o = o or {}
  return self:add("designation", { id = id, enterprise_id = ent, kind = kind, valid_from = from,
    valid_to = o.to or NULL, certified_date = o.certified or NULL, revoked_date = o.revoked or NULL,
    revoke_reason = o.reason or NULL, level = "CITY" })
end

function Fx:student(id, o)
  o = o or {}
  return self:add("student", { id = id, school_id = 1, major_id = o.major or 1, name = "学生" .. id,
    birth_date = o.birth or "2000-01-01", status = o.status or "ACTIVE" })
end

local function months(s, e)
  local y, m = tonumber(s:sub(1, 4)), tonumber(s:sub(6, 7))
  local ey, em = tonumber(e:sub(1, 4)), tonumber(e:sub(6, 7))
  local out = {}
  while y < ey or (y == ey and m <= em) do
    out[#out + 1] = ("%04d-%02d"):format(y, m)
    m = m + 1
    if m > 12 then m, y = 1, y + 1 end
  end
  return out
end

-- One internship with everything a compliant one needs, unless overridden:
--   o.agreements = list of {school, enterprise, student, date} or false
--   o.consents = list of dates; o.insurance = list of {from, to} or false
--   o.pay = { ["YYYY-MM"] = amount | {amount, form, direct} | false } (defaults: every month, 4000 MONEY direct)
--   o.ts = list of {date, hours, night} (default: the start day, 8 h)
function Fx:internship(id, o)
  local s, e = o.start or "2023-03-01", o["end"] or "2023-05-31"
  local sid = o.student or (10000 + id)
  if not o.student then self:student(sid, { birth = o.birth, major = o.major }) end
  local typ = o.type or "POST"
  local indep = o.indep
  if indep == nil then indep = (typ == "POST") and 1 or 0 end
  local post = o.post
  if post == nil then post = (typ == "POST") and 1 or NULL end
  self:add("internship", { id = id, student_id = sid, enterprise_id = o.ent or 1, post_id = post, type = typ,
    independent_work = indep, start_date = s, end_date = e, grade_at_start = o.grade or 2,
    major_matched = o.matched or 1, via_intermediary = o.via or 0, special_arrangement_filed = 0,
    fees_charged = o.fees or 0.0 })
  local ags = o.agreements
  if ags == nil then ags = { { 1, 1, 1, s } } end
  for _, a in ipairs(ags or {}) do
    self:add("internship_agreement", { internship_id = id, school_signed = a[1], enterprise_signed = a[2],
      student_signed = a[3], signed_date = a[4] })
  end
  for _, c in ipairs(o.consents or {}) do
    self:add("guardian_consent", { internship_id = id, consent_date = c })
  end
  local ins = o.insurance
  if ins == nil then ins = { { s, e } } end
  for i, p in ipairs(ins or {}) do
    self:add("internship_insurance", { internship_id = id, policy_no = ("P%d-%d"):format(id, i),
      cover_start = p[1], cover_end = p[2] })
  end
  local pay = o.pay or {}
  for _, m in ipairs(months(s, e)) do
    local p = pay[m]
    if p == nil then p = o.amount or 4000.0 end
    if p then
      if type(p) ~= "table" then p = { p, "MONEY", 1 } end
      self:add("internship_payment", { internship_id = id, pay_month = m, amount = p[1] + 0.0, form = p[2],
        direct = p[3] })
    end
  end
  for _, t in ipairs(o.ts or { { s, 8.0, 0.0 } }) do
    self:add("timesheet", { internship_id = id, work_date = t[1], hours = t[2] + 0.0, night_hours = (t[3] or 0) + 0.0 })
  end
  return self
end

function Fx:mentor(id, kind, o)
  o = o or {}
  return self:add("mentor", { id = id, kind = kind, enterprise_id = kind == "ENTERPRISE" and (o.ent or 1) or NULL,
    school_id = kind == "SCHOOL" and 1 or NULL, name = "导师" .. id, skill_level = o.skill or "高级工" })
end

function Fx:assign(app, mentor, role, s, e)
  return self:add("mentor_assignment", { apprenticeship_id = app, mentor_id = mentor, role = role,
    start_date = s or "2023-01-01", end_date = e or NULL })
end

-- An apprenticeship; MODERN gets an enrolled student, NE an employee.  Mentors (school 1,
-- enterprise 2) are assigned unless o.mentors == false.
function Fx:apprenticeship(id, o)
  local prog = o.program or "MODERN"
  local sid = NULL
  if prog == "MODERN" then
    sid = o.student or (20000 + id)
    if not o.student then self:student(sid, { birth = o.student_birth, status = o.status }) end
  end
  local row = { id = id, program = prog, student_id = sid, enterprise_id = 1, school_id = 1,
    start_date = o.start or "2023-01-01", end_date = o["end"] or "2025-12-31", extension = o.extension or 0,
    birth_date = NULL, planned_months = NULL, contract_start = NULL, contract_end = NULL,
    agreement_signed_date = NULL, monthly_wage = NULL }
  if prog == "MODERN" then
    row.agreement_signed_date = o.agreement or "2022-12-20"
  else
    row.birth_date = o.birth or "2000-01-01"
    row.planned_months = o.months or 24
    row.contract_start = o.contract_start or "2023-01-01"
    row.contract_end = o.contract_end or NULL
    row.monthly_wage = o.wage or 3000.0
  end
  if o.birth and prog == "MODERN" then row.birth_date = o.birth end
  for k, v in pairs(o.row or {}) do row[k] = v end
  self:add("apprenticeship", row)
  if o.mentors ~= false then
    self:assign(id, 1, "SCHOOL")
    self:assign(id, o.ementor or 2, "ENTERPRISE")
  end
  return self
end

function Fx:build()
  local dir = T.tmpdir()
  local db = T.new_db(dir)
  assert(T.ronghe.exec(db, table.concat(self.sql, "\n")))
  return dir, db
end

---------------------------------------------------------------------------------------------
-- evaluation and assertions
---------------------------------------------------------------------------------------------
local function evaluate(db, as_of, year)
  local args = ("eval --db %s --rules %s --as-of %s --format jsonl"):format(T.sh_quote(db), T.sh_quote(RULES), as_of)
  if year then args = args .. " --year " .. year end
  local code, out, err = T.run(args)
  assert(code == 0 or code == 1, ("eval exited %s: %s"):format(tostring(code), tostring(err)))
  local E = { res = {}, dec = {}, tgt = {}, all = T.jsonl(out) }
  for _, r in ipairs(E.all) do
    if r.type == "result" or r.type == "indicator" then
      E.res[r.rule .. "|" .. r.subject] = r
    elseif r.type == "decision" then
      E.dec[r.policy .. "|" .. r.subject] = r
    elseif r.type == "target" then
      E.tgt[r.rule] = r
    end
  end
  return E
end

local function show(r)
  return ("%s %s -> %s (%s) values=%s"):format(tostring(r.rule), tostring(r.subject), tostring(r.outcome),
    tostring(r.reason), cjson.encode(r.values or {}))
end

local function result(E, rule, subject)
  local r = E.res[rule .. "|" .. subject]
  assert(r, ("no result for %s on %s"):format(rule, subject))
  return r
end

-- Asserts the outcome (a string, or a list of acceptable ones) and returns the record.
local function outcome(E, rule, subject, expected)
  local r = result(E, rule, subject)
  local ok = r.outcome == expected
  if type(expected) == "table" then
    ok = false
    for _, x in ipairs(expected) do ok = ok or r.outcome == x end
    expected = table.concat(expected, "|")
  end
  assert(ok, ("expected %s, got %s"):format(expected, show(r)))
  return r
end

local function not_outcome(E, rule, subject, bad)
  local r = result(E, rule, subject)
  assert(r.outcome ~= bad, ("expected anything but %s, got %s"):format(bad, show(r)))
  return r
end

local function decision(E, policy, subject, expected, failed, unknown)
  local d = E.dec[policy .. "|" .. subject]
  assert(d, ("no %s decision for %s"):format(policy, subject))
  local ctx = ("%s %s: %s"):format(policy, subject, cjson.encode(d))
  assert.are.equal(expected, d.decision, ctx)
  if failed then assert.are.same(failed, d.failed, ctx) end
  if unknown then assert.are.same(unknown, d.unknown, ctx) end
  return d
end

local function value(r, key)
  assert(r.values and r.values[key] ~= nil, ("values.%s missing: %s"):format(key, show(r)))
  return r.values[key]
end

local function num(r, key, expected)
  local v = value(r, key)
  assert(tonumber(v) == expected, ("values.%s: expected %s, got %s in %s"):format(key, expected, tostring(v), show(r)))
end

-- Money is CNY with 2 decimals: a string "123.45" or a number equal to it.
local function money(r, key, expected)
  local v = value(r, key)
  local got = type(v) == "string" and v or ("%.2f"):format(v)
  assert(got == expected, ("values.%s: expected %s, got %s in %s"):format(key, expected, tostring(v), show(r)))
  if type(v) == "number" then assert(math.abs(v - tonumber(expected)) < 1e-9, show(r)) end
end

local function percent(r, expected)
  local v = value(r, "percent")
  assert(v == expected, ("values.percent: expected %q, got %s in %s"):format(expected, cjson.encode(v), show(r)))
end

local function target(E, kind, expected, count, tgt)
  local r = E.tgt["TGT-" .. kind]
  assert(r, "no target record TGT-" .. kind)
  local ctx = cjson.encode(r)
  assert.are.equal(expected, r.outcome, ctx)
  if count then assert(tonumber(r.count) == count, "count: " .. ctx) end
  if tgt then assert(tonumber(r.target) == tgt, "target: " .. ctx) end
  return r
end

local ENT = function(i) return "enterprise:" .. i end

---------------------------------------------------------------------------------------------
-- D1 CULTIVATION_ELIGIBLE: CJE-01..06, CJE-08
---------------------------------------------------------------------------------------------
describe("CULTIVATION_ELIGIBLE at 2023-06-30", function()
  local dir, E
  setup(function()
    local f = fixture():school()
    local function ent(id, o)
      f:enterprise(id, o)
      f:activity(id, id, "TRAINING_BASE", "2020-01-01")
    end
    ent(1)
    ent(2, { reg_province = "河南省" })
    ent(3, { reg_province = NULL })
    ent(4, { is_legal_person = 0 })
    ent(5, { main_business_is_education = 1 })
    ent(6); f:event(6, 6, "BLACKLIST", "2022-01-01", "2023-06-30")       -- removed on as_of: still listed that day
    ent(7); f:event(7, 7, "BLACKLIST", "2022-01-01", "2023-06-29")       -- removed the day before
    ent(8); f:event(8, 8, "BLACKLIST", "2023-07-01")                     -- listed after as_of
    ent(9); f:event(9, 9, "BLACKLIST", "2020-01-01")                     -- open
    ent(10); f:event(10, 10, "MAJOR_SAFETY_ACCIDENT", "2020-06-30")      -- = add_years(as_of,-3): outside (a, b]
    ent(11); f:event(11, 11, "MAJOR_ENV_ACCIDENT", "2020-07-01")
    ent(12); f:event(12, 12, "MAJOR_QUALITY_ACCIDENT", "2023-06-30")
    ent(13); f:event(13, 13, "TAX_VIOLATION", "2020-07-01")
    ent(14); f:event(14, 14, "TAX_VIOLATION", "2020-06-30")
    f:enterprise(15)                                                      -- no activity at all
    f:enterprise(16); f:activity(16, 16, "RUN_SCHOOL", "2020-01-01", "2023-06-30")
    f:enterprise(17); f:activity(17, 17, "X_CERT_PILOT", "2020-01-01", "2023-06-29")
    f:enterprise(18); f:activity(18, 18, "VOC_GROUP_MEMBER", "2023-07-01")
    ent(19); f:designation(19, 19, "CJRH_RESERVE", "2017-01-01", { revoked = "2018-06-30", reason = "FRAUD" })
    ent(20); f:designation(20, 20, "CJRH_RESERVE", "2017-01-01", { revoked = "2018-06-29", reason = "FRAUD" })
    ent(21); f:designation(21, 21, "CITY_DEMO", "2020-01-01", { revoked = "2022-01-01", reason = "OTHER" })
    ent(22); f:designation(22, 22, "CJRH_CERTIFIED", "2019-01-01",
      { revoked = "2020-01-01", reason = "STUDENT_RIGHTS_INFRINGEMENT" })
    ent(23, { reg_province = "河南省", main_business_is_education = 1 }); f:event(23, 23, "TAX_VIOLATION", "2023-01-01")
    ent(24, { reg_province = NULL, main_business_is_education = 1 })
    ent(25); f:event(25, 25, "MAJOR_SAFETY_ACCIDENT", "2023-07-01")      -- after as_of
    ent(26); f:event(26, 26, "BLACKLIST", "2023-06-30")                  -- listed on as_of
    ent(27, { reg_country = "HK" })
    ent(28)
    f:designation(281, 28, "CJRH_RESERVE", "2010-01-01", { revoked = "2021-01-01", reason = "OTHER" })
    f:designation(282, 28, "CJRH_RESERVE", "2012-01-01", { revoked = "2020-01-01", reason = "FRAUD" })
    local db
    dir, db = f:build()
    E = evaluate(db, "2023-06-30")
  end)
  teardown(function() T.rmdir(dir) end)

  it("a clean Shaanxi enterprise with an activity passes every criterion: ELIGIBLE", function()
    for _, id in ipairs({ "CJE-01", "CJE-02", "CJE-03", "CJE-04", "CJE-05", "CJE-06", "CJE-08" }) do
      outcome(E, id, ENT(1), "PASS")
    end
    decision(E, "CULTIVATION_ELIGIBLE", ENT(1), "ELIGIBLE", {}, {})
  end)

  it("CJE-01: registered outside 陕西省 fails; not a legal person fails", function()
    outcome(E, "CJE-01", ENT(2), "FAIL")
    decision(E, "CULTIVATION_ELIGIBLE", ENT(2), "INELIGIBLE", { "CJE-01" }, {})
    outcome(E, "CJE-01", ENT(4), "FAIL")
    decision(E, "CULTIVATION_ELIGIBLE", ENT(4), "INELIGIBLE", { "CJE-01" }, {})
  end)

  it("CJE-01: registered outside China fails", function()
    outcome(E, "CJE-01", ENT(27), "FAIL")
  end)

  it("CJE-01: a NULL registered_province is UNKNOWN and the decision NEEDS_DATA", function()
    outcome(E, "CJE-01", ENT(3), "UNKNOWN")
    decision(E, "CULTIVATION_ELIGIBLE", ENT(3), "NEEDS_DATA", {}, { "CJE-01" })
  end)

  it("CJE-02: main business is education fails", function()
    outcome(E, "CJE-02", ENT(5), "FAIL")
    decision(E, "CULTIVATION_ELIGIBLE", ENT(5), "INELIGIBLE", { "CJE-02" }, {})
  end)

  it("CJE-03: a blacklist listing is active through its removal date inclusive, not before it starts", function()
    outcome(E, "CJE-03", ENT(6), "FAIL")
    outcome(E, "CJE-03", ENT(7), "PASS")
    outcome(E, "CJE-03", ENT(8), "PASS")
    outcome(E, "CJE-03", ENT(9), "FAIL")
    outcome(E, "CJE-03", ENT(26), "FAIL")
    decision(E, "CULTIVATION_ELIGIBLE", ENT(9), "INELIGIBLE", { "CJE-03" }, {})
    -- a blacklist is neither an accident (CJE-04) nor a tax violation (CJE-05)
    outcome(E, "CJE-04", ENT(9), "PASS")
    outcome(E, "CJE-05", ENT(9), "PASS")
  end)

  it("CJE-04: the 3-year window (add_years(as_of,-3), as_of] excludes its first edge, includes as_of", function()
    outcome(E, "CJE-04", ENT(10), "PASS")
    outcome(E, "CJE-04", ENT(11), "FAIL")
    outcome(E, "CJE-04", ENT(12), "FAIL")
    outcome(E, "CJE-04", ENT(25), "PASS")
    decision(E, "CULTIVATION_ELIGIBLE", ENT(11), "INELIGIBLE", { "CJE-04" }, {})
  end)

  it("CJE-05: tax violations use the same window and do not count as accidents", function()
    outcome(E, "CJE-05", ENT(13), "FAIL")
    outcome(E, "CJE-04", ENT(13), "PASS")
    outcome(E, "CJE-05", ENT(14), "PASS")
    decision(E, "CULTIVATION_ELIGIBLE", ENT(13), "INELIGIBLE", { "CJE-05" }, {})
  end)

  it("CJE-06: a qualifying activity counts when active on as_of (inclusive end), not otherwise", function()
    outcome(E, "CJE-06", ENT(15), "FAIL")
    decision(E, "CULTIVATION_ELIGIBLE", ENT(15), "INELIGIBLE", { "CJE-06" }, {})
    outcome(E, "CJE-06", ENT(16), "PASS")
    outcome(E, "CJE-06", ENT(17), "FAIL")
    outcome(E, "CJE-06", ENT(18), "FAIL")
  end)

  it("CJE-08: the 5-year bar runs through add_years(revoked, 5) inclusive, only for disqualifying reasons", function()
    outcome(E, "CJE-08", ENT(19), "FAIL")
    decision(E, "CULTIVATION_ELIGIBLE", ENT(19), "INELIGIBLE", { "CJE-08" }, {})
    outcome(E, "CJE-08", ENT(20), "PASS")
    outcome(E, "CJE-08", ENT(21), "PASS")
    outcome(E, "CJE-08", ENT(22), "FAIL")
  end)

  it("CJE-08: any disqualifying revocation among several designations bars re-application", function()
    outcome(E, "CJE-08", ENT(28), "FAIL")
  end)

  it("failed criteria are listed sorted, and UNKNOWN ones still listed when the answer is INELIGIBLE", function()
    decision(E, "CULTIVATION_ELIGIBLE", ENT(23), "INELIGIBLE", { "CJE-01", "CJE-02", "CJE-05" }, {})
    decision(E, "CULTIVATION_ELIGIBLE", ENT(24), "INELIGIBLE", { "CJE-02" }, { "CJE-01" })
  end)
end)

describe("CJE dates around Feb-29", function()
  local dir, E1, E2
  setup(function()
    local f = fixture():school()
    for id = 1, 6 do
      f:enterprise(id)
      f:activity(id, id, "TRAINING_BASE", "2015-01-01")
    end
    -- at 2024-02-29: revoked 2019-02-28 is barred through 2024-02-28; revoked 2019-03-01 through 2024-03-01
    f:designation(5, 5, "CITY_DEMO", "2018-01-01", { revoked = "2019-02-28", reason = "BLACKLIST" })
    f:designation(6, 6, "CITY_DEMO", "2018-01-01", { revoked = "2019-03-01", reason = "BLACKLIST" })
    -- as_of 2024-02-29: add_years(as_of,-3) = 2021-02-28, window (2021-02-28, 2024-02-29]
    f:event(1, 1, "MAJOR_SAFETY_ACCIDENT", "2021-02-28")
    f:event(2, 2, "MAJOR_SAFETY_ACCIDENT", "2021-03-01")
    -- revoked 2020-02-29: bar lasts through add_years(.,5) = 2025-02-28
    f:designation(3, 3, "CJRH_RESERVE", "2019-01-01", { revoked = "2020-02-29", reason = "FRAUD" })
    f:designation(4, 4, "CJRH_RESERVE", "2019-01-01", { revoked = "2020-03-01", reason = "MAJOR_ENV_ACCIDENT" })
    local db
    dir, db = f:build()
    E1 = evaluate(db, "2024-02-29")
    E2 = evaluate(db, "2025-03-01")
  end)
  teardown(function() T.rmdir(dir) end)

  it("CJE-04: as_of 2024-02-29 looks back to (2021-02-28, 2024-02-29]", function()
    outcome(E1, "CJE-04", ENT(1), "PASS")
    outcome(E1, "CJE-04", ENT(2), "FAIL")
  end)

  it("CJE-08: revoked 2020-02-29 may re-apply from 2025-03-01; revoked 2020-03-01 may not yet", function()
    outcome(E2, "CJE-08", ENT(3), "PASS")
    decision(E2, "CULTIVATION_ELIGIBLE", ENT(3), "ELIGIBLE", {}, {})
    outcome(E2, "CJE-08", ENT(4), "FAIL")
    outcome(E1, "CJE-08", ENT(3), "FAIL")
  end)

  it("CJE-08 at as_of 2024-02-29: revoked 2019-02-28 may re-apply; revoked 2019-03-01 may not", function()
    outcome(E1, "CJE-08", ENT(5), "PASS")
    outcome(E1, "CJE-08", ENT(6), "FAIL")
  end)
end)

describe("CJE-06 internship hosting (union of covered days >= 1095) at 2022-12-30", function()
  local dir, E
  setup(function()
    local f = fixture():school()
    for id = 1, 4 do f:enterprise(id); f:post(id, id) end
    -- 1: 2020-01-01..2022-12-30 covered (overlapping internships) = 1095 days
    f:internship(1, { ent = 1, post = 1, start = "2020-01-01", ["end"] = "2021-12-31" })
    f:internship(2, { ent = 1, post = 1, start = "2021-06-01", ["end"] = "2024-12-31" })
    -- 2: one day less (1094), though the plain sum of lengths is far above 1095
    f:internship(3, { ent = 2, post = 2, start = "2020-01-02", ["end"] = "2021-12-31" })
    f:internship(4, { ent = 2, post = 2, start = "2021-06-01", ["end"] = "2024-12-31" })
    -- 3: 365 + 729 = 1094 covered days with a gap (the span would be 1460)
    f:internship(5, { ent = 3, post = 3, start = "2019-01-01", ["end"] = "2019-12-31" })
    f:internship(6, { ent = 3, post = 3, start = "2021-01-01", ["end"] = "2024-12-31" })
    -- 4: any type counts: one cognitive internship covering 1095 days up to as_of
    f:internship(7, { ent = 4, type = "COGNITIVE", start = "2020-01-01", ["end"] = "2024-12-31" })
    local db
    dir, db = f:build()
    E = evaluate(db, "2022-12-30")
  end)
  teardown(function() T.rmdir(dir) end)

  it("counts exactly 1095 union days as a qualifying activity", function()
    outcome(E, "CJE-06", ENT(1), "PASS")
  end)

  it("1094 union days is not enough, whatever the sum or span of the internships", function()
    outcome(E, "CJE-06", ENT(2), "FAIL")
    outcome(E, "CJE-06", ENT(3), "FAIL")
  end)

  it("cognitive internships count toward hosting days", function()
    outcome(E, "CJE-06", ENT(4), "PASS")
  end)
end)

---------------------------------------------------------------------------------------------
-- D2 PRIORITY_SUPPORT: CJE-03, CJE-07, CJE-10
---------------------------------------------------------------------------------------------
describe("PRIORITY_SUPPORT at 2023-06-30", function()
  local dir, E
  setup(function()
    local f = fixture():school()
    for id = 1, 17 do f:enterprise(id) end
    f:designation(1, 1, "CITY_DEMO", "2022-01-01")
    -- 2: no designation
    f:designation(3, 3, "CITY_DEMO", "2022-01-01", { to = "2023-06-30" })
    f:designation(4, 4, "CITY_DEMO", "2022-01-01", { to = "2023-06-29" })
    f:designation(5, 5, "CITY_DEMO", "2022-01-01", { revoked = "2023-06-30", reason = "OTHER" })
    f:designation(6, 6, "CITY_DEMO", "2022-01-01", { revoked = "2023-07-01", reason = "OTHER" })
    f:designation(7, 7, "CJRH_RESERVE", "2022-01-01")
    f:designation(8, 8, "CITY_DEMO", "2023-07-01")
    for id = 9, 14 do f:designation(id, id, "CITY_DEMO", "2022-01-01") end
    f:event(9, 9, "MAJOR_SAFETY_ACCIDENT", "2022-01-01")      -- on valid_from: inside
    f:event(10, 10, "FRAUD", "2021-12-31")                    -- the day before: outside
    f:event(11, 11, "TAX_VIOLATION", "2022-06-01")            -- not a disqualifying kind for CJE-10
    f:event(12, 12, "BLACKLIST", "2022-03-01", "2022-04-01")  -- removed, but started in the period
    f:event(13, 13, "BLACKLIST", "2023-01-01")                -- still listed
    f:event(14, 14, "STUDENT_RIGHTS_INFRINGEMENT", "2023-07-01") -- after as_of
    f:designation(15, 15, "CJRH_CERTIFIED", "2022-01-01", { certified = "2022-01-01" })
    f:designation(16, 16, "CITY_DEMO", "2022-01-01")
    f:designation(171, 17, "CITY_DEMO", "2018-01-01", { to = "2020-12-31" })   -- an earlier, expired one
    f:designation(172, 17, "CITY_DEMO", "2022-01-01")
    f:event(17, 17, "FRAUD", "2021-06-01")                    -- between the two: outside the current period
    f:event(16, 16, "MAJOR_QUALITY_ACCIDENT", "2023-06-30")   -- on as_of: inside
    local db
    dir, db = f:build()
    E = evaluate(db, "2023-06-30")
  end)
  teardown(function() T.rmdir(dir) end)

  it("an active CITY_DEMO designation and a clean record: ELIGIBLE", function()
    outcome(E, "CJE-03", ENT(1), "PASS")
    outcome(E, "CJE-07", ENT(1), "PASS")
    outcome(E, "CJE-10", ENT(1), "PASS")
    decision(E, "PRIORITY_SUPPORT", ENT(1), "ELIGIBLE", {}, {})
  end)

  it("CJE-07 fails without a designation, and CJE-10 is then N/A", function()
    outcome(E, "CJE-07", ENT(2), "FAIL")
    outcome(E, "CJE-10", ENT(2), "N/A")
    decision(E, "PRIORITY_SUPPORT", ENT(2), "INELIGIBLE", { "CJE-07" }, {})
  end)

  it("CJE-07: the designation interval is inclusive (valid_to = as_of passes, the day before fails)", function()
    outcome(E, "CJE-07", ENT(3), "PASS")
    outcome(E, "CJE-07", ENT(4), "FAIL")
    outcome(E, "CJE-07", ENT(8), "FAIL")
  end)

  it("CJE-07: revoked on as_of is no longer active; revoked the next day still is", function()
    outcome(E, "CJE-07", ENT(5), "FAIL")
    outcome(E, "CJE-07", ENT(6), "PASS")
  end)

  it("CJE-07: reserve-pool and certified designations qualify by default", function()
    outcome(E, "CJE-07", ENT(7), "PASS")
    outcome(E, "CJE-07", ENT(15), "PASS")
    decision(E, "PRIORITY_SUPPORT", ENT(7), "ELIGIBLE", {}, {})
  end)

  it("CJE-10: a disqualifying event from valid_from on fails and the decision is INELIGIBLE", function()
    outcome(E, "CJE-10", ENT(9), "FAIL")
    decision(E, "PRIORITY_SUPPORT", ENT(9), "INELIGIBLE", { "CJE-10" }, {})
    outcome(E, "CJE-10", ENT(10), "PASS")
    outcome(E, "CJE-10", ENT(11), "PASS")
    outcome(E, "CJE-10", ENT(14), "PASS")
    outcome(E, "CJE-10", ENT(16), "FAIL")
  end)

  it("CJE-10 looks only at the period of the designation that passes CJE-07", function()
    outcome(E, "CJE-07", ENT(17), "PASS")
    outcome(E, "CJE-10", ENT(17), "PASS")
    decision(E, "PRIORITY_SUPPORT", ENT(17), "ELIGIBLE", {}, {})
  end)

  it("CJE-10 vs CJE-03: a removed blacklist still fails CJE-10; a current one fails both", function()
    outcome(E, "CJE-03", ENT(12), "PASS")
    outcome(E, "CJE-10", ENT(12), "FAIL")
    decision(E, "PRIORITY_SUPPORT", ENT(13), "INELIGIBLE", { "CJE-03", "CJE-10" }, {})
  end)
end)

---------------------------------------------------------------------------------------------
-- CJE-09 (subject: designation)
---------------------------------------------------------------------------------------------
describe("CJE-09 reserve >= 1 year before certification", function()
  local dir, E
  setup(function()
    local f = fixture():school()
    for id = 1, 4 do f:enterprise(id) end
    -- add_years(2020-02-29, 1) = 2021-02-28
    f:designation(11, 1, "CJRH_RESERVE", "2020-02-29")
    f:designation(12, 1, "CJRH_CERTIFIED", "2021-02-28", { certified = "2021-02-28" })
    f:designation(21, 2, "CJRH_RESERVE", "2020-02-29")
    f:designation(22, 2, "CJRH_CERTIFIED", "2021-02-27", { certified = "2021-02-27" })
    f:designation(31, 3, "CJRH_RESERVE", "2021-03-01")
    f:designation(32, 3, "CJRH_CERTIFIED", "2022-03-01", { certified = "2022-03-01" })
    f:designation(41, 4, "CJRH_RESERVE", "2021-03-01")
    f:designation(42, 4, "CJRH_CERTIFIED", "2022-02-28", { certified = "2022-02-28" })
    local db
    dir, db = f:build()
    E = evaluate(db, "2023-06-30")
  end)
  teardown(function() T.rmdir(dir) end)

  it("reserve from 2020-02-29: certification on 2021-02-28 passes, on 2021-02-27 fails", function()
    outcome(E, "CJE-09", "designation:12", "PASS")
    outcome(E, "CJE-09", "designation:22", "FAIL")
  end)

  it("reserve from 2021-03-01: certification on 2022-03-01 passes, on 2022-02-28 fails", function()
    outcome(E, "CJE-09", "designation:32", "PASS")
    outcome(E, "CJE-09", "designation:42", "FAIL")
  end)
end)

---------------------------------------------------------------------------------------------
-- TAX-01 / TAX-02
---------------------------------------------------------------------------------------------
describe("surcharge credit (TAX-01, TAX-02)", function()
  local dir, Y18, Y20, Y21
  setup(function()
    local f = fixture():school()
    for id = 1, 14 do f:enterprise(id) end
    local function inv(id, ent, date, amount, cat, withdrawn)
      f:add("voc_investment", { id = id, enterprise_id = ent, invest_date = date, amount = amount + 0.0,
        category = cat or "RUN_SCHOOL", withdrawn_date = withdrawn or NULL })
    end
    local function due(ent, year, edu, loc, opening)
      f:add("surcharge_year", { enterprise_id = ent, year = year, edu_due = edu, local_edu_due = loc,
        opening_credit_carry = opening or NULL })
    end
    -- 1: credit 30000, used 20000 in 2020, the 10000 left is used in 2021
    f:designation(1, 1, "CJRH_RESERVE", "2019-01-01")
    inv(1, 1, "2020-03-01", 100000)
    due(1, 2020, 12000.0, 8000.0); due(1, 2021, 6000.0, 4000.0)
    -- 2: exclusions (before designation, OTHER, withdrawn within the year)
    f:designation(2, 2, "CJRH_RESERVE", "2020-06-01")
    inv(21, 2, "2020-05-31", 10000)                                    -- before the designation: no
    inv(22, 2, "2020-06-01", 20000, "TRAINING_BASE_BUILD")             -- yes
    inv(23, 2, "2020-07-01", 30000, "OTHER")                           -- no
    inv(24, 2, "2020-08-01", 40000, "TRAINING_BASE_OPS", "2020-12-31") -- withdrawn in the year: no
    inv(25, 2, "2020-09-01", 50000, "TRAINING_BASE_OPS", "2021-01-01") -- withdrawn next year: yes for 2020
    due(2, 2020, 30000.0, 20000.0); due(2, 2021, 0.0, 0.0)
    -- 3: rounding once on the yearly total: 0.30 x 200000.10 = 60000.03 (per item it would be 60000.04)
    f:designation(3, 3, "CJRH_CERTIFIED", "2019-01-01")
    inv(31, 3, "2020-02-01", 100000.05); inv(32, 3, "2020-03-01", 100000.05)
    due(3, 2020, 0.0, 0.0)
    -- 4: opening carry on the earliest row only
    due(4, 2020, 1800.0, 1200.0, 5000.0); due(4, 2021, 3000.0, 2000.0, 99999.0)
    -- 5: an eligible investment but a missing surcharge amount
    f:designation(5, 5, "CJRH_RESERVE", "2019-01-01")
    inv(51, 5, "2020-03-01", 10000)
    due(5, 2020, NULL, 100.0)
    -- 6: a CITY_DEMO designation does not give the credit
    f:designation(6, 6, "CITY_DEMO", "2019-01-01")
    inv(61, 6, "2020-04-01", 50000)
    due(6, 2020, 100.0, 0.0)
    -- 7/8: designation active on the investment day (inclusive end)
    f:designation(7, 7, "CJRH_RESERVE", "2019-01-01", { to = "2020-03-31" })
    inv(71, 7, "2020-04-01", 50000)
    due(7, 2020, 0.0, 0.0)
    f:designation(8, 8, "CJRH_RESERVE", "2019-01-01", { to = "2020-04-01" })
    inv(81, 8, "2020-04-01", 50000)
    due(8, 2020, 0.0, 0.0)
    -- 10: withdrawn 2021 with enough carry; 11: with too little carry
    f:designation(10, 10, "CJRH_RESERVE", "2019-01-01")
    inv(101, 10, "2020-03-01", 100000, "RUN_SCHOOL", "2021-05-01")
    due(10, 2020, 0.0, 0.0); due(10, 2021, 0.0, 0.0)
    f:designation(11, 11, "CJRH_RESERVE", "2019-01-01")
    inv(111, 11, "2020-03-01", 100000, "RUN_SCHOOL", "2021-05-01")
    due(11, 2020, 12000.0, 8000.0); due(11, 2021, 0.0, 0.0)
    -- 12: designation revoked on 2020-03-01: not active that day, active the day before
    f:designation(12, 12, "CJRH_RESERVE", "2019-01-01", { revoked = "2020-03-01", reason = "OTHER" })
    inv(121, 12, "2020-03-01", 10000); inv(122, 12, "2020-02-29", 20000)
    due(12, 2020, 0.0, 0.0)
    -- 13: attributable rounded half-up: 0.30 x 100000.05 = 30000.015 -> 30000.02
    f:designation(13, 13, "CJRH_RESERVE", "2019-01-01")
    inv(131, 13, "2020-03-01", 100000.05, "RUN_SCHOOL", "2021-03-01")
    due(13, 2020, 0.0, 0.0); due(13, 2021, 0.0, 0.0)
    -- 14: tax year 2018: investments before 2019-01-01 never count
    f:designation(14, 14, "CJRH_RESERVE", "2018-01-01")
    inv(141, 14, "2018-06-01", 10000)
    due(14, 2018, 100.0, 100.0)
    local db
    dir, db = f:build()
    Y18 = evaluate(db, "2018-12-31", 2018)
    Y20 = evaluate(db, "2020-12-31", 2020)
    Y21 = evaluate(db, "2021-12-31", 2021)
  end)
  teardown(function() T.rmdir(dir) end)

  local function tax(r, credit, avail, used, carry, payable)
    money(r, "credit", credit); money(r, "available", avail); money(r, "used", used)
    money(r, "carry_out", carry); money(r, "payable", payable)
  end

  it("TAX-01: 30% credit, used against the dues, the rest carried", function()
    local r = outcome(Y20, "TAX-01", ENT(1), "PASS")
    assert.are.equal(2020, r.year)
    tax(r, "30000.00", "30000.00", "20000.00", "10000.00", "0.00")
  end)

  it("TAX-01: the carried credit is used in the next year", function()
    tax(outcome(Y21, "TAX-01", ENT(1), "PASS"), "0.00", "10000.00", "10000.00", "0.00", "0.00")
  end)

  it("TAX-01: excludes investments before the designation, OTHER, and those withdrawn within the year", function()
    tax(outcome(Y20, "TAX-01", ENT(2), "PASS"), "21000.00", "21000.00", "21000.00", "0.00", "29000.00")
  end)

  it("TAX-01: rounds half-up once, on the yearly total", function()
    tax(outcome(Y20, "TAX-01", ENT(3), "PASS"), "60000.03", "60000.03", "0.00", "60000.03", "0.00")
  end)

  it("TAX-01: opening_credit_carry applies to the earliest row only", function()
    tax(outcome(Y20, "TAX-01", ENT(4), "PASS"), "0.00", "5000.00", "3000.00", "2000.00", "0.00")
    tax(outcome(Y21, "TAX-01", ENT(4), "PASS"), "0.00", "2000.00", "2000.00", "0.00", "3000.00")
  end)

  it("TAX-01: a missing surcharge amount (with a credit to use) is UNKNOWN", function()
    outcome(Y20, "TAX-01", ENT(5), "UNKNOWN")
  end)

  it("TAX-01: only CJRH_RESERVE / CJRH_CERTIFIED designations active on the investment day count", function()
    tax(outcome(Y20, "TAX-01", ENT(6), "PASS"), "0.00", "0.00", "0.00", "0.00", "100.00")
    money(outcome(Y20, "TAX-01", ENT(7), "PASS"), "credit", "0.00")
    money(outcome(Y20, "TAX-01", ENT(8), "PASS"), "credit", "15000.00")
  end)

  it("TAX-01: designation revoked on the investment day does not cover it; the day before it does", function()
    money(outcome(Y20, "TAX-01", ENT(12), "PASS"), "credit", "6000.00")
  end)

  it("TAX-01: investments before 2019-01-01 never count (tax year 2018)", function()
    money(outcome(Y18, "TAX-01", ENT(14), "PASS"), "credit", "0.00")
    money(outcome(Y18, "TAX-01", ENT(14), "PASS"), "payable", "200.00")
  end)

  it("TAX-02: the attributable credit is rounded half-up to 0.01", function()
    money(outcome(Y20, "TAX-01", ENT(13), "PASS"), "credit", "30000.02")
    local r = outcome(Y21, "TAX-02", ENT(13), "PASS")
    money(r, "attributable", "30000.02"); money(r, "from_carry", "30000.02"); money(r, "repay", "0.00")
  end)

  it("TAX-02: a withdrawal is first taken from the carry balance (no repayment: PASS)", function()
    local r = outcome(Y21, "TAX-02", ENT(10), "PASS")
    money(r, "attributable", "30000.00"); money(r, "from_carry", "30000.00"); money(r, "repay", "0.00")
  end)

  it("TAX-02: the remainder beyond the carry is repaid (FAIL)", function()
    local r = outcome(Y21, "TAX-02", ENT(11), "FAIL")
    money(r, "attributable", "30000.00"); money(r, "from_carry", "10000.00"); money(r, "repay", "20000.00")
    r = outcome(Y21, "TAX-02", ENT(2), "FAIL")
    money(r, "attributable", "15000.00"); money(r, "from_carry", "0.00"); money(r, "repay", "15000.00")
  end)

  it("TAX-02: no withdrawal in the year is N/A", function()
    outcome(Y21, "TAX-02", ENT(1), "N/A")
    outcome(Y20, "TAX-02", ENT(10), "N/A")
  end)
end)

---------------------------------------------------------------------------------------------
-- FUND-01..03, TRAINING_FUND
---------------------------------------------------------------------------------------------
describe("employee-education fund deduction (FUND-01)", function()
  local dir, Y17, Y18
  setup(function()
    local f = fixture():school()
    for id = 1, 5 do f:enterprise(id) end
    local function fund(ent, year, wage, expense, opening)
      f:add("edu_fund_year", { enterprise_id = ent, year = year, wage_total = wage, expense = expense,
        opening_carry = opening or NULL, extracted = NULL, spent_total = NULL, spent_frontline = NULL })
    end
    fund(1, 2017, 1000000.0, 30000.0)
    fund(1, 2018, 1000000.0, 70000.0)
    fund(2, 2018, 500000.0, 35000.0, 10000.0)
    fund(3, 2018, NULL, 100.0)
    fund(4, 2018, 1000000.0, 80000.0)
    fund(5, 2017, 1000000.20, 0.0)                  -- 2.5% = 25000.005 -> 25000.01
    local db
    dir, db = f:build()
    Y17 = evaluate(db, "2017-12-31", 2017)
    Y18 = evaluate(db, "2018-12-31", 2018)
  end)
  teardown(function() T.rmdir(dir) end)

  local function f01(r, cap, ded, carry)
    money(r, "cap", cap); money(r, "deductible", ded); money(r, "carry_out", carry)
  end

  it("tax year 2017: cap 2.5% of wages, the excess carried", function()
    f01(outcome(Y17, "FUND-01", ENT(1), "PASS"), "25000.00", "25000.00", "5000.00")
  end)

  it("tax year 2018: cap 8%, the previous year's carry comes in", function()
    f01(outcome(Y18, "FUND-01", ENT(1), "PASS"), "80000.00", "75000.00", "0.00")
  end)

  it("opening_carry on the earliest row; expense + carry above the cap carries the rest", function()
    f01(outcome(Y18, "FUND-01", ENT(2), "PASS"), "40000.00", "40000.00", "5000.00")
    f01(outcome(Y18, "FUND-01", ENT(4), "PASS"), "80000.00", "80000.00", "0.00")
  end)

  it("the cap is rounded half-up to 0.01", function()
    f01(outcome(Y17, "FUND-01", ENT(5), "PASS"), "25000.01", "0.00", "0.00")
  end)

  it("a missing wage total is UNKNOWN", function()
    outcome(Y18, "FUND-01", ENT(3), "UNKNOWN")
  end)
end)

describe("TRAINING_FUND (FUND-02) and the FUND-03 warning, 2023", function()
  local dir, E
  setup(function()
    local f = fixture():school()
    for id = 1, 7 do f:enterprise(id) end
    local function fund(ent, total, front, wage, extracted)
      f:add("edu_fund_year", { enterprise_id = ent, year = 2023, wage_total = wage or 1000000.0,
        extracted = extracted or 20000.0, expense = 10000.0, spent_total = total, spent_frontline = front })
    end
    fund(1, 100000.0, 60000.0, 1000000.0, 15000.0)   -- exactly 60%; extracted exactly 1.5%
    fund(2, 1000000.0, 599999.0)                     -- 59.9999%
    fund(3, 0.0, 0.0)                                -- no spend: N/A
    fund(4, 1000.0, NULL)                            -- unknown
    fund(5, 300.0, 200.0, 1000000.0, 14999.99)       -- 66.6666% (truncated); extracted < 1.5%
    fund(6, 333.35, 200.01)                          -- exactly 60% (a float product would say 60.00000000001%)
    local db
    dir, db = f:build()
    E = evaluate(db, "2023-12-31", 2023)
  end)
  teardown(function() T.rmdir(dir) end)

  it("exactly 60% passes with percent 60.0000 and is COMPLIANT", function()
    local r = outcome(E, "FUND-02", ENT(1), "PASS")
    money(r, "total", "100000.00"); money(r, "frontline", "60000.00"); percent(r, "60.0000")
    decision(E, "TRAINING_FUND", ENT(1), "COMPLIANT", {}, {})
  end)

  it("59.9999% fails (truncated, never rounded up to 60) and is NON_COMPLIANT", function()
    local r = outcome(E, "FUND-02", ENT(2), "FAIL")
    percent(r, "59.9999"); money(r, "total", "1000000.00"); money(r, "frontline", "599999.00")
    decision(E, "TRAINING_FUND", ENT(2), "NON_COMPLIANT", { "FUND-02" }, {})
  end)

  it("total 0 is N/A (and the decision is COMPLIANT); a NULL value is UNKNOWN (NEEDS_DATA)", function()
    outcome(E, "FUND-02", ENT(3), "N/A")
    decision(E, "TRAINING_FUND", ENT(3), "COMPLIANT", {}, {})
    outcome(E, "FUND-02", ENT(4), "UNKNOWN")
    decision(E, "TRAINING_FUND", ENT(4), "NEEDS_DATA", {}, { "FUND-02" })
  end)

  it("no edu_fund_year row at all is UNKNOWN (missing measurement)", function()
    outcome(E, "FUND-02", ENT(7), "UNKNOWN")
  end)

  it("percentages are truncated to 4 decimals (2/3 -> 66.6666) and the comparison is exact", function()
    percent(outcome(E, "FUND-02", ENT(5), "PASS"), "66.6666")
    percent(outcome(E, "FUND-02", ENT(6), "PASS"), "60.0000")
  end)

  it("FUND-03 warns below 1.5% extraction but is in no policy", function()
    outcome(E, "FUND-03", ENT(1), "PASS")
    outcome(E, "FUND-03", ENT(5), "FAIL")
    decision(E, "TRAINING_FUND", ENT(5), "COMPLIANT", {}, {})
  end)
end)

---------------------------------------------------------------------------------------------
-- INT-01 indicator (2% interns, yearly)
---------------------------------------------------------------------------------------------
describe("INT-01 intern share indicator, 2023", function()
  local dir, E
  setup(function()
    local f = fixture():school()
    for id = 1, 7 do f:enterprise(id); f:post(id, id) end
    f:raw("UPDATE enterprise SET is_above_scale = 0 WHERE id = 5; UPDATE enterprise SET is_above_scale = NULL WHERE id = 6;")
    -- 1: N is the latest snapshot <= Dec-31 (70); k = 1 distinct matched POST intern overlapping 2023
    f:headcount(1, "2023-01-01", 100); f:headcount(1, "2023-12-31", 70); f:headcount(1, "2024-01-01", 1000)
    f:student(1)
    f:internship(1, { ent = 1, post = 1, student = 1, start = "2023-03-01", ["end"] = "2023-05-31" })
    f:internship(2, { ent = 1, post = 1, student = 1, start = "2023-07-01", ["end"] = "2023-08-31" })
    f:internship(3, { ent = 1, type = "COGNITIVE", start = "2023-03-01", ["end"] = "2023-03-31" })
    f:internship(4, { ent = 1, post = 1, matched = 0, start = "2023-03-01", ["end"] = "2023-05-31" })
    f:internship(5, { ent = 1, post = 1, start = "2022-06-01", ["end"] = "2022-12-31" })
    -- 2: N = 70, k = 2 (internships touching the year at either end)
    f:headcount(2, "2023-06-30", 70)
    f:internship(6, { ent = 2, post = 2, start = "2022-12-01", ["end"] = "2023-01-01" })
    f:internship(7, { ent = 2, post = 2, start = "2023-12-31", ["end"] = "2024-03-31" })
    -- 3: N = 50, k = 1 (exactly 2%); 4: N = 51, k = 1
    f:headcount(3, "2023-06-30", 50)
    f:internship(8, { ent = 3, post = 3, indep = 0, start = "2023-03-01", ["end"] = "2023-05-31" })
    f:headcount(4, "2023-06-30", 51)
    f:internship(9, { ent = 4, post = 4, start = "2023-03-01", ["end"] = "2023-05-31" })
    -- 5: not above scale; 6: unknown; 7: N = 0
    f:headcount(5, "2023-06-30", 50); f:headcount(6, "2023-06-30", 50); f:headcount(7, "2023-06-30", 0)
    local db
    dir, db = f:build()
    E = evaluate(db, "2023-12-31", 2023)
  end)
  teardown(function() T.rmdir(dir) end)

  local function int01(r, k, n, req, p)
    num(r, "k", k); num(r, "N", n); num(r, "required", req); percent(r, p)
  end

  it("70 x 2% = 1.4 needs 2 interns: one distinct student is NOT_MET", function()
    local r = outcome(E, "INT-01", ENT(1), "NOT_MET")
    assert.are.equal("indicator", r.type)
    int01(r, 1, 70, 2, "1.4285")
  end)

  it("internships overlapping the year on its first or last day count: 2 of 70 is MET", function()
    int01(outcome(E, "INT-01", ENT(2), "MET"), 2, 70, 2, "2.8571")
  end)

  it("exactly 2% is MET (a non-independent POST intern counts); 1 of 51 is NOT_MET (need 2)", function()
    int01(outcome(E, "INT-01", ENT(3), "MET"), 1, 50, 1, "2.0000")
    int01(outcome(E, "INT-01", ENT(4), "NOT_MET"), 1, 51, 2, "1.9607")
  end)

  it("not above scale or N = 0 is N/A; is_above_scale NULL is UNKNOWN", function()
    outcome(E, "INT-01", ENT(5), "N/A")
    outcome(E, "INT-01", ENT(6), "UNKNOWN")
    outcome(E, "INT-01", ENT(7), "N/A")
  end)
end)

---------------------------------------------------------------------------------------------
-- INT-02 / INT-03 caps
---------------------------------------------------------------------------------------------
describe("INT-02 / INT-03 intern caps at 2023-06-30 (R2021)", function()
  local dir, E
  setup(function()
    local f = fixture():school()
    local nid = 0
    local function interns(ent, post, n, o)
      for _ = 1, n do
        nid = nid + 1
        f:internship(nid, merge({ ent = ent, post = post, start = "2023-06-01", ["end"] = "2023-07-31",
          indep = nid % 2 }, o))
      end
    end
    for id = 1, 8 do f:enterprise(id); f:post(id, id) end
    -- 1: N = 49, 4 active POST interns (plus ones that do not count)
    f:headcount(1, "2023-01-01", 49); f:headcount(1, "2023-07-01", 1000)
    interns(1, 1, 4)
    interns(1, nil, 1, { type = "COGNITIVE", post = NULL, indep = 0 })
    interns(1, 1, 1, { start = "2023-05-01", ["end"] = "2023-06-29" })
    interns(1, 1, 1, { start = "2023-07-01", ["end"] = "2023-08-31" })
    -- 2: N = 49, 5 (one starting on as_of, one ending on as_of)
    f:headcount(2, "2023-01-01", 49)
    interns(2, 2, 3)
    interns(2, 2, 1, { start = "2023-06-30" })
    interns(2, 2, 1, { start = "2023-05-01", ["end"] = "2023-06-30" })
    -- 3 / 4: N = 50 with 5 and 6
    f:headcount(3, "2023-01-01", 50); interns(3, 3, 5)
    f:headcount(4, "2023-01-01", 50); interns(4, 4, 6)
    -- 5 / 6: N = 0 with 0 and 1
    f:headcount(5, "2023-01-01", 0)
    f:headcount(6, "2023-01-01", 0); interns(6, 6, 1)
    -- 7: no headcount
    interns(7, 7, 1)
    -- 8: N = 49; one student with two concurrent POST internships + 3 others = 4 distinct
    f:headcount(8, "2023-01-01", 49)
    f:student(500)
    interns(8, 8, 2, { student = 500 })
    interns(8, 8, 3)
    -- 9: posts for INT-03
    f:enterprise(9); f:headcount(9, "2023-01-01", 100000)
    f:post(101, 9, { staff = 10 }); interns(9, 101, 2)
    f:post(102, 9, { staff = 10 }); interns(9, 102, 3)
    f:post(103, 9, { staff = 0 }); interns(9, 103, 1)
    f:post(104, 9, { staff = false }); interns(9, 104, 1)
    f:post(105, 9, { staff = 10 })
    f:add("post_headcount", { post_id = 105, snapshot_date = "2023-06-30", staff = 5 })
    f:add("post_headcount", { post_id = 105, snapshot_date = "2023-07-01", staff = 100 })
    interns(9, 105, 2)
    -- 10: the latest headcount / post snapshots hold NULL: no falling back to older ones
    f:enterprise(10); f:headcount(10, "2023-01-01", 100); f:headcount(10, "2023-03-01", NULL)
    f:post(110, 10, { staff = 10 })
    f:add("post_headcount", { post_id = 110, snapshot_date = "2023-03-01", staff = NULL })
    interns(10, 110, 1)
    local db
    dir, db = f:build()
    E = evaluate(db, "2023-06-30")
  end)
  teardown(function() T.rmdir(dir) end)

  local function int02(r, k, n, max, p)
    num(r, "k", k); num(r, "N", n); num(r, "max", max); percent(r, p)
  end

  it("49 allows 4 (4.9 is not rounded up): 4 active POST interns pass", function()
    int02(outcome(E, "INT-02", ENT(1), "PASS"), 4, 49, 4, "8.1632")
  end)

  it("49 with a fifth intern (active from/through as_of inclusive) fails", function()
    int02(outcome(E, "INT-02", ENT(2), "FAIL"), 5, 49, 4, "10.2040")
  end)

  it("exactly 10% passes; one more fails", function()
    int02(outcome(E, "INT-02", ENT(3), "PASS"), 5, 50, 5, "10.0000")
    int02(outcome(E, "INT-02", ENT(4), "FAIL"), 6, 50, 5, "12.0000")
  end)

  it("N = 0 passes only with no interns", function()
    outcome(E, "INT-02", ENT(5), "PASS")
    outcome(E, "INT-02", ENT(6), "FAIL")
  end)

  it("no headcount snapshot is UNKNOWN", function()
    outcome(E, "INT-02", ENT(7), "UNKNOWN")
  end)

  it("counts distinct students", function()
    int02(outcome(E, "INT-02", ENT(8), "PASS"), 4, 49, 4, "8.1632")
  end)

  it("INT-03: 20% of post staff passes exactly, one more fails", function()
    local r = outcome(E, "INT-03", "post:101", "PASS")
    num(r, "k", 2); num(r, "staff", 10); num(r, "max", 2); percent(r, "20.0000")
    r = outcome(E, "INT-03", "post:102", "FAIL")
    num(r, "k", 3); num(r, "staff", 10); num(r, "max", 2); percent(r, "30.0000")
  end)

  it("INT-03: staff 0 with an intern fails; no post snapshot is UNKNOWN", function()
    outcome(E, "INT-03", "post:103", "FAIL")
    outcome(E, "INT-03", "post:104", "UNKNOWN")
  end)

  it("a NULL count in the latest snapshot is UNKNOWN (INT-02 and INT-03)", function()
    outcome(E, "INT-02", ENT(10), "UNKNOWN")
    outcome(E, "INT-03", "post:110", "UNKNOWN")
  end)

  it("INT-03: uses the latest post snapshot on or before as_of", function()
    local r = outcome(E, "INT-03", "post:105", "FAIL")
    num(r, "k", 2); num(r, "staff", 5); num(r, "max", 1); percent(r, "40.0000")
  end)
end)

describe("INT-02 / INT-03 regime switch on 2021-12-31 (cap rules use as_of)", function()
  local dir, E16, E21
  setup(function()
    local f = fixture():school()
    f:enterprise(1); f:headcount(1, "2021-01-01", 10)
    f:post(1, 1, { staff = 5 })
    f:internship(1, { start = "2021-12-01", ["end"] = "2022-01-31", indep = 1 })
    f:internship(2, { start = "2021-12-01", ["end"] = "2022-01-31", indep = 0 })
    f:internship(3, { start = "2021-12-01", ["end"] = "2022-01-31", indep = 0 })
    local db
    dir, db = f:build()
    E16 = evaluate(db, "2021-12-30")
    E21 = evaluate(db, "2021-12-31")
  end)
  teardown(function() T.rmdir(dir) end)

  it("R2016 (as_of 2021-12-30) counts only 顶岗 (independent) interns", function()
    local r = outcome(E16, "INT-02", ENT(1), "PASS")
    num(r, "k", 1); num(r, "N", 10); num(r, "max", 1); percent(r, "10.0000")
    r = outcome(E16, "INT-03", "post:1", "PASS")
    num(r, "k", 1); num(r, "staff", 5); num(r, "max", 1); percent(r, "20.0000")
  end)

  it("R2021 (as_of 2021-12-31) counts every POST intern", function()
    local r = outcome(E21, "INT-02", ENT(1), "FAIL")
    num(r, "k", 3); num(r, "N", 10); num(r, "max", 1); percent(r, "30.0000")
    r = outcome(E21, "INT-03", "post:1", "FAIL")
    num(r, "k", 3); percent(r, "60.0000")
  end)
end)

---------------------------------------------------------------------------------------------
-- INT-04..INT-13 per internship
---------------------------------------------------------------------------------------------
describe("internship rules INT-04..INT-13 (as_of 2023-07-31)", function()
  local dir, E
  setup(function()
    local f = fixture():school()
    -- enterprise 1: posts 1 (normal), 3 (high risk), 4 (intensity III)
    f:enterprise(1); f:headcount(1, "2015-01-01", 100000); f:ewage(1, 3000.0, 2000.0)
    f:post(1, 1); f:post(3, 1, { high_risk = 1 }); f:post(4, 1, { intensity = 3 }); f:post(6, 1, { intensity = 4 })
    -- enterprise 2: lowest grade 4500 > 80% x 5000
    f:enterprise(2); f:headcount(2, "2015-01-01", 100000); f:ewage(2, 4500.0, 2000.0); f:post(2, 2)
    -- enterprise 3: a KTV
    f:enterprise(3, { venue_category = "KTV" }); f:headcount(3, "2015-01-01", 100000); f:ewage(3, 3000.0, 2000.0)
    f:post(5, 3)
    f:raw("INSERT INTO holiday(date, is_statutory, name) VALUES ('2023-05-01', 1, '劳动节'), ('2023-04-05', 0, '清明(listed)');")

    f:internship(1, {})                                                             -- the compliant one
    -- INT-04
    f:internship(2, { agreements = { { 1, 1, 1, "2023-03-01" } } })
    f:internship(3, { agreements = { { 1, 1, 1, "2023-03-02" } } })
    f:internship(4, { agreements = { { 1, 1, 0, "2023-02-01" } } })
    f:internship(5, { agreements = false })
    f:internship(6, { agreements = { { 1, 0, 1, "2023-02-01" }, { 1, 1, 1, "2023-02-15" } } })
    f:internship(7, { type = "COGNITIVE", agreements = false, birth = "2007-03-02", grade = 1, pay = {} })
    -- INT-05 / INT-06 (start 2023-03-01)
    f:internship(10, { birth = "2005-03-01" })                                        -- 18 on start
    f:internship(11, { birth = "2005-03-02" })                                        -- 17, no consent
    f:internship(12, { birth = "2005-03-02", consents = { "2023-03-01" } })
    f:internship(13, { birth = "2005-03-02", consents = { "2023-03-02" } })
    f:internship(14, { birth = "2004-02-29", start = "2022-02-28", ["end"] = "2022-05-31" }) -- 18 on 2022-02-28
    f:internship(15, { birth = "2004-02-29", start = "2022-02-27", ["end"] = "2022-05-31" }) -- still 17
    f:internship(16, { birth = "2007-03-01", consents = { "2023-02-01" } })            -- 16 on start
    f:internship(17, { birth = "2007-03-02", consents = { "2023-02-01" } })            -- 15
    f:internship(18, { birth = NULL })
    f:internship(19, { birth = "2005-03-02", start = "2021-03-01", ["end"] = "2021-04-30", consents = { "2021-02-01" } }) -- R2016, 15
    f:internship(8, { indep = 0, start = "2021-03-01", ["end"] = "2021-04-30", agreements = false })  -- R2016 跟岗
    -- INT-07
    f:internship(20, { indep = 0, grade = 1 })
    f:internship(22, { grade = NULL })
    f:internship(23, { indep = 0, grade = 1, start = "2021-12-30", ["end"] = "2022-01-31" }) -- R2016 跟岗
    f:internship(24, { indep = 0, grade = 1, start = "2021-12-31", ["end"] = "2022-01-31" }) -- R2021
    f:internship(25, { indep = 1, grade = 1, start = "2021-12-30", ["end"] = "2022-01-31" }) -- R2016 顶岗
    -- INT-08 (R2021, enterprise 1: 80% x 5000 = 4000 or lowest 3000)
    f:internship(30, { amount = 3000.0 })
    f:internship(31, { pay = { ["2023-04"] = 2999.99 } })
    -- enterprise 2: only the 80% path (4000) can pass
    f:internship(32, { ent = 2, post = 2, amount = 4000.0 })
    f:internship(33, { ent = 2, post = 2, pay = { ["2023-04"] = 3999.99 } })
    -- proration: 2023-06-16..30 is 15/30 of June: floor 2000
    f:internship(34, { ent = 2, post = 2, start = "2023-06-16", ["end"] = "2023-07-31", pay = { ["2023-06"] = 2000.0 } })
    f:internship(35, { ent = 2, post = 2, start = "2023-06-16", ["end"] = "2023-07-31", pay = { ["2023-06"] = 1999.99 } })
    -- R2016 顶岗: 80% x probation 3000.05 = 2400.04
    f:internship(36, { start = "2021-03-01", ["end"] = "2021-04-30", amount = 2400.04 })
    f:internship(37, { start = "2021-03-01", ["end"] = "2021-04-30", pay = { ["2021-04"] = 2400.03 } })
    f:internship(38, { indep = 0, start = "2021-03-01", ["end"] = "2021-04-30", amount = 0.0 }) -- R2016 跟岗
    -- R2021 non-independent: pay > 0
    f:internship(39, { indep = 0, amount = 0.01 })
    f:internship(40, { indep = 0, pay = { ["2023-04"] = 0.0 } })
    -- the pay month's first day decides the regime
    f:internship(41, { start = "2021-12-01", ["end"] = "2022-01-31", pay = { ["2021-12"] = 2400.04, ["2022-01"] = 4000.0 } })
    f:internship(42, { start = "2021-12-01", ["end"] = "2022-01-31", pay = { ["2021-12"] = 2400.04, ["2022-01"] = 2400.04 } })
    -- exact floor: 0.8 x 3000.05 x 16/31 = 1238.7303.. (R2016, March 16..31)
    f:internship(43, { start = "2021-03-16", ["end"] = "2021-04-30", pay = { ["2021-03"] = 1238.73 } })
    f:internship(44, { start = "2021-03-16", ["end"] = "2021-04-30", pay = { ["2021-03"] = 1238.74 } })
    -- INT-09 by pay month: Dec-2021 is R2016, Jan-2022 is R2021
    f:internship(45, { start = "2021-12-01", ["end"] = "2022-01-31", pay = { ["2022-01"] = false } })
    f:internship(46, { start = "2021-12-01", ["end"] = "2022-01-31", pay = { ["2021-12"] = false } })
    -- INT-09
    f:internship(50, { pay = { ["2023-04"] = false } })
    f:internship(51, { pay = { ["2023-04"] = { 4000.0, "GOODS", 1 } } })
    f:internship(52, { pay = { ["2023-04"] = { 4000.0, "MONEY", 0 } } })
    -- INT-10 (2023-03-05 is a Sunday; 2022-12-26 a Monday)
    f:internship(60, { ts = { { "2023-03-01", 8.5 } } })
    f:internship(61, { ts = { { "2023-03-01", 8, 1 } } })
    f:internship(62, { ts = { { "2023-03-06", 8 }, { "2023-03-07", 8 }, { "2023-03-08", 8 }, { "2023-03-09", 8 },
      { "2023-03-10", 8 }, { "2023-03-11", 1 } } })
    f:internship(63, { ts = { { "2023-03-05", 8 }, { "2023-03-06", 8 }, { "2023-03-07", 8 }, { "2023-03-08", 8 },
      { "2023-03-09", 8 }, { "2023-03-10", 8 } } })
    f:internship(64, { start = "2022-12-01", ["end"] = "2023-01-31", ts = { { "2022-12-26", 6 }, { "2022-12-27", 6 },
      { "2022-12-28", 6 }, { "2022-12-29", 6 }, { "2022-12-30", 6 }, { "2022-12-31", 6 }, { "2023-01-01", 6 } } })
    f:internship(65, { ts = { { "2023-05-01", 4 } } })
    f:internship(66, { ts = { { "2023-04-05", 8 } } })
    f:internship(67, { ts = { { "2023-05-01", 0 }, { "2023-05-02", 8 } } })
    f:internship(68, { ts = { { "2023-03-06", 8 }, { "2023-03-07", 8 }, { "2023-03-08", 8 }, { "2023-03-09", 8 },
      { "2023-03-10", 8 } } })
    -- INT-11
    f:internship(70, { insurance = { { "2023-03-01", "2023-04-15" }, { "2023-04-16", "2023-05-31" } } })
    f:internship(71, { insurance = { { "2023-03-01", "2023-04-15" }, { "2023-04-17", "2023-05-31" } } })
    f:internship(72, { insurance = { { "2023-03-02", "2023-05-31" } } })
    f:internship(73, { insurance = false })
    f:internship(74, { insurance = { { "2023-03-01", "2023-04-30" }, { "2023-04-01", "2023-05-31" } } })
    f:internship(75, { insurance = { { "2023-03-01", "2023-05-30" } } })
    -- INT-12
    f:internship(80, { via = 1 })
    f:internship(81, { post = 3 })
    f:internship(82, { post = 4 })
    f:internship(83, { ent = 3, post = 5 })
    f:internship(84, { post = 6 })
    -- INT-13
    f:internship(90, { fees = 0.01 })
    local db
    dir, db = f:build()
    E = evaluate(db, "2023-07-31")
  end)
  teardown(function() T.rmdir(dir) end)

  local I = function(i) return "internship:" .. i end

  it("a complete R2021 POST internship passes INT-04..INT-13 (INT-05 N/A for an adult)", function()
    for _, id in ipairs({ "INT-04", "INT-06", "INT-07", "INT-08", "INT-09", "INT-10", "INT-11", "INT-12", "INT-13" }) do
      outcome(E, id, I(1), "PASS")
    end
    outcome(E, "INT-05", I(1), "N/A")
  end)

  it("INT-04: a complete agreement signed on the start day passes; a day late fails", function()
    outcome(E, "INT-04", I(2), "PASS")
    outcome(E, "INT-04", I(3), "FAIL")
  end)

  it("INT-04: a missing signature or a missing agreement fails (evidence)", function()
    outcome(E, "INT-04", I(4), "FAIL")
    outcome(E, "INT-04", I(5), "FAIL")
  end)

  it("INT-04: R2016 跟岗 also needs the three-party agreement", function()
    outcome(E, "INT-04", I(8), "FAIL")
  end)

  it("INT-04: one complete agreement among several incomplete ones is enough", function()
    outcome(E, "INT-04", I(6), "PASS")
  end)

  it("cognitive internships: INT-04/05/06/07 do not apply", function()
    outcome(E, "INT-04", I(7), "N/A")
    outcome(E, "INT-05", I(7), "N/A")
    outcome(E, "INT-06", I(7), "N/A")
    outcome(E, "INT-07", I(7), "N/A")
  end)

  it("INT-05: adult on the 18th birthday (N/A); the day before needs consent dated <= start", function()
    outcome(E, "INT-05", I(10), "N/A")
    outcome(E, "INT-05", I(11), "FAIL")
    outcome(E, "INT-05", I(12), "PASS")
    outcome(E, "INT-05", I(13), "FAIL")
  end)

  it("INT-05: born 2004-02-29 turns 18 on 2022-02-28", function()
    outcome(E, "INT-05", I(14), "N/A")
    outcome(E, "INT-05", I(15), "FAIL")
  end)

  it("INT-06: 16 on the birthday passes, 15 fails, unknown birth date is UNKNOWN", function()
    outcome(E, "INT-06", I(16), "PASS")
    outcome(E, "INT-05", I(16), "PASS")
    outcome(E, "INT-06", I(17), "FAIL")
    outcome(E, "INT-06", I(18), "UNKNOWN")
  end)

  it("INT-06: the minimum age 16 applies in R2016 too", function()
    outcome(E, "INT-06", I(19), "FAIL")
    outcome(E, "INT-05", I(19), "PASS")
  end)

  it("INT-07: first-year students in any R2021 POST internship fail; NULL grade is UNKNOWN", function()
    outcome(E, "INT-07", I(20), "FAIL")
    outcome(E, "INT-07", I(22), "UNKNOWN")
  end)

  it("INT-07: regime by start date: R2016 跟岗 on 2021-12-30 is not barred; from 2021-12-31 it is", function()
    not_outcome(E, "INT-07", I(23), "FAIL")
    not_outcome(E, "INT-07", I(23), "UNKNOWN")
    outcome(E, "INT-07", I(24), "FAIL")
    outcome(E, "INT-07", I(25), "FAIL")
  end)

  it("INT-08 R2021 independent: lowest-grade wage alone is enough (EITHER); below both fails", function()
    outcome(E, "INT-08", I(30), "PASS")
    outcome(E, "INT-08", I(31), "FAIL")
  end)

  it("INT-08 R2021 independent: exactly 80% of the post wage passes", function()
    outcome(E, "INT-08", I(32), "PASS")
    outcome(E, "INT-08", I(33), "FAIL")
  end)

  it("INT-08: a partial first month is prorated by days (15/30 of June)", function()
    outcome(E, "INT-08", I(34), "PASS")
    outcome(E, "INT-08", I(35), "FAIL")
  end)

  it("INT-08 R2016 顶岗: 80% of the probation wage exactly (2400.04 of 3000.05); 跟岗 is N/A", function()
    outcome(E, "INT-08", I(36), "PASS")
    outcome(E, "INT-08", I(37), "FAIL")
    outcome(E, "INT-08", I(38), "N/A")
  end)

  it("INT-08 R2021 non-independent: any pay > 0 passes, 0.00 fails", function()
    outcome(E, "INT-08", I(39), "PASS")
    outcome(E, "INT-08", I(40), "FAIL")
  end)

  it("INT-08: the first day of the pay month decides the regime (Dec-2021 R2016, Jan-2022 R2021)", function()
    outcome(E, "INT-08", I(41), "PASS")
    outcome(E, "INT-08", I(42), "FAIL")
  end)

  it("INT-08: prorated floors are compared exactly (1238.73 < 1238.7303.. fails, 1238.74 passes)", function()
    outcome(E, "INT-08", I(43), "FAIL")
    outcome(E, "INT-08", I(44), "PASS")
  end)

  it("INT-09: the pay month's regime decides (a missing Jan-2022 fails, a missing Dec-2021 does not)", function()
    outcome(E, "INT-09", I(45), "FAIL")
    not_outcome(E, "INT-09", I(46), "FAIL")
  end)

  it("INT-09: a missing month, goods, or an indirect payment fails; R2016 is N/A", function()
    outcome(E, "INT-09", I(50), "FAIL")
    outcome(E, "INT-09", I(51), "FAIL")
    outcome(E, "INT-09", I(52), "FAIL")
    outcome(E, "INT-09", I(36), "N/A")
  end)

  it("INT-10: more than 8 h a day or any night hour fails", function()
    outcome(E, "INT-10", I(60), "FAIL")
    outcome(E, "INT-10", I(61), "FAIL")
  end)

  it("INT-10: 40 h in an ISO week passes, 41 fails; Sunday belongs to the previous ISO week", function()
    outcome(E, "INT-10", I(68), "PASS")
    outcome(E, "INT-10", I(62), "FAIL")
    outcome(E, "INT-10", I(63), "PASS")
  end)

  it("INT-10: an ISO week spanning New Year is one week (42 h fails)", function()
    outcome(E, "INT-10", I(64), "FAIL")
  end)

  it("INT-10: hours on a statutory holiday fail; a listed non-statutory day or 0 h do not", function()
    outcome(E, "INT-10", I(65), "FAIL")
    outcome(E, "INT-10", I(66), "PASS")
    outcome(E, "INT-10", I(67), "PASS")
  end)

  it("INT-11: adjacent or overlapping policies cover; a one-day gap, late start, early end or none fail", function()
    outcome(E, "INT-11", I(70), "PASS")
    outcome(E, "INT-11", I(74), "PASS")
    outcome(E, "INT-11", I(71), "FAIL")
    outcome(E, "INT-11", I(72), "FAIL")
    outcome(E, "INT-11", I(73), "FAIL")
    outcome(E, "INT-11", I(75), "FAIL")
  end)

  it("INT-12: intermediary, high-risk post, intensity III, restricted venue each fail", function()
    outcome(E, "INT-12", I(80), "FAIL")
    outcome(E, "INT-12", I(81), "FAIL")
    outcome(E, "INT-12", I(82), "FAIL")
    outcome(E, "INT-12", I(83), "FAIL")
    outcome(E, "INT-12", I(84), "FAIL")
  end)

  it("INT-13: any fee charged fails", function()
    outcome(E, "INT-13", I(90), "FAIL")
  end)
end)

describe("INTERNSHIP_COMPLIANCE at 2023-05-31", function()
  local dir, E
  setup(function()
    local f = fixture():school()
    for id = 1, 4 do
      f:enterprise(id); f:ewage(id, 3000.0, 2000.0)
      f:headcount(id, "2023-01-01", id == 4 and 5 or 100)
      f:post(id, id, { staff = id ~= 3 and 10 or false })
    end
    f:internship(1, { ent = 1, post = 1 })
    f:internship(2, { ent = 2, post = 2, fees = 100.0 })
    f:internship(3, { ent = 2, post = 2, insurance = false })
    f:internship(4, { ent = 3, post = 3 })
    f:internship(5, { ent = 4, post = 4 })
    local db
    dir, db = f:build()
    E = evaluate(db, "2023-05-31")
  end)
  teardown(function() T.rmdir(dir) end)

  it("a compliant enterprise is COMPLIANT with empty lists", function()
    decision(E, "INTERNSHIP_COMPLIANCE", ENT(1), "COMPLIANT", {}, {})
  end)

  it("failures of its internships roll up, sorted", function()
    decision(E, "INTERNSHIP_COMPLIANCE", ENT(2), "NON_COMPLIANT", { "INT-11", "INT-13" }, {})
  end)

  it("an unknown post headcount (INT-03) gives NEEDS_DATA", function()
    decision(E, "INTERNSHIP_COMPLIANCE", ENT(3), "NEEDS_DATA", {}, { "INT-03" })
  end)

  it("the enterprise cap (INT-02) rolls into the enterprise decision", function()
    decision(E, "INTERNSHIP_COMPLIANCE", ENT(4), "NON_COMPLIANT", { "INT-02" }, {})
  end)
end)

---------------------------------------------------------------------------------------------
-- Apprenticeships APP-01..09, APPRENTICESHIP_COMPLIANCE, MENTOR_QUALIFIED
---------------------------------------------------------------------------------------------
describe("apprenticeships at 2023-06-30", function()
  local dir, E
  setup(function()
    local f = fixture():school()
    f:enterprise(1); f:ewage(1, 3000.0, 2000.0)
    f:mentor(1, "SCHOOL")
    f:mentor(2, "ENTERPRISE", { skill = "高级工" })
    f:mentor(3, "ENTERPRISE", { skill = "中级工" })
    f:mentor(4, "ENTERPRISE", { skill = "技师" })
    f:mentor(5, "ENTERPRISE", { skill = "高级技师" })
    f:mentor(6, "ENTERPRISE", { skill = NULL })
    f:mentor(7, "ENTERPRISE", { skill = "初级工" })
    f:mentor(10, "ENTERPRISE"); f:mentor(11, "ENTERPRISE"); f:mentor(12, "ENTERPRISE")

    f:apprenticeship(1, {})                                                        -- compliant MODERN
    f:apprenticeship(2, { program = "NE" })                                        -- compliant NE
    -- APP-01
    f:apprenticeship(3, { mentors = false }); f:assign(3, 2, "ENTERPRISE")
    f:apprenticeship(4, { mentors = false }); f:assign(4, NULL, "SCHOOL"); f:assign(4, 2, "ENTERPRISE")
    f:apprenticeship(5, { mentors = false }); f:assign(5, 1, "SCHOOL", "2023-01-01", "2023-06-29")
    f:assign(5, 2, "ENTERPRISE")
    f:apprenticeship(6, { mentors = false }); f:assign(6, 1, "SCHOOL", "2023-01-01", "2023-06-30")
    f:assign(6, 2, "ENTERPRISE")
    f:apprenticeship(7, { mentors = false }); f:assign(7, 1, "SCHOOL", "2023-07-01"); f:assign(7, 2, "ENTERPRISE")
    -- APP-02
    f:apprenticeship(10, { agreement = "2023-01-01" })
    f:apprenticeship(11, { agreement = "2023-01-02" })
    f:apprenticeship(12, { row = { agreement_signed_date = NULL } })
    f:apprenticeship(13, { program = "NE", contract_start = "2023-03-01", contract_end = "2024-02-29" })
    f:apprenticeship(14, { program = "NE", contract_start = "2023-03-01", contract_end = "2024-02-28" })
    f:apprenticeship(15, { program = "NE", contract_start = "2020-02-29", contract_end = "2021-02-27" })
    f:apprenticeship(16, { program = "NE", contract_start = "2020-02-29", contract_end = "2021-02-26" })
    -- APP-05
    local m = { [20] = { 12, 0 }, [21] = { 24, 0 }, [22] = { 11, 0 }, [23] = { 25, 0 }, [24] = { 25, 1 },
      [25] = { 36, 1 }, [26] = { 37, 1 } }
    for id, v in pairs(m) do f:apprenticeship(id, { program = "NE", months = v[1], extension = v[2] }) end
    f:apprenticeship(27, { program = "NE", row = { planned_months = NULL } })
    -- APP-06
    f:apprenticeship(30, { program = "NE", wage = 2000.0 })
    f:apprenticeship(31, { program = "NE", wage = 1999.99 })
    f:apprenticeship(32, { program = "NE", row = { monthly_wage = NULL } })
    -- APP-08
    f:apprenticeship(40, { status = "GRADUATED" })
    f:apprenticeship(41, { status = "WITHDRAWN" })
    -- APP-09
    f:apprenticeship(50, { program = "NE", birth = "2007-06-15", start = "2023-06-15" })
    f:apprenticeship(51, { program = "NE", birth = "2007-06-15", start = "2023-06-14" })
    f:apprenticeship(52, { student_birth = "2007-06-16", start = "2023-06-15" })         -- from the student
    f:apprenticeship(53, { student_birth = "2010-01-01", birth = "2007-06-15", start = "2023-06-15" })
    f:apprenticeship(54, { program = "NE", row = { birth_date = NULL } })
    -- decisions
    f:apprenticeship(60, { program = "NE", months = 11, contract_start = "2023-01-01", contract_end = "2023-06-30" })
    -- mentor loads: 10 has 8 counted (+3 that do not count), 11 has 9, 12 has 8 with a duplicate row, 7 has 9
    local nid = 100
    local function load(mentor, n, o)
      for _ = 1, n do
        nid = nid + 1
        f:apprenticeship(nid, merge({ program = "NE", ementor = mentor }, o))
      end
    end
    load(10, 8)
    load(10, 1, { ["end"] = "2023-06-29" })
    load(10, 1, { start = "2023-07-01" })
    load(10, 1, { mentors = false }); f:assign(nid, 10, "ENTERPRISE", "2023-01-01", "2023-06-29")
    load(11, 8)
    load(11, 1, { row = { end_date = NULL } })                       -- open-ended counts
    load(12, 8); f:assign(nid, 12, "ENTERPRISE", "2023-06-01")
    load(7, 9)
    -- APP-07 subsidy standards
    local function std(id, amount, date)
      f:add("subsidy_standard", { id = id, city = "彬州市", amount_per_year = amount, set_date = date })
    end
    std(1, 4000.0, "2018-10-12"); std(2, 3999.99, "2018-10-12"); std(3, 4000.0, "2021-06-21")
    std(4, 4000.0, "2021-06-22"); std(5, 5000.0, "2021-06-22")
    local db
    dir, db = f:build()
    E = evaluate(db, "2023-06-30")
  end)
  teardown(function() T.rmdir(dir) end)

  local A = function(i) return "apprenticeship:" .. i end
  local M = function(i) return "mentor:" .. i end

  it("a complete MODERN apprenticeship is COMPLIANT (APP-05/06 N/A for MODERN)", function()
    for _, id in ipairs({ "APP-01", "APP-02", "APP-08", "APP-09" }) do outcome(E, id, A(1), "PASS") end
    outcome(E, "APP-05", A(1), "N/A")
    outcome(E, "APP-06", A(1), "N/A")
    decision(E, "APPRENTICESHIP_COMPLIANCE", A(1), "COMPLIANT", {}, {})
  end)

  it("a complete NE apprenticeship with an open-ended contract is COMPLIANT (APP-08 N/A)", function()
    for _, id in ipairs({ "APP-01", "APP-02", "APP-05", "APP-06", "APP-09" }) do outcome(E, id, A(2), "PASS") end
    outcome(E, "APP-08", A(2), "N/A")
    decision(E, "APPRENTICESHIP_COMPLIANCE", A(2), "COMPLIANT", {}, {})
  end)

  it("APP-01: both mentors must be assigned, named and active on as_of", function()
    outcome(E, "APP-01", A(3), "FAIL")
    outcome(E, "APP-01", A(4), "FAIL")
    outcome(E, "APP-01", A(5), "FAIL")
    outcome(E, "APP-01", A(6), "PASS")
    outcome(E, "APP-01", A(7), "FAIL")
    decision(E, "APPRENTICESHIP_COMPLIANCE", A(3), "NON_COMPLIANT", { "APP-01" }, {})
  end)

  it("APP-02 MODERN: training agreement signed on/before start; late or none fails", function()
    outcome(E, "APP-02", A(10), "PASS")
    outcome(E, "APP-02", A(11), "FAIL")
    outcome(E, "APP-02", A(12), "FAIL")
  end)

  it("APP-02 NE: contract to add_years(start,1) - 1 day passes (2024-02-29), one day shorter fails", function()
    outcome(E, "APP-02", A(13), "PASS")
    outcome(E, "APP-02", A(14), "FAIL")
  end)

  it("APP-02 NE: contract from 2020-02-29 needs an end on or after 2021-02-27", function()
    outcome(E, "APP-02", A(15), "PASS")
    outcome(E, "APP-02", A(16), "FAIL")
  end)

  it("APP-05: 12..24 months, up to 36 with the extension", function()
    outcome(E, "APP-05", A(20), "PASS")
    outcome(E, "APP-05", A(21), "PASS")
    outcome(E, "APP-05", A(22), "FAIL")
    outcome(E, "APP-05", A(23), "FAIL")
    outcome(E, "APP-05", A(24), "PASS")
    outcome(E, "APP-05", A(25), "PASS")
    outcome(E, "APP-05", A(26), "FAIL")
    outcome(E, "APP-05", A(27), "UNKNOWN")
  end)

  it("APP-06: wage at the local minimum passes, a cent less fails, NULL is UNKNOWN", function()
    outcome(E, "APP-06", A(30), "PASS")
    outcome(E, "APP-06", A(31), "FAIL")
    outcome(E, "APP-06", A(32), "UNKNOWN")
    decision(E, "APPRENTICESHIP_COMPLIANCE", A(32), "NEEDS_DATA", {}, { "APP-06" })
  end)

  it("APP-08: a MODERN apprentice must be an ACTIVE student", function()
    outcome(E, "APP-08", A(40), "FAIL")
    outcome(E, "APP-08", A(41), "FAIL")
    decision(E, "APPRENTICESHIP_COMPLIANCE", A(40), "NON_COMPLIANT", { "APP-08" }, {})
  end)

  it("APP-09: 16 on the birthday passes, the day before fails", function()
    outcome(E, "APP-09", A(50), "PASS")
    outcome(E, "APP-09", A(51), "FAIL")
  end)

  it("APP-09: the student's birth date is used when the apprenticeship has none; both NULL is UNKNOWN", function()
    outcome(E, "APP-09", A(52), "FAIL")
    outcome(E, "APP-09", A(53), "PASS")
    outcome(E, "APP-09", A(54), "UNKNOWN")
  end)

  it("APPRENTICESHIP_COMPLIANCE lists several failures sorted", function()
    decision(E, "APPRENTICESHIP_COMPLIANCE", A(60), "NON_COMPLIANT", { "APP-02", "APP-05" }, {})
  end)

  it("APP-03: 8 active apprentices per enterprise mentor pass; ended/future/unassigned ones do not count", function()
    outcome(E, "APP-03", M(10), "PASS")
    decision(E, "MENTOR_QUALIFIED", M(10), "COMPLIANT", {}, {})
    outcome(E, "APP-03", M(12), "PASS")
  end)

  it("APP-03: a ninth active apprentice fails", function()
    outcome(E, "APP-03", M(11), "FAIL")
    decision(E, "MENTOR_QUALIFIED", M(11), "NON_COMPLIANT", { "APP-03" }, {})
  end)

  it("APP-04: 高级工 and above pass, 中级工 fails, NULL is UNKNOWN", function()
    outcome(E, "APP-04", M(2), "PASS")
    outcome(E, "APP-04", M(4), "PASS")
    outcome(E, "APP-04", M(5), "PASS")
    outcome(E, "APP-04", M(3), "FAIL")
    decision(E, "MENTOR_QUALIFIED", M(3), "NON_COMPLIANT", { "APP-04" }, {})
    outcome(E, "APP-04", M(6), "UNKNOWN")
    decision(E, "MENTOR_QUALIFIED", M(6), "NEEDS_DATA", {}, { "APP-04" })
  end)

  it("MENTOR_QUALIFIED lists both failures sorted", function()
    decision(E, "MENTOR_QUALIFIED", M(7), "NON_COMPLIANT", { "APP-03", "APP-04" }, {})
  end)

  it("APP-07: the subsidy floor in force on set_date (4000 through 2021-06-21, 5000 from 2021-06-22)", function()
    outcome(E, "APP-07", "subsidy_standard:1", "PASS")
    outcome(E, "APP-07", "subsidy_standard:2", "FAIL")
    outcome(E, "APP-07", "subsidy_standard:3", "PASS")
    outcome(E, "APP-07", "subsidy_standard:4", "FAIL")
    outcome(E, "APP-07", "subsidy_standard:5", "PASS")
  end)
end)

---------------------------------------------------------------------------------------------
-- 1+X certificates CERT-01 / CERT-02
---------------------------------------------------------------------------------------------
describe("1+X certificates at 2023-06-30", function()
  local dir, E
  setup(function()
    local f = fixture():school()
    f:add("major", { id = 2, school_id = 1, name = "装备制造", is_1x_pilot = 1 })
    f:add("major", { id = 3, school_id = 1, name = "现代农业", is_1x_pilot = 1 })
    local function cert(id, student, o)
      o = o or {}
      f:add("certificate", { id = id, student_id = student, cert_code = "X" .. id, in_1x_catalog = o.catalog or 1,
        level = o.level or "中级", issue_date = o.issue or "2020-06-01", valid_to = o.valid_to or NULL,
        revoked = o.revoked or 0, is_graduation_condition = o.grad or NULL })
    end
    -- major 2: active 1, 2, 3, 5; graduated 4
    f:student(1, { major = 2 }); cert(1, 1, { issue = "2019-04-04" })
    f:student(2, { major = 2 }); cert(2, 2, { valid_to = "2023-06-29" })
    f:student(3, { major = 2 }); cert(3, 3, { catalog = 0 })
    f:student(4, { major = 2, status = "GRADUATED" }); cert(4, 4)
    f:student(5, { major = 2 }); cert(5, 5, { level = "初级" }); cert(6, 5, { level = "高级" })
    -- major 3: active 6, 7, 8
    f:student(6, { major = 3 }); cert(7, 6, { valid_to = "2023-06-30" })
    f:student(7, { major = 3 }); cert(8, 7, { grad = 1 })
    f:student(8, { major = 3 }); cert(9, 8, { revoked = 1 })
    -- major 1 (not a pilot)
    f:student(9, { major = 1 })
    cert(11, 9, { issue = "2019-04-03" }); cert(12, 9, { level = "专家" }); cert(13, 9, { catalog = 0 })
    cert(14, 9, { grad = 0 })
    local db
    dir, db = f:build()
    E = evaluate(db, "2023-06-30")
  end)
  teardown(function() T.rmdir(dir) end)

  local C = function(i) return "certificate:" .. i end

  it("CERT-01: catalog cert at a 1+X level issued from 2019-04-04 counts; valid_to = as_of still counts", function()
    outcome(E, "CERT-01", C(1), "PASS")
    outcome(E, "CERT-01", C(5), "PASS")
    outcome(E, "CERT-01", C(6), "PASS")
    outcome(E, "CERT-01", C(7), "PASS")
    outcome(E, "CERT-01", C(14), "PASS")
  end)

  it("CERT-01: pre-pilot, expired, revoked, wrong level or a graduation condition fail", function()
    outcome(E, "CERT-01", C(11), "FAIL")
    outcome(E, "CERT-01", C(2), "FAIL")
    outcome(E, "CERT-01", C(9), "FAIL")
    outcome(E, "CERT-01", C(12), "FAIL")
    outcome(E, "CERT-01", C(8), "FAIL")
  end)

  it("CERT-01: a certificate outside the 1+X catalog is never counted (FAIL, or N/A as not a 1+X cert)", function()
    -- the book's explanation list (expired / revoked / pre-pilot / level) leaves this outcome open
    outcome(E, "CERT-01", C(13), { "FAIL", "N/A" })
    outcome(E, "CERT-01", C(3), { "FAIL", "N/A" })
  end)

  it("CERT-02: per pilot major, ACTIVE students with >= 1 counted cert over ACTIVE students", function()
    local r = result(E, "CERT-02", "major:2")
    num(r, "numerator", 2); num(r, "denominator", 4); percent(r, "50.0000")
    r = result(E, "CERT-02", "major:3")
    num(r, "numerator", 1); num(r, "denominator", 3); percent(r, "33.3333")
  end)

  it("CERT-02: the city figure covers all pilot majors and no non-pilot major", function()
    local r = result(E, "CERT-02", "city")
    num(r, "numerator", 3); num(r, "denominator", 7); percent(r, "42.8571")
    local m1 = E.res["CERT-02|major:1"]
    assert(m1 == nil or m1.outcome == "N/A", "non-pilot major: " .. (m1 and show(m1) or ""))
  end)
end)

---------------------------------------------------------------------------------------------
-- Plan targets TGT-*
---------------------------------------------------------------------------------------------
describe("plan targets (TGT-*)", function()
  local dir1, dir2, dir3, E1, E2, E3
  setup(function()
    local f = fixture():school()
    local nid = 0
    local function carrier(kind, rec, o)
      nid = nid + 1
      f:add("carrier", merge({ id = nid, kind = kind, name = kind .. nid, recognized_date = rec or NULL,
        revoked_date = NULL }, o))
    end
    -- DEMO_ENTERPRISE: 2 known + 1 unknown, target 3 -> UNKNOWN
    carrier("DEMO_ENTERPRISE", "2022-05-01"); carrier("DEMO_ENTERPRISE", "2023-12-31")
    carrier("DEMO_ENTERPRISE", NULL); carrier("DEMO_ENTERPRISE", "2024-01-01")
    carrier("DEMO_ENTERPRISE", "2022-01-01", { revoked_date = "2023-12-31" })
    -- BRAND_MAJOR: 3 known (one revoked after the deadline) + 1 unknown -> ACHIEVED
    carrier("BRAND_MAJOR", "2021-01-01"); carrier("BRAND_MAJOR", "2022-01-01")
    carrier("BRAND_MAJOR", "2023-01-01", { revoked_date = "2024-01-01" }); carrier("BRAND_MAJOR", NULL)
    -- TEACHER_TEAM: 0 known + 1 unknown, target 2 -> NOT_ACHIEVED
    carrier("TEACHER_TEAM", NULL)
    -- EXPERIENCE_CENTER: open to the public only
    carrier("EXPERIENCE_CENTER", "2023-01-01", { open_to_public = 1 })
    carrier("EXPERIENCE_CENTER", "2023-01-01", { open_to_public = 0 })
    carrier("EXPERIENCE_CENTER", "2023-12-31", { open_to_public = 1 })
    -- TRAINING_BASE: missing a function / not shared
    carrier("TRAINING_BASE", "2023-01-01", { shared = 1, functions = "实训科研|技能培训" })
    carrier("TRAINING_BASE", "2023-01-01", { shared = 0, functions = "实训科研|技能培训|综合实践" })
    -- no deadline: counted at as_of (2024-06-30)
    carrier("ALLIANCE", "2024-06-30")
    carrier("INDUSTRY_BLOCK", "2024-07-01")
    carrier("INDUSTRY_BLOCK", "2020-01-01", { revoked_date = "2024-06-30" })
    local db
    dir1, db = f:build()
    E1 = evaluate(db, "2024-06-30")

    f = fixture():school()
    nid = 0
    carrier("TRAINING_BASE", "2022-01-01", { shared = 1, functions = "综合实践|实训科研|技能培训|其他" })
    for _ = 1, 3 do carrier("DEMO_ENTERPRISE", "2023-06-01") end
    carrier("TEACHER_TEAM", "2023-01-01"); carrier("TEACHER_TEAM", NULL)
    carrier("INDUSTRY", "2023-01-01"); carrier("INDUSTRY", NULL)
    carrier("EXPERIENCE_CENTER", "2023-01-01", { open_to_public = 1 })
    carrier("EXPERIENCE_CENTER", NULL, { open_to_public = 1 })
    carrier("BRAND_MAJOR", "2023-01-01")
    f:raw("UPDATE plan_target SET target = 1 WHERE kind = 'BRAND_MAJOR';")
    dir2, db = f:build()
    E2 = evaluate(db, "2024-06-30")

    f = fixture():school()
    nid = 0
    carrier("INDUSTRY", "2024-05-01")
    carrier("BRAND_MAJOR", "2024-05-01"); carrier("BRAND_MAJOR", "2024-05-01"); carrier("BRAND_MAJOR", "2024-05-01")
    f:raw("UPDATE plan_target SET deadline = '2024-12-31' WHERE kind = 'INDUSTRY';")
    dir3, db = f:build()
    E3 = evaluate(db, "2025-01-31")
  end)
  teardown(function() T.rmdir(dir1); T.rmdir(dir2); T.rmdir(dir3) end)

  it("a NULL recognized_date that could reach the target makes it UNKNOWN", function()
    local r = target(E1, "DEMO_ENTERPRISE", "UNKNOWN", nil, 3)
    assert.are.equal("target", r.type)
    assert.are.equal("city", r.subject)
    assert.are.equal("2023-12-31", r.deadline)
    target(E2, "TEACHER_TEAM", "UNKNOWN", nil, 2)
    target(E2, "EXPERIENCE_CENTER", "UNKNOWN", nil, 2)
  end)

  it("recognized on the deadline counts; after it, or revoked on/before it, does not", function()
    target(E1, "BRAND_MAJOR", "ACHIEVED", 3, 3)
  end)

  it("unknown carriers that cannot change the answer do not block it", function()
    target(E1, "TEACHER_TEAM", "NOT_ACHIEVED", 0, 2)
    target(E2, "INDUSTRY", "ACHIEVED", 1, 1)
  end)

  it("no carrier at all: NOT_ACHIEVED with count 0", function()
    target(E1, "INDUSTRY", "NOT_ACHIEVED", 0, 1)
  end)

  it("experience centres must be open to the public", function()
    target(E1, "EXPERIENCE_CENTER", "ACHIEVED", 2, 2)
  end)

  it("training bases must be shared and have all three functions (any order, extras allowed)", function()
    target(E1, "TRAINING_BASE", "NOT_ACHIEVED", 0, 1)
    target(E2, "TRAINING_BASE", "ACHIEVED", 1, 1)
  end)

  it("ALLIANCE / INDUSTRY_BLOCK have no deadline and are counted at as_of", function()
    local r = target(E1, "ALLIANCE", "ACHIEVED", 1, 1)
    assert.is_true(r.deadline == nil or r.deadline == NULL, "deadline: " .. cjson.encode(r))
    target(E1, "INDUSTRY_BLOCK", "NOT_ACHIEVED", 0, 1)
  end)

  it("the deadline comes from plan_target too (moved to 2024-12-31 it counts 2024 recognitions)", function()
    assert.are.equal("2024-12-31", target(E3, "INDUSTRY", "ACHIEVED", 1, 1).deadline)
    target(E3, "BRAND_MAJOR", "NOT_ACHIEVED", 0, 3)
  end)

  it("targets come from plan_target (the city may update them)", function()
    target(E2, "DEMO_ENTERPRISE", "ACHIEVED", 3, 3)
    target(E2, "BRAND_MAJOR", "ACHIEVED", 1, 1)
  end)
end)
