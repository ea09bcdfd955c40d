-- The worker's side of the engine (trusted code, embedded in the binary).
--
-- It owns the sandbox every rule file is loaded into, the catalog of rules
-- and policies those files declare, and the evaluation of one rule over its
-- subjects: inputs are run once each as set-oriented SQL, ordered by subject
-- id, and merged with the subject table in one pass (no query per subject,
-- no input held in memory beyond the current subject).
--
-- Frames (see core/proto.h for the supervisor's side):
--   in  L  load rule files          out C  catalog and load errors
--   in  E  evaluate a rule group    out P  packed results per subject (host.run,
--                                          core/wloop.c), S reason texts they
--                                          refer to, D done, X failure
local host, rhlib = ...

local pack, unpack = string.pack, string.unpack
local concat, sort = table.concat, table.sort
local setmetatable, getmetatable, type, pairs, ipairs, tostring, error, select, rawset =
  setmetatable, getmetatable, type, pairs, ipairs, tostring, error, select, rawset
local tointeger = math.tointeger
local find, next = string.find, next
local host_call, host_slot, host_json = host.call, host.slot, host.json

-- Outcome codes shared with db/engine.sql (rh_outcome).
local CODE = { PASS = 1, FAIL = 2, ["N/A"] = 3, UNKNOWN = 4, ERROR = 5,
               MET = 6, NOT_MET = 7, ACHIEVED = 8, NOT_ACHIEVED = 9 }
local ALLOWED = {
  result    = { PASS = true, FAIL = true, ["N/A"] = true, UNKNOWN = true },
  indicator = { MET = true, NOT_MET = true, ["N/A"] = true, UNKNOWN = true },
  target    = { ACHIEVED = true, NOT_ACHIEVED = true, UNKNOWN = true },
}
-- What host.run accepts from a rule of each kind: outcome name -> code.
local ALLOWED_CODE = {}
for kind, names in pairs(ALLOWED) do
  local t = {}
  for name in pairs(names) do t[name] = CODE[name] end
  ALLOWED_CODE[kind] = t
end
local MAX_REASON = 4000
local NO_LOW, NO_HIGH = math.mininteger, math.maxinteger

-- Limits for one call into rule code; replaced by the L frame.
local limits = { mem = 64 << 20, instr = 200000000, ms = 2000, load_instr = 50000000 }

-------------------------------------------------------------------------------
-- Sandbox
-------------------------------------------------------------------------------

-- A read-only view of t: rules may read the engine's tables but never change
-- what another rule (or the next subject) will see.
local function readonly(t, what)
  return setmetatable({}, {
    __index = t,
    __newindex = function(_, k)
      error(("cannot modify %s (field '%s')"):format(what, tostring(k)), 2)
    end,
    -- Not `return next, t`: the generic for would hand t itself to the rule
    -- (local _, real = pairs(string)), which could then rewrite rh, string
    -- (whose gsub and format the engine uses to build its SQL) or ctx for
    -- every later rule.  The iterator keeps t in its upvalue only.
    __pairs = function() return function(_, k) return next(t, k) end, nil, nil end,
    __len = function() return #t end,
    __metatable = false,
  })
end

local function deep_readonly(v, what)
  if type(v) ~= "table" then return v end
  local copy = {}
  for k, x in pairs(v) do copy[k] = deep_readonly(x, what) end
  return readonly(copy, what)
end

local OUT = {} -- metatable that marks outcome values; rules cannot forge it

-- pass(reason, values) etc. make { name, reason, values } with metatable OUT (in C: one
-- is made per rule call).
local function outcome(name)
  return host.outcome(name, OUT)
end

local LIST = {}
local function list(sql)
  if type(sql) ~= "string" then error("list expects an SQL string", 2) end
  return setmetatable({ sql = sql }, LIST)
end

local catalog, policies, schedules, errors, seen_files
local current_file

-- The file and line `level` calls above the caller of where().
local function where(level)
  local file, line = host.where(level + 1)
  return file or current_file or "?", line or 0
end

local function is_date(s)
  return type(s) == "string" and pcall(rhlib.day, s)
end

local RULE_FIELDS = { title = "string", subject = "string", cite = "string", kind = "string",
                      yearly = "boolean", warn = "boolean", params = "table", inputs = "table",
                      check = "function", note = "string", clause = "string" }

local function declare_rule(id, file, line, spec)
  if type(spec) ~= "table" then
    error(("rule %s: expected a table { ... } after the id"):format(id), 3)
  end
  for k, v in pairs(spec) do
    local want = RULE_FIELDS[k]
    if not want then error(("rule %s: unknown field '%s'"):format(id, tostring(k)), 3) end
    if type(v) ~= want then
      error(("rule %s: field '%s' must be a %s, not a %s"):format(id, k, want, type(v)), 3)
    end
  end
  if not spec.subject then error(("rule %s: missing field 'subject'"):format(id), 3) end
  if spec.subject ~= "city" and not spec.subject:match("^[%a_][%w_]*$") then
    error(("rule %s: subject '%s' is not a table name"):format(id, spec.subject), 3)
  end
  if not spec.check then error(("rule %s: missing function 'check'"):format(id), 3) end
  local kind = spec.kind or "result"
  if not ALLOWED[kind] then
    error(("rule %s: kind must be result, indicator or target, not '%s'"):format(id, kind), 3)
  end
  local params = {}
  for name, periods in pairs(spec.params or {}) do
    if type(name) ~= "string" or type(periods) ~= "table" or #periods == 0 then
      error(("rule %s: parameter %s must be a list of { from = date, value = ... }")
            :format(id, tostring(name)), 3)
    end
    local list_ = {}
    for i, per in ipairs(periods) do
      if type(per) ~= "table" or not is_date(per.from) or per.value == nil
         or (per.to ~= nil and not is_date(per.to)) then
        error(("rule %s: parameter %s, period %d needs from = 'YYYY-MM-DD', value = ... (and an optional to)")
              :format(id, name, i), 3)
      end
      if per.to and per.to < per.from then
        error(("rule %s: parameter %s, period %d ends (%s) before it starts (%s)")
              :format(id, name, i, per.to, per.from), 3)
      end
      list_[i] = { from = per.from, to = per.to, value = deep_readonly(per.value, "a parameter"),
                   source = per.source }
    end
    params[name] = list_
  end
  local inputs, names = {}, {}
  for name, v in pairs(spec.inputs or {}) do
    if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
      error(("rule %s: input names must be identifiers"):format(id), 3)
    end
    local sql, many
    if type(v) == "string" then sql, many = v, false
    elseif getmetatable(v) == LIST then sql, many = v.sql, true
    else error(("rule %s: input '%s' must be [[SQL]] or list [[SQL]]"):format(id, name), 3) end
    inputs[name] = { sql = sql, list = many }
    names[#names + 1] = name
  end
  sort(names)
  catalog[#catalog + 1] = {
    id = id, file = file, line = line, subject = spec.subject, kind = kind,
    yearly = spec.yearly or false, warn = spec.warn or false, title = spec.title or "",
    cite = spec.cite or "", check = spec.check, params = params, inputs = inputs,
    input_names = names,
  }
end

local POLICY_FIELDS = { subject = "string", rules = "table", answers = "string",
                        yearly = "boolean", title = "string", cite = "string" }

local function declare_policy(name, file, line, spec)
  if type(spec) ~= "table" then
    error(("policy %s: expected a table { ... } after the name"):format(name), 3)
  end
  for k, v in pairs(spec) do
    local want = POLICY_FIELDS[k]
    if not want then error(("policy %s: unknown field '%s'"):format(name, tostring(k)), 3) end
    if type(v) ~= want then
      error(("policy %s: field '%s' must be a %s"):format(name, k, want), 3)
    end
  end
  if not spec.subject or not spec.subject:match("^[%a_][%w_]*$") then
    error(("policy %s: needs subject = a table name"):format(name), 3)
  end
  local answers = spec.answers or "eligibility"
  if answers ~= "eligibility" and answers ~= "compliance" then
    error(("policy %s: answers must be 'eligibility' or 'compliance'"):format(name), 3)
  end
  local rules = {}
  for i, r in ipairs(spec.rules or {}) do
    if type(r) ~= "string" then error(("policy %s: rule %d is not an id"):format(name, i), 3) end
    rules[i] = r
  end
  if #rules == 0 then error(("policy %s: lists no rules"):format(name), 3) end
  policies[#policies + 1] = { name = name, file = file, line = line, subject = spec.subject,
                              answers = answers, yearly = spec.yearly or false,
                              title = spec.title or "", rules = rules }
end

local SCHEDULE_FIELDS = { cron = "string", policies = "table", rules = "table", as_of = "string",
                          year = "number", on_import = "boolean", title = "string" }

-- schedule "NAME" { cron = "0 6 * * 1", policies = {...}, as_of = "today" }:
-- read by `ronghe serve`; the cron text is checked there (C parser).
local function declare_schedule(name, file, line, spec)
  if type(spec) ~= "table" then
    error(("schedule %s: expected a table { ... } after the name"):format(name), 3)
  end
  for k, v in pairs(spec) do
    local want = SCHEDULE_FIELDS[k]
    if not want then error(("schedule %s: unknown field '%s'"):format(name, tostring(k)), 3) end
    if type(v) ~= want then error(("schedule %s: field '%s' must be a %s"):format(name, k, want), 3) end
  end
  if not spec.cron and not spec.on_import then
    error(("schedule %s: needs cron = \"m h dom mon dow\" or on_import = true"):format(name), 3)
  end
  local as_of = spec.as_of or "today"
  if as_of ~= "today" and not is_date(as_of) then
    error(("schedule %s: as_of must be 'today' or a date YYYY-MM-DD"):format(name), 3)
  end
  local function strings(t, what)
    local out = {}
    for i, v in ipairs(t or {}) do
      if type(v) ~= "string" then error(("schedule %s: %s[%d] is not a name"):format(name, what, i), 4) end
      out[i] = v
    end
    return out
  end
  schedules[#schedules + 1] = { name = name, file = file, line = line, cron = spec.cron or "",
    as_of = as_of, year = math.tointeger(spec.year) or 0, on_import = spec.on_import or false,
    policies = strings(spec.policies, "policies"), rules = strings(spec.rules, "rules") }
end

-- case "NAME" { as_of = ..., rows = {...}, expect = {...} }: a rule test
-- (rules/tests/*.lua).  Only `ronghe test` asks for cases (T frame) and checks
-- their fields (core/ruletest.c); the catalog and rule runs never see them.
local cases = {}
local function declare_case(name, file, line, spec)
  if type(spec) ~= "table" then
    error(("case %s: expected a table { ... } after the name"):format(name), 3)
  end
  cases[#cases + 1] = { name = name, file = file, line = line, spec = spec }
end

-- Declarations are made while a file loads (current_file is set), never from
-- check: a rule declared at run time would change the catalog the supervisor
-- numbered its rules by.
local function loading(kind)
  if not current_file then
    error(kind .. " can only be declared when the file is loaded, not while rules run", 3)
  end
end

local function named(kind, declare)
  return function(name)
    loading(kind)
    if type(name) ~= "string" or name == "" then
      error(kind .. " needs a name: " .. kind .. ' "ID" { ... }', 2)
    end
    local file, line = where(2)
    return function(spec)
      loading(kind)
      declare(name, file, line, spec)
    end
  end
end

-- xpcall for rules: the handler runs after the stack has unwound, as plain
-- code.  Lua calls a real xpcall handler with hooks switched off when the
-- error came from a hook, so with the real one
--   xpcall(function() while true do end end, function() while true do end end)
-- turns the budget error into an endless loop no hook can see.  (Rules have
-- no debug library, so a handler could not look at the failed stack anyway.)
local tpack, tunpack = table.pack, table.unpack
local function rule_xpcall(f, handler, ...)
  if type(handler) ~= "function" then error("bad argument #2 to 'xpcall' (function expected)", 2) end
  local res = tpack(pcall(f, ...))
  if res[1] then return tunpack(res, 1, res.n) end
  return false, handler(res[2])
end

local api = {
  rule = named("rule", declare_rule),
  policy = named("policy", declare_policy),
  schedule = named("schedule", declare_schedule),
  case = named("case", declare_case),
  list = list,
  pass = outcome("PASS"), fail = outcome("FAIL"), na = outcome("N/A"),
  unknown = outcome("UNKNOWN"), met = outcome("MET"), not_met = outcome("NOT_MET"),
  achieved = outcome("ACHIEVED"), not_achieved = outcome("NOT_ACHIEVED"),
  rh = readonly(rhlib, "rh"),
  string = readonly(string, "string"), table = readonly(table, "table"),
  math = readonly(math, "math"), utf8 = readonly(utf8, "utf8"), os = readonly(os, "os"),
  pairs = pairs, ipairs = ipairs, next = next, select = select, type = type,
  tostring = tostring, tonumber = tonumber, error = error, assert = assert,
  pcall = pcall, xpcall = rule_xpcall, _VERSION = _VERSION,
}

-- Each file gets its own globals table: unknown names raise (a typo is an
-- error, not a nil), and assignments to globals are refused (use local).
-- Lookups go through a chain of tables (env -> api), with no Lua function
-- called for a name that exists: a rule reads globals on every call.
setmetatable(api, {
  __index = function(_, k) error(("undefined global '%s'"):format(tostring(k)), 2) end,
})
local function new_env()
  return setmetatable({}, {
    __index = api,
    __newindex = function(_, k)
      error(("assignment to global '%s': declare it local"):format(tostring(k)), 2)
    end,
    __metatable = false,
  })
end

-------------------------------------------------------------------------------
-- Load
-------------------------------------------------------------------------------

-- --param NAME=VALUE: tried in place of every period of NAME (what-if runs).
local overrides = {}

local function handle_load(payload)
  local pos
  limits.mem, limits.instr, limits.ms, limits.load_instr, pos = unpack("<I8I8I8I8", payload)
  local nover
  nover, pos = unpack("<I4", payload, pos)
  overrides = {}
  for _ = 1, nover do
    local name, text
    name, text, pos = unpack("<s4s4", payload, pos)
    overrides[name] = math.tointeger(tonumber(text)) or tonumber(text) or text
  end
  local nfiles
  nfiles, pos = unpack("<I4", payload, pos)
  catalog, policies, schedules, errors, seen_files = {}, {}, {}, {}, {}
  cases = {}
  for _ = 1, nfiles do
    local name, text
    name, text, pos = unpack("<s4s4", payload, pos)
    current_file = name
    local fn, err = host.load(text, "@" .. name)
    if not fn then
      errors[#errors + 1] = err
    else
      host.setenv(fn, new_env())
      local ok, kind, msg = host_call(fn, limits.load_instr, limits.ms * 5, limits.mem)
      if not ok then
        if kind == "memory" then msg = name .. ":1: " .. msg end
        errors[#errors + 1] = msg
      end
    end
  end
  current_file = nil
  -- Cross-file checks: one root cause per message.
  local by_key, ids = {}, {}
  for _, r in ipairs(catalog) do
    local key = r.id .. "\0" .. r.subject
    local first = by_key[key]
    if first then
      errors[#errors + 1] = ("%s:%d: rule %s for %s is declared twice (first at %s:%d)")
        :format(r.file, r.line, r.id, r.subject, first.file, first.line)
    else
      by_key[key] = r
    end
    ids[r.id] = true
  end
  local pnames = {}
  for _, p in ipairs(policies) do
    if pnames[p.name] then
      errors[#errors + 1] = ("%s:%d: policy %s is declared twice (first at %s:%d)")
        :format(p.file, p.line, p.name, pnames[p.name].file, pnames[p.name].line)
    end
    pnames[p.name] = p
    for _, id in ipairs(p.rules) do
      if not ids[id] then
        errors[#errors + 1] = ("%s:%d: policy %s names unknown rule %s")
          :format(p.file, p.line, p.name, id)
      end
    end
  end
  local out = { pack("<I4", #catalog) }
  for _, r in ipairs(catalog) do
    out[#out + 1] = pack("<s4s4s4BBs4s4s4I4", r.id, r.subject, r.kind, r.yearly and 1 or 0,
                         r.warn and 1 or 0, r.title, r.cite, r.file, math.max(r.line, 0))
    out[#out + 1] = pack("<I4", #r.input_names)
    for _, n in ipairs(r.input_names) do
      out[#out + 1] = pack("<s4s4B", n, r.inputs[n].sql, r.inputs[n].list and 1 or 0)
    end
    local pn = {}
    for n in pairs(r.params) do pn[#pn + 1] = n end
    sort(pn)
    out[#out + 1] = pack("<I4", #pn)
    for _, n in ipairs(pn) do
      local periods = r.params[n]
      out[#out + 1] = pack("<s4I4", n, #periods)
      for _, per in ipairs(periods) do
        local v = per.value
        out[#out + 1] = pack("<s4s4s4s4", per.from, per.to or "", tostring(v), per.source or "")
      end
    end
  end
  out[#out + 1] = pack("<I4", #policies)
  for _, p in ipairs(policies) do
    out[#out + 1] = pack("<s4s4s4Bs4s4I4I4", p.name, p.subject, p.answers, p.yearly and 1 or 0,
                         p.title, p.file, math.max(p.line, 0), #p.rules)
    for _, id in ipairs(p.rules) do out[#out + 1] = pack("<s4", id) end
  end
  local snames = {}
  for _, sc in ipairs(schedules) do
    if snames[sc.name] then
      errors[#errors + 1] = ("%s:%d: schedule %s is declared twice"):format(sc.file, sc.line, sc.name)
    end
    snames[sc.name] = true
    for _, pn in ipairs(sc.policies) do
      if not pnames[pn] then
        errors[#errors + 1] = ("%s:%d: schedule %s names unknown policy %s"):format(sc.file, sc.line, sc.name, pn)
      end
    end
    for _, id in ipairs(sc.rules) do
      if not ids[id] then
        errors[#errors + 1] = ("%s:%d: schedule %s names unknown rule %s"):format(sc.file, sc.line, sc.name, id)
      end
    end
  end
  out[#out + 1] = pack("<I4", #schedules)
  for _, sc in ipairs(schedules) do
    out[#out + 1] = pack("<s4s4s4s4I4i8BI4", sc.name, sc.cron, sc.as_of, sc.file, math.max(sc.line, 0),
                         sc.year, sc.on_import and 1 or 0, #sc.policies)
    for _, pn in ipairs(sc.policies) do out[#out + 1] = pack("<s4", pn) end
    out[#out + 1] = pack("<I4", #sc.rules)
    for _, id in ipairs(sc.rules) do out[#out + 1] = pack("<s4", id) end
  end
  out[#out + 1] = pack("<I4", #errors)
  for _, e in ipairs(errors) do out[#out + 1] = pack("<s4", e) end
  host.write("C", concat(out))
  host.gc()
end

-------------------------------------------------------------------------------
-- Evaluate
-------------------------------------------------------------------------------

local conns = {}
local function connection(path)
  local c = conns[path]
  if not c then
    local err
    c, err = host.db.open(path)
    if not c then error(err, 0) end
    conns[path] = c
  end
  return c
end

local function in_force(periods, date)
  local best
  for _, per in ipairs(periods) do
    if per.from <= date and (per.to == nil or date <= per.to) then
      if not best or per.from > best.from then best = per end
    end
  end
  return best
end

-- p.NAME: the value in force on as_of; p.at(NAME, date [, default]): on
-- another date (default, if given, when no period covers it).  Lookups are
-- memoized per (name, date): rules call p.at per subject and per month.
local function params_view(r, as_of)
  local memo = {}
  local function at(name, date, default)
    local periods = r.params[name]
    if not periods then error(("rule %s has no parameter %s"):format(r.id, tostring(name)), 2) end
    if type(date) ~= "string" then error("p.at: date must be 'YYYY-MM-DD'", 2) end
    local over = overrides[name]
    if over ~= nil then return over end
    local byname = memo[name]
    if not byname then byname = {}; memo[name] = byname end
    local per = byname[date]
    if per == nil then
      per = in_force(periods, date) or false
      byname[date] = per
    end
    if not per then
      if default ~= nil then return default end
      error(("parameter %s has no value in force on %s"):format(name, date), 2)
    end
    return per.value
  end
  -- The values in force on as_of, looked up without a function call (p.X is
  -- read per subject); a parameter with no value then raises when read.
  local cache = { at = at }
  for name in pairs(r.params) do
    local ok, v = pcall(at, name, as_of)
    if ok then cache[name] = v end
  end
  setmetatable(cache, { __index = function(_, k) return at(k, as_of) end })
  return setmetatable({}, {
    __index = cache,
    __newindex = function(_, k) error(("cannot modify parameter %s"):format(tostring(k)), 2) end,
    __metatable = false,
  })
end

-- Every reason leaves the worker as valid UTF-8 of at most MAX_REASON bytes
-- (plus "…"), cut on a character boundary: error messages, SQL errors and
-- reasons are the rule's own text, and one result must neither be megabytes
-- nor make the JSON output invalid.  Invalid bytes become "?".
local function bound_reason(s)
  if #s > MAX_REASON then
    local cut = MAX_REASON
    while cut > 0 and (s:byte(cut + 1) & 0xC0) == 0x80 do cut = cut - 1 end
    s = s:sub(1, cut) .. "…"
  end
  if utf8.len(s) then return s end
  local out, i = {}, 1
  while i <= #s do
    local ok, bad = utf8.len(s, i)
    if ok then
      out[#out + 1] = s:sub(i)
      break
    end
    out[#out + 1] = s:sub(i, bad - 1)
    out[#out + 1] = "?"
    i = bad + 1
  end
  return concat(out)
end

local function quote_ident(s) return '"' .. s:gsub('"', '""') .. '"' end

local function id_list(ids)
  local t = {}
  for i, id in ipairs(ids) do t[i] = ("%d"):format(id) end
  return concat(t, ",")
end

local function fault_for(r)
  local spec = host.fault_spec
  if not spec then return nil end
  local kind, rid, sid = spec:match("^(%a+):([^:]+):(%-?%d+)$")
  if rid ~= r.id then return nil end
  return kind, tointeger(tonumber(sid))
end

-- Prepares a rule's inputs as cursors ordered by subject id; a broken input
-- becomes the rule's input_error (an ERROR for each of its subjects).
local function open_inputs(conn, r, binds, ids, after, before)
  local cursors, input_error = {}, nil
  for i, name in ipairs(r.input_names) do
    local inp = r.inputs[name]
    local sql = inp.sql
    local err
    if r.subject ~= "city" then
      local probe
      probe, err = conn:prepare(sql)
      if probe then
        local col = probe:columns()[1]
        probe:close()
        if not col then
          err = "an input must return the subject id first"
        else
          local where_ = {}
          local qc = "rh_q." .. quote_ident(col)
          if ids then where_[#where_ + 1] = ("%s IN (%s)"):format(qc, id_list(ids)) end
          if after ~= NO_LOW then where_[#where_ + 1] = ("%s > %d"):format(qc, after) end
          if before ~= NO_HIGH then where_[#where_ + 1] = ("%s < %d"):format(qc, before) end
          sql = ("SELECT * FROM (%s\n) AS rh_q%s ORDER BY 1"):format(sql,
            #where_ > 0 and (" WHERE " .. concat(where_, " AND ")) or "")
        end
      end
    end
    local st
    if not err then st, err = conn:prepare(sql) end
    if st then
      local okb, berr = pcall(st.bind, st, binds)
      if not okb then err = berr end
    end
    if err then
      input_error = ("%s:%d: rule %s: input '%s': %s"):format(r.file, r.line, r.id, name, err)
      break
    end
    cursors[i] = { st = st, name = name, list = inp.list }
  end
  return cursors, input_error
end

-- E: evaluate a group of rules that judge the same table, in one pass over
-- its rows.  after/before bound the subject ids (exclusive; math.mininteger
-- and math.maxinteger mean no bound): they let the supervisor split a table
-- among workers and resume around a subject that crashed one.
local function handle_eval(payload)
  local nrules, pos = unpack("<I4", payload)
  local group = {}
  for i = 1, nrules do group[i], pos = unpack("<I4", payload, pos) end
  local db, as_of, year, after, before, flush_each, nids
  db, as_of, year, after, before, flush_each, nids, pos = unpack("<s4s4i8i8i8BI4", payload, pos)
  local ids
  if nids > 0 then
    ids = {}
    for i = 1, nids do ids[i], pos = unpack("<i8", payload, pos) end
  end
  -- optional trailing fields: the time limit of one step of an input query,
  -- and the task's serial number (the high bits of its reason ids, wloop.c)
  limits.input_ms = nil
  local src = 0
  if pos <= #payload then limits.input_ms, pos = unpack("<I8", payload, pos) end
  if pos <= #payload then src = unpack("<I4", payload, pos) end
  local conn = connection(db)
  local ystr = ("%04d"):format(year)
  local binds = { as_of = as_of, year = year, year_start = ystr .. "-01-01",
                  year_end = ystr .. "-12-31" }
  local ctx_raw = { as_of = as_of, year = year }
  local ctx = readonly(ctx_raw, "ctx")

  local specs, subject = {}, nil
  for i, rule_no in ipairs(group) do
    local r = catalog[rule_no + 1]
    if not r then error("no rule number " .. rule_no, 0) end
    subject = subject or r.subject
    -- The rule's view of a subject: one table per rule, reused for every
    -- subject.  Writes are refused, so nothing a rule does to it can leak
    -- into the next subject or into another rule; reads fall back to the
    -- current row through mt.__index (set by host.run per subject).
    local mt = { __newindex = function(_, k)
      error(("cannot modify the subject's data (field '%s')"):format(tostring(k)), 2)
    end, __metatable = false }
    local spec = { rule_no = rule_no, check = r.check, p = params_view(r, as_of), mt = mt,
                   proxy = setmetatable({}, mt), allowed = ALLOWED_CODE[r.kind],
                   file = r.file, line = r.line, id = r.id, kind = r.kind, subject = r.subject }
    spec.fault, spec.fault_id = fault_for(r)
    -- While a rule's inputs open, the slot names the rule with no subject
    -- (NO_LOW): a worker stuck or crashing in one of them (a C-level hang in
    -- an SQL function) can be blamed on that rule alone.
    host_slot(rule_no, NO_LOW)
    spec.cursors, spec.input_error = open_inputs(conn, r, binds, ids, after, before)
    specs[i] = spec
  end
  local opts = { instr = limits.instr, ms = limits.ms, mem = limits.mem,
                 input_ms = limits.input_ms or limits.ms * 60, flush_each = flush_each ~= 0,
                 out_mt = OUT, src = src }

  local count, st = 0, nil
  if subject == "city" then
    if after < 0 and before > 0 then count = host.run(false, specs, ctx_raw, ctx, opts) end
  else
    local where_ = {}
    if ids then where_[#where_ + 1] = ("id IN (%s)"):format(id_list(ids)) end
    if after ~= NO_LOW then where_[#where_ + 1] = ("id > %d"):format(after) end
    if before ~= NO_HIGH then where_[#where_ + 1] = ("id < %d"):format(before) end
    -- id first: it is the key host.run merges the inputs on, wherever the
    -- table has its id column.
    local sql = ("SELECT id, * FROM %s%s ORDER BY id"):format(quote_ident(subject),
      #where_ > 0 and (" WHERE " .. concat(where_, " AND ")) or "")
    local err
    st, err = conn:prepare(sql)
    if not st then
      error(("subject table %s: %s"):format(subject, err), 0)
    end
    count = host.run(st, specs, ctx_raw, ctx, opts)
    st:close()
  end
  for _, spec in ipairs(specs) do
    for _, c in ipairs(spec.cursors) do c.st:close() end
  end
  host_slot(-1, 0)
  host.write("D", pack("<i8", count))
  host.gc()
end

return function()
  local kind, payload = host.read()
  if kind == nil then return false end
  if kind == "L" then
    handle_load(payload)
  elseif kind == "E" then
    local ok, err = pcall(handle_eval, payload)
    if not ok then host.write("X", pack("<s4", bound_reason(tostring(err)))) end
  elseif kind == "T" then
    -- The cases the loaded files declare: name, file, line, and the spec as
    -- JSON (or why it cannot be written as JSON, e.g. it holds a function).
    local out = { pack("<I4", #cases) }
    for _, c in ipairs(cases) do
      local json, err = host_json(c.spec)
      out[#out + 1] = pack("<s4s4I4Bs4", c.name, c.file, math.max(c.line, 0), json and 1 or 0,
                           json or tostring(err))
    end
    host.write("T", concat(out))
  elseif kind == "Q" then
    return false
  else
    error("unknown frame " .. kind)
  end
  return true
end
