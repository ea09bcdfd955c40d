-- core/rhfast.c against core/lua/rhlib.lua: the C fast paths that workers put in place of
-- rh.fen and the ratio products and comparisons must give the same value (and the same
-- integer or float subtype) or the same error as the Lua functions, for every argument.

local SOURCE_DIR = os.getenv("RONGHE_SOURCE_DIR") or "."
package.cpath = (os.getenv("RONGHE_BINARY_DIR") or "build") .. "/?.so;" .. package.cpath
local ronghe = require("ronghe")

local LIB = SOURCE_DIR .. "/core/lua/rhlib.lua"
local plain = dofile(LIB)
local fast, internals = dofile(LIB)
ronghe.rhlib_fast(fast, internals)

local maxint, minint = math.maxinteger, math.mininteger

local function show(v)
  if type(v) == "number" then return ("%s(%s)"):format(math.type(v), string.format("%.17g", v)) end
  return tostring(v)
end

-- pcall(f, ...) of both, compared: ok flag, and value with subtype or message.
local function same(name, ...)
  local ok1, v1 = pcall(plain[name], ...)
  local ok2, v2 = pcall(fast[name], ...)
  local args = {}
  for i = 1, select("#", ...) do args[i] = show((select(i, ...))) end
  local what = ("rh.%s(%s)"):format(name, table.concat(args, ", "))
  assert(ok1 == ok2, what .. ": plain " .. tostring(ok1) .. " " .. show(v1) .. ", fast " .. tostring(ok2) .. " " .. show(v2))
  if ok1 then
    assert(math.type(v1) == math.type(v2) and v1 == v2 or (v1 ~= v1 and v2 ~= v2),
      what .. ": plain " .. show(v1) .. ", fast " .. show(v2))
  else
    assert(tostring(v1) == tostring(v2), what .. ": plain error " .. tostring(v1) .. ", fast error " .. tostring(v2))
  end
end

-- A deterministic generator (the spec must be repeatable).
local seed = 12345
local function rnd(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end

local B40 = 1 << 40
local INTS = { 0, 1, -1, 2, 70, -70, 49, 50, 99, 100, 101, 312, 1000000, B40 - 1, B40, -B40, -B40 - 1,
  maxint // 100, maxint // 100 + 1, -(maxint // 100), -(maxint // 100) - 1, maxint, minint, 3037000499 }
local RATIOS = { "2%", "60%", "0.6", "0.60", 0.6, 0.3, 2, -3, 0, "1/3", "-1/7", "0", "100%", "0.5%",
  "4194303/8388607", "-4194304/8388607", "4194304/3", "1/8388608", "12.5%", "1e-2", "bad", "1/0",
  1e300, 0 / 0, 1 / 0, { num = 1, den = 3 }, { num = 1, den = 0 }, true }

describe("rhfast", function()
  it("is in place: the fast functions are C functions", function()
    for _, n in ipairs({ "fen", "ceil_mul", "floor_mul", "round_mul", "at_least", "at_most", "more_than", "less_than" }) do
      assert.are.equal("C", debug.getinfo(fast[n], "S").what, n)
      assert.are.equal("Lua", debug.getinfo(plain[n], "S").what, n)
    end
  end)

  it("gives rh.fen's answer for integers, floats, strings and the rest", function()
    local xs = { 0.29, 1234.56, 19999.99, 0.1 + 0.2, 0.1 * 3 + 0.7, 0.005, 0.015, -0.005, -0.0, 2.5e-3,
      1.005, 10995116277.75, 10995116277.76, 1.1e10, 2 ^ 40 / 100, 2 ^ 53, -2 ^ 53, 1e300, 0 / 0, 1 / 0,
      -1 / 0, "12.34", "0.005", "1e3", "abc", "", true, {}, 5.0, -7.0 }   -- (nil below: ipairs stops at one)
    for _, x in ipairs(INTS) do xs[#xs + 1] = x end
    for _ = 1, 4000 do
      local cents = rnd(2000000000) - 1000000000
      xs[#xs + 1] = cents / 100
      xs[#xs + 1] = (rnd(100000) + 0.5) / 100      -- exact halves of a fen: the tie path
      xs[#xs + 1] = rnd(100000000) / 1000           -- three decimals
    end
    assert.is_true(#xs > 12000)
    local n = 0
    for _, x in ipairs(xs) do
      same("fen", x)
      n = n + 1
    end
    assert.are.equal(#xs, n)
    same("fen", nil)
    same("fen")
  end)

  it("gives the products' answers", function()
    local ns = { 1.0, 1.5, -2.0, "7" }
    for _, x in ipairs(INTS) do ns[#ns + 1] = x end
    for _ = 1, 300 do ns[#ns + 1] = rnd(2000000) - 1000000 end
    for _, f in ipairs({ "ceil_mul", "floor_mul", "round_mul" }) do
      for _, n in ipairs(ns) do
        for _, r in ipairs(RATIOS) do same(f, n, r) end
      end
      same(f, nil, "2%")
    end
  end)

  it("gives the comparisons' answers", function()
    local vs = { 0, 1, -1, 6, 10, 5.5, 6.0, B40 - 1, B40, -B40, maxint, minint, "6" }
    for _ = 1, 40 do vs[#vs + 1] = rnd(2000000) - 1000000 end
    for _, f in ipairs({ "at_least", "at_most", "more_than", "less_than" }) do
      for _, a in ipairs(vs) do
        for _, b in ipairs(vs) do
          for _, r in ipairs(RATIOS) do same(f, a, b, r) end
        end
      end
    end
  end)

  it("stays right past its memo's size, with ratios seen for the first time", function()
    for i = 1, 1500 do
      local r = ("%d.%d%%"):format(i % 97, i % 10)
      same("ceil_mul", 1000 + i, r)
      same("at_least", i, 1000, r)
      same("floor_mul", -i, ("%d/%d"):format(i, 1 + i % 13))
    end
  end)

  it("names the caller's line in its errors, as the Lua functions do", function()
    local ok, err = pcall(function() fast.at_least(5.5, 10, "60%") end)
    assert.is_false(ok)
    assert.truthy(err:find("rhfast_spec%.lua:%d+: rh%.at_least: a must be an integer"), err)
    ok, err = pcall(function() fast.fen("abc") end)
    assert.is_false(ok)
    assert.truthy(err:find("rhfast_spec%.lua:%d+: rh%.fen: bad amount"), err)
  end)
end)
