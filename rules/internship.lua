-- Student internships: 职业学校学生实习管理规定 (教职成〔2016〕3号 = R2016; 教职成〔2021〕4号 = R2021, in force
-- from 2021-12-31) and the seed's 2% target (二(二)3). Rules INT-01..INT-13; policy INTERNSHIP_COMPLIANCE.
--
-- Regimes (policy book (b)5): start-based rules (age, grade, agreement, consent) use the regime in force on the
-- internship's start_date; cap rules use as_of; pay rules use the first day of the pay month.
-- In R2016 a POST internship with independent_work = 1 is 顶岗 and with 0 is 跟岗; in R2021 every POST is 岗位实习.

local R2016 = "职业学校学生实习管理规定(教职成〔2016〕3号)"
local R2021 = "职业学校学生实习管理规定(教职成〔2021〕4号)"

---------------------------------------------------------------------------
-- Shared parameters
---------------------------------------------------------------------------
local REGIME = {
  { from = "2000-01-01", value = "R2016", source = R2016 .. ";2021-12-31前的日期 [V]" },
  { from = "2021-12-31", value = "R2021", source = R2021 .. ",2021-12-31起施行 [V]" },
}
local ADULT_AGE = { { from = "2000-01-01", value = 18, source = R2016 .. ";" .. R2021 .. "(未满18周岁须监护人签字知情同意) [V]" } }
local MIN_AGE_POST = { { from = "2000-01-01", value = 16, source = R2021 .. "第十六条(不得安排未满16周岁的学生跟岗实习、岗位实习) [V]" } }
local PAY_RATIO = {
  { from = "2000-01-01", value = "80%", source = R2016 .. "(顶岗实习报酬不低于同岗位试用期工资标准的80%) [V]" },
  { from = "2021-12-31", value = "80%", source = R2021 .. "第十八条(不低于相同岗位工资标准的80%或最低档工资标准) [V]" },
}

---------------------------------------------------------------------------
-- Shared helpers
---------------------------------------------------------------------------
local function regime(p, date) return p.at("REGIME", date) end

-- The value of a parameter on a date, or nil when none is in force then (p.at raises in that case).
local function param_on(p, name, date)
  local ok, v = pcall(p.at, name, date)
  if ok then return v end
  return nil
end

-- The Chinese name of the internship type under a regime.
local function type_zh(i, reg)
  if i.type == "COGNITIVE" then return "认识实习" end
  if reg == "R2021" then return "岗位实习" end
  if i.independent_work == 1 then return "顶岗实习" end
  return "跟岗实习"
end

-- Does a POST internship count toward the caps under the regime? (R2016: 顶岗 only; R2021: all 岗位实习)
local function counted(i, reg)
  return i.type == "POST" and (reg == "R2021" or i.independent_work == 1)
end

local function cite_of(reg) if reg == "R2021" then return R2021 end return R2016 end

-- Internships that have not started on as_of are not judged yet.
local function not_started(s, ctx)
  if s.start_date > ctx.as_of then
    return na("实习{start}开始,评估日{as_of}尚未开始", { start = s.start_date })
  end
  return nil
end

local function distinct_students(rows, keep)
  local seen, n = {}, 0
  for _, r in ipairs(rows or {}) do
    if keep(r) and not seen[r.student_id] then seen[r.student_id] = true; n = n + 1 end
  end
  return n
end

local function max_date(a, b) if a > b then return a end return b end
local function min_date(a, b) if a < b then return a end return b end

-- The row of a wage table in force on day d (latest from_date ≤ d), or nil.
local function in_force(rows, d)
  local best = nil
  for _, r in ipairs(rows or {}) do
    if r.from_date <= d and (best == nil or r.from_date > best.from_date) then best = r end
  end
  return best
end

