-- Decisions are made two ways (core/eval.c): as packed rows arrive, for
-- policies whose rules all judge the policy's own table, and from the stored
-- rows at the end, for the others (roll-ups) and for any policy a crash-split
-- group breaks.  RONGHE_DECIDE_AFTER=1 sends every policy down the second
-- way; over the sample city (every policy, roll-ups included) and with two
-- workers both must store the same decisions, failed and unknown lists.
local T = require("support")

local function city(dir)
  local db = T.new_db(dir)
  local p = io.popen("ls " .. T.sh_quote(T.src .. "/examples/city") .. "/*.csv")
  for file in p:lines() do
    local tbl = file:match("/%d+_([%w_]+)%.csv$")
    local code, out, err = T.run(("import --db %s %s %s"):format(T.sh_quote(db), tbl, T.sh_quote(file)))
    assert.are.equal(0, code, tostring(out) .. tostring(err))
  end
  p:close()
  return db
end

local function decisions(db, run)
  local rows = T.ronghe.rows(db, ("SELECT policy, subject, decision, failed, unknown FROM rh_decisions "
    .. "WHERE run_id = %d ORDER BY policy, subject"):format(run))
  local out = {}
  for _, r in ipairs(rows) do
    out[#out + 1] = table.concat({ r.policy, r.subject, r.decision, r.failed, r.unknown }, "|")
  end
  return out
end

describe("decisions", function()
  local dir
  before_each(function() dir = T.tmpdir() end)
  after_each(function() T.rmdir(dir) end)

  it("are the same made as rows arrive and made from the stored rows", function()
    local db = city(dir)
    local rules = T.sh_quote(T.src .. "/rules")
    local args = ("eval --db %s --rules %s --as-of 2023-06-30 --quiet"):format(T.sh_quote(db), rules)
    assert.are.equal(0, (T.run(args .. " --jobs 1")))
    assert.are.equal(0, (T.run(args .. " --jobs 1", "RONGHE_DECIDE_AFTER=1")))
    assert.are.equal(0, (T.run(args .. " --jobs 2")))
    local a, b, c = decisions(db, 1), decisions(db, 2), decisions(db, 3)
    assert.is_true(#a > 100, "decisions: " .. #a)
    assert.are.same(a, b)
    assert.are.same(a, c)
    -- the city has both kinds: some negative decisions with failed rules
    local negative = 0
    for _, line in ipairs(a) do if line:find("|INELIGIBLE|", 1, true) or line:find("|NON_COMPLIANT|", 1, true) then negative = negative + 1 end end
    assert.is_true(negative > 0)
  end)
end)
