-- Bad data through `ronghe import`: every kind of column given wrong values,
-- broken and mislabelled encodings, a 10 MB line, a million rows with one
-- bad row at the end.  Each file must be rejected with FILE:LINE: column: why,
-- exit 1, the table unchanged, and the importer's peak memory bounded (the
-- big files are generated in a temporary folder at test time).
local T = require("support")

local SANITIZED = os.getenv("RONGHE_SANITIZED") == "1"
-- Peak RSS allowed for an import, KiB: the importer keeps one record, not the
-- file (ASan's quarantine and shadow memory need far more).
local RSS_LIMIT = SANITIZED and 1024 * 1024 or 128 * 1024

local function q(s) return T.sh_quote(s) end

-- Runs `ronghe import`; returns exit code, stdout, stderr, peak RSS (KiB or nil).
local function import(db, table_, csv, extra)
  local d = T.tmpdir()
  local have_time = os.execute("test -x /usr/bin/time")
  local cmd = ("%s %s import %s %s --db %s %s >%s/out 2>%s/err"):format(
    have_time and ("/usr/bin/time -f 'RSS %M' -o " .. d .. "/rss") or "",
    q(T.exe), table_, q(csv), q(db), extra or "", d, d)
  local _, how, code = os.execute(cmd)
  local out, err, rss = T.read(d .. "/out"), T.read(d .. "/err"), T.read(d .. "/rss")
  T.rmdir(d)
  if how == "signal" then code = 128 + code end
  return code, out, err, rss and tonumber(rss:match("RSS (%d+)"))
end

local function rows(db, t) return T.count(db, ("SELECT count(*) FROM \"%s\""):format(t)) end

-- A generic "looks valid" value for a column of the given SQL type and kind.
local function good_value(col)
  if col.kind == "date" then return "2023-06-30" end
  if col.kind == "month" then return "2023-06" end
  if col.kind == "money" then return "100.50" end
  if col.kind == "flag" then return "1" end
  if col.kind == "enum" then return (col.arg or "x"):match("^[^|]*") end
  if col.kind == "range" then return (col.arg or "1"):match("^(%-?%d+)") end
  if col.type:match("INT") then return "1" end
  if col.type:match("REAL") then return "1.5" end
  return "x"
end

describe("bad data", function()
  local dir, db, src

  setup(function()
    dir = T.tmpdir()
    db = T.new_db(dir)
    -- parents for the foreign keys: the sample city
    src = T.src .. "/examples/city"
    local p = io.popen("ls " .. q(src))
    for f in p:lines() do
      if f:match("%.csv$") then
        local t = f:gsub("^%d+_", ""):gsub("%.csv$", "")
        local code, _, err = import(db, t, src .. "/" .. f)
        assert(code == 0, f .. ": " .. tostring(err))
      end
    end
    p:close()
  end)
  teardown(function() T.rmdir(dir) end)

  -- Writes a CSV, imports it, and checks the rejection.  want: list of
  -- {line, column or nil, plain fragment}; every one must be reported.
  local function rejected(table_, text, want, extra)
    local csv = dir .. "/bad.csv"
    T.write(csv, text)
    local before = rows(db, table_)
    local code, _, err = import(db, table_, csv, extra)
    assert.are.equal(1, code, err)
    for _, w in ipairs(want) do
      local prefix = ("%s:%d: %s"):format(csv, w[1], w[2] and (w[2] .. ": ") or "")
      local found
      for line in err:gmatch("[^\n]+") do
        if line:sub(1, #prefix) == prefix and line:find(w[3], 1, true) then found = true end
      end
      assert.is_true(found, ("no %q ... %q in:\n%s"):format(prefix, w[3], err))
    end
    assert.matches("rejected", err)
    assert.are.equal(before, rows(db, table_))
    return err
  end

  -- Columns with their SQL type and rh_column kind, from the database itself.
  local function columns(table_)
    local cols = {}
    for _, c in ipairs(T.ronghe.rows(db, ([[
        SELECT c.name, upper(c.type) AS type, c."notnull" AND c.dflt_value IS NULL AS required,
               k.kind, k.arg
        FROM pragma_table_info('%s') c LEFT JOIN rh_column k ON k.tbl = '%s' AND k.col = c.name
        ORDER BY c.cid]]):format(table_, table_))) do
      cols[#cols + 1] = { name = c.name, type = c.type or "", required = c.required == 1,
                          kind = c.kind, arg = c.arg }
    end
    return cols
  end

  -- For every kind of column (rh_column kinds, plain INTEGER, REAL, required
  -- TEXT), one representative column gets each wrong value.
  local BAD = {
    date = { { "2023-02-30", "not a valid date" }, { "2023/06/30", "not a valid date" }, { "30.06.2023", "not a valid date" } },
    month = { { "2023-13", "not a valid month" }, { "2023-6-1", "not a valid month" } },
    money = { { "1.234", "more than 2 decimals" }, { "1e3", "not an amount of money" }, { "¥100", "not a number" } },
    flag = { { "2", "not a flag" }, { "yes", "not an integer" } },
    enum = { { "NO_SUCH_VALUE", "is not one of" } },
    range = { { "99999", "is out of range" } },
    INTEGER = { { "abc", "not an integer" }, { "1.5", "not an integer" },
                { "99999999999999999999", "out of the integer range" }, { "0x10", "not an integer" } },
    REAL = { { "abc", "not a number" }, { "1e999", "out of range" }, { "1,5", "not a number" } },
    required = { { "", "required" } },
  }

  local function representative(kind)
    local sql
    if kind == "INTEGER" or kind == "REAL" then
      sql = ([[SELECT m.name AS t, c.name AS c FROM sqlite_master m, pragma_table_info(m.name) c
               WHERE m.type = 'table' AND m.name NOT LIKE 'rh\_%%' ESCAPE '\' AND upper(c.type) = '%s'
                 AND c.pk = 0 AND NOT EXISTS (SELECT 1 FROM rh_column k WHERE k.tbl = m.name AND k.col = c.name)
                 AND NOT EXISTS (SELECT 1 FROM pragma_foreign_key_list(m.name) f WHERE f."from" = c.name)
               ORDER BY m.name, c.cid LIMIT 1]]):format(kind)
    elseif kind == "required" then
      sql = [[SELECT m.name AS t, c.name AS c FROM sqlite_master m, pragma_table_info(m.name) c
              WHERE m.type = 'table' AND m.name NOT LIKE 'rh\_%' ESCAPE '\' AND upper(c.type) = 'TEXT'
                AND c."notnull" AND c.dflt_value IS NULL ORDER BY m.name, c.cid LIMIT 1]]
    else
      sql = ("SELECT tbl AS t, col AS c FROM rh_column WHERE kind = '%s' ORDER BY tbl, col LIMIT 1"):format(kind)
    end
    local r = T.ronghe.rows(db, sql)[1]
    assert(r, "no column of kind " .. kind)
    return r.t, r.c
  end

  local kinds = { "date", "month", "money", "flag", "enum", "range", "INTEGER", "REAL", "required" }
  for _, kind in ipairs(kinds) do
    it(("rejects wrong values in a %s column, with the line and the column"):format(kind), function()
      local t, target = representative(kind)
      local header, vals = {}, {}
      for _, c in ipairs(columns(t)) do
        if c.required or c.name == target then
          header[#header + 1] = c.name
          vals[#vals + 1] = c.name == target and "%s" or good_value(c)
        end
      end
      for _, b in ipairs(BAD[kind]) do
        local quoted = '"' .. b[1]:gsub('"', '""') .. '"'
        local row = table.concat(vals, ","):gsub("%%s", (quoted:gsub("%%", "%%%%")))
        -- the bad row is line 3, after a row that is fine except maybe for keys
        rejected(t, table.concat(header, ",") .. "\n" .. row .. "\n" .. row .. "\n",
          { { 2, target, b[2] }, { 3, target, b[2] } })
      end
    end)
  end

  it("rejects a reference to a missing parent and a duplicate key", function()
    rejected("post", "id,enterprise_id,name\n900001,999999,x\n1,1,dup\n",
      { { 2, "enterprise_id", "no enterprise with id 999999" }, { 3, "id", "duplicate id 1" } })
  end)

  it("rejects broken UTF-8, a NUL byte and bad CSV structure", function()
    rejected("enterprise", "id,name\n900001,ok\n900002,bad \xff\xfe bytes\n",
      { { 3, "name", "not valid UTF-8" } })
    rejected("enterprise", "id,name\n900001,a\0b\n", { { 2, "name", "contains a NUL character" } })
    rejected("enterprise", "id,name,nonsense\n1,a,b\n", { { 1, "nonsense", "unknown column" } })
    rejected("enterprise", "id,name\n900001,a,extra\n", { { 2, nil, "3 fields, but the header has 2" } })
    rejected("enterprise", "id,name\n900001,\"unclosed\n900002,b\n", { { 2, nil, "quoted field is not closed" } })
    rejected("enterprise", "id,name\n900001,a\"b\n", { { 2, nil, "malformed CSV" } })
    -- a truncated UTF-8 sequence at the very end of the file
    rejected("enterprise", "id,name\n900001,\xe4\xb8", { { 2, "name", "not valid UTF-8" } })
  end)

  it("rejects GB18030 text that claims to be UTF-8, and accepts it when labelled", function()
    local utf8_text = "id,name\n900001,彬州泾河煤业有限责任公司\n900002,乙公司\n"
    local u = dir .. "/u.csv"
    T.write(u, utf8_text)
    local gb = dir .. "/gb.csv"
    assert(os.execute(("iconv -f UTF-8 -t GB18030 %s > %s"):format(q(u), q(gb))))
    local before = rows(db, "enterprise")
    local code, _, err = import(db, "enterprise", gb)
    assert.are.equal(1, code)
    assert.is_truthy(err:find(gb .. ":2: name: not valid UTF-8 (if the file was saved by Chinese Excel, use --encoding gb18030)", 1, true), err)
    assert.is_truthy(err:find(gb .. ":3: name: not valid UTF-8", 1, true), err)
    assert.are.equal(before, rows(db, "enterprise"))
    -- and bytes that are not GB18030 either, with the label
    T.write(u, "id,name\n900001,\xff\xff\n")
    code, _, err = import(db, "enterprise", u, "--encoding gb18030")
    assert.are.equal(1, code, err)
    assert.matches("not valid GB18030", err)
    assert.are.equal(before, rows(db, "enterprise"))
    code = import(db, "enterprise", gb, "--encoding gb18030")
    assert.are.equal(0, code)
    assert.are.equal("彬州泾河煤业有限责任公司", T.ronghe.rows(db, "SELECT name FROM enterprise WHERE id = 900001")[1].name)
    assert(T.ronghe.exec(db, "DELETE FROM enterprise WHERE id IN (900001, 900002)"))
  end)

  it("rejects a 10 MB line with its line number, in bounded memory", function()
    local csv = dir .. "/long.csv"
    local f = assert(io.open(csv, "w"))
    f:write("id,name,is_legal_person\n900001,ok,1\n900002,", ("长"):rep(3500000), ",maybe\n900003,fine,0\n")
    f:close()
    local before = rows(db, "enterprise")
    local code, _, err, rss = import(db, "enterprise", csv)
    assert.are.equal(1, code, err)
    assert.is_truthy(err:find(csv .. ":3: is_legal_person: 'maybe' is not an integer", 1, true), err)
    assert.is_true(#err < 2000, "the report quotes the long value in full")
    assert.are.equal(before, rows(db, "enterprise"))
    if rss then assert.is_true(rss < RSS_LIMIT, ("peak RSS %d KiB"):format(rss)) end
    print(("# 10 MB line: peak RSS of the import %s KiB"):format(tostring(rss)))
  end)

  it("rejects a million rows with one bad row at the end, in bounded memory, storing nothing", function()
    local csv = dir .. "/million.csv"
    local f = assert(io.open(csv, "w"))
    f:write("id,name,is_legal_person\n")
    local buf = {}
    for i = 1, 1000000 do
      buf[#buf + 1] = ("%d,E%d,1\n"):format(1000000 + i, i)
      if #buf == 10000 then f:write(table.concat(buf)); buf = {} end
    end
    f:write(table.concat(buf), "2000001,last,2\n")
    f:close()
    local before = rows(db, "enterprise")
    local code, _, err, rss = import(db, "enterprise", csv)
    assert.are.equal(1, code, err)
    assert.is_truthy(err:find(csv .. ":1000002: is_legal_person: '2' is not a flag (0 or 1)", 1, true), err)
    assert.are.equal(before, rows(db, "enterprise"))
    assert.are.equal("ok", T.ronghe.rows(db, "PRAGMA integrity_check")[1].integrity_check)
    if rss then assert.is_true(rss < RSS_LIMIT, ("peak RSS %d KiB"):format(rss)) end
    print(("# 1,000,001 rows: peak RSS of the import %s KiB"):format(tostring(rss)))
    os.remove(csv)
  end)
end)