-- The pay months of an internship that are due on as_of: from the start month to the month of
-- min(end, as_of), keeping only months whose last day is on or before as_of (a month is paid after it ends).
local function due_months(s, as_of)
  local last = min_date(s.end_date, as_of)
  if last < s.start_date then return {} end
  local y, mo = tonumber(s.start_date:sub(1, 4)), tonumber(s.start_date:sub(6, 7))
  local stop, out = last:sub(1, 7), {}
  while true do
    local m = string.format("%04d-%02d", y, mo)
    if m > stop then break end
    out[#out + 1] = m
    if mo == 12 then y, mo = y + 1, 1 else mo = mo + 1 end
  end
  -- only the last month can still be running on as_of (every earlier one ends before `last`)
  if rh.month_last(out[#out]) > as_of then out[#out] = nil end
  return out
end

-- Days of month m covered by the internship, and the days of the month. Only the first and the
-- last month of an internship can be partial.
local function days_in(s, m)
  local dim = rh.days_in_month(m)
  if m ~= s.start_date:sub(1, 7) and m ~= s.end_date:sub(1, 7) then return dim, dim end
  local a = max_date(s.start_date, m .. "-01")
  local b = min_date(s.end_date, rh.month_last(m))
  if b < a then return 0, dim end
  return rh.days_between(a, b) + 1, dim
end

-- Pay for `days` of a month of `dim` days meets ratio r of the monthly wage w (all in fen):
-- pay·dim ≥ r·w·days, exactly.
local function meets(pay, dim, w, days, r) return rh.at_least(pay * dim, w * days, r) end
-- The prorated floor, rounded half up to the fen, as text (for reasons only).
local function floor_text(w, days, dim, r)
  return rh.money((rh.round_mul(w * days, r) * 2 + dim) // (2 * dim)) .. "元"
end

-- Hours are stored with at most 2 decimals; compare them as integer hundredths.
local function centi(h) return rh.fen(h) end
local function hours_text(c) if c % 100 == 0 then return tostring(c // 100) end return rh.money(c) end

local SQL_STUDENT = [[
  SELECT i.id, st.birth_date, st.status FROM internship i JOIN student st ON st.id = i.student_id
]]
local SQL_PAYMENTS = [[
  SELECT internship_id, pay_month, amount, form, direct FROM internship_payment
]]

---------------------------------------------------------------------------
-- INT-01 (indicator, yearly)
---------------------------------------------------------------------------
rule "INT-01" {
  title   = "规模以上企业按职工总数2%安排专业对口学生实习",
  subject = "enterprise",
  kind    = "indicator",
  yearly  = true,
  cite    = "二(二)3(鼓励规模以上企业按照职工总数的2%安排专业对口学生实习)",
  params  = {
    INTERN_TARGET = { { from = "2019-01-01", value = "2%", source = "seed 二(二)3 [S];方案印发日期未知,按2019年起 [A]" } },
  },
  inputs  = {
    hc = [[
      SELECT enterprise_id, on_post_employees, snapshot_date FROM (
        SELECT h.*, ROW_NUMBER() OVER (PARTITION BY enterprise_id ORDER BY snapshot_date DESC) AS rn
        FROM enterprise_headcount h WHERE snapshot_date BETWEEN :year_start AND :year_end)
      WHERE rn = 1
    ]],
    interns = list [[
      SELECT enterprise_id, student_id, major_matched FROM internship
      WHERE type = 'POST' AND start_date <= :year_end AND end_date >= :year_start
    ]],
  },
  check = function(s, p, ctx)
    -- OPEN QUESTION (d)5: only POST internships with major_matched = 1 count (not 认知, not "相近" majors);
    -- measured over the year against the year's latest headcount; 规上 as recorded in is_above_scale.
    -- OPEN QUESTION (d)7: N = on_post_employees as reported.
    if param_on(p, "INTERN_TARGET", ctx.as_of) == nil then return na("评估日{as_of}方案尚未施行", {}) end
    if s.is_above_scale == nil then return unknown("未记录是否为规模以上企业", {}) end
    if s.is_above_scale == 0 then return na("非规模以上企业,不适用2%目标", {}) end
    local N = s.hc and s.hc.on_post_employees
    if N == nil then return unknown("{year}年在岗职工人数未记录", {}) end
    if N == 0 then return na("{year}年在岗职工人数为0", { N = 0 }) end
    local k = distinct_students(s.interns, function(r) return r.major_matched == 1 end)
    local kp = distinct_students(s.interns, function(r) return r.major_matched ~= 0 end)
    local v = { k = k, N = N, required = rh.ceil_mul(N, p.INTERN_TARGET), percent = rh.percent(k, N),
                target = p.INTERN_TARGET, snapshot = s.hc.snapshot_date, unmatched_unknown = kp - k }
    local text = "{year}年专业对口岗位实习学生{k}人/在岗职工{N}人={percent}%,按{target}应至少{required}人"
    if rh.at_least(k, N, p.INTERN_TARGET) then return met(text .. ",已达到", v) end
    if rh.at_least(kp, N, p.INTERN_TARGET) then
      return unknown(text .. ";另有{unmatched_unknown}人专业是否对口未记录", v)
    end
    return not_met(text .. ",未达到", v)
  end,
}

---------------------------------------------------------------------------
-- INT-02, INT-03: caps (regime of as_of)
---------------------------------------------------------------------------
rule "INT-02" {
  title   = "实习学生不超过实习单位在岗职工总数的10%",
  subject = "enterprise",
  cite    = "教职成〔2016〕3号第九条;教职成〔2021〕4号(原则上不超过10%)",
  params  = {
    REGIME = REGIME,
    -- OPEN QUESTION (d)6: R2021 caps are "原则上"; no city exception procedure is encoded.
    -- OPEN QUESTION (d)7: N = on_post_employees as reported (dispatched / part-time / NE apprentices as the firm counts them).
    CAP_ENT = {
      { from = "2000-01-01", value = "10%", source = R2016 .. "第九条(顶岗实习学生人数不超过在岗职工总数的10%) [V]" },
      { from = "2021-12-31", value = "10%", source = R2021 .. "(岗位实习学生人数原则上不超过10%) [R]" },
    },
  },
  inputs  = {
    hc = [[
      SELECT enterprise_id, on_post_employees, snapshot_date FROM (
        SELECT h.*, ROW_NUMBER() OVER (PARTITION BY enterprise_id ORDER BY snapshot_date DESC) AS rn
        FROM enterprise_headcount h WHERE snapshot_date <= :as_of)
      WHERE rn = 1
    ]],
    interns = list [[
      SELECT enterprise_id, student_id, independent_work, type FROM internship
      WHERE type = 'POST' AND start_date <= :as_of AND end_date >= :as_of
    ]],
  },
  check = function(s, p, ctx)
    local reg = regime(p, ctx.as_of)
    local k = distinct_students(s.interns, function(i) return counted(i, reg) end)
    local N = s.hc and s.hc.on_post_employees
    local label = (reg == "R2021") and "岗位实习" or "顶岗实习"
    local v = { k = k, N = N, cap = p.CAP_ENT, regime = reg, kind = label }
    if N ~= nil then v.max, v.snapshot = rh.floor_mul(N, p.CAP_ENT), s.hc.snapshot_date end
    if k == 0 then return pass("{as_of}无{kind}学生", v) end
    if N == nil then return unknown("{as_of}有{kind}学生{k}人,但在岗职工人数未记录", v) end
    if N == 0 then return fail("{as_of}在岗职工0人,却有{kind}学生{k}人", v) end
    v.percent = rh.percent(k, N)
    if rh.at_most(k, N, p.CAP_ENT) then
      return pass("{kind}学生{k}人/在岗职工{N}人={percent}%,不超过{cap}(最多{max}人)", v)
    end
    return fail("{kind}学生{k}人/在岗职工{N}人={percent}%,超过{cap}(最多{max}人)", v)
  end,
}

rule "INT-03" {
  title   = "同一岗位实习学生不超过该岗位职工总数的20%",
  subject = "post",
  cite    = "教职成〔2016〕3号第九条;教职成〔2021〕4号(原则上不超过20%)",
  params  = {
    REGIME = REGIME,
    CAP_POST = {
      { from = "2000-01-01", value = "20%", source = R2016 .. "第九条(具体岗位顶岗实习学生不超过同类岗位职工总数的20%) [V]" },
      { from = "2021-12-31", value = "20%", source = R2021 .. "(原则上不超过20%) [R]" },
    },
  },
  inputs  = {
    hc = [[
      SELECT post_id, staff, snapshot_date FROM (
        SELECT h.*, ROW_NUMBER() OVER (PARTITION BY post_id ORDER BY snapshot_date DESC) AS rn
        FROM post_headcount h WHERE snapshot_date <= :as_of)
      WHERE rn = 1
    ]],
    interns = list [[
      SELECT post_id, student_id, independent_work, type FROM internship
      WHERE type = 'POST' AND post_id IS NOT NULL AND start_date <= :as_of AND end_date >= :as_of
    ]],
  },
  check = function(s, p, ctx)
    local reg = regime(p, ctx.as_of)
    local k = distinct_students(s.interns, function(i) return counted(i, reg) end)
    local staff = s.hc and s.hc.staff
    local v = { k = k, staff = staff, cap = p.CAP_POST, post = s.name,
                kind = (reg == "R2021") and "岗位实习" or "顶岗实习" }
    if staff ~= nil then v.max = rh.floor_mul(staff, p.CAP_POST) end
    if k == 0 then return pass("岗位{post}在{as_of}无{kind}学生", v) end
    if staff == nil then return unknown("岗位{post}有{kind}学生{k}人,但岗位职工人数未记录", v) end
    if staff == 0 then return fail("岗位{post}职工0人,却有{kind}学生{k}人", v) end
    v.percent = rh.percent(k, staff)
    if rh.at_most(k, staff, p.CAP_POST) then
      return pass("岗位{post}:{kind}学生{k}人/岗位职工{staff}人={percent}%,不超过{cap}(最多{max}人)", v)
    end
    return fail("岗位{post}:{kind}学生{k}人/岗位职工{staff}人={percent}%,超过{cap}(最多{max}人)", v)
  end,
}

---------------------------------------------------------------------------
-- INT-04 … INT-07: before the start (regime of start_date)
---------------------------------------------------------------------------
rule "INT-04" {
  title   = "岗位(跟岗、顶岗)实习前签订学校、企业、学生三方协议",
  subject = "internship",
  cite    = "教职成〔2016〕3号第十二条;教职成〔2021〕4号(三方实习协议)",
  params  = { REGIME = REGIME },
  inputs  = {
    agreements = list [[
      SELECT internship_id, school_signed, enterprise_signed, student_signed, signed_date
      FROM internship_agreement
    ]],
  },
  check = function(s, p, ctx)
    local r = not_started(s, ctx); if r then return r end
    local reg = regime(p, s.start_date)
    local v = { start = s.start_date, kind = type_zh(s, reg), regime = reg }
    if s.type ~= "POST" then return na("{kind}不要求三方实习协议", v) end
    local late, partial, undated = nil, nil, false
    for _, a in ipairs(s.agreements) do
      local complete = a.school_signed == 1 and a.enterprise_signed == 1 and a.student_signed == 1
      if complete and a.signed_date ~= nil and a.signed_date <= s.start_date then
        v.signed = a.signed_date
        return pass("{signed}签订三方实习协议,不晚于实习开始日{start}", v)
      elseif complete and a.signed_date ~= nil then
        if late == nil or a.signed_date < late then late = a.signed_date end
      elseif complete then
        undated = true
      else
        local miss = {}
        if a.school_signed ~= 1 then miss[#miss + 1] = "学校" end
        if a.enterprise_signed ~= 1 then miss[#miss + 1] = "实习单位" end
        if a.student_signed ~= 1 then miss[#miss + 1] = "学生" end
        partial = table.concat(miss, "、")
      end
    end
    if late then
      v.signed = late
      return fail("三方实习协议{signed}才签订,晚于实习开始日{start}", v)
    end
    if undated then return fail("三方实习协议未记录签订日期,无法证明在{start}前签订", v) end
    if partial then
      v.missing = partial
      return fail("实习协议缺少{missing}签字,{start}前无完整的三方协议", v)
    end
    return fail("{kind}开始({start})前未签订三方实习协议", v)
  end,
}

rule "INT-05" {
  title   = "未满18周岁学生岗位(跟岗、顶岗)实习前取得监护人书面同意",
  subject = "internship",
  cite    = "教职成〔2016〕3号第十二条;教职成〔2021〕4号(监护人签字知情同意)",
  params  = { REGIME = REGIME, ADULT_AGE = ADULT_AGE },
  inputs  = {
    student = SQL_STUDENT,
    consents = list [[SELECT internship_id, consent_date FROM guardian_consent]],
  },
  check = function(s, p, ctx)
    local r = not_started(s, ctx); if r then return r end
    local reg = regime(p, s.start_date)
    local v = { start = s.start_date, kind = type_zh(s, reg), adult = p.ADULT_AGE }
    if s.type ~= "POST" then return na("{kind}不适用监护人同意要求", v) end
    local b = s.student and s.student.birth_date
    if b == nil then return unknown("学生出生日期未记录,无法判断实习开始时是否成年", v) end
    v.birth, v.age = b, rh.age(b, s.start_date)
    if v.age >= p.ADULT_AGE then return na("实习开始时{age}周岁,已成年", v) end
    local first = nil
    for _, c in ipairs(s.consents) do
      if first == nil or c.consent_date < first then first = c.consent_date end
    end
    if first ~= nil and first <= s.start_date then
      v.consent = first
      return pass("实习开始时{age}周岁,监护人于{consent}书面同意", v)
    end
    if first ~= nil then
      v.consent = first
      return fail("未成年学生({age}周岁)的监护人同意书{consent}才签署,晚于实习开始日{start}", v)
    end
    return fail("未成年学生({age}周岁)实习开始({start})前无监护人书面同意", v)
  end,
}

rule "INT-06" {
  title   = "岗位(跟岗、顶岗)实习学生开始时年满16周岁",
  subject = "internship",
  cite    = "教职成〔2021〕4号第十六条",
  params  = { REGIME = REGIME, MIN_AGE_POST = MIN_AGE_POST },
  inputs  = { student = SQL_STUDENT },
  check = function(s, p, ctx)
    local r = not_started(s, ctx); if r then return r end
    local reg = regime(p, s.start_date)
    local v = { start = s.start_date, kind = type_zh(s, reg), min = p.MIN_AGE_POST }
    if s.type ~= "POST" then return na("{kind}不适用最低年龄要求", v) end
    local b = s.student and s.student.birth_date
    if b == nil then return unknown("学生出生日期未记录", v) end
    -- OPEN QUESTION (d)8: age n is reached on add_years(birth, n) (a Feb-29 birthday on Feb-28 in common years).
    v.birth, v.age, v.reached = b, rh.age(b, s.start_date), rh.add_years(b, p.MIN_AGE_POST)
    if v.age >= p.MIN_AGE_POST then return pass("{kind}开始日{start}时{age}周岁,已满{min}周岁", v) end
    return fail("{kind}开始日{start}时{age}周岁,未满{min}周岁({reached}满{min}周岁)", v)
  end,
}

rule "INT-07" {
  title   = "不得安排一年级学生顶岗实习(2021年起:岗位实习)",
  subject = "internship",
  cite    = "教职成〔2016〕3号第九条;教职成〔2021〕4号第十六条",
  params  = { REGIME = REGIME },
  check = function(s, p, ctx)
    local r = not_started(s, ctx); if r then return r end
    local reg = regime(p, s.start_date)
    local v = { start = s.start_date, kind = type_zh(s, reg), regime = reg, grade = s.grade_at_start }
    if s.type ~= "POST" then return na("{kind}不受年级限制", v) end
    if reg == "R2016" and s.independent_work ~= 1 then return na("2021年12月31日前开始的跟岗实习不受年级限制", v) end
    if s.grade_at_start == nil then return unknown("实习开始时的年级未记录", v) end
    if s.grade_at_start == 1 then return fail("安排一年级学生{kind}({start}开始)", v) end
    return pass("{kind}开始时为{grade}年级学生", v)
  end,
}

---------------------------------------------------------------------------
-- INT-08, INT-09: pay (regime of the first day of each pay month)
---------------------------------------------------------------------------
rule "INT-08" {
  title   = "实习报酬不低于规定标准",
  subject = "internship",
  cite    = "教职成〔2016〕3号(顶岗实习报酬不低于试用期工资80%);教职成〔2021〕4号第十八条",
  params  = {
    REGIME = REGIME, PAY_RATIO = PAY_RATIO,
    -- OPEN QUESTION (d)4: "相同岗位工资标准的80%或最低档工资标准" read as EITHER alternative (passes if either holds).
    -- Set "LOWEST_GRADE_80" to require 80% of the lowest-grade wage instead. A post without a recorded
    -- wage standard ("no regular employee holds it") leaves only the lowest-grade alternative.
    PAY_FLOOR_MODE = { { from = "2021-12-31", value = "EITHER", source = R2021 .. "第十八条 [V] 政策书(d)4" } },
  },
  inputs  = {
    payments = list(SQL_PAYMENTS),
    post_wages = list [[
      SELECT i.id, w.from_date, w.wage_standard_monthly, w.probation_wage_monthly
      FROM internship i JOIN post_wage w ON w.post_id = i.post_id
    ]],
    ent_wages = list [[
      SELECT i.id, w.from_date, w.lowest_grade_wage_monthly
      FROM internship i JOIN enterprise_wage w ON w.enterprise_id = i.enterprise_id
    ]],
  },
  check = function(s, p, ctx)
    local r = not_started(s, ctx); if r then return r end
    if s.type ~= "POST" then return na("认识实习不适用报酬标准", {}) end
    local paid = {}
    for _, pm in ipairs(s.payments) do
      paid[pm.pay_month] = (paid[pm.pay_month] or 0) + rh.fen(pm.amount)
    end
    local failed, unknowns, checked, first_fail = {}, {}, 0, nil
    for _, m in ipairs(due_months(s, ctx.as_of)) do
      local day1 = m .. "-01"
      local reg = regime(p, day1)
      if not (reg == "R2016" and s.independent_work ~= 1) then        -- R2016 跟岗: no pay standard
        checked = checked + 1
        local days, dim = days_in(s, m)
        local pay = paid[m]
        local verdict, why = nil, nil          -- true / false / nil (unknown); why: the floor, built on failure
        if pay == nil then
          verdict, why = false, "无报酬支付记录"
        elseif reg == "R2016" then
          local pw = in_force(s.post_wages, day1)
          local w = pw and pw.probation_wage_monthly
          if w ~= nil then
            local ratio = p.at("PAY_RATIO", day1)
            verdict = meets(pay, dim, rh.fen(w), days, ratio)
            if not verdict then why = "低于试用期工资" .. ratio .. "=" .. floor_text(rh.fen(w), days, dim, ratio) end
          end
        elseif s.independent_work == 1 then
          local ratio = p.at("PAY_RATIO", day1)
          local pw, ew = in_force(s.post_wages, day1), in_force(s.ent_wages, day1)
          local std = pw and pw.wage_standard_monthly
          local low = ew and ew.lowest_grade_wage_monthly
          if p.at("PAY_FLOOR_MODE", day1) == "LOWEST_GRADE_80" then
            if low ~= nil then
              verdict = meets(pay, dim, rh.fen(low), days, ratio)
              if not verdict then why = "低于最低档工资" .. ratio .. "=" .. floor_text(rh.fen(low), days, dim, ratio) end
            end
          else
            local a, b = nil, nil                                       -- nil = that standard is unknown
            if std ~= nil then a = meets(pay, dim, rh.fen(std), days, ratio) end
            if low ~= nil then b = meets(pay, dim, rh.fen(low), days, "100%") end
            if a == true or b == true then verdict = true
            elseif a == false and b == false then
              verdict = false
              why = "低于同岗位工资" .. ratio .. "=" .. floor_text(rh.fen(std), days, dim, ratio)
                .. ",也低于最低档工资" .. floor_text(rh.fen(low), days, dim, "100%")
            end
          end
        else
          verdict = pay > 0
          if not verdict then why = "应大于0元" end
        end
        if verdict == false then
          if pay ~= nil and days < dim then why = why .. "(按" .. days .. "/" .. dim .. "天折算)" end
          local text = m .. ":" .. (pay and ("实付" .. rh.money(pay) .. "元,") or "") .. why
          failed[#failed + 1] = text
          if first_fail == nil then
            first_fail = { month = m, paid = pay and rh.yuan(pay) or 0, floor = why }
          end
        elseif verdict == nil then
          unknowns[#unknowns + 1] = m
        end
      end
    end
    local v = { months = checked }
    if checked == 0 then return na("{as_of}前无应支付实习报酬的月份(或属2016年规定的跟岗实习)", v) end
    if #failed > 0 then
      v.month, v.paid, v.floor, v.failed_months = first_fail.month, first_fail.paid, first_fail.floor, #failed
      v.list = table.concat(failed, ";")
      return fail("{list}", v)
    end
    if #unknowns > 0 then
      v.unknown_months = table.concat(unknowns, "、")
      return unknown("{unknown_months}的岗位工资标准或最低档工资标准未记录", v)
    end
    return pass("已核查{months}个月,实习报酬均不低于规定标准", v)
  end,
}

rule "INT-09" {
  title   = "岗位实习报酬按月以货币形式直接支付给学生",
  subject = "internship",
  cite    = "教职成〔2021〕4号第十八条",
  params  = { REGIME = REGIME },
  inputs  = { payments = list(SQL_PAYMENTS) },
  check = function(s, p, ctx)
    local r = not_started(s, ctx); if r then return r end
    if s.type ~= "POST" then return na("认识实习不适用报酬支付方式要求", {}) end
    local by_month = {}
    for _, pm in ipairs(s.payments) do
      by_month[pm.pay_month] = by_month[pm.pay_month] or {}
      table.insert(by_month[pm.pay_month], pm)
    end
    local FORM_ZH = { GOODS = "实物", VOUCHER = "代金券" }
    local bad, checked = {}, 0
    for _, m in ipairs(due_months(s, ctx.as_of)) do
      if regime(p, m .. "-01") == "R2021" then
        checked = checked + 1
        local list_m = by_month[m]
        if list_m == nil then
          bad[#bad + 1] = m .. "未支付"
        else
          for _, pm in ipairs(list_m) do
            if pm.form ~= "MONEY" then
              bad[#bad + 1] = m .. "以" .. (FORM_ZH[pm.form] or pm.form) .. "支付"
            elseif pm.direct ~= 1 then
              bad[#bad + 1] = m .. "经学校、中介或第三方转付"
            end
          end
        end
      end
    end
    local v = { months = checked }
    if checked == 0 then return na("{as_of}前无适用2021年规定的应付报酬月份", v) end
    if #bad > 0 then
      v.list, v.bad = table.concat(bad, ";"), #bad
      return fail("{list}(应按月以货币形式直接支付给学生)", v)
    end
    return pass("{months}个月报酬均以货币形式直接支付给学生", v)
  end,
}

---------------------------------------------------------------------------
-- INT-10 … INT-13
---------------------------------------------------------------------------
rule "INT-10" {
  title   = "实习时间:每天不超过8小时、每周不超过40小时,不安排夜班和法定节假日实习",
  subject = "internship",
  cite    = "教职成〔2016〕3号第十六条;国务院令第174号",
  params  = {
    -- OPEN QUESTION (d)6: a filed special arrangement (special_arrangement_filed) does not waive these limits
    -- until the city confirms the R2021 text; rest-day work is not checked.
    MAX_DAY_HOURS = { { from = "2000-01-01", value = 8, source = R2016 .. "第十六条 [V]" } },
    MAX_WEEK_HOURS = { { from = "2000-01-01", value = 40, source = "国务院令第174号 [R]" } },
    NIGHT_WINDOW = { { from = "2000-01-01", value = "22:00-06:00", source = "[A] timesheet.night_hours 按此时段记录" } },
  },
  inputs  = {
    timesheet = list [[
      SELECT t.internship_id, t.work_date, t.hours, t.night_hours, h.name AS holiday
      FROM timesheet t
      LEFT JOIN holiday h ON h.date = t.work_date AND h.is_statutory = 1
      WHERE t.work_date <= :as_of
    ]],
  },
  check = function(s, p, ctx)
    local r = not_started(s, ctx); if r then return r end
    local rows = s.timesheet
    if #rows == 0 then return unknown("{as_of}前无实习考勤记录", {}) end
    table.sort(rows, function(a, b) return a.work_date < b.work_date end)
    local day_max, week_max = p.MAX_DAY_HOURS * 100, p.MAX_WEEK_HOURS * 100
    local why, weeks, order = {}, {}, {}
    for _, t in ipairs(rows) do
      local h, n = centi(t.hours), centi(t.night_hours)
      if h > day_max then why[#why + 1] = t.work_date .. "工作" .. hours_text(h) .. "小时,超过" .. p.MAX_DAY_HOURS .. "小时" end
      if n > 0 then why[#why + 1] = t.work_date .. "夜间(" .. p.NIGHT_WINDOW .. ")实习" .. hours_text(n) .. "小时" end
      if t.holiday ~= nil and h > 0 then why[#why + 1] = t.work_date .. "为法定节假日(" .. t.holiday .. ")仍安排实习" end
      local w = rh.iso_week(t.work_date)
      if weeks[w] == nil then weeks[w] = 0; order[#order + 1] = w end
      weeks[w] = weeks[w] + h
    end
    for _, w in ipairs(order) do
      if weeks[w] > week_max then
        why[#why + 1] = w .. "周工作" .. hours_text(weeks[w]) .. "小时,超过" .. p.MAX_WEEK_HOURS .. "小时"
      end
    end
    local v = { days = #rows, weeks = #order }
    if #why > 0 then
      v.list, v.problems = table.concat(why, ";"), #why
      return fail("{list}", v)
    end
    return pass("{days}天考勤({weeks}周)均未超时,无夜班和法定节假日实习", v)
  end,
}

rule "INT-11" {
  title   = "实习全程投保实习责任保险",
  subject = "internship",
  cite    = "教职成〔2016〕3号第三十五条;教职成〔2021〕4号(实习责任保险)",
  inputs  = {
    insurance = list [[
      SELECT internship_id, policy_no, cover_start, cover_end FROM internship_insurance
    ]],
  },
  check = function(s, p, ctx)
    local r = not_started(s, ctx); if r then return r end
    local spans = {}
    for _, i in ipairs(s.insurance) do spans[#spans + 1] = { i.cover_start, i.cover_end } end
    local v = { start = s.start_date, ["end"] = s.end_date, policies = #spans }
    if #spans == 0 then return fail("实习期{start}至{end}未投保实习责任保险", v) end
    local gaps = rh.gaps(spans, s.start_date, s.end_date)
    if #gaps == 0 then return pass("{policies}份实习责任保险覆盖实习期{start}至{end}", v) end
    local parts = {}
    for _, g in ipairs(gaps) do
      local a, b = g[1] or g.from, g[2] or g.to
      if a == b then parts[#parts + 1] = a else parts[#parts + 1] = a .. "至" .. b end
    end
    v.uncovered = table.concat(parts, "、")
    return fail("实习责任保险未覆盖{uncovered}", v)
  end,
}

rule "INT-12" {
  title   = "不得安排到娱乐场所、不得通过中介、不得安排高危岗位和III级以上体力劳动",
  subject = "internship",
  cite    = "教职成〔2021〕4号第十六条、第十七条;教职成〔2016〕3号第九条",
  params  = {
    MAX_LABOR_INTENSITY = { { from = "2000-01-01", value = 2, source = R2021 .. "第十六条(不得安排III级以上体力劳动强度) [V]" } },
  },
  inputs  = {
    place = [[
      SELECT i.id, e.venue_category, p.id AS post_found, p.name AS post_name,
             p.is_high_risk, p.labor_intensity_level
      FROM internship i
      JOIN enterprise e ON e.id = i.enterprise_id
      LEFT JOIN post p ON p.id = i.post_id
    ]],
  },
  check = function(s, p, ctx)
    -- OPEN QUESTION (d)6: a filed special arrangement (special_arrangement_filed) does not waive the high-risk ban
    -- until the city confirms the R2021 text. The bans apply to every internship type and both regimes.
    local VENUE_ZH = { BAR = "酒吧", KTV = "KTV", NIGHTCLUB = "夜总会", BATHHOUSE = "洗浴场所",
                       GAME_HALL = "游戏厅", INTERNET_CAFE = "网吧" }
    local pl = s.place or {}
    local bad, missing = {}, {}
    if pl.venue_category ~= nil then
      bad[#bad + 1] = "实习单位为" .. (VENUE_ZH[pl.venue_category] or pl.venue_category) .. "等营业性娱乐场所"
    end
    if s.via_intermediary == 1 then bad[#bad + 1] = "通过中介机构安排实习" end
    if pl.post_found ~= nil then
      if pl.is_high_risk == 1 then bad[#bad + 1] = "安排在高危岗位(" .. pl.post_name .. ")"
      elseif pl.is_high_risk == nil then missing[#missing + 1] = "岗位是否高危" end
      local lvl = pl.labor_intensity_level
      if lvl ~= nil and lvl > p.MAX_LABOR_INTENSITY then
        bad[#bad + 1] = "岗位体力劳动强度为" .. ({ "I", "II", "III", "IV" })[lvl] .. "级"
      elseif lvl == nil then missing[#missing + 1] = "岗位体力劳动强度" end
    elseif s.type == "POST" then
      missing[#missing + 1] = "实习岗位"
    end
    local v = { venue = pl.venue_category, via_intermediary = s.via_intermediary,
                high_risk = pl.is_high_risk, intensity = pl.labor_intensity_level }
    if #bad > 0 then
      v.list = table.concat(bad, ";")
      return fail("{list}", v)
    end
    if #missing > 0 then
      v.missing = table.concat(missing, "、")
      return unknown("未记录{missing}", v)
    end
    return pass("非娱乐场所、未经中介、非高危岗位且体力劳动强度低于III级", v)
  end,
}

rule "INT-13" {
  title   = "不得向实习学生收取费用",
  subject = "internship",
  cite    = "教职成〔2021〕4号(不得向学生收取实习押金、管理费等费用)",
  check = function(s, p, ctx)
    local fee = rh.fen(s.fees_charged)
    local v = { fees = rh.yuan(fee) }
    if fee == 0 then return pass("未向学生收取费用", v) end
    return fail("向学生收取费用" .. rh.money(fee) .. "元", v)
  end,
}

policy "INTERNSHIP_COMPLIANCE" {
  title   = "学生实习合规(职业学校学生实习管理规定)",
  subject = "enterprise", answers = "compliance",
  rules   = { "INT-02", "INT-03", "INT-04", "INT-05", "INT-06", "INT-07", "INT-08",
              "INT-09", "INT-10", "INT-11", "INT-12", "INT-13" },
}
