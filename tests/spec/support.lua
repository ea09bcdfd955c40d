-- Shared by the engine specs: temporary folders, rule files, the CLI.
local M = {}

M.exe = os.getenv("RONGHE_EXE") or "build/ronghe"
M.src = os.getenv("RONGHE_SOURCE_DIR") or "."
package.cpath = (os.getenv("RONGHE_BINARY_DIR") or "build") .. "/?.so;" .. package.cpath
M.ronghe = require("ronghe")
M.cjson = require("cjson")

function M.sh_quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

function M.tmpdir()
  local p = io.popen("mktemp -d /tmp/ronghe-spec.XXXXXX")
  local d = p:read("l")
  p:close()
  return d
end

function M.rmdir(d)
  if d and d:match("^/tmp/ronghe%-spec%.") then os.execute("rm -rf " .. M.sh_quote(d)) end
end

function M.write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

function M.read(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- Runs the ronghe binary; returns exit code, stdout, stderr.
function M.run(args, env)
  local d = M.tmpdir()
  local cmd = (env or "") .. " " .. M.sh_quote(M.exe) .. " " .. args ..
              " >" .. d .. "/out 2>" .. d .. "/err"
  local ok, how, code = os.execute(cmd)
  local out, err = M.read(d .. "/out"), M.read(d .. "/err")
  M.rmdir(d)
  if how == "signal" then code = 128 + code end
  return code, out, err
end

-- Parses JSON Lines into records.
function M.jsonl(text)
  local recs = {}
  for line in text:gmatch("[^\n]+") do recs[#recs + 1] = M.cjson.decode(line) end
  return recs
end

function M.find(recs, typ, key, name, subject)
  for _, r in ipairs(recs) do
    if r.type == typ and r[key] == name and (subject == nil or r.subject == subject) then return r end
  end
end

-- A fresh database with the data model.
function M.new_db(dir)
  local db = dir .. "/t.db"
  assert(M.ronghe.init(db))
  return db
end

function M.count(db, sql)
  local rows = assert(M.ronghe.rows(db, sql))
  local _, v = next(rows[1])
  return v
end

return M
