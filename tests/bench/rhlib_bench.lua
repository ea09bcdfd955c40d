-- Micro-benchmark of the hot functions of core/lua/rhlib.lua (not a test).
--
--   cd /work/main && lua5.4 tests/bench/rhlib_bench.lua [path/to/rhlib.lua] [filter]
--
-- Prints the CPU time per call in ns, the best of several runs (the machine may be noisy).
-- The figures include the loop and the call itself: see the "empty function call" line.
-- The library is found through RONGHE_SOURCE_DIR, else relative to this script; an explicit
-- path (e.g. an older copy) may be given as the first argument, to compare two versions.
-- A second argument keeps only the cases whose name contains it (a plain substring).
-- Environment: RH_BENCH_RUNS (runs per case, default 7), RH_BENCH_SECONDS (length of a run,
-- default 0.05), RH_BENCH_ITER (see below).
--
-- Cases with constant arguments measure the fast paths (rules repeat dates, ratios and amounts
-- for every subject); "varied" cases cycle through 1024 values, which stay cached; "unique" and
-- "20000 distinct" cases defeat the caches and measure the paths taken on a miss.

local script_dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
local lib_path = arg and arg[1]
if not lib_path or lib_path == "" then
  local src = os.getenv("RONGHE_SOURCE_DIR")
  lib_path = src and (src .. "/core/lua/rhlib.lua") or (script_dir .. "/../../core/lua/rhlib.lua")
end
local filter = arg and arg[2]
local rh = dofile(lib_path)

local clock = os.clock
local RUNS = tonumber(os.getenv("RH_BENCH_RUNS")) or 7
local TARGET = tonumber(os.getenv("RH_BENCH_SECONDS")) or 0.05   -- seconds per run
-- RH_BENCH_ITER=n runs each case exactly n times, once, and prints nothing else: for counting
-- instructions (valgrind) on a noisy machine, where timings are unreliable.
local ITER = tonumber(os.getenv("RH_BENCH_ITER"))

