-- Specification of core/lua/rhlib.lua, the `rh` library of rule scripts (rules/README.md,
-- section "The `rh` library"; policy-book.md (b) "Conventions").
--
--   cd /work/main && RONGHE_SOURCE_DIR=/work/main lua5.4 /usr/bin/busted tests/spec/rhlib_spec.lua

local SOURCE_DIR = os.getenv("RONGHE_SOURCE_DIR") or "."
local LIB_PATH = SOURCE_DIR .. "/core/lua/rhlib.lua"
local rh, internals = dofile(LIB_PATH)
-- RHLIB_FAST=1 (CTest spec.rhlib_spec_fast): the same specification on the library as a worker
-- runs it, with core/rhfast.c's C functions in place of the hottest ones.
if os.getenv("RHLIB_FAST") then
  package.cpath = (os.getenv("RONGHE_BINARY_DIR") or "build") .. "/?.so;" .. package.cpath
  require("ronghe").rhlib_fast(rh, internals)
  assert(debug.getinfo(rh.fen, "S").what == "C")
end

local maxint, minint = math.maxinteger, math.mininteger

-- f() must raise an error whose message contains `expected` and points at this file: a rule
-- that misuses rh must see its own line, not a line of rhlib.lua. (Call rh inside f as a
-- statement, not `return rh.x(...)`: a tail call would drop f's frame.)
local function raises(expected, f)
  local ok, err = pcall(f)
  assert.is_false(ok, "expected an error containing: " .. expected)
  err = tostring(err)
  assert.truthy(err:find("rhlib_spec%.lua:%d+: "), "error should point at the caller, got: " .. err)
  assert.truthy(err:find(expected, 1, true), ("expected %q in %q"):format(expected, err))
end

describe("rhlib module", function()
  it("exports every function of the README contract", function()
    local names = {
      "day", "iso", "add_days", "add_months", "add_years", "days_between", "active", "overlaps",
      "union_days", "gaps", "age", "in_last_years", "weekday", "iso_week", "month_of", "year_of",
      "days_in_month", "month_first", "month_last",
      "ratio", "at_least", "at_most", "more_than", "less_than", "ceil_mul", "floor_mul",
      "percent", "fen", "yuan", "money", "round_mul",
      -- helpers beyond the README
      "is_date", "months", "fmt_date", "count", "sum", "sum_fen", "distinct", "max", "min",
      "list_text",
    }
    for _, name in ipairs(names) do
      assert.are.equal("function", type(rh[name]), "rh." .. name)
    end
    for k, v in pairs(rh) do
      assert.are.equal("function", type(v), "rh." .. tostring(k) .. " should be a function")
    end
  end)

  it("loads and runs in a sandbox without io, os, require, load, debug or metatables", function()
    local f = assert(io.open(LIB_PATH, "rb"))
    local src = f:read("a")
    f:close()
    local allowed = {
      type = type, tostring = tostring, tonumber = tonumber, error = error, ipairs = ipairs,
      math = math, string = string, table = table,
    }
    local env = setmetatable({}, {
      __index = function(_, k)
        if allowed[k] == nil then error("rhlib read the global " .. tostring(k), 2) end
        return allowed[k]
      end,
      __newindex = function(_, k) error("rhlib set the global " .. tostring(k), 2) end,
    })
    local lib = assert(load(src, "=rhlib.lua", "t", env))()
    -- exercise every area inside the sandbox: a stray global would raise here
    assert.are.equal("2021-02-28", lib.add_years("2020-02-29", 1))
    assert.are.equal(10, lib.union_days({ { "2023-01-01", "2023-01-05" }, { start = "2023-01-06" } },
      nil, "2023-01-10"))
    assert.are.equal(1, #lib.gaps({}, "2023-01-01", "2023-01-02"))
    assert.are.equal("2020-W53", lib.iso_week("2021-01-01"))
    assert.is_true(lib.at_least(6, 10, "60%"))
    assert.are.equal("10.2040", lib.percent(5, 49))
    assert.are.equal(30, lib.fen(0.1 + 0.2))
    assert.are.equal("-0.05", lib.money(-5))
    assert.are.equal(2, lib.sum_fen({ 0.01, "0.01" }))
    assert.are.equal("a、b", lib.list_text({ "a", "b" }))
    assert.has_error(function() lib.day("2023-02-30") end)
  end)
end)

describe("rh.day / rh.iso", function()
  it("counts days from 1970-01-01", function()
    assert.are.equal(0, rh.day("1970-01-01"))
    assert.are.equal(1, rh.day("1970-01-02"))
    assert.are.equal(-1, rh.day("1969-12-31"))
    assert.are.equal(11017, rh.day("2000-03-01"))
    assert.are.equal(19538, rh.day("2023-06-30"))
    assert.are.equal("1970-01-01", rh.iso(0))
    assert.are.equal("2023-06-30", rh.iso(19538))
    assert.are.equal("1969-12-31", rh.iso(-1))
    assert.are.equal("2023-06-30", rh.iso(19538.0))
  end)

  it("covers years 0001..9999", function()
    assert.are.equal("0001-01-01", rh.iso(rh.day("0001-01-01")))
    assert.are.equal("9999-12-31", rh.iso(rh.day("9999-12-31")))
    raises("rh.iso: date out of range", function() rh.iso(rh.day("9999-12-31") + 1) end)
    raises("rh.iso: date out of range", function() rh.iso(rh.day("0001-01-01") - 1) end)
    raises("rh.iso: day number must be an integer, got 1.5", function() rh.iso(1.5) end)
  end)

  it("agrees with a naive day-by-day calendar from 1899 to 2101", function()
    local dim = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
    local y, m, d = 1899, 12, 1
    local n = rh.day("1899-12-01")
    while y < 2101 or m < 2 do
      local s = ("%04d-%02d-%02d"):format(y, m, d)
      if rh.iso(n) ~= s or rh.day(s) ~= n then
        assert.are.equal(s, rh.iso(n)) -- reports the first mismatch only
        assert.are.equal(n, rh.day(s))
      end
      local leap = y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)
      local last = (m == 2 and leap) and 29 or dim[m]
      d = d + 1
      if d > last then d, m = 1, m + 1 end
      if m > 12 then m, y = 1, y + 1 end
      n = n + 1
    end
  end)

  it("rejects invalid dates with a clear error", function()
    raises("rh.day: bad date '2023-02-30'", function() rh.day("2023-02-30") end)
    raises("rh.day: bad date '2023-02-29'", function() rh.day("2023-02-29") end)
    raises("rh.day: bad date '1900-02-29'", function() rh.day("1900-02-29") end)
    raises("rh.day: bad date '2023-04-31'", function() rh.day("2023-04-31") end)
    raises("rh.day: bad date '2023-13-01'", function() rh.day("2023-13-01") end)
    raises("rh.day: bad date '2023-00-10'", function() rh.day("2023-00-10") end)
    raises("rh.day: bad date '2023-06-00'", function() rh.day("2023-06-00") end)
    raises("rh.day: bad date '0000-01-01'", function() rh.day("0000-01-01") end)
    raises("rh.day: bad date '2023-6-30'", function() rh.day("2023-6-30") end)
    raises("rh.day: bad date '2023/06/30'", function() rh.day("2023/06/30") end)
    raises("rh.day: bad date '2023-06-30 '", function() rh.day("2023-06-30 ") end)
    raises("rh.day: bad date '2023-06-3x'", function() rh.day("2023-06-3x") end)
    raises("rh.day: bad date '2023-0:-30'", function() rh.day("2023-0:-30") end)
    raises("rh.day: bad date '2023-06-30 00:00:00'", function() rh.day("2023-06-30 00:00:00") end)
    raises("rh.day: bad date ''", function() rh.day("") end)
    raises("rh.day: bad date nil", function() rh.day(nil) end)
    raises("rh.day: bad date 20230630", function() rh.day(20230630) end)
  end)

  it("accepts leap days only in leap years", function()
    assert.are.equal("2024-02-29", rh.iso(rh.day("2024-02-29")))
    assert.are.equal("2000-02-29", rh.iso(rh.day("2000-02-29")))
    assert.is_true(rh.is_date("2024-02-29"))
    assert.is_false(rh.is_date("2100-02-29"))
  end)

  it("rh.is_date never raises", function()
    assert.is_true(rh.is_date("2023-06-30"))
    assert.is_false(rh.is_date("2023-06-31"))
    assert.is_false(rh.is_date(nil))
    assert.is_false(rh.is_date(42))
    assert.is_false(rh.is_date({}))
  end)
end)

describe("rh.add_days / rh.add_months / rh.days_between", function()
  it("adds days across months, leap days and years", function()
    assert.are.equal("2023-07-01", rh.add_days("2023-06-30", 1))
    assert.are.equal("2024-02-29", rh.add_days("2024-02-28", 1))
    assert.are.equal("2023-03-01", rh.add_days("2023-02-28", 1))
    assert.are.equal("2022-12-31", rh.add_days("2023-01-01", -1))
    assert.are.equal("2023-06-30", rh.add_days("2023-06-30", 0))
    assert.are.equal("2026-06-29", rh.add_days("2023-06-30", 1095))
  end)

  it("rejects bad arguments and out-of-range results", function()
    raises("rh.add_days: n must be an integer, got 1.5", function() rh.add_days("2023-06-30", 1.5) end)
    raises("rh.add_days: n must be an integer, got nil", function() rh.add_days("2023-06-30") end)
    raises("rh.add_days: bad date '2023-02-30'", function() rh.add_days("2023-02-30", 1) end)
    raises("rh.add_days: date out of range", function() rh.add_days("9999-12-31", 1) end)
    raises("rh.add_days: date out of range", function() rh.add_days("2023-06-30", maxint) end)
    raises("rh.add_days: date out of range", function() rh.add_days("2023-06-30", minint) end)
  end)

  it("adds months, clamping to the month's last day", function()
    assert.are.equal("2023-02-28", rh.add_months("2023-01-31", 1))
    assert.are.equal("2024-02-29", rh.add_months("2024-01-31", 1))
    assert.are.equal("2023-02-28", rh.add_months("2023-03-31", -1))
    assert.are.equal("2023-04-30", rh.add_months("2023-03-31", 1))
    assert.are.equal("2024-01-15", rh.add_months("2023-12-15", 1))
    assert.are.equal("2022-11-30", rh.add_months("2023-12-31", -13))
    assert.are.equal("2024-06-30", rh.add_months("2023-06-30", 12))
    assert.are.equal("2023-06-30", rh.add_months("2023-06-30", 0))
    raises("rh.add_months: date out of range", function() rh.add_months("9999-12-01", 1) end)
    raises("rh.add_months: date out of range", function() rh.add_months("2023-06-30", maxint) end)
    raises("rh.add_months: bad date '2023-02-29'", function() rh.add_months("2023-02-29", 1) end)
  end)

  it("counts days between dates (b - a)", function()
    assert.are.equal(1, rh.days_between("2023-06-30", "2023-07-01"))
    assert.are.equal(-1, rh.days_between("2023-07-01", "2023-06-30"))
    assert.are.equal(0, rh.days_between("2023-06-30", "2023-06-30"))
    assert.are.equal(366, rh.days_between("2024-01-01", "2025-01-01"))
    assert.are.equal(365, rh.days_between("2023-01-01", "2024-01-01"))
    raises("rh.days_between: bad date nil", function() rh.days_between("2023-01-01", nil) end)
  end)
end)

describe("rh.add_years", function()
  it("maps Feb-29 to Feb-28 in a common year", function()
    assert.are.equal("2021-02-28", rh.add_years("2020-02-29", 1))
    assert.are.equal("2024-02-29", rh.add_years("2020-02-29", 4))
    assert.are.equal("2019-02-28", rh.add_years("2020-02-29", -1))
    assert.are.equal("1900-02-28", rh.add_years("2000-02-29", -100))
    assert.are.equal("2100-02-28", rh.add_years("2096-02-29", 4))
  end)

  it("keeps every other day", function()
    assert.are.equal("2020-02-28", rh.add_years("2021-02-28", -1))
    assert.are.equal("2024-02-28", rh.add_years("2023-02-28", 1))
    assert.are.equal("2020-06-30", rh.add_years("2023-06-30", -3))
    assert.are.equal("2028-06-30", rh.add_years("2023-06-30", 5))
    assert.are.equal("2023-06-30", rh.add_years("2023-06-30", 0))
    assert.are.equal("2024-03-01", rh.add_years("2023-03-01", 1))
  end)

  it("raises on bad input", function()
    raises("rh.add_years: bad date '2023-02-30'", function() rh.add_years("2023-02-30", 1) end)
    raises("rh.add_years: bad date nil", function() rh.add_years(nil, 1) end)
    raises("rh.add_years: n must be an integer", function() rh.add_years("2023-06-30", 0.5) end)
    raises("rh.add_years: n must be an integer", function() rh.add_years("2023-06-30", "1") end)
    raises("rh.add_years: date out of range", function() rh.add_years("2023-06-30", 8000) end)
    raises("rh.add_years: date out of range", function() rh.add_years("2023-06-30", -2023) end)
    raises("rh.add_years: date out of range", function() rh.add_years("2023-06-30", minint) end)
  end)
end)

describe("rh.active / rh.overlaps", function()
  it("treats intervals as inclusive, with a nil stop open", function()
    assert.is_true(rh.active("2023-01-01", "2023-06-30", "2023-01-01"))
    assert.is_true(rh.active("2023-01-01", "2023-06-30", "2023-06-30"))
    assert.is_false(rh.active("2023-01-01", "2023-06-30", "2022-12-31"))
    assert.is_false(rh.active("2023-01-01", "2023-06-30", "2023-07-01"))
    assert.is_true(rh.active("2023-01-01", nil, "2099-12-31"))
    assert.is_false(rh.active("2023-01-01", nil, "2022-12-31"))
    assert.is_true(rh.active("2023-06-30", "2023-06-30", "2023-06-30"))
    assert.is_false(rh.active("2023-07-01", "2023-06-30", "2023-06-30")) -- inverted: empty
  end)

  it("raises on a bad or missing start and a bad date", function()
    raises("rh.active: bad date nil", function() rh.active(nil, "2023-06-30", "2023-01-01") end)
    raises("rh.active: bad date '2023-06-31'", function() rh.active("2023-01-01", "2023-06-31", "2023-01-01") end)
    raises("rh.active: bad date nil", function() rh.active("2023-01-01", nil, nil) end)
  end)

  it("detects shared days, with nil ends open", function()
    assert.is_true(rh.overlaps("2023-01-01", "2023-01-31", "2023-01-31", "2023-02-28")) -- touch: 1 day
    assert.is_false(rh.overlaps("2023-01-01", "2023-01-30", "2023-01-31", "2023-02-28")) -- adjacent
    assert.is_false(rh.overlaps("2023-01-31", "2023-02-28", "2023-01-01", "2023-01-30"))
    assert.is_true(rh.overlaps("2023-01-01", "2023-12-31", "2023-05-01", "2023-05-02")) -- contained
    assert.is_true(rh.overlaps("2023-01-01", nil, "2030-01-01", "2030-01-02"))
    assert.is_true(rh.overlaps("2030-01-01", "2030-01-02", "2023-01-01", nil))
    assert.is_false(rh.overlaps("2023-01-01", nil, "2022-01-01", "2022-12-31"))
    assert.is_true(rh.overlaps("2023-01-01", nil, "2020-01-01", nil))
    raises("rh.overlaps: bad date 'x'", function() rh.overlaps("x", nil, "2020-01-01", nil) end)
  end)
end)

describe("rh.union_days", function()
  local from, to = "2023-01-01", "2023-12-31"

  it("counts overlapping intervals once", function()
    assert.are.equal(15, rh.union_days({ { "2023-01-01", "2023-01-10" }, { "2023-01-06", "2023-01-15" } }, from, to))
    assert.are.equal(31, rh.union_days({ { "2023-01-01", "2023-01-31" }, { "2023-01-10", "2023-01-12" } }, from, to))
    assert.are.equal(10, rh.union_days({ { "2023-01-01", "2023-01-10" }, { "2023-01-01", "2023-01-10" } }, from, to))
  end)

  it("joins touching intervals and keeps disjoint ones apart", function()
    assert.are.equal(20, rh.union_days({ { "2023-01-01", "2023-01-10" }, { "2023-01-11", "2023-01-20" } }, from, to))
    assert.are.equal(19, rh.union_days({ { "2023-01-01", "2023-01-10" }, { "2023-01-12", "2023-01-20" } }, from, to))
    assert.are.equal(1, rh.union_days({ { "2023-03-05", "2023-03-05" } }, from, to))
  end)

  it("does not depend on the order of the list", function()
    local list = { { "2023-05-01", "2023-05-31" }, { "2023-01-01", "2023-01-10" }, { "2023-01-05", "2023-02-01" } }
    assert.are.equal(31 + 32, rh.union_days(list, from, to))
  end)

  it("clips to [from, to] and runs open ends to `to`", function()
    assert.are.equal(10, rh.union_days({ { "2022-12-01", "2023-01-10" } }, from, to))
    assert.are.equal(365, rh.union_days({ { "2022-01-01", nil } }, from, to))
    assert.are.equal(5, rh.union_days({ { "2023-12-27" } }, from, to))
    assert.are.equal(0, rh.union_days({ { "2024-01-01" } }, from, to))
    assert.are.equal(0, rh.union_days({ { "2022-01-01", "2022-12-31" } }, from, to))
    -- from = nil: no lower clip
    assert.are.equal(41, rh.union_days({ { "2022-12-01", "2023-01-10" } }, nil, to))
    assert.are.equal(0, rh.union_days({ { "2023-01-01", "2023-01-10" } }, "2023-02-01", "2023-01-31"))
  end)

  it("needs `to` when an interval is open", function()
    raises("rh.union_days: interval 2 is open: give `to`", function()
      rh.union_days({ { "2023-01-01", "2023-01-02" }, { start = "2023-01-05" } }, from, nil)
    end)
    assert.are.equal(2, rh.union_days({ { "2023-01-01", "2023-01-02" } }, nil, nil))
  end)

  it("counts leap days (hosting 1095 days: 累计3年)", function()
    assert.are.equal(1095, rh.union_days({ { "2020-01-01", "2022-12-30" } }, nil, "2023-06-30"))
    assert.are.equal(1096, rh.union_days({ { "2020-01-01", "2022-12-31" } }, nil, "2023-06-30"))
    assert.are.equal(1095, rh.union_days({ { "2020-01-01", nil } }, nil, "2022-12-30"))
  end)

  it("accepts arrays, start/stop, from/to and database column names", function()
    local list = {
      { "2023-01-01", "2023-01-02" },
      { start = "2023-02-01", stop = "2023-02-02" },
      { from = "2023-03-01", to = "2023-03-02" },
      { start_date = "2023-04-01", end_date = "2023-04-02", id = 7 },
      { valid_from = "2023-05-01", valid_to = "2023-05-02" },
      { cover_start = "2023-06-01", cover_end = "2023-06-02" },
      { start_date = "2023-12-30", end_date = nil },
    }
    assert.are.equal(14, rh.union_days(list, from, to))
    assert.are.equal(0, rh.union_days({}, from, to))
  end)

  it("counts an inverted interval as empty", function()
    assert.are.equal(0, rh.union_days({ { "2023-01-10", "2023-01-01" } }, from, to))
  end)

  it("raises on bad intervals and bounds", function()
    raises("rh.union_days: interval 1 has no start", function() rh.union_days({ { stop = "2023-01-01" } }, from, to) end)
    raises("rh.union_days: interval 1: bad date '2023-02-30'", function()
      rh.union_days({ { "2023-02-30", "2023-03-01" } }, from, to)
    end)
    raises("rh.union_days: interval 1: bad date '2023-3-1'", function()
      rh.union_days({ { "2023-02-01", "2023-3-1" } }, from, to)
    end)
    raises("rh.union_days: interval 2 is not a table", function() rh.union_days({ { "2023-01-01" }, "x" }, from, to) end)
    raises("rh.union_days: list must be a table", function() rh.union_days(nil, from, to) end)
    raises("rh.union_days: bad date '2023-13-01'", function() rh.union_days({}, "2023-13-01", to) end)
  end)
end)

describe("rh.gaps", function()
  local from, to = "2023-01-01", "2023-01-31"

  it("returns nothing when covered", function()
    assert.are.same({}, rh.gaps({ { "2022-12-01", nil } }, from, to))
    assert.are.same({}, rh.gaps({ { "2023-01-01", "2023-01-15" }, { "2023-01-16", "2023-01-31" } }, from, to))
  end)

  it("returns uncovered stretches at the start, middle and end", function()
    assert.are.same({
      { from = "2023-01-01", to = "2023-01-04" },
      { from = "2023-01-11", to = "2023-01-19" },
      { from = "2023-01-26", to = "2023-01-31" },
    }, rh.gaps({ { "2023-01-20", "2023-01-25" }, { "2023-01-05", "2023-01-10" } }, from, to))
  end)

  it("returns one-day gaps", function()
    assert.are.same({ { from = "2023-01-16", to = "2023-01-16" } },
      rh.gaps({ { "2023-01-01", "2023-01-15" }, { start = "2023-01-17" } }, from, to))
  end)

  it("returns the whole period when nothing covers it", function()
    assert.are.same({ { from = from, to = to } }, rh.gaps({}, from, to))
    assert.are.same({ { from = from, to = to } }, rh.gaps({ { "2022-01-01", "2022-12-31" } }, from, to))
    assert.are.same({}, rh.gaps({}, "2023-02-01", "2023-01-31"))
  end)

  it("needs both bounds", function()
    raises("rh.gaps: bad date nil", function() rh.gaps({}, nil, to) end)
    raises("rh.gaps: bad date nil", function() rh.gaps({}, from, nil) end)
    raises("rh.gaps: interval 1 has no start", function() rh.gaps({ {} }, from, to) end)
  end)
end)

describe("rh.age", function()
  it("reaches 16 on the 16th birthday, not the day before", function()
    assert.are.equal(15, rh.age("2007-06-15", "2023-06-14"))
    assert.are.equal(16, rh.age("2007-06-15", "2023-06-15"))
    assert.are.equal(16, rh.age("2007-06-15", "2024-06-14"))
    assert.are.equal(0, rh.age("2007-06-15", "2007-06-15"))
  end)

  it("reaches a Feb-29 birthday on Feb-28 in a common year", function()
    assert.are.equal(16, rh.age("2004-02-29", "2021-02-27"))
    assert.are.equal(17, rh.age("2004-02-29", "2021-02-28"))
    assert.are.equal(15, rh.age("2004-02-29", "2020-02-28"))
    assert.are.equal(16, rh.age("2004-02-29", "2020-02-29"))
    assert.are.equal(16, rh.age("2004-02-29", "2020-03-01"))
    -- the 16th birthday itself in a common (century) year: 1884 + 16 = 1900
    assert.are.equal(15, rh.age("1884-02-29", "1900-02-27"))
    assert.are.equal(16, rh.age("1884-02-29", "1900-02-28"))
  end)

  it("agrees with add_years: age n is reached on add_years(birth, n)", function()
    for _, birth in ipairs({ "2004-02-29", "2005-03-01", "2005-02-28", "2007-12-31", "2008-01-01" }) do
      for n = 1, 20 do
        local day = rh.add_years(birth, n)
        assert.are.equal(n, rh.age(birth, day), birth .. " on " .. day)
        assert.are.equal(n - 1, rh.age(birth, rh.add_days(day, -1)), birth .. " before " .. day)
      end
    end
  end)

  it("raises before birth and on bad dates", function()
    raises("rh.age: date '2007-06-14' is before birth '2007-06-15'", function() rh.age("2007-06-15", "2007-06-14") end)
    raises("rh.age: bad date nil", function() rh.age(nil, "2023-06-30") end)
    raises("rh.age: bad date '2023-02-29'", function() rh.age("2007-06-15", "2023-02-29") end)
  end)
end)

describe("rh.in_last_years (近N年)", function()
  it("excludes exactly N years ago and includes the next day and as_of", function()
    assert.is_false(rh.in_last_years("2020-06-30", "2023-06-30", 3))
    assert.is_true(rh.in_last_years("2020-07-01", "2023-06-30", 3))
    assert.is_true(rh.in_last_years("2023-06-30", "2023-06-30", 3))
    assert.is_false(rh.in_last_years("2023-07-01", "2023-06-30", 3))
  end)

  it("uses add_years for the window start (Feb-29)", function()
    assert.is_false(rh.in_last_years("2023-02-28", "2024-02-29", 1))
    assert.is_true(rh.in_last_years("2023-03-01", "2024-02-29", 1))
    assert.is_false(rh.in_last_years("2021-02-28", "2024-02-29", 3))
    assert.is_true(rh.in_last_years("2021-03-01", "2024-02-29", 3))
  end)

  it("has an empty window for n = 0 and an unbounded start for huge n", function()
    assert.is_false(rh.in_last_years("2023-06-30", "2023-06-30", 0))
    assert.is_true(rh.in_last_years("0001-01-01", "2023-06-30", 5000))
    assert.is_false(rh.in_last_years("2023-07-01", "2023-06-30", 5000))
  end)

  it("raises on bad input", function()
    raises("rh.in_last_years: n must be >= 0", function() rh.in_last_years("2023-01-01", "2023-06-30", -1) end)
    raises("rh.in_last_years: n must be an integer", function() rh.in_last_years("2023-01-01", "2023-06-30", 2.5) end)
    raises("rh.in_last_years: bad date nil", function() rh.in_last_years(nil, "2023-06-30", 3) end)
    raises("rh.in_last_years: bad date '2023-06-31'", function() rh.in_last_years("2023-01-01", "2023-06-31", 3) end)
  end)
end)

describe("rh.weekday / rh.iso_week", function()
  it("numbers Monday 1 .. Sunday 7", function()
    assert.are.equal(4, rh.weekday("1970-01-01"))
    assert.are.equal(5, rh.weekday("2023-06-30"))
    assert.are.equal(7, rh.weekday("2023-07-02"))
    assert.are.equal(1, rh.weekday("2023-07-03"))
    assert.are.equal(1, rh.weekday("1900-01-01"))
    assert.are.equal(1, rh.weekday("0001-01-01"))
    assert.are.equal(3, rh.weekday("1969-12-31"))
  end)

  it("gives ISO-8601 weeks across year boundaries", function()
    assert.are.equal("2020-W53", rh.iso_week("2021-01-01"))
    assert.are.equal("2020-W53", rh.iso_week("2021-01-03"))
    assert.are.equal("2021-W01", rh.iso_week("2021-01-04"))
    assert.are.equal("2020-W53", rh.iso_week("2020-12-31"))
    assert.are.equal("2020-W01", rh.iso_week("2019-12-30"))
    assert.are.equal("2019-W52", rh.iso_week("2019-12-29"))
    assert.are.equal("2025-W01", rh.iso_week("2024-12-30"))
    assert.are.equal("2022-W52", rh.iso_week("2023-01-01"))
    assert.are.equal("2023-W01", rh.iso_week("2023-01-02"))
    assert.are.equal("2023-W05", rh.iso_week("2023-02-01"))
    assert.are.equal("2015-W53", rh.iso_week("2015-12-31"))
    assert.are.equal("2026-W53", rh.iso_week("2026-12-31"))
    assert.are.equal("2009-W53", rh.iso_week("2010-01-03"))
  end)

  it("starts each week on a Monday, 2000-2030", function()
    local z, last = rh.day("2000-01-03"), rh.day("2030-12-31")   -- a Monday
    local prev = rh.iso_week(rh.iso(z - 1))
    while z <= last do
      local monday = rh.iso(z)
      local w = rh.iso_week(monday)
      if w == prev or rh.iso_week(rh.iso(z + 6)) ~= w then
        assert.are_not.equal(prev, w, monday)
        assert.are.equal(w, rh.iso_week(rh.iso(z + 6)), monday)
      end
      prev, z = w, z + 7
    end
  end)

  it("raises on bad dates", function()
    raises("rh.weekday: bad date '2023-02-29'", function() rh.weekday("2023-02-29") end)
    raises("rh.iso_week: bad date nil", function() rh.iso_week(nil) end)
  end)
end)

describe("months", function()
  it("rh.month_of / rh.year_of", function()
    assert.are.equal("2023-06", rh.month_of("2023-06-30"))
    assert.are.equal(2023, rh.year_of("2023-06-30"))
    assert.are.equal("integer", math.type(rh.year_of("2023-06-30")))
    raises("rh.month_of: bad date '2023-06'", function() rh.month_of("2023-06") end)
    raises("rh.year_of: bad date '2023-06-31'", function() rh.year_of("2023-06-31") end)
  end)

  it("rh.days_in_month follows the Gregorian leap rule", function()
    assert.are.equal(28, rh.days_in_month("1900-02"))
    assert.are.equal(29, rh.days_in_month("2000-02"))
    assert.are.equal(29, rh.days_in_month("2024-02"))
    assert.are.equal(28, rh.days_in_month("2023-02"))
    assert.are.equal(30, rh.days_in_month("2023-04"))
    assert.are.equal(31, rh.days_in_month("2023-12"))
    assert.are.equal(31, rh.days_in_month("2023-01"))
    assert.are.equal(29, rh.days_in_month("2024-02-10")) -- a full date gives its month
  end)

  it("rh.month_first / rh.month_last", function()
    assert.are.equal("2024-02-01", rh.month_first("2024-02"))
    assert.are.equal("2024-02-29", rh.month_last("2024-02"))
    assert.are.equal("1900-02-28", rh.month_last("1900-02"))
    assert.are.equal("2023-06-30", rh.month_last("2023-06-15"))
    assert.are.equal("2023-06-01", rh.month_first("2023-06-15"))
  end)

  it("raises on bad months", function()
    raises("rh.days_in_month: bad month '2023-13'", function() rh.days_in_month("2023-13") end)
    raises("rh.days_in_month: bad month '2023-00'", function() rh.days_in_month("2023-00") end)
    raises("rh.month_first: bad month '2023-1'", function() rh.month_first("2023-1") end)
    raises("rh.month_last: bad month nil", function() rh.month_last(nil) end)
    raises("rh.month_last: bad month '2023-02-30'", function() rh.month_last("2023-02-30") end)
  end)

  it("rh.months lists every month between two dates or months", function()
    assert.are.same({ "2023-11", "2023-12", "2024-01", "2024-02" }, rh.months("2023-11-15", "2024-02-01"))
    assert.are.same({ "2023-06" }, rh.months("2023-06", "2023-06-30"))
    assert.are.same({}, rh.months("2023-07", "2023-06"))
    raises("rh.months: bad month 'x'", function() rh.months("x", "2023-06") end)
  end)

  it("rh.fmt_date writes Chinese dates", function()
    assert.are.equal("2023年6月30日", rh.fmt_date("2023-06-30"))
    assert.are.equal("2024年1月1日", rh.fmt_date("2024-01-01"))
    raises("rh.fmt_date: bad date '2023-02-29'", function() rh.fmt_date("2023-02-29") end)
  end)
end)

describe("rh.ratio", function()
  it("parses numbers, decimal and percent strings exactly", function()
    assert.are.same({ num = 3, den = 5 }, rh.ratio("60%"))
    assert.are.same({ num = 3, den = 5 }, rh.ratio("0.60"))
    assert.are.same({ num = 3, den = 5 }, rh.ratio(0.6))
    assert.are.same({ num = 1, den = 40 }, rh.ratio("2.5%"))
    assert.are.same({ num = 1, den = 40 }, rh.ratio(0.025))
    assert.are.same({ num = 1, den = 50 }, rh.ratio("2%"))
    assert.are.same({ num = 3, den = 200 }, rh.ratio("1.5%"))
    assert.are.same({ num = 2, den = 25 }, rh.ratio("8%"))
    assert.are.same({ num = 3, den = 10 }, rh.ratio(0.30))
    assert.are.same({ num = 1, den = 1 }, rh.ratio(1))
    assert.are.same({ num = 1, den = 1 }, rh.ratio("100%"))
    assert.are.same({ num = 0, den = 1 }, rh.ratio(0))
    assert.are.same({ num = 0, den = 1 }, rh.ratio("0%"))
    assert.are.same({ num = -1, den = 2 }, rh.ratio("-0.5"))
    assert.are.same({ num = 1, den = 2 }, rh.ratio(".5"))
    assert.are.same({ num = 1, den = 100000 }, rh.ratio(1e-5))
    assert.are.same({ num = 1, den = 100000 }, rh.ratio("1e-05"))
    assert.are.same({ num = 3, den = 5 }, rh.ratio(" 60 % "))
    assert.are.same({ num = 1, den = 3 }, rh.ratio("1/3"))
    assert.are.same({ num = 2, den = 3 }, rh.ratio("4/6"))
    assert.are.same({ num = 3, den = 10 }, rh.ratio(0.1 + 0.2)) -- 0.30000000000000004 is meant as 0.3
  end)

  it("returns a ratio table as it is and caches parsed ratios", function()
    local r = { num = 7, den = 9 }
    assert.are.equal(r, rh.ratio(r))
    assert.are.equal(rh.ratio("60%"), rh.ratio("60%"))
    assert.are.equal(rh.ratio(0.6), rh.ratio(0.6))
  end)

  it("raises on what is not a ratio", function()
    raises("rh.ratio: bad ratio 'abc'", function() rh.ratio("abc") end)
    raises("rh.ratio: bad ratio ''", function() rh.ratio("") end)
    raises("rh.ratio: bad ratio '60%%'", function() rh.ratio("60%%") end)
    raises("rh.ratio: bad ratio '1.2.3'", function() rh.ratio("1.2.3") end)
    raises("rh.ratio: bad ratio '1/0'", function() rh.ratio("1/0") end)
    raises("rh.ratio: bad ratio nil", function() rh.ratio(nil) end)
    raises("rh.ratio: bad ratio true", function() rh.ratio(true) end)
    raises("rh.ratio: bad ratio", function() rh.ratio(0 / 0) end)
    raises("rh.ratio: bad ratio inf", function() rh.ratio(math.huge) end)
    raises("rh.ratio: bad ratio", function() rh.ratio({ num = 1, den = 0 }) end)
    raises("rh.ratio: bad ratio", function() rh.ratio({ num = 1.5, den = 2 }) end)
    raises("too many digits", function() rh.ratio("0.1234567890123456789") end)
    raises("too many digits", function() rh.ratio("1e-20") end)
  end)
end)

describe("rh.at_least / at_most / more_than / less_than", function()
  it("compares exactly at the boundary", function()
    assert.is_true(rh.at_least(6, 10, "60%"))
    assert.is_false(rh.at_least(5, 10, "60%"))
    assert.is_false(rh.at_least(599999, 1000000, "60%"))
    assert.is_true(rh.at_least(600000, 1000000, "60%"))
    assert.is_true(rh.at_least(600000, 1000000, 0.6))
    assert.is_true(rh.at_least(600000, 1000000, "0.60"))
    assert.is_true(rh.at_least(600000, 1000000, { num = 3, den = 5 }))
    assert.is_false(rh.more_than(600000, 1000000, "60%"))
    assert.is_true(rh.more_than(600001, 1000000, "60%"))
    assert.is_true(rh.at_most(600000, 1000000, "60%"))
    assert.is_false(rh.at_most(600001, 1000000, "60%"))
    assert.is_false(rh.less_than(600000, 1000000, "60%"))
    assert.is_true(rh.less_than(599999, 1000000, "60%"))
  end)

  it("applies head-count caps without rounding (k/N <= 10%)", function()
    assert.is_true(rh.at_most(4, 49, "10%"))   -- 4.9 allows 4
    assert.is_false(rh.at_most(5, 49, "10%"))
    assert.is_true(rh.at_most(5, 50, "10%"))
    assert.is_true(rh.at_least(2, 70, "2%"))   -- 1.4 needs 2
    assert.is_false(rh.at_least(1, 70, "2%"))
    assert.is_true(rh.at_most(0, 0, "10%"))
    assert.is_false(rh.at_most(1, 0, "10%"))
  end)

  it("accepts integral floats and rejects fractional ones", function()
    assert.is_true(rh.at_least(6.0, 10.0, "60%"))
    raises("rh.at_least: a must be an integer, got 5.5", function() rh.at_least(5.5, 10, "60%") end)
    raises("rh.at_most: b must be an integer, got 0.1", function() rh.at_most(5, 0.1, "60%") end)
    raises("rh.more_than: a must be an integer, got '6'", function() rh.more_than("6", 10, "60%") end)
    raises("rh.less_than: b must be an integer, got nil", function() rh.less_than(6, nil, "60%") end)
    raises("rh.at_least: bad ratio 'sixty'", function() rh.at_least(6, 10, "sixty") end)
  end)

  it("is exact for large money amounts and raises on overflow", function()
    -- 1e15 fen (1e13 yuan): 6e14 is exactly 60%
    assert.is_true(rh.at_least(600000000000000, 1000000000000000, "60%"))
    assert.is_false(rh.at_least(599999999999999, 1000000000000000, "60%"))
    raises("rh.at_least: integer overflow", function() rh.at_least(maxint, 1, "60%") end)
    raises("rh.at_most: integer overflow", function() rh.at_most(1, maxint // 2, "60%") end)
    raises("rh.less_than: integer overflow", function() rh.less_than(minint, 1, "60%") end)
    raises("rh.more_than: integer overflow", function() rh.more_than(2, 1, { num = 1, den = maxint }) end)
  end)
end)

describe("rh.ceil_mul / rh.floor_mul / rh.round_mul", function()
  it("never rounds head counts half up", function()
    assert.are.equal(2, rh.ceil_mul(70, "2%"))   -- 1.4 interns needed -> 2
    assert.are.equal(1, rh.floor_mul(70, "2%"))
    assert.are.equal(4, rh.floor_mul(49, "10%")) -- 4.9 allowed -> 4
    assert.are.equal(5, rh.ceil_mul(49, "10%"))
    assert.are.equal(1, rh.ceil_mul(50, "2%"))   -- exact products are unchanged
    assert.are.equal(1, rh.floor_mul(50, "2%"))
    assert.are.equal(0, rh.ceil_mul(0, "2%"))
    assert.are.equal(1, rh.ceil_mul(1, "2%"))
    assert.are.equal(-1, rh.ceil_mul(-70, "2%"))
    assert.are.equal(-2, rh.floor_mul(-70, "2%"))
  end)

  it("rounds money half up, once", function()
    assert.are.equal(300000, rh.round_mul(1000000, "30%"))
    assert.are.equal(3000, rh.round_mul(10001, "30%"))  -- 3000.3
    assert.are.equal(3002, rh.round_mul(10005, "30%"))  -- 3001.5
    assert.are.equal(3, rh.round_mul(5, "50%"))         -- 2.5
    assert.are.equal(2, rh.round_mul(3, "50%"))         -- 1.5
    assert.are.equal(0, rh.round_mul(1, "49%"))
    assert.are.equal(-3, rh.round_mul(-5, "50%"))       -- ties away from zero
    assert.are.equal(111, rh.round_mul(333, "1/3"))
    assert.are.equal(1, rh.round_mul(2, "1/3"))         -- 0.666...
    assert.are.equal(80, rh.round_mul(1000, "8%"))
  end)

  it("raises on bad input and overflow", function()
    raises("rh.ceil_mul: n must be an integer, got 1.5", function() rh.ceil_mul(1.5, "2%") end)
    raises("rh.floor_mul: bad ratio", function() rh.floor_mul(10, {}) end)
    raises("rh.round_mul: integer overflow", function() rh.round_mul(maxint, "30%") end)
    raises("rh.ceil_mul: integer overflow", function() rh.ceil_mul(minint, 1) end)
  end)
end)

describe("rh.percent", function()
  it("truncates to 4 decimals", function()
    assert.are.equal("59.9999", rh.percent(599999, 1000000))
    assert.are.equal("10.2040", rh.percent(5, 49))
    assert.are.equal("66.6666", rh.percent(2, 3))
    assert.are.equal("14.2857", rh.percent(1, 7))
    assert.are.equal("100.0000", rh.percent(1, 1))
    assert.are.equal("0.0000", rh.percent(0, 5))
    assert.are.equal("0.0001", rh.percent(1, 1000000))
    assert.are.equal("0.0000", rh.percent(1, 1000001))
    assert.are.equal("200.0000", rh.percent(2, 1))
    assert.are.equal("333.3333", rh.percent(1000000000000000, 300000000000000))
    assert.are.equal("0.0000", rh.percent(1, maxint))
    assert.are.equal("100.0000", rh.percent(maxint, maxint))
    assert.are.equal("60.0000", rh.percent(6.0, 10.0))
  end)

  it("truncates negative values toward zero", function()
    assert.are.equal("-33.3333", rh.percent(-1, 3))
    assert.are.equal("-33.3333", rh.percent(1, -3))
    assert.are.equal("33.3333", rh.percent(-1, -3))
    assert.are.equal("0.0000", rh.percent(-1, 1000000000))
  end)

  it("is nil when b = 0", function()
    assert.is_nil(rh.percent(5, 0))
    assert.is_nil(rh.percent(0, 0))
  end)

  it("raises on non-integers and overflow", function()
    raises("rh.percent: a must be an integer, got 0.5", function() rh.percent(0.5, 1) end)
    raises("rh.percent: b must be an integer, got nil", function() rh.percent(1, nil) end)
    raises("rh.percent: integer overflow", function() rh.percent(maxint, 1) end)
    raises("rh.percent: integer overflow", function() rh.percent(minint, 3) end)
  end)
end)

describe("money: rh.fen / rh.yuan / rh.money", function()
  it("converts yuan to fen exactly", function()
    assert.are.equal(29, rh.fen(0.29))
    assert.are.equal(123456, rh.fen(1234.56))
    assert.are.equal(1999999, rh.fen(19999.99))
    assert.are.equal(30, rh.fen(0.1 + 0.2))
    assert.are.equal(100, rh.fen(0.1 * 3 + 0.7))
    assert.are.equal(-29, rh.fen(-0.29))
    assert.are.equal(1, rh.fen(0.01))
    assert.are.equal(0, rh.fen(0.0))
    assert.are.equal(500, rh.fen(5))
    assert.are.equal(500, rh.fen(5.0))
    assert.are.equal("integer", math.type(rh.fen(1234.56)))
    assert.are.equal(1000000000001, rh.fen(10000000000.01))
    assert.are.equal(12345678901234, rh.fen(123456789012.34)) -- beyond the fast path
    assert.are.equal(100000000000000000, rh.fen(1e15))
    assert.is_nil(rh.fen(nil))
  end)

  it("converts decimal strings", function()
    assert.are.equal(123456, rh.fen("1234.56"))
    assert.are.equal(123450, rh.fen("1234.5"))
    assert.are.equal(-5, rh.fen("-0.05"))
    assert.are.equal(100, rh.fen(" 1 "))
  end)

  it("rounds a third decimal half up", function()
    assert.are.equal(13, rh.fen(0.125))
    assert.are.equal(13, rh.fen("0.125"))
    assert.are.equal(1, rh.fen(0.005))
    assert.are.equal(0, rh.fen(0.004))
    assert.are.equal(1235, rh.fen("12.345"))
    assert.are.equal(-13, rh.fen(-0.125))   -- ties away from zero
    assert.are.equal(0, rh.fen("0.000000000000000000000001"))
  end)

  it("raises on what is not an amount", function()
    raises("rh.fen: bad amount 'abc'", function() rh.fen("abc") end)
    raises("rh.fen: bad amount '5%'", function() rh.fen("5%") end)
    raises("rh.fen: bad amount true", function() rh.fen(true) end)
    raises("rh.fen: bad amount inf", function() rh.fen(math.huge) end)
    raises("rh.fen: bad amount", function() rh.fen(0 / 0) end)
    raises("rh.fen: bad amount", function() rh.fen(maxint) end)
    raises("rh.fen: bad amount", function() rh.fen(1e17) end)
  end)

  it("rh.yuan gives a float for display", function()
    assert.are.equal(1234.56, rh.yuan(123456))
    assert.are.equal(-0.05, rh.yuan(-5))
    assert.are.equal(0.0, rh.yuan(0))
    assert.is_nil(rh.yuan(nil))
    raises("rh.yuan: fen must be an integer, got 1.5", function() rh.yuan(1.5) end)
  end)

  it("rh.money formats fen with 2 decimals and a sign", function()
    assert.are.equal("1234.50", rh.money(123450))
    assert.are.equal("-0.05", rh.money(-5))
    assert.are.equal("0.05", rh.money(5))
    assert.are.equal("0.00", rh.money(0))
    assert.are.equal("1.00", rh.money(100))
    assert.are.equal("-1.50", rh.money(-150))
    assert.are.equal("-100.00", rh.money(-10000))
    assert.are.equal("92233720368547758.07", rh.money(maxint))
    assert.are.equal("-92233720368547758.08", rh.money(minint))
    assert.are.equal("12.00", rh.money(1200.0))
    assert.is_nil(rh.money(nil))
    raises("rh.money: fen must be an integer, got 0.5", function() rh.money(0.5) end)
  end)

  it("round-trips through fen and money", function()
    for _, s in ipairs({ "0.29", "1234.56", "19999.99", "-0.05", "0.10", "100.00", "4000.00" }) do
      assert.are.equal(s, rh.money(rh.fen(tonumber(s))))
      assert.are.equal(s, rh.money(rh.fen(s)))
    end
  end)
end)

describe("list helpers", function()
  local rows = {
    { student_id = 1, major_matched = 1, amount = 12.34, hours = 8 },
    { student_id = 2, major_matched = 0, amount = 0.66, hours = 7 },
    { student_id = 1, major_matched = 1, amount = nil, hours = nil },
    { student_id = nil, major_matched = nil, amount = 0.1, hours = 5.0 },
  }

  it("rh.count counts by predicate or flag field (0 is false)", function()
    assert.are.equal(4, rh.count(rows))
    assert.are.equal(2, rh.count(rows, "major_matched"))
    assert.are.equal(2, rh.count(rows, function(r) return r.hours and r.hours >= 7 end))
    assert.are.equal(0, rh.count({}, "x"))
    assert.are.equal(1, rh.count({ { f = false }, { f = true }, { f = 0 } }, "f"))
    raises("rh.count: pred must be a function or a field name", function() rh.count(rows, 5) end)
    raises("rh.count: list must be a table", function() rh.count(nil) end)
  end)

  it("rh.sum adds integers, skips nil and refuses fractions", function()
    assert.are.equal(20, rh.sum(rows, "hours"))
    assert.are.equal("integer", math.type(rh.sum(rows, "hours")))
    assert.are.equal(6, rh.sum({ 1, 2, 3 }))
    assert.are.equal(0, rh.sum({}))
    assert.are.equal(4, rh.sum(rows, function(r) return r.student_id end))
    raises("rh.sum: value 12.34 is not an integer (for money use rh.sum_fen)", function() rh.sum(rows, "amount") end)
    raises("rh.sum: integer overflow", function() rh.sum({ maxint, 1 }) end)
    raises("rh.sum: key must be a field name or a function", function() rh.sum(rows, true) end)
  end)

  it("rh.sum_fen adds money exactly in fen", function()
    assert.are.equal(1310, rh.sum_fen(rows, "amount"))
    local tenths = {}
    for i = 1, 10 do tenths[i] = 0.1 end
    assert.are.equal(100, rh.sum_fen(tenths))
    assert.are.equal(0, rh.sum_fen({}, "amount"))
    raises("rh.sum_fen: bad amount 'x'", function() rh.sum_fen({ "x" }) end)
  end)

  it("rh.distinct counts distinct non-nil values", function()
    assert.are.equal(2, rh.distinct(rows, "student_id"))
    assert.are.equal(2, rh.distinct(rows, "major_matched"))
    assert.are.equal(3, rh.distinct({ "a", "b", "a", "c" }))
    assert.are.equal(1, rh.distinct({ 1, 1.0 }))
    assert.are.equal(0, rh.distinct({}, "student_id"))
    assert.are.equal(2, rh.distinct(rows, function(r) return r.hours and r.hours > 6 end))
  end)

  it("rh.max / rh.min return the extreme value and its item", function()
    local v, item = rh.max(rows, "hours")
    assert.are.equal(8, v)
    assert.are.equal(rows[1], item)
    v, item = rh.min(rows, "hours")
    assert.are.equal(5.0, v)
    assert.are.equal(rows[4], item)
    local dates = { { d = "2023-05-01" }, { d = "2022-12-31" }, { d = nil }, { d = "2023-01-15" } }
    assert.are.equal("2023-05-01", rh.max(dates, "d"))
    assert.are.equal("2022-12-31", rh.min(dates, "d"))
    assert.is_nil(rh.max({}, "d"))
    assert.are.equal(3, rh.max({ 1, 3, 2 }))
  end)

  it("rh.list_text joins with 、 by default", function()
    assert.are.equal("A、B、C", rh.list_text({ "A", "B", "C" }))
    assert.are.equal("1, 2", rh.list_text({ 1, 2 }, ", "))
    assert.are.equal("", rh.list_text({}))
    assert.are.equal("", rh.list_text(nil))
    raises("rh.list_text: list must be a table", function() rh.list_text("x") end)
  end)
end)

-- The hot functions have fast paths (cached ratios and dates, memoized results, integer
-- arithmetic instead of string work) in front of the general code. These cases sit on their
-- boundaries: each side of a boundary must give the same answer as the general path.
describe("fast path boundaries", function()
  local SAFE = 3037000499   -- products of factors within +-SAFE cannot overflow

  it("rh.fen of floats near a half fen falls back to the exact decimal", function()
    assert.are.equal(101, rh.fen(1.005))    -- 100.49999999999999 as a float product
    assert.are.equal(-101, rh.fen(-1.005))
    assert.are.equal(268, rh.fen(2.675))
    assert.are.equal(2, rh.fen(0.015))
    assert.are.equal(1, rh.fen(0.005))
    assert.are.equal(-1, rh.fen(-0.005))
    assert.are.equal(100, rh.fen(1.0049))
    assert.are.equal(101, rh.fen(1.0051))
    assert.are.equal(100, rh.fen(1.00499999))
    assert.are.equal(10000000000, rh.fen(99999999.995))
    assert.are.equal(0, rh.fen(-0.001))
    assert.are.equal(0, rh.fen(-0.0))
    assert.are.equal("integer", math.type(rh.fen(-0.0)))
    assert.are.equal("integer", math.type(rh.fen(1.005)))
  end)

  it("rh.fen of floats at the edge of the fast range (2^40 fen)", function()
    assert.are.equal(1099511627775, rh.fen(10995116277.75))   -- just inside
    assert.are.equal(1099511627776, rh.fen(10995116277.76))   -- 2^40: the exact path
    assert.are.equal(1099511627777, rh.fen(10995116277.77))
    assert.are.equal(-1099511627775, rh.fen(-10995116277.75))
    assert.are.equal(-1099511627776, rh.fen(-10995116277.76))
    assert.are.equal(-12345678901234, rh.fen(-123456789012.34))
    assert.are.equal(9999999999999, rh.fen(99999999999.99))
    assert.are.equal(100000000000000000, rh.fen(-(-1e15)))
    assert.are.equal(-100000000000000000, rh.fen(-1e15))
    assert.are.equal("integer", math.type(rh.fen(10995116277.76)))
  end)

  it("rh.fen of integers up to +-(maxint // 100) yuan", function()
    assert.are.equal(maxint // 100 * 100, rh.fen(maxint // 100))
    assert.are.equal(-(maxint // 100) * 100, rh.fen(-(maxint // 100)))
    raises("rh.fen: bad amount 92233720368547759 (too large)", function() rh.fen(maxint // 100 + 1) end)
    raises("rh.fen: bad amount -92233720368547759 (too large)", function() rh.fen(-(maxint // 100) - 1) end)
    raises("rh.fen: bad amount", function() rh.fen(minint) end)
  end)

  it("rh.fen of decimal strings: short plain decimals, and the exact path for the rest", function()
    assert.are.equal(101, rh.fen("1.005"))
    assert.are.equal(-101, rh.fen("-1.005"))
    assert.are.equal(10000000000, rh.fen("99999999.995"))
    assert.are.equal(1200, rh.fen("12."))
    assert.are.equal(50, rh.fen(".5"))
    assert.are.equal(0, rh.fen("-0.00"))
    assert.are.equal(0, rh.fen("-0"))
    assert.are.equal(1250, rh.fen("00012.50"))
    assert.are.equal(1250, rh.fen("0000000000000000000012.50"))   -- longer than 18 characters
    assert.are.equal(10000, rh.fen("1e2"))
    assert.are.equal(100, rh.fen("1.00499999999999999"))   -- 19 characters: not through a float
    assert.are.equal(12, rh.fen("0.1249999999999999"))    -- 18 characters, next to a tie
    assert.are.equal(13, rh.fen("0.12500000000000001"))
    assert.are.equal(12345678901234567, rh.fen("123456789012345.67"))   -- 18 characters, > 2^40 fen
    assert.are.equal(9223372036854775800, rh.fen("92233720368547758"))
    assert.are.equal(-9223372036854775800, rh.fen("-92233720368547758"))
    raises("rh.fen: bad amount '92233720368547759' (too large)", function() rh.fen("92233720368547759") end)
    raises("rh.fen: bad amount '-92233720368547759' (too large)", function() rh.fen("-92233720368547759") end)
    raises("rh.fen: bad amount '1234567890123456789.5' (too many digits)", function() rh.fen("1234567890123456789.5") end)
    raises("rh.fen: bad amount '0x10'", function() rh.fen("0x10") end)
    raises("rh.fen: bad amount '1e-2000' (exponent out of range)", function() rh.fen("1e-2000") end)
    raises("rh.fen: bad amount '1,5'", function() rh.fen("1,5") end)
    -- a cached string gives the same answer again
    assert.are.equal(29, rh.fen("0.29"))
    assert.are.equal(29, rh.fen("0.29"))
    assert.are.equal(29, rh.sum_fen({ "0.29" }))
  end)

  it("rh.money at each width of the digit tables", function()
    local cases = {
      [0] = "0.00", [99] = "0.99", [100] = "1.00", [9999] = "99.99", [10000] = "100.00",
      [999999] = "9999.99", [1000000] = "10000.00", [99999999] = "999999.99",
      [100000000] = "1000000.00", [9999999999] = "99999999.99", [10000000000] = "100000000.00",
      [1234567890123] = "12345678901.23",
    }
    for fen, text in pairs(cases) do
      assert.are.equal(text, rh.money(fen))
      assert.are.equal(text, rh.money(fen))   -- cached
      if fen > 0 then assert.are.equal("-" .. text, rh.money(-fen)) end
    end
    assert.are.equal("-0.01", rh.money(-1))
    assert.are.equal("-92233720368547758.07", rh.money(minint + 1))
    assert.are.equal("12.00", rh.money(1200))
    assert.are.equal("12.00", rh.money(1200.0))   -- after the integer was cached
    assert.are.equal("0.00", rh.money(-0.0))
    raises("rh.money: fen must be an integer, got 1200.5", function() rh.money(1200.5) end)
    raises("rh.money: fen must be an integer, got '1200'", function() rh.money("1200") end)
  end)

  it("rh.percent at the edges of its fast path", function()
    local big = maxint // 1000000   -- 9223372036854: 10^6*a still fits
    assert.are.equal("100.0000", rh.percent(big, big))
    assert.are.equal("100.0000", rh.percent(big + 1, big + 1))
    assert.are.equal("922337203685400.0000", rh.percent(big, 1))
    assert.are.equal("-922337203685400.0000", rh.percent(-big, 1))
    assert.are.equal("922337203685500.0000", rh.percent(big + 1, 1))
    assert.are.equal("99.9999", rh.percent(999999, 1000000))
    assert.are.equal("9999.9900", rh.percent(999999, 10000))
    assert.are.equal("10000.0000", rh.percent(100, 1))
    assert.are.equal("99999900.0000", rh.percent(999999, 1))
    assert.are.equal("99999999.0000", rh.percent(99999999, 100))
    assert.are.equal("100000000.0000", rh.percent(1000000, 1))
    assert.are.equal("0.0000", rh.percent(-1, 1000001))
    assert.are.equal("0.0000", rh.percent(0, -5))
    assert.are.equal("33.3333", rh.percent(1, 3))
    assert.are.equal("-33.3333", rh.percent(1, -3))   -- cached separately from 33.3333
    assert.are.equal("33.3333", rh.percent(-1, -3))
    assert.are.equal("-0.0001", rh.percent(-1, 1000000))
    assert.are.equal("60.0000", rh.percent(6.0, 10))
    raises("rh.percent: integer overflow", function() rh.percent(1, minint) end)
    raises("rh.percent: a must be an integer, got '1'", function() rh.percent("1", 3) end)
  end)

  it("compares and multiplies exactly on both sides of the overflow-free ranges", function()
    assert.is_true(rh.at_least(SAFE + 1, 5061667500, "60%"))   -- 3037000500*5 == 5061667500*3
    assert.is_false(rh.at_least(SAFE, 5061667500, "60%"))
    assert.is_true(rh.at_most(SAFE, 5061667500, "60%"))
    assert.is_false(rh.less_than(SAFE + 1, 5061667500, "60%"))
    assert.is_true(rh.more_than(-SAFE, -SAFE - 1, "100%"))
    assert.is_true(rh.at_least(SAFE, SAFE, "3037000499/3037000500"))   -- num, den near SAFE
    assert.is_false(rh.more_than(SAFE - 1, SAFE, "3037000499/3037000500"))
    raises("rh.at_least: integer overflow", function() rh.at_least(SAFE + 2, SAFE, "3037000499/3037000500") end)
    assert.are.equal(1518500249, rh.floor_mul(SAFE, "1/2"))
    assert.are.equal(1518500250, rh.ceil_mul(SAFE, "1/2"))
    assert.are.equal(1518500250, rh.floor_mul(SAFE + 1, "1/2"))
    assert.are.equal(-1518500250, rh.ceil_mul(-SAFE - 1, "1/2"))
    assert.are.equal(-1518500250, rh.floor_mul(-SAFE, "1/2"))
    assert.are.equal(1518500250, rh.round_mul(SAFE, "1/2"))         -- .5 rounds up
    assert.are.equal(-1518500250, rh.round_mul(-SAFE, "1/2"))       -- and away from zero
    assert.are.equal(1518500250, rh.round_mul(SAFE + 1, "1/2"))
    assert.are.equal(maxint, rh.floor_mul(maxint, "1/1"))
    assert.are.equal(1000000, rh.round_mul(1000000, "100%"))
    -- the fast path's bounds: a, b, n in [-2^40, 2^40), num in [-2^22, 2^22), den < 2^23
    local B = 1 << 40
    assert.is_true(rh.at_least(659706976665, B - 1, "60%"))           -- 3*(2^40-1)/5 exactly
    assert.is_false(rh.at_least(659706976664, B - 1, "60%"))
    assert.is_true(rh.at_least(659706976668, B + 4, "60%"))           -- b beyond: general path
    assert.is_false(rh.at_least(659706976667, B + 4, "60%"))
    assert.is_true(rh.at_least(-549755813888, -B, "1/2"))             -- -2^40 is inside
    assert.is_false(rh.more_than(-549755813888, -B, "1/2"))
    assert.is_true(rh.at_least(549755813888, B, "1/2"))                -- 2^40 is outside
    assert.is_false(rh.less_than(549755813888, B, "1/2"))
    assert.is_true(rh.at_least(B - 1, 1, "1/8388607"))    -- a*den = 2^63 - 2^40 - 2^23 + 1
    assert.is_false(rh.at_least(-B, -1, "1/8388607"))     -- a*den = -2^63 + 2^40
    assert.is_true(rh.less_than(-B, -1, "1/8388607"))
    assert.is_false(rh.at_most(B - 1, 1, "1/8388608"))     -- den = 2^23: general path, fits
    raises("rh.at_most: integer overflow", function() rh.at_most(B, 1, "1/8388608") end)  -- 2^63
    assert.are.equal(1099511365631, rh.floor_mul(B - 1, "4194303/4194304"))
    assert.are.equal(1099511365632, rh.ceil_mul(B - 1, "4194303/4194304"))
    assert.are.equal(1099511365631, rh.round_mul(B - 1, "4194303/4194304"))
    assert.are.equal(-1099511365632, rh.floor_mul(-B, "4194303/4194304"))
    assert.are.equal(-1099511365632, rh.ceil_mul(-B, "4194303/4194304"))
    assert.are.equal(-1099511365632, rh.round_mul(-B, "4194303/4194304"))
    assert.are.equal(1099511365632, rh.floor_mul(B, "4194303/4194304"))
    assert.are.equal(1099511365633, rh.ceil_mul(B, "4194304/4194305"))   -- num = 2^22: general
    assert.are.equal(-1099511365633, rh.round_mul(-B - 1, "4194304/4194305"))
    assert.are.equal(1 << 62, rh.floor_mul(-B, "-4194304/1"))              -- num = -2^22 is inside
    assert.are.equal(131072, rh.floor_mul(B - 1, "1/8388607"))
    assert.are.equal(131073, rh.ceil_mul(B - 1, "1/8388607"))
    assert.are.equal(131072, rh.floor_mul(B, "1/8388608"))
    assert.are.equal(-131072, rh.ceil_mul(-B, "1/8388608"))
    raises("rh.floor_mul: integer overflow", function() rh.floor_mul(B * 4, "-4194304/1") end)
    -- floats and ratio tables take the general path
    assert.is_true(rh.at_least(6.0, 10, "60%"))
    raises("rh.at_least: a must be an integer, got 6.5", function() rh.at_least(6.5, 10, "60%") end)
    raises("rh.ceil_mul: n must be an integer, got '7'", function() rh.ceil_mul("7", "60%") end)
    assert.are.equal(2, rh.ceil_mul(70, { num = 1, den = 50 }))
    raises("rh.ceil_mul: bad ratio", function() rh.ceil_mul(70, { num = 1, den = 0 }) end)
  end)

  it("memoized dates give the same answers, and bad arguments still raise at the caller", function()
    assert.are.equal("2021-02-28", rh.add_years("2020-02-29", 1))
    assert.are.equal("2021-02-28", rh.add_years("2020-02-29", 1))     -- memoized
    assert.are.equal("2021-02-28", rh.add_years("2020-02-29", 1.0))   -- the same key
    raises("rh.add_years: n must be an integer, got 1.5", function() rh.add_years("2020-02-29", 1.5) end)
    raises("rh.add_years: bad date '2021-02-29'", function() rh.add_years("2021-02-29", 1) end)
    assert.are.equal("2023-06-30", rh.iso(19538))
    assert.are.equal("2023-06-30", rh.iso(19538.0))
    raises("rh.iso: day number must be an integer, got 19538.5", function() rh.iso(19538.5) end)
    assert.is_true(rh.in_last_years("2020-07-01", "2023-06-30", 3))
    assert.is_true(rh.in_last_years("2020-07-01", "2023-06-30", 3.0))
    assert.is_false(rh.in_last_years("2020-06-30", "2023-06-30", 3))
    raises("rh.in_last_years: n must be an integer, got 3.5", function() rh.in_last_years("2020-07-01", "2023-06-30", 3.5) end)
    raises("rh.in_last_years: bad date '2020-02-30'", function() rh.in_last_years("2020-02-30", "2023-06-30", 3) end)
    assert.are.equal(16, rh.age("2004-02-29", "2020-02-29"))
    assert.are.equal(16, rh.age("2004-02-29", "2020-02-29"))
    raises("rh.age: date '2004-02-28' is before birth '2004-02-29'", function() rh.age("2004-02-29", "2004-02-28") end)
    assert.is_false(rh.active("2023-01-01", false and "x" or "2023-06-30", "2023-07-01"))
    raises("rh.active: bad date false", function() rh.active("2023-01-01", false, "2023-01-01") end)
    raises("rh.overlaps: bad date false", function() rh.overlaps("2023-01-01", false, "2023-01-01", nil) end)
  end)

  it("stays correct after its caches start over (more than 4096 dates)", function()
    local first = rh.day("1990-01-01")
    for z = first, first + 12000 do
      local s = rh.iso(z)
      if rh.day(s) ~= z or rh.add_years(s, 0) ~= s or rh.age(s, s) ~= 0
         or not rh.in_last_years(s, s, 1) or not rh.active(s, s, s) then
        assert.are.equal(z, rh.day(s))
        assert.are.equal(s, rh.add_years(s, 0))
        assert.are.equal(0, rh.age(s, s))
        assert.is_true(rh.in_last_years(s, s, 1))
        assert.is_true(rh.active(s, s, s))
      end
    end
    for i = 1, 5000 do
      assert.are.equal(i, rh.fen(("%d.%02d"):format(i // 100, i % 100)))
      if rh.money(i) ~= ("%d.%02d"):format(i // 100, i % 100) then
        assert.are.equal(("%d.%02d"):format(i // 100, i % 100), rh.money(i))
      end
      if rh.percent(i, 7) ~= rh.percent(i * 3, 21) then
        assert.are.equal(rh.percent(i, 7), rh.percent(i * 3, 21))
      end
    end
    assert.are.equal("2021-02-28", rh.add_years("2020-02-29", 1))
    assert.are.equal("14.2857", rh.percent(1, 7))
  end)

  it("keeps texts apart whose keys share a cache slot", function()
    -- money and percent texts are cached in 1024 slots by key % 1024: these keys collide
    for _, k in ipairs({ 5, 5 + 1024, 5 - 1024, -5, 5 + 1024 * 1000, 5 }) do
      assert.are.equal(("%s%d.%02d"):format(k < 0 and "-" or "", math.abs(k) // 100, math.abs(k) % 100),
        rh.money(k))
    end
    assert.are.equal("0.0001", rh.percent(1, 1000000))      -- key 1
    assert.are.equal("0.1025", rh.percent(1025, 1000000))   -- key 1025, the same slot
    assert.are.equal("-0.1023", rh.percent(-1023, 1000000)) -- key -1023, the same slot
    assert.are.equal("0.0001", rh.percent(1, 1000000))
    assert.are.equal("-0.1023", rh.percent(1023, -1000000))
  end)
end)
