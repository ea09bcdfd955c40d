--[[ rhlib.lua: the `rh` library that rule scripts use for exact arithmetic and dates.

This file returns one table of pure functions. It runs inside the worker's sandbox, so it uses
no io, os, require, load, debug or metatables, and it defines no globals. The contract is the
section "The `rh` library" of rules/README.md. Everything listed there is implemented exactly as
written, and a few compatible extensions are marked (+) below.

Conventions
  * A date is an ISO string 'YYYY-MM-DD' (years 0001..9999). A day number is the count of
    days since 1970-01-01, computed with Howard Hinnant's days-from-civil algorithm, so time
    zones never matter. A month is 'YYYY-MM'.
  * A bad argument (an invalid date, a non-integer where an integer is needed, a product that
    does not fit in 64 bits) raises an error that points at the rule's line:
    "rules/x.lua:12: rh.add_years: bad date '2023-02-30'". The rule then gets ERROR rather
    than a wrong answer. nil is accepted only where noted (open ends, fen/yuan/money).
  * Arithmetic uses Lua integers only. A ratio is a table {num=, den=} with den > 0, reduced by
    the gcd. Treat it as read-only, because ratios parsed from numbers and strings are cached
    and shared. Wherever a ratio is expected (r), you may pass 0.6, "0.60", "60%", "2.5%",
    "1/3" or a ratio table.
  * Money is integer fen. rh.fen converts yuan (as stored in the database) to fen exactly.
  * Speed: rules call these functions for every subject, with the same few dates, ratios and
    amounts. So the hot functions first try a fast path: a lookup in a bounded cache (dates,
    ratios, add_years and in_last_years results, fen of strings, money and percent texts) or
    plain integer arithmetic where no product can overflow. Whatever the fast path does not
    cover takes the general, checked code, so results and errors are the same either way.
    Benchmark: tests/bench/rhlib_bench.lua.

Dates
  rh.day(d) -> integer               rh.iso(n) -> 'YYYY-MM-DD'
  rh.is_date(x) -> boolean (+)       true if x is a valid ISO date string; never raises
  rh.add_days(d, n)                  rh.add_months(d, n) (clamped to the month's last day)
  rh.add_years(d, n)                 Feb-29 -> Feb-28 in a common year
  rh.days_between(a, b) -> b - a
  rh.active(start, stop, d)          start <= d <= stop; stop nil = open
  rh.overlaps(s1, e1, s2, e2)        inclusive intervals share a day; nil end = open
  rh.union_days(list, from, to)      days covered by the union, clipped to [from, to]
  rh.gaps(list, from, to)            uncovered stretches of [from, to]: { {from=, to=}, ... }
      An interval is {start, stop} or a table with one of these pairs of fields (+):
      start/stop, from/to, start_date/end_date, valid_from/valid_to, cover_start/cover_end.
      So rows from the database can be passed as they are. A nil stop is open, and then
      `to` is required. An interval whose stop < start covers no day. from may be nil in
      union_days (no lower clip). Both from and to are required in gaps.
  rh.age(birth, d)                   completed years; age n is reached on add_years(birth, n);
                                     raises if d < birth
  rh.in_last_years(d, as_of, n)      add_years(as_of, -n) < d <= as_of   ("近n年")
  rh.weekday(d) -> 1 (Mon) .. 7 (Sun)
  rh.iso_week(d) -> "2020-W53"       ISO-8601 week (the year is that of the week's Thursday)
  rh.month_of(d) -> "YYYY-MM"        rh.year_of(d) -> integer
  rh.days_in_month(m), rh.month_first(m), rh.month_last(m)
      m is 'YYYY-MM', or also a full date, in which case its month is used (+)
  rh.months(a, b) -> {"YYYY-MM", ...} (+)  every month from a's through b's (dates or months)
  rh.fmt_date(d) -> "2023年6月30日" (+)

Exact numbers (a, b, n are integers; an integral float such as 5.0 is accepted, 5.5 raises)
  rh.ratio(x) -> {num=, den=}
  rh.at_least(a, b, r)   a >= r*b   (a*den >= b*num)    rh.at_most(a, b, r)   a <= r*b
  rh.more_than(a, b, r)  a >  r*b                       rh.less_than(a, b, r) a <  r*b
  rh.ceil_mul(n, r) / rh.floor_mul(n, r)   ceil(n*r) / floor(n*r): 70 x 2% -> 2, 49 x 10% -> 4
  rh.round_mul(n, r)     n*r rounded half up. A tie goes away from zero (四舍五入), which is
                         the same as half up for n*r >= 0.
  rh.percent(a, b)       100*a/b truncated toward zero to 4 decimals, as a string
                         ("59.9999", "-33.3333"). Returns nil if b == 0.
  rh.fen(yuan)           nil -> nil; integer -> yuan*100; float or decimal string -> fen,
                         exact for values with <= 2 decimals (0.29 -> 29, 0.1+0.2 -> 30).
                         More decimals are rounded half up (ties away from zero).
  rh.yuan(fen)           nil -> nil; fen/100 as a float (for display only)
  rh.money(fen)          nil -> nil; "1234.50", "-0.05"

Lists (+). key is a field name, a function(item) -> value, or nil (the item itself).
  rh.count(list, pred)   pred: a function(item) -> truthy, or a field name. With a field
                         name an item counts if the field is neither nil, false nor 0 (SQLite
                         flags are 0/1). nil counts every item.
  rh.sum(list, key)      sum of integer values. nil values are skipped and overflow raises.
                         A non-integral value raises: for money use rh.sum_fen.
  rh.sum_fen(list, key)  sum of rh.fen(value) over non-nil values, as integer fen
  rh.distinct(list, key) the number of distinct non-nil values
  rh.max(list, key) / rh.min(list, key) -> value, item   largest / smallest non-nil value
                         (numbers, or ISO dates, which compare as strings). nil if none.
  rh.list_text(t, sep)   the items joined with sep (default "、"), each converted with tostring
]]

local type, tostring, tonumber, error = type, tostring, tonumber, error
local ipairs = ipairs
local math_type, tointeger = math.type, math.tointeger
local huge = math.huge
local maxint, minint = math.maxinteger, math.mininteger
local byte, find, format, match = string.byte, string.find, string.format, string.match
local sub, rep, gsub = string.sub, string.rep, string.gsub
local concat, sort = table.concat, table.sort

local rh = {}

---------------------------------------------------------------------------------------------
-- Errors must point at the rule's line, not at this file. A raising helper called directly by
-- a public function (never as a tail call, which would drop the rh.x frame) uses level 3:
-- 1 = helper, 2 = rh.x, 3 = the caller of rh.x. bad_date and overflow take the level because
-- they are also called one frame deeper (from D, Dopen, mul, add), where it is 4.
---------------------------------------------------------------------------------------------

local function show(x)
  if type(x) == "string" then return "'" .. x .. "'" end
  return tostring(x)
end

local function bad_date(who, d, level)
  error(who .. ": bad date " .. show(d), level or 3)
end

local function overflow(who, level)
  error(who .. ": integer overflow (result does not fit in 64 bits)", level or 3)
end

-- An integer argument. An integral float (5.0) is converted, anything else raises.
local function int(x, who, what)
  if math_type(x) == "integer" then return x end
  local i = math_type(x) == "float" and tointeger(x)
  if not i then
    error(who .. ": " .. (what or "argument") .. " must be an integer, got " .. show(x), 3)
  end
  return i
end

-- x*y, raising instead of wrapping around. Products of factors below sqrt(2^63) are safe
-- (the common case), so only larger ones pay for the division.
local SAFE = 3037000499
local function mul(x, y, who)
  if x <= SAFE and x >= -SAFE and y <= SAFE and y >= -SAFE then return x * y end
  if x == 0 or y == 0 then return 0 end
  if x == minint or y == minint then overflow(who, 4) end
  local ax, ay = x < 0 and -x or x, y < 0 and -y or y
  if ax > maxint // ay then overflow(who, 4) end
  return x * y
end

local function add(x, y, who)
  if (y > 0 and x > maxint - y) or (y < 0 and x < minint - y) then overflow(who, 4) end
  return x + y
end

---------------------------------------------------------------------------------------------
-- Calendar arithmetic (proleptic Gregorian, day numbers relative to 1970-01-01)
---------------------------------------------------------------------------------------------

local DIM = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

local function is_leap(y)
  return y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)
end

local function dim(y, m)
  if m == 2 and is_leap(y) then return 29 end
  return DIM[m]
end

-- Hinnant's days_from_civil: the year starts on March 1 so that Feb-29 is the last day.
local function from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

-- Hinnant's civil_from_days: the inverse of from_civil.
local function to_civil(z)
  z = z + 719468
  local era = z // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local MIN_DAY = from_civil(1, 1, 1)        -- 0001-01-01
local MAX_DAY = from_civil(9999, 12, 31)   -- 9999-12-31

-- y, m, d of a valid ISO date string, or nil. Reads the bytes directly: this is about twice as
-- fast as a pattern match and allocates nothing.
local function ymd(s)
  if type(s) ~= "string" or #s ~= 10 then return nil end
  local y1, y2, y3, y4, h1, m1, m2, h2, d1, d2 = byte(s, 1, 10)
  y1, y2, y3, y4 = y1 - 48, y2 - 48, y3 - 48, y4 - 48
  m1, m2, d1, d2 = m1 - 48, m2 - 48, d1 - 48, d2 - 48
  -- Each must be a digit 0..9. The mask rejects negatives and values >= 16 in one test.
  if h1 ~= 45 or h2 ~= 45 or ((y1 | y2 | y3 | y4 | m1 | m2 | d1 | d2) & -16) ~= 0
     or y1 > 9 or y2 > 9 or y3 > 9 or y4 > 9 or m1 > 9 or m2 > 9 or d1 > 9 or d2 > 9 then
    return nil
  end
  local y, m, d = y1 * 1000 + y2 * 100 + y3 * 10 + y4, m1 * 10 + m2, d1 * 10 + d2
  if y < 1 or m < 1 or m > 12 or d < 1 or d > dim(y, m) then return nil end
  return y, m, d
end

-- Dates seen recently. Rules compare the same few dates (as_of, the year's bounds, common start
-- dates) for every subject, so a lookup usually replaces the parse. Three caches, each filled
-- only by the functions that need it, so that a miss costs one insertion: day_cache[s] = day
-- number, ymd_cache[s] = y << 9 | m << 5 | d (valid dates only), iso_cache[z] = ISO text. Each
-- starts over when full, which bounds its memory. The hot public functions read the caches
-- directly and fall back to the checked code (which raises) on a miss.
local day_cache, day_cached, ymd_cache, ymd_cached, DAY_CACHE_MAX = {}, 0, {}, 0, 4096
local iso_cache, iso_cached = {}, 0

-- The day number of a date, or nil if it is not a valid date.
local function parse(s)
  local z = day_cache[s]
  if z then return z end
  local y, m, d = ymd(s)
  if not y then return nil end
  z = from_civil(y, m, d)
  if day_cached >= DAY_CACHE_MAX then day_cache, day_cached = {}, 0 end
  day_cache[s], day_cached = z, day_cached + 1
  return z
end

-- y << 9 | m << 5 | d of a date, or nil if it is not a valid date.
local function ymd_packed(s)
  local p = ymd_cache[s]
  if p then return p end
  local y, m, d = ymd(s)
  if not y then return nil end
  p = y << 9 | m << 5 | d
  if ymd_cached >= DAY_CACHE_MAX then ymd_cache, ymd_cached = {}, 0 end
  ymd_cache[s], ymd_cached = p, ymd_cached + 1
  return p
end

-- y, m, d of a valid date (through the cache), or nil.
local function ymdc(s)
  local p = ymd_cache[s] or ymd_packed(s)
  if not p then return nil end
  return p >> 9, p >> 5 & 15, p & 31
end

-- A date's day number, raising on a bad date (called directly by public functions only).
local function D(s, who)
  local z = parse(s)
  if not z then bad_date(who, s, 4) end
  return z
end

-- A date's day number, or nil for nil (open ends).
local function Dopen(s, who)
  if s == nil then return nil end
  local z = parse(s)
  if not z then bad_date(who, s, 4) end
  return z
end

-- The texts of years and of "-MM-DD", made on first use (at most 9999 and 372 of them): an ISO
-- date is then one concatenation instead of a string.format.
local year_text, md_text = {}, {}

local function iso_of(y, m, d)
  local ys = year_text[y]
  if not ys then
    ys = format("%04d", y)
    year_text[y] = ys
  end
  local k = m << 5 | d
  local ms = md_text[k]
  if not ms then
    ms = format("-%02d-%02d", m, d)
    md_text[k] = ms
  end
  return ys .. ms
end

-- The ISO string of an in-range day number (callers check the range).
local function iso(z)
  local s = iso_cache[z]
  if s then return s end
  s = iso_of(to_civil(z))
  if iso_cached >= DAY_CACHE_MAX then iso_cache, iso_cached = {}, 0 end
  iso_cache[z], iso_cached = s, iso_cached + 1
  return s
end

local function out_of_range(who)
  error(who .. ": date out of range (years 0001..9999)", 3)
end

-- 'YYYY-MM' (or a full date): y, m or nil.
local function ym(s)
  if type(s) ~= "string" then return nil end
  if #s == 7 and find(s, "^%d%d%d%d%-%d%d$") then
    local y, m = tonumber(sub(s, 1, 4)), tonumber(sub(s, 6, 7))
    if y >= 1 and m >= 1 and m <= 12 then return y, m end
    return nil
  end
  local y, m = ymd(s)
  return y, m
end

local function YM(s, who)
  local y, m = ym(s)
  if not y then error(who .. ": bad month " .. show(s) .. " (expected 'YYYY-MM')", 3) end
  return y, m
end

-- d shifted by n months (n may be negative), day clamped to the target month's length.
-- Returns y, m, d or nil if the year leaves 1..9999.
local function shift_months(y, m, d, n)
  local t = y * 12 + (m - 1) + n
  y, m = t // 12, t % 12 + 1
  if y < 1 or y > 9999 then return nil end
  local last = dim(y, m)
  if d > last then d = last end
  return y, m, d
end

-- Bound on month/year/day offsets so that intermediate sums cannot wrap around. Any larger
-- offset leaves the 0001..9999 range anyway.
local MAX_MONTHS, MAX_DAYS = 12 * 10000, MAX_DAY - MIN_DAY

function rh.day(d)
  local z = day_cache[d]
  if z then return z end
  z = parse(d)
  if not z then bad_date("rh.day", d) end
  return z
end

function rh.iso(n)
  local s = iso_cache[n]   -- holds valid day numbers only (5.0 reads the key 5)
  if s then return s end
  local z = int(n, "rh.iso", "day number")
  if z < MIN_DAY or z > MAX_DAY then out_of_range("rh.iso") end
  s = iso(z)
  return s
end

function rh.is_date(x)
  return parse(x) ~= nil
end

function rh.add_days(d, n)
  local z = D(d, "rh.add_days")
  n = int(n, "rh.add_days", "n")
  if n > MAX_DAYS or n < -MAX_DAYS then out_of_range("rh.add_days") end
  z = z + n
  if z < MIN_DAY or z > MAX_DAY then out_of_range("rh.add_days") end
  local s = iso(z)
  return s
end

function rh.add_months(d, n)
  local y, m, dd = ymdc(d)
  if not y then bad_date("rh.add_months", d) end
  n = int(n, "rh.add_months", "n")
  if n > MAX_MONTHS or n < -MAX_MONTHS then out_of_range("rh.add_months") end
  y, m, dd = shift_months(y, m, dd, n)
  if not y then out_of_range("rh.add_months") end
  local s = iso_of(y, m, dd)
  return s
end

-- Results of add_years: years_memo[n][d]. Rules shift the same dates (as_of, birth dates) by
-- the same few n for every subject. Bounded like the date caches.
local years_memo, years_memoized, MEMO_MAX = {}, 0, 4096

-- The checked add_years, called (as a tail call) on a miss of the memo.
local function add_years(d, n)
  local y, m, dd = ymd(d)   -- not ymdc: the memo serves repeated dates, so only fill one cache
  if not y then bad_date("rh.add_years", d) end
  n = int(n, "rh.add_years", "n")
  if n > 10000 or n < -10000 then out_of_range("rh.add_years") end
  y, m, dd = shift_months(y, m, dd, 12 * n)
  if not y then out_of_range("rh.add_years") end
  local s = iso_of(y, m, dd)
  if years_memoized >= MEMO_MAX then years_memo, years_memoized = {}, 0 end
  local c = years_memo[n]
  if not c then
    c = {}
    years_memo[n] = c
  end
  c[d], years_memoized = s, years_memoized + 1
  return s
end

-- Same day n years later. Only Feb-29 needs clamping, to Feb-28 (民法典 §202).
function rh.add_years(d, n)
  local c = years_memo[n]   -- an integral float n reads the integer key
  if c then
    local s = c[d]
    if s then return s end
  end
  return add_years(d, n)   -- a tail call: its errors still point at our caller
end

-- The functions below read day_cache first and call D (which parses, caches or raises) only on
-- a miss, argument by argument in the original order, so errors are unchanged. (dc is a local
-- alias: cheaper than the upvalue. If D starts the cache over, dc only misses more.)

function rh.days_between(a, b)
  local dc = day_cache
  local za = dc[a] or D(a, "rh.days_between")
  local zb = dc[b] or D(b, "rh.days_between")
  return zb - za
end

function rh.active(start, stop, d)
  local dc = day_cache
  local zs = dc[start] or D(start, "rh.active")
  local ze
  if stop ~= nil then ze = dc[stop] or D(stop, "rh.active") end
  local z = dc[d] or D(d, "rh.active")
  return zs <= z and (ze == nil or z <= ze)
end

function rh.overlaps(s1, e1, s2, e2)
  local dc = day_cache
  local a1 = dc[s1] or D(s1, "rh.overlaps")
  local b1
  if e1 ~= nil then b1 = dc[e1] or D(e1, "rh.overlaps") end
  local a2 = dc[s2] or D(s2, "rh.overlaps")
  local b2
  if e2 ~= nil then b2 = dc[e2] or D(e2, "rh.overlaps") end
  return (b2 == nil or a1 <= b2) and (b1 == nil or a2 <= b1)
end

-- The field pairs an interval may use, tried in order after the array form {start, stop}.
local INTERVAL_KEYS = {
  { "start", "stop" }, { "from", "to" }, { "start_date", "end_date" },
  { "valid_from", "valid_to" }, { "cover_start", "cover_end" },
}

-- Each interval clipped to [lo, hi] (lo, hi day numbers, either may be nil) and packed into
-- one integer (start << 22 | stop, both offset to be >= 0). Sorting these integers sorts by
-- start, then stop, and allocates no table per interval. The 0001..9999 range spans 3652059
-- days, which is less than 2^22.
-- Returns the sorted array, or nil and a message.
local PACK, OFF = 1 << 22, -MIN_DAY
local function collect(list, lo, hi)
  if type(list) ~= "table" then return nil, "list must be a table, got " .. show(list) end
  local packed, n = {}, 0
  for i, iv in ipairs(list) do
    if type(iv) ~= "table" then return nil, "interval " .. i .. " is not a table" end
    local s, e = iv[1], iv[2]
    if s == nil then
      for _, k in ipairs(INTERVAL_KEYS) do
        s = iv[k[1]]
        if s ~= nil then e = iv[k[2]]; break end
      end
    end
    if s == nil then return nil, "interval " .. i .. " has no start" end
    local zs, ze = parse(s), nil
    if not zs then return nil, "interval " .. i .. ": bad date " .. show(s) end
    if e == nil then
      if hi == nil then return nil, "interval " .. i .. " is open: give `to`" end
      ze = hi
    else
      ze = parse(e)
      if not ze then return nil, "interval " .. i .. ": bad date " .. show(e) end
    end
    if lo and zs < lo then zs = lo end
    if hi and ze > hi then ze = hi end
    if zs <= ze then
      n = n + 1
      packed[n] = (zs + OFF) * PACK + (ze + OFF)
    end
  end
  sort(packed)
  return packed
end

-- Calls f(start, stop) for each maximal stretch of the union. Touching intervals (one ends the
-- day before the next starts) merge, because the days are inclusive.
local function each_run(packed, f)
  local cs, ce
  for i = 1, #packed do
    local p = packed[i]
    local s, e = p // PACK - OFF, p % PACK - OFF
    if cs == nil then
      cs, ce = s, e
    elseif s <= ce + 1 then
      if e > ce then ce = e end
    else
      f(cs, ce)
      cs, ce = s, e
    end
  end
  if cs ~= nil then f(cs, ce) end
end

function rh.union_days(list, from, to)
  local lo = Dopen(from, "rh.union_days")
  local hi = Dopen(to, "rh.union_days")
  local packed, err = collect(list, lo, hi)
  if not packed then error("rh.union_days: " .. err, 2) end
  local total = 0
  each_run(packed, function(s, e) total = total + (e - s + 1) end)
  return total
end

function rh.gaps(list, from, to)
  local lo = D(from, "rh.gaps")
  local hi = D(to, "rh.gaps")
  local packed, err = collect(list, lo, hi)
  if not packed then error("rh.gaps: " .. err, 2) end
  local out, n, next_free = {}, 0, lo   -- next_free: first day not yet known to be covered
  local function gap_until(z)            -- records [next_free, z] if it is not empty
    if next_free <= z then
      n = n + 1
      out[n] = { from = iso(next_free), to = iso(z) }
    end
  end
  each_run(packed, function(s, e)
    gap_until(s - 1)
    next_free = e + 1
  end)
  gap_until(hi)
  return out
end

function rh.age(birth, d)
  local yc = ymd_cache
  local pb = yc[birth] or ymd_packed(birth)   -- y << 9 | m << 5 | d
  if not pb then bad_date("rh.age", birth) end
  local pd = yc[d] or ymd_packed(d)
  if not pd then bad_date("rh.age", d) end
  local y = pd >> 9
  local years, bmd = y - (pb >> 9), pb & 511   -- bmd: the birthday as m << 5 | d
  -- This year's birthday is add_years(birth, years): Feb-29 becomes Feb-28 in a common year.
  if bmd == 2 << 5 | 29 and not is_leap(y) then bmd = 2 << 5 | 28 end
  if pd & 511 < bmd then years = years - 1 end   -- m << 5 | d orders like (m, d)
  if years < 0 then error("rh.age: date " .. show(d) .. " is before birth " .. show(birth), 2) end
  return years
end

-- The windows of in_last_years: window_memo[n][as_of] = (z0 + WOFF) * WIN + (za + WOFF), where
-- the window is z0 < z <= za (z0 = MIN_DAY - 1 when it starts before year 1). Bounded.
local window_memo, window_memoized = {}, 0
local WIN, WOFF = 1 << 22, 1 - MIN_DAY

function rh.in_last_years(d, as_of, n)
  local z = day_cache[d] or D(d, "rh.in_last_years")
  local c = window_memo[n]
  local w = c and c[as_of]
  if w then return w // WIN - WOFF < z and z <= w % WIN - WOFF end
  local y, m, dd = ymd(as_of)   -- as_of is memoized with its window
  if not y then bad_date("rh.in_last_years", as_of) end
  n = int(n, "rh.in_last_years", "n")
  if n < 0 then error("rh.in_last_years: n must be >= 0, got " .. n, 2) end
  local za, z0 = from_civil(y, m, dd), MIN_DAY - 1
  if n <= 10000 then   -- else the window starts before year 1
    local y0, m0, d0 = shift_months(y, m, dd, -12 * n)
    if y0 then z0 = from_civil(y0, m0, d0) end
  end
  if window_memoized >= MEMO_MAX then window_memo, window_memoized = {}, 0 end
  c = window_memo[n]
  if not c then
    c = {}
    window_memo[n] = c
  end
  c[as_of], window_memoized = (z0 + WOFF) * WIN + (za + WOFF), window_memoized + 1
  return z0 < z and z <= za
end

function rh.weekday(d)
  local z = D(d, "rh.weekday")
  return (z + 3) % 7 + 1   -- 1970-01-01 was a Thursday (4)
end

-- ISO-8601: weeks start on Monday, and a week belongs to the year of its Thursday.
function rh.iso_week(d)
  local z = D(d, "rh.iso_week")
  local thursday = z + 3 - (z + 3) % 7   -- Monday of d's week, plus 3
  local y = to_civil(thursday)
  local week = (thursday - from_civil(y, 1, 1)) // 7 + 1
  local s = format("%04d-W%02d", y, week)
  return s
end

function rh.month_of(d)
  local p = ymd_cache[d] or ymd_packed(d)
  if not p then bad_date("rh.month_of", d) end
  local s = sub(d, 1, 7)
  return s
end

function rh.year_of(d)
  local p = ymd_cache[d] or ymd_packed(d)
  if not p then bad_date("rh.year_of", d) end
  return p >> 9
end

function rh.days_in_month(m)
  local y, mm = YM(m, "rh.days_in_month")
  return dim(y, mm)
end

function rh.month_first(m)
  local y, mm = YM(m, "rh.month_first")
  local s = iso_of(y, mm, 1)
  return s
end

function rh.month_last(m)
  local y, mm = YM(m, "rh.month_last")
  local s = iso_of(y, mm, dim(y, mm))
  return s
end

function rh.months(a, b)
  local y1, m1 = YM(a, "rh.months")
  local y2, m2 = YM(b, "rh.months")
  local out, n = {}, 0
  for t = y1 * 12 + m1 - 1, y2 * 12 + m2 - 1 do
    n = n + 1
    out[n] = format("%04d-%02d", t // 12, t % 12 + 1)
  end
  return out
end

function rh.fmt_date(d)
  local y, m, dd = ymdc(d)
  if not y then bad_date("rh.fmt_date", d) end
  local s = format("%d年%d月%d日", y, m, dd)
  return s
end

---------------------------------------------------------------------------------------------
-- Exact decimals and ratios
---------------------------------------------------------------------------------------------

local POW10 = {}   -- POW10[k] = 10^k as an integer, k = 0..18 (10^18 < 2^63 < 10^19)
do
  local p = 1
  for k = 0, 18 do POW10[k] = p; p = p * 10 end
end

-- A decimal in text: "12.50", "-0.6", ".5", "1e-05", "2.5%" (with pct = true for the "%").
-- Returns digits, scale, neg, pct with value = ±digits * 10^-scale, where digits has no leading
-- zeros ("" for zero) and no trailing zeros that scale could absorb. Returns nil and a message
-- if the text is not a decimal.
local function decimal(s)
  s = match(s, "^%s*(.-)%s*$")
  local pct = false
  if sub(s, -1) == "%" then
    pct = true
    s = match(sub(s, 1, -2), "^(.-)%s*$")
  end
  local mant, ex = match(s, "^(.-)[eE]([+-]?%d+)$")
  if not mant then mant, ex = s, "0" end
  local sign, ip, fp = match(mant, "^([+-]?)(%d*)%.?(%d*)$")
  if not sign or (ip == "" and fp == "") or (fp ~= "" and not find(mant, ".", 1, true)) then
    return nil, "not a decimal number"
  end
  local e = tonumber(ex)
  if math_type(e) ~= "integer" or e > 1000 or e < -1000 then return nil, "exponent out of range" end
  local digits = gsub(ip .. fp, "^0+", "")
  local scale = #fp - e + (pct and 2 or 0)
  if digits == "" then return "", 0, sign == "-", pct end
  if scale < 0 then
    if scale < -18 then return nil, "too large" end
    digits, scale = digits .. rep("0", -scale), 0
  else
    local stripped = match(digits, "^(.-)0*$")
    local k = #digits - #stripped
    if k > scale then k = scale end
    digits, scale = sub(digits, 1, #digits - k), scale - k
  end
  return digits, scale, sign == "-", pct
end

-- The text of a finite float, with enough digits to give back the decimal it was written as.
-- %.15g turns 0.1+0.2 into "0.3" and 0.29 into "0.29".
local function float_text(x)
  if x ~= x or x == huge or x == -huge then return nil end
  return format("%.15g", x)
end

local function gcd(a, b)
  if a < 0 then a = -a end
  while b ~= 0 do a, b = b, a % b end
  return a
end

local function make_ratio(num, den)
  local g = gcd(num, den)
  if g > 1 then num, den = num // g, den // g end
  return { num = num, den = den }
end

-- A ratio from a number or a string, or nil and a message.
local function parse_ratio(x)
  if math_type(x) == "integer" then return make_ratio(x, 1) end
  local s = x
  if type(x) == "number" then
    s = float_text(x)
    if not s then return nil, "not a finite number" end
  elseif type(x) ~= "string" then
    return nil, "expected a number, a decimal or percent string or a ratio"
  end
  local a, b = match(s, "^%s*([+-]?%d+)%s*/%s*(%d+)%s*$")   -- "1/3"
  if a then
    local num, den = tointeger(tonumber(a)), tointeger(tonumber(b))
    if not num or not den then return nil, "too many digits" end
    if den == 0 then return nil, "zero denominator" end
    return make_ratio(num, den)
  end
  local digits, scale, neg = decimal(s)
  if not digits then return nil, scale end   -- scale is the message
  if digits == "" then return { num = 0, den = 1 } end
  if #digits > 18 or scale > 18 then return nil, "too many digits for an exact ratio" end
  local num = tointeger(tonumber(digits))
  return make_ratio(neg and -num or num, POW10[scale])
end

-- Ratios parsed from numbers and strings are cached: a parameter such as "60%" is usually
-- applied once per subject. The cache is bounded in case a rule builds ratios from data.
local cache, cached, CACHE_MAX = {}, 0, 512

local function ratio_of(x)
  local r = cache[x]
  if r then return r end
  if type(x) == "table" then
    if math_type(x.num) == "integer" and math_type(x.den) == "integer" and x.den > 0 then
      return x
    end
    return nil, "a ratio table needs integer num and positive integer den"
  end
  local msg
  r, msg = parse_ratio(x)
  if not r then return nil, msg end
  if cached >= CACHE_MAX then cache, cached = {}, 0 end
  cache[x], cached = r, cached + 1
  return r
end

-- num, den of a ratio argument, raising on a bad one (called directly by public functions).
local function R(x, who)
  local r, msg = ratio_of(x)
  if not r then error(who .. ": bad ratio " .. show(x) .. " (" .. msg .. ")", 3) end
  return r.num, r.den
end

function rh.ratio(x)
  local r = cache[x]
  if r then return r end
  local msg
  r, msg = ratio_of(x)
  if not r then error("rh.ratio: bad ratio " .. show(x) .. " (" .. msg .. ")", 2) end
  return r
end

-- The comparisons and products below first try a fast path: a ratio found in the cache (a
-- string or number argument seen before), integer arguments, and factors so small that no
-- product can overflow. Anything else (a ratio table, a first use, a float, a bad argument, a
-- large factor) takes the general, checked path, which gives the same result or raises the
-- same error. "Small" is tested with one shift per group: for x in [-2^k, 2^k), x + 2^k lies
-- in [0, 2^(k+1)), and any other x gives a value (perhaps wrapped around) with a bit set at
-- or above k+1. The fast path takes a, b, n in [-2^40, 2^40) (about 1.1e10 yuan in fen) and
-- num in [-2^22, 2^22), 0 < den < 2^23: every product is then below 2^63 in magnitude.

-- a >= r*b  <=>  a*den >= b*num, because den > 0.
function rh.at_least(a, b, r)
  local q = cache[r]
  if q and math_type(a) == "integer" and math_type(b) == "integer" then
    local num, den = q.num, q.den
    if ((a + 0x10000000000 | b + 0x10000000000) >> 41 | (num + 0x400000 | den) >> 23) == 0 then
      return a * den >= b * num
    end
  end
  local num, den = R(r, "rh.at_least")
  return mul(int(a, "rh.at_least", "a"), den, "rh.at_least")
      >= mul(int(b, "rh.at_least", "b"), num, "rh.at_least")
end

function rh.at_most(a, b, r)
  local q = cache[r]
  if q and math_type(a) == "integer" and math_type(b) == "integer" then
    local num, den = q.num, q.den
    if ((a + 0x10000000000 | b + 0x10000000000) >> 41 | (num + 0x400000 | den) >> 23) == 0 then
      return a * den <= b * num
    end
  end
  local num, den = R(r, "rh.at_most")
  return mul(int(a, "rh.at_most", "a"), den, "rh.at_most")
      <= mul(int(b, "rh.at_most", "b"), num, "rh.at_most")
end

function rh.more_than(a, b, r)
  local q = cache[r]
  if q and math_type(a) == "integer" and math_type(b) == "integer" then
    local num, den = q.num, q.den
    if ((a + 0x10000000000 | b + 0x10000000000) >> 41 | (num + 0x400000 | den) >> 23) == 0 then
      return a * den > b * num
    end
  end
  local num, den = R(r, "rh.more_than")
  return mul(int(a, "rh.more_than", "a"), den, "rh.more_than")
      > mul(int(b, "rh.more_than", "b"), num, "rh.more_than")
end

function rh.less_than(a, b, r)
  local q = cache[r]
  if q and math_type(a) == "integer" and math_type(b) == "integer" then
    local num, den = q.num, q.den
    if ((a + 0x10000000000 | b + 0x10000000000) >> 41 | (num + 0x400000 | den) >> 23) == 0 then
      return a * den < b * num
    end
  end
  local num, den = R(r, "rh.less_than")
  return mul(int(a, "rh.less_than", "a"), den, "rh.less_than")
      < mul(int(b, "rh.less_than", "b"), num, "rh.less_than")
end

function rh.floor_mul(n, r)
  local q = cache[r]
  if q and math_type(n) == "integer" then
    local num = q.num
    if ((n + 0x10000000000) >> 41 | (num + 0x400000) >> 23) == 0 then return n * num // q.den end
  end
  local num, den = R(r, "rh.floor_mul")
  local p = mul(int(n, "rh.floor_mul", "n"), num, "rh.floor_mul")
  return p // den
end

function rh.ceil_mul(n, r)
  local q = cache[r]
  if q and math_type(n) == "integer" then
    local num = q.num
    if ((n + 0x10000000000) >> 41 | (num + 0x400000) >> 23) == 0 then return -(-(n * num) // q.den) end
  end
  local num, den = R(r, "rh.ceil_mul")
  local p = mul(int(n, "rh.ceil_mul", "n"), num, "rh.ceil_mul")
  return -(-p // den)   -- mul never returns minint, so -p cannot wrap
end

-- |p|/den rounded half up, with the sign of p put back (ties go away from zero).
local function round_div(p, den)
  local ap = p < 0 and -p or p
  local q, rem = ap // den, ap % den
  if rem >= den - rem then q = q + 1 end   -- rem*2 >= den, without overflowing
  return p < 0 and -q or q
end

function rh.round_mul(n, r)
  local q = cache[r]
  if q and math_type(n) == "integer" then
    local num = q.num
    if ((n + 0x10000000000) >> 41 | (num + 0x400000) >> 23) == 0 then
      local p, den = n * num, q.den
      if p >= 0 then
        local rem = p % den
        return p // den + (rem >= den - rem and 1 or 0)
      end
      return round_div(p, den)
    end
  end
  local num, den = R(r, "rh.round_mul")
  local p = mul(int(n, "rh.round_mul", "n"), num, "rh.round_mul")
  return round_div(p, den)
end

-- Digit texts for building numbers without string.format (which costs several times a table
-- lookup and a concatenation): NUM2[i] = "7", PAD2[i] = "07", DOT2[i] = ".07" for i = 0..99.
local NUM2, PAD2, DOT2 = {}, {}, {}
for i = 0, 99 do
  NUM2[i] = format("%d", i)
  PAD2[i] = format("%02d", i)
  DOT2[i] = "." .. PAD2[i]
end

-- head .. (the decimal digits of n >= 0) .. t1 .. t2, in one concatenation.
local function digits(head, n, t1, t2)
  if n < 100 then return head .. NUM2[n] .. t1 .. t2 end
  if n < 10000 then return head .. NUM2[n // 100] .. PAD2[n % 100] .. t1 .. t2 end
  if n < 1000000 then
    return head .. NUM2[n // 10000] .. PAD2[n // 100 % 100] .. PAD2[n % 100] .. t1 .. t2
  end
  if n < 100000000 then
    return head .. NUM2[n // 1000000] .. PAD2[n // 10000 % 100] .. PAD2[n // 100 % 100]
        .. PAD2[n % 100] .. t1 .. t2
  end
  return format("%s%d%s%s", head, n, t1, t2)
end

-- |a| up to PCT_MAX: a*10^6 fits in 64 bits, and percent takes its fast path.
local PCT_MAX = maxint // 1000000

-- The texts made by percent (keyed by +-10^4 times the percent) and money (keyed by fen).
-- Making a string costs far more than a lookup, and rules format the same amounts and shares
-- for many subjects. Each cache is direct-mapped: the key k lives in slot k % SLOTS + 1 of two
-- preallocated arrays (keys and texts), and a new key simply replaces the slot's old one. So
-- a miss costs two array stores: no hashing, no growth, and a fixed size.
local SLOTS = 1024
local pct_keys, pct_texts, money_keys, money_texts = {}, {}, {}, {}
for i = 1, SLOTS do
  pct_keys[i], pct_texts[i], money_keys[i], money_texts[i] = false, false, false, false
end

-- 100*a/b to 4 decimals, truncated toward zero: the integer part of |a|/|b| and its first 6
-- decimals. The decimals are rem*10^6 // b when that fits in 64 bits, else they come from long
-- division, which can only overflow for b > ~9.2e17 (then reported).
function rh.percent(a, b)
  -- Fast path: 10^6*|a| // |b| = 10^4 * (100*|a|/|b| truncated to 4 decimals), in one division.
  if math_type(a) == "integer" and math_type(b) == "integer" and b ~= 0
     and a <= PCT_MAX and a >= -PCT_MAX and b ~= minint then
    local neg = false
    if a < 0 then a, neg = -a, true end
    if b < 0 then b, neg = -b, not neg end
    local t = a * 1000000 // b
    if t == 0 then return "0.0000" end   -- no "-0.0000"
    local key = neg and -t or t
    local slot = key % SLOTS + 1
    if pct_keys[slot] == key then return pct_texts[slot] end
    local dec = t % 10000
    local s = digits(neg and "-" or "", t // 10000, DOT2[dec // 100], PAD2[dec % 100])
    pct_keys[slot], pct_texts[slot] = key, s
    return s
  end
  a = int(a, "rh.percent", "a")
  b = int(b, "rh.percent", "b")
  if b == 0 then return nil end
  if a == minint or b == minint then overflow("rh.percent") end
  local neg = (a < 0) ~= (b < 0)
  if a < 0 then a = -a end
  if b < 0 then b = -b end
  local ip, rem = a // b, a % b
  local frac = 0
  if rem <= maxint // 1000000 then
    frac = rem * 1000000 // b
  else
    for _ = 1, 6 do
      rem = mul(rem, 10, "rh.percent")
      frac = frac * 10 + rem // b
      rem = rem % b
    end
  end
  -- 100*a/b = ip*100 + frac/10^4; split frac into 2 digits of the integer part and 4 decimals.
  local whole = add(mul(ip, 100, "rh.percent"), frac // 10000, "rh.percent")
  local dec = frac % 10000
  if whole == 0 and dec == 0 then neg = false end   -- no "-0.0000"
  local s = format("%s%d.%04d", neg and "-" or "", whole, dec)
  return s
end

---------------------------------------------------------------------------------------------
-- Money
---------------------------------------------------------------------------------------------

-- Fen from a decimal text (see `decimal`), rounded half up at 2 decimals. Returns nil and a
-- message on failure.
local function fen_of_text(s)
  local digits, scale, neg, pct = decimal(s)
  if not digits then return nil, scale end
  if pct then return nil, "not an amount" end
  if digits == "" then return 0 end
  if #digits > 18 then return nil, "too many digits" end
  local v = tointeger(tonumber(digits))
  local f
  if scale <= 2 then                        -- exact: v * 10^(2-scale)
    local p = POW10[2 - scale]
    if v > maxint // p then return nil, "too large" end
    f = v * p
  elseif scale - 2 > 18 then                -- below 10^-2 fen
    f = 0
  else
    f = round_div(v, POW10[scale - 2])
  end
  return neg and -f or f
end

-- Floats of up to 2^40 fen (about 1.1e10 yuan) take a fast path without formatting: x*100 is
-- then within 1e-3 of the decimal x was written as. Away from a tie its rounding is therefore
-- the exact answer, and near a tie we fall back to the exact decimal text.
local FAST_FEN, FAST_FEN2 = 2.0 ^ 40, 2.0 ^ 80
local FEN_MAX = maxint // 100   -- integer yuan up to +-FEN_MAX: yuan*100 fits in 64 bits

-- Fen of decimal strings seen recently (bounded, like the date caches).
local fen_cache, fen_cached, FEN_CACHE_MAX = {}, 0, 1024

-- Fen of a decimal text. Short plain decimals (at most 18 characters, so at most 18 digits as
-- fen_of_text allows; no exponent, no hex) are read with tonumber, which rounds correctly: up
-- to 2^40 fen the float is again within 1e-3 of the text's exact value times 100, so away from
-- a tie its rounding is exact. Anything else takes the exact path.
local function fen_of_string(s)
  local f = fen_cache[s]
  if f then return f end
  local v = #s <= 18 and not find(s, "[eExX]") and tonumber(s)
  if v then
    if math_type(v) == "integer" then
      if v <= FEN_MAX and v >= -FEN_MAX then f = v * 100 end
    else
      local y = v * 100
      if y < FAST_FEN and y > -FAST_FEN then
        local r = (y + 0.5) // 1
        local off = y - r
        if off > -0.49 and off < 0.49 then f = r | 0 end
      end
    end
  end
  if not f then
    local msg
    f, msg = fen_of_text(s)
    if not f then return nil, msg end
  end
  if fen_cached >= FEN_CACHE_MAX then fen_cache, fen_cached = {}, 0 end
  fen_cache[s], fen_cached = f, fen_cached + 1
  return f
end

-- Fen of a non-nil amount, or nil and a message.
local function to_fen(x)
  local t = math_type(x)
  if t == "float" then
    local y = x * 100
    if y < FAST_FEN and y > -FAST_FEN then
      local r = (y + 0.5) // 1   -- floor(y + 0.5), an integral float below 2^40
      local off = y - r
      if off > -0.49 and off < 0.49 then return r | 0 end   -- | 0 makes it an integer
    end
    local s = float_text(x)
    if not s then return nil, "not a finite number" end
    return fen_of_text(s)
  end
  if t == "integer" then
    if x > FEN_MAX or x < -FEN_MAX then return nil, "too large" end
    return x * 100
  end
  if type(x) == "string" then return fen_of_string(x) end
  return nil, "expected a number of yuan"
end

function rh.fen(x)
  -- The float and integer fast paths of to_fen, inlined. The float tests are squared to save
  -- a comparison each: |y| < 2^40 and |off| < 0.4899 (a margin as safe as 0.49). NaN and
  -- infinities fail the first test, and rounding of y*y only sends borderline values to the
  -- exact path.
  local t = math_type(x)
  if t == "float" then
    local y = x * 100
    if y * y < FAST_FEN2 then
      local r = (y + 0.5) // 1
      local off = y - r
      if off * off < 0.24 then return r | 0 end
    end
  elseif t == "integer" then
    if x <= FEN_MAX and x >= -FEN_MAX then return x * 100 end
  elseif x == nil then
    return nil
  else
    local f = fen_cache[x]   -- a decimal string seen before
    if f then return f end
  end
  local f, msg = to_fen(x)
  if not f then error("rh.fen: bad amount " .. show(x) .. " (" .. msg .. ")", 2) end
  return f
end

function rh.yuan(fen)
  if math_type(fen) == "integer" then return fen / 100 end
  if fen == nil then return nil end
  return int(fen, "rh.yuan", "fen") / 100
end

function rh.money(fen)
  local s
  if math_type(fen) == "integer" and fen ~= minint then
    local slot = fen % SLOTS + 1
    if money_keys[slot] == fen then return money_texts[slot] end
    if fen >= 0 then
      s = digits("", fen // 100, DOT2[fen % 100], "")
    else
      local a = -fen
      s = digits("-", a // 100, DOT2[a % 100], "")
    end
    money_keys[slot], money_texts[slot] = fen, s
    return s
  end
  if fen == nil then return nil end
  fen = int(fen, "rh.money", "fen")
  if fen < 0 then
    -- fen // -100 and fen % -100 work on |fen| without negating it (minint has no negation).
    s = format("-%d.%02d", fen // -100, -(fen % -100))
  else
    s = format("%d.%02d", fen // 100, fen % 100)
  end
  return s
end

---------------------------------------------------------------------------------------------
-- Lists
---------------------------------------------------------------------------------------------

local function list_arg(list, who)
  if type(list) ~= "table" then error(who .. ": list must be a table, got " .. show(list), 3) end
  return list
end

-- A function item -> value from a key: nil (the item), a field name or a function.
local function identity(x) return x end
local function getter(key, who)
  if key == nil then return identity end
  if type(key) == "function" then return key end
  if type(key) == "string" or type(key) == "number" then
    return function(item) return item[key] end
  end
  error(who .. ": key must be a field name or a function, got " .. show(key), 3)
end

function rh.count(list, pred)
  list_arg(list, "rh.count")
  local n = 0
  if pred == nil then
    for _ in ipairs(list) do n = n + 1 end
  elseif type(pred) == "function" then
    for _, item in ipairs(list) do
      if pred(item) then n = n + 1 end
    end
  elseif type(pred) == "string" then
    for _, item in ipairs(list) do
      local v = item[pred]
      if v ~= nil and v ~= false and v ~= 0 then n = n + 1 end
    end
  else
    error("rh.count: pred must be a function or a field name, got " .. show(pred), 2)
  end
  return n
end

function rh.sum(list, key)
  list_arg(list, "rh.sum")
  local get = getter(key, "rh.sum")
  local total = 0
  for _, item in ipairs(list) do
    local v = get(item)
    if v ~= nil then
      local i = math_type(v) == "integer" and v or (math_type(v) == "float" and tointeger(v))
      if not i then
        error("rh.sum: value " .. show(v) .. " is not an integer (for money use rh.sum_fen)", 2)
      end
      total = add(total, i, "rh.sum")
    end
  end
  return total
end

function rh.sum_fen(list, key)
  list_arg(list, "rh.sum_fen")
  local get = getter(key, "rh.sum_fen")
  local total = 0
  for _, item in ipairs(list) do
    local v = get(item)
    if v ~= nil then
      local f, msg = to_fen(v)
      if not f then error("rh.sum_fen: bad amount " .. show(v) .. " (" .. msg .. ")", 2) end
      total = add(total, f, "rh.sum_fen")
    end
  end
  return total
end

function rh.distinct(list, key)
  list_arg(list, "rh.distinct")
  local get = getter(key, "rh.distinct")
  local seen, n = {}, 0
  for _, item in ipairs(list) do
    local v = get(item)
    if v ~= nil and v == v and not seen[v] then   -- v == v skips NaN, which cannot be a key
      seen[v] = true
      n = n + 1
    end
  end
  return n
end

local function extreme(list, get, better)
  local best, best_item
  for _, item in ipairs(list) do
    local v = get(item)
    if v ~= nil and (best == nil or better(v, best)) then best, best_item = v, item end
  end
  return best, best_item
end

local function greater(a, b) return a > b end
local function lesser(a, b) return a < b end

function rh.max(list, key)
  list_arg(list, "rh.max")
  local get = getter(key, "rh.max")
  local v, item = extreme(list, get, greater)
  return v, item
end

function rh.min(list, key)
  list_arg(list, "rh.min")
  local get = getter(key, "rh.min")
  local v, item = extreme(list, get, lesser)
  return v, item
end

function rh.list_text(t, sep)
  if t == nil then return "" end
  list_arg(t, "rh.list_text")
  local parts = {}
  for i, v in ipairs(t) do parts[i] = tostring(v) end
  local s = concat(parts, sep or "、")
  return s
end

-- The second result is for the engine only (core/rhfast.c, which replaces the hottest functions
-- by C ones that fall back to these): ratio_of, which parses a ratio without raising.
return rh, { ratio_of = ratio_of }