-- Data for the cases that vary their arguments (deterministic).
local N_DATA = 1024
local amounts, amount_texts, ints, dates, day_numbers = {}, {}, {}, {}, {}
-- 20000 distinct dates (1970-01-01 on), more than any of rhlib's caches holds: cycling through
-- them measures the paths taken when a cache misses.
local N_MANY = 20000
local many_dates = {}
for i = 1, N_MANY do many_dates[i] = rh.iso(i - 1) end
do
  local seed = 12345
  local function rand(m)   -- a small LCG, so every run and version sees the same data
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % m
  end
  for i = 1, N_DATA do
    local fen = rand(100000000)                       -- up to 1,000,000.00 yuan
    amounts[i] = fen / 100
    amount_texts[i] = string.format("%d.%02d", fen // 100, fen % 100)
    ints[i] = rand(100000)
    local z = rh.day("2000-01-01") + rand(9000)
    day_numbers[i] = z
    dates[i] = rh.iso(z)
  end
end

-- Each case runs its loop n times; the loops are written out so that the call dominates.
local cases = {
  { "empty function call", function(n)
      local f = function() end
      for _ = 1, n do f(12345.67) end
    end },
  { "fen(12345.67)", function(n)
      local f = rh.fen
      for _ = 1, n do f(12345.67) end
    end },
  { "fen(12345)", function(n)
      local f = rh.fen
      for _ = 1, n do f(12345) end
    end },
  { "fen(varied 2-decimal floats)", function(n)
      local f, a, m = rh.fen, amounts, N_DATA - 1
      for i = 1, n do f(a[(i & m) + 1]) end
    end },
  { "fen('12345.67')", function(n)
      local f = rh.fen
      for _ = 1, n do f("12345.67") end
    end },
  { "fen(varied decimal strings)", function(n)
      local f, a, m = rh.fen, amount_texts, N_DATA - 1
      for i = 1, n do f(a[(i & m) + 1]) end
    end },
  { "yuan(1234567)", function(n)
      local f = rh.yuan
      for _ = 1, n do f(1234567) end
    end },
  { "money(1234567)", function(n)
      local f = rh.money
      for _ = 1, n do f(1234567) end
    end },
  { "money(unique values)", function(n)
      local f = rh.money
      for i = 1, n do f(123456789 + i) end
    end },
  { "money(-5)", function(n)
      local f = rh.money
      for _ = 1, n do f(-5) end
    end },
  { "ratio('60%')", function(n)
      local f = rh.ratio
      for _ = 1, n do f("60%") end
    end },
  { "ratio(0.6)", function(n)
      local f = rh.ratio
      for _ = 1, n do f(0.6) end
    end },
  { "at_least(6000, 10000, '60%')", function(n)
      local f = rh.at_least
      for _ = 1, n do f(6000, 10000, "60%") end
    end },
  { "at_least(i, 10000, 0.6)", function(n)
      local f = rh.at_least
      for i = 1, n do f(i, 10000, 0.6) end
    end },
  { "at_most(i, 49, '10%')", function(n)
      local f = rh.at_most
      for i = 1, n do f(i, 49, "10%") end
    end },
  { "more_than(i, 10000, '60%')", function(n)
      local f = rh.more_than
      for i = 1, n do f(i, 10000, "60%") end
    end },
  { "less_than(i, 10000, '60%')", function(n)
      local f = rh.less_than
      for i = 1, n do f(i, 10000, "60%") end
    end },
  { "ceil_mul(i, '2%')", function(n)
      local f = rh.ceil_mul
      for i = 1, n do f(i, "2%") end
    end },
  { "floor_mul(i, '10%')", function(n)
      local f = rh.floor_mul
      for i = 1, n do f(i, "10%") end
    end },
  { "round_mul(i, '30%')", function(n)
      local f = rh.round_mul
      for i = 1, n do f(i, "30%") end
    end },
  { "percent(599999, 1000000)", function(n)
      local f = rh.percent
      for _ = 1, n do f(599999, 1000000) end
    end },
  { "percent(varied, 100000)", function(n)
      local f, a, m = rh.percent, ints, N_DATA - 1
      for i = 1, n do f(a[(i & m) + 1], 100000) end
    end },
  { "percent(unique values)", function(n)
      local f = rh.percent
      for i = 1, n do f(i, 1000003) end   -- a new percent (nearly) every call
    end },
  { "day('2023-06-30')", function(n)
      local f = rh.day
      for _ = 1, n do f("2023-06-30") end
    end },
  { "day(varied dates)", function(n)
      local f, a, m = rh.day, dates, N_DATA - 1
      for i = 1, n do f(a[(i & m) + 1]) end
    end },
  { "day(20000 distinct dates)", function(n)
      local f, a = rh.day, many_dates
      for i = 1, n do f(a[i % N_MANY + 1]) end
    end },
  { "iso(19538)", function(n)
      local f = rh.iso
      for _ = 1, n do f(19538) end
    end },
  { "iso(varied day numbers)", function(n)
      local f, a, m = rh.iso, day_numbers, N_DATA - 1
      for i = 1, n do f(a[(i & m) + 1]) end
    end },
  { "add_years('2023-06-30', -3)", function(n)
      local f = rh.add_years
      for _ = 1, n do f("2023-06-30", -3) end
    end },
  { "add_years(varied dates, 16)", function(n)
      local f, a, m = rh.add_years, dates, N_DATA - 1
      for i = 1, n do f(a[(i & m) + 1], 16) end
    end },
  { "add_years(20000 distinct, 16)", function(n)
      local f, a = rh.add_years, many_dates
      for i = 1, n do f(a[i % N_MANY + 1], 16) end
    end },
  { "active(s, e, d)", function(n)
      local f = rh.active
      for _ = 1, n do f("2023-01-01", "2023-12-31", "2023-06-30") end
    end },
  { "active(s, nil, d)", function(n)
      local f = rh.active
      for _ = 1, n do f("2023-01-01", nil, "2023-06-30") end
    end },
  { "overlaps(s1, e1, s2, e2)", function(n)
      local f = rh.overlaps
      for _ = 1, n do f("2023-01-01", "2023-01-31", "2023-01-31", "2023-02-28") end
    end },
  { "age('2007-06-15', '2023-06-30')", function(n)
      local f = rh.age
      for _ = 1, n do f("2007-06-15", "2023-06-30") end
    end },
  { "age(varied births, as_of)", function(n)
      local f, a, m = rh.age, dates, N_DATA - 1
      for i = 1, n do f(a[(i & m) + 1], "2025-06-30") end
    end },
  { "age(20000 distinct births, as_of)", function(n)
      local f, a = rh.age, many_dates
      for i = 1, n do f(a[i % N_MANY + 1], "2030-06-30") end
    end },
  { "active(20000 distinct d)", function(n)
      local f, a = rh.active, many_dates
      for i = 1, n do f("1990-01-01", "2010-12-31", a[i % N_MANY + 1]) end
    end },
  { "in_last_years(d, as_of, 3)", function(n)
      local f = rh.in_last_years
      for _ = 1, n do f("2021-03-01", "2023-06-30", 3) end
    end },
  { "in_last_years(varied, as_of, 3)", function(n)
      local f, a, m = rh.in_last_years, dates, N_DATA - 1
      for i = 1, n do f(a[(i & m) + 1], "2023-06-30", 3) end
    end },
  { "in_last_years(20000 distinct d)", function(n)
      local f, a = rh.in_last_years, many_dates
      for i = 1, n do f(a[i % N_MANY + 1], "2023-06-30", 3) end
    end },
}

-- The number of iterations that takes about TARGET seconds.
local function calibrate(run)
  local n = 1000
  while true do
    local t0 = clock()
    run(n)
    local dt = clock() - t0
    if dt >= TARGET / 4 then return math.max(1000, math.floor(n * TARGET / dt)) end
    n = n * 4
  end
end

if ITER then
  for _, c in ipairs(cases) do
    if not filter or c[1]:find(filter, 1, true) then c[2](ITER) end
  end
  return
end

print(("rhlib micro-benchmark: %s (best of %d runs, ns per call)"):format(lib_path, RUNS))
for _, c in ipairs(cases) do
  local name, run = c[1], c[2]
  if not filter or name:find(filter, 1, true) then
    local n = calibrate(run)
    local best = math.huge
    for _ = 1, RUNS do
      collectgarbage("step", 0)
      local t0 = clock()
      run(n)
      local dt = clock() - t0
      if dt < best then best = dt end
    end
    print(("%-36s %8.1f"):format(name, best / n * 1e9))
  end
end
