-- Apprenticeship: 现代学徒制 (MODERN, school-based) and 企业新型学徒制 (NE), seed 二(三)2
-- ("双主体、双身份、双导师"). Rules APP-01..APP-09; policies APPRENTICESHIP_COMPLIANCE, MENTOR_QUALIFIED.

-- Sources: 人社部发〔2018〕66号《关于全面推行企业新型学徒制的意见》;
--          人社部发〔2021〕39号《关于全面推行中国特色企业新型学徒制 加强技能人才培养的指导意见》.
local SRC_2018 = "人社部发〔2018〕66号"
local SRC_2021 = "人社部发〔2021〕39号"

local PROGRAM_ZH = { MODERN = "现代学徒制", NE = "企业新型学徒制" }
local ROLE_ZH = { SCHOOL = "学校导师", ENTERPRISE = "企业导师" }

local function set_of(str)
  local t = {}
  for w in string.gmatch(str or "", "[^|]+") do t[w] = true end
  return t
end

-- The value of a parameter on a date, or nil when none is in force then (p.at raises in that case).
local function param_on(p, name, date)
  local ok, v = pcall(p.at, name, date)
  if ok then return v end
  return nil
end

-- Is the apprenticeship running on as_of?
local function running(s, as_of) return rh.active(s.start_date, s.end_date, as_of) end

rule "APP-01" {
  title   = "双导师:评估日同时配备学校导师和企业导师",
  subject = "apprenticeship",
  cite    = "二(三)2(双主体、双身份、双导师);" .. SRC_2021,
  inputs  = {
    mentors = list [[
      SELECT apprenticeship_id, mentor_id, role, start_date, end_date
      FROM mentor_assignment
      WHERE start_date <= :as_of AND (end_date IS NULL OR end_date >= :as_of)
    ]],
  },
  check = function(s, p, ctx)
    local v = { program = PROGRAM_ZH[s.program] or s.program, start = s.start_date, ["end"] = s.end_date }
    if not running(s, ctx.as_of) then
      return na("学徒培养期{start}至{end}不含评估日{as_of}", v)
    end
    local have = {}
    for _, a in ipairs(s.mentors) do
      if a.mentor_id ~= nil then have[a.role] = a.mentor_id end
    end
    v.school_mentor, v.enterprise_mentor = have.SCHOOL, have.ENTERPRISE
    local missing = {}
    if have.SCHOOL == nil then missing[#missing + 1] = ROLE_ZH.SCHOOL end
    if have.ENTERPRISE == nil then missing[#missing + 1] = ROLE_ZH.ENTERPRISE end
    if #missing > 0 then
      v.missing = table.concat(missing, "和")
      return fail("{as_of}缺少{missing}", v)
    end
    return pass("{as_of}配备学校导师(导师{school_mentor})和企业导师(导师{enterprise_mentor})", v)
  end,
}

rule "APP-02" {
  title   = "现代学徒制开始前签订学徒培养协议;企业新型学徒制签订1年以上劳动合同",
  subject = "apprenticeship",
  cite    = "职业教育法(2022)第三十条;" .. SRC_2021,
  params  = {
    NE_CONTRACT_MIN_YEARS = { { from = "2021-06-22", value = 1, source = SRC_2021 .. " [V]" } },
  },
  check = function(s, p, ctx)
    if s.program == "MODERN" then
      local v = { start = s.start_date, signed = s.agreement_signed_date }
      if s.agreement_signed_date == nil then
        return fail("未签订学徒培养协议(培养开始于{start})", v)
      end
      if s.agreement_signed_date <= s.start_date then
        return pass("{signed}签订学徒培养协议,不晚于培养开始日{start}", v)
      end
      return fail("学徒培养协议{signed}才签订,晚于培养开始日{start}", v)
    end
    -- NE: labour contract of at least NE_CONTRACT_MIN_YEARS; contract_end NULL = open-ended.
    -- An agreement rule: the requirement in force on the start date applies
    -- (policy book, convention 5), not the one on as_of.
    local n = param_on(p, "NE_CONTRACT_MIN_YEARS", s.start_date)
    if n == nil then
      return na("培养开始日{start}企业新型学徒制合同期限要求尚未施行", { start = s.start_date })
    end
    local v = { contract_start = s.contract_start, contract_end = s.contract_end, years = n }
    if s.contract_start == nil then
      return fail("未记录劳动合同(企业新型学徒须签订{years}年以上劳动合同)", v)
    end
    if s.contract_end == nil then
      return pass("{contract_start}起签订无固定期限劳动合同", v)
    end
    v.req = rh.add_days(rh.add_years(s.contract_start, n), -1)
    if s.contract_end >= v.req then
      return pass("劳动合同{contract_start}至{contract_end},不短于{years}年(至少到{req})", v)
    end
    return fail("劳动合同{contract_start}至{contract_end},{contract_end}早于{req},不足{years}年", v)
  end,
}

rule "APP-03" {
  title   = "企业导师同时带徒不超过8人",
  subject = "mentor",
  cite    = "地方企业新型学徒制实施办法(每名企业导师带徒不超过8人) [L]",
  params  = {
    -- OPEN QUESTION (d)10: there is no national mentor ratio; 8 is a local rule [L]. School mentors are not limited.
    MENTOR_LOAD = { { from = "2018-10-12", value = 8, source = "天津市企业新型学徒制实施办法 [L] 政策书(d)10" } },
  },
  inputs  = {
    load = [[
      SELECT ma.mentor_id, COUNT(DISTINCT ma.apprenticeship_id) AS n
      FROM mentor_assignment ma
      JOIN apprenticeship a ON a.id = ma.apprenticeship_id
      WHERE ma.role = 'ENTERPRISE' AND ma.mentor_id IS NOT NULL
        AND ma.start_date <= :as_of AND (ma.end_date IS NULL OR ma.end_date >= :as_of)
        AND a.start_date <= :as_of AND (a.end_date IS NULL OR a.end_date >= :as_of)
      GROUP BY ma.mentor_id
    ]],
  },
  check = function(s, p, ctx)
    if s.kind ~= "ENTERPRISE" then return na("学校导师不受带徒人数限制", {}) end
    if param_on(p, "MENTOR_LOAD", ctx.as_of) == nil then return na("评估日{as_of}带徒人数要求尚未施行", {}) end
    local n = (s.load and s.load.n) or 0
    local v = { n = n, max = p.MENTOR_LOAD, mentor = s.name or ("导师" .. s.id) }
    if n <= p.MENTOR_LOAD then
      return pass("{mentor}在{as_of}带徒{n}人,不超过{max}人", v)
    end
    return fail("{mentor}在{as_of}带徒{n}人,超过{max}人", v)
  end,
}

rule "APP-04" {
  title   = "企业导师技能等级不低于高级工",
  subject = "mentor",
  cite    = SRC_2018 .. "(企业导师应为优秀高技能人才)",
  params  = {
    -- OPEN QUESTION (d)10: "优秀高技能人才" is mapped to 高级工 and above [A].
    MENTOR_MIN_SKILL = { { from = "2018-10-12", value = "高级工|技师|高级技师", source = SRC_2018 .. " [V] + [A]" } },
  },
  check = function(s, p, ctx)
    if s.kind ~= "ENTERPRISE" then return na("学校导师不适用企业导师技能等级要求", {}) end
    if param_on(p, "MENTOR_MIN_SKILL", ctx.as_of) == nil then return na("评估日{as_of}导师等级要求尚未施行", {}) end
    local v = { level = s.skill_level, mentor = s.name or ("导师" .. s.id) }
    if s.skill_level == nil then return unknown("{mentor}的职业技能等级未记录", v) end
    if set_of(p.MENTOR_MIN_SKILL)[s.skill_level] then
      return pass("{mentor}技能等级为{level},不低于高级工", v)
    end
    return fail("{mentor}技能等级为{level},低于高级工", v)
  end,
}

rule "APP-05" {
  title   = "企业新型学徒培养期12至24个月(经批准延长不超过36个月)",
  subject = "apprenticeship",
  cite    = SRC_2021,
  params  = {
    NE_MIN_MONTHS = { { from = "2021-06-22", value = 12, source = SRC_2021 .. " [V]" } },
    NE_MAX_MONTHS = { { from = "2021-06-22", value = 24, source = SRC_2021 .. " [V]" } },
    NE_MAX_MONTHS_EXTENDED = { { from = "2021-06-22", value = 36, source = SRC_2021 .. " [V]" } },
  },
  check = function(s, p, ctx)
    if s.program ~= "NE" then return na("现代学徒制不适用培养期限要求", {}) end
    if param_on(p, "NE_MIN_MONTHS", ctx.as_of) == nil then return na("评估日{as_of}培养期限要求尚未施行", {}) end
    local m = s.planned_months
    local max = p.NE_MAX_MONTHS
    if s.extension == 1 then max = p.NE_MAX_MONTHS_EXTENDED end
    local v = { months = m, min = p.NE_MIN_MONTHS, max = max, extension = s.extension }
    if m == nil then return unknown("培养期限(月数)未记录", v) end
    if m >= p.NE_MIN_MONTHS and m <= max then
      return pass("培养期{months}个月,在{min}至{max}个月之间", v)
    end
    return fail("培养期{months}个月,不在{min}至{max}个月之间", v)
  end,
}

rule "APP-06" {
  title   = "企业新型学徒工资不低于当地最低工资标准",
  subject = "apprenticeship",
  cite    = SRC_2018 .. ";" .. SRC_2021,
  inputs  = {
    minwage = [[
      SELECT a.id, w.from_date, w.local_min_wage_monthly
      FROM apprenticeship a
      JOIN enterprise_wage w ON w.enterprise_id = a.enterprise_id
      WHERE w.from_date = (SELECT MAX(w2.from_date) FROM enterprise_wage w2
                           WHERE w2.enterprise_id = a.enterprise_id AND w2.from_date <= :as_of)
    ]],
  },
  check = function(s, p, ctx)
    if s.program ~= "NE" then return na("现代学徒制学生不适用学徒工资要求", {}) end
    local mw = s.minwage and s.minwage.local_min_wage_monthly
    local v = { wage = s.monthly_wage, minimum = mw, wage_from = s.minwage and s.minwage.from_date }
    if s.monthly_wage == nil then return unknown("学徒月工资未记录", v) end
    if mw == nil then return unknown("{as_of}当地最低工资标准未记录", v) end
    local text = "月工资" .. rh.money(rh.fen(s.monthly_wage)) .. "元"
    if rh.fen(s.monthly_wage) >= rh.fen(mw) then
      return pass(text .. ",不低于当地最低工资标准" .. rh.money(rh.fen(mw)) .. "元({wage_from}起)", v)
    end
    return fail(text .. ",低于当地最低工资标准" .. rh.money(rh.fen(mw)) .. "元({wage_from}起)", v)
  end,
}

rule "APP-07" {
  title   = "市学徒培训补贴标准不低于国家规定下限",
  subject = "subsidy_standard",
  cite    = SRC_2018 .. ";" .. SRC_2021,
  params  = {
    APP_SUBSIDY_FLOOR = {
      { from = "2018-10-12", value = 4000, source = SRC_2018 .. "(每人每年4000元以上) [V]; 日期 [R]" },
      { from = "2021-06-22", value = 5000, source = SRC_2021 .. "(每人每年5000元以上) [V]; 日期 [A]" },
    },
  },
  check = function(s, p, ctx)
    local floor = param_on(p, "APP_SUBSIDY_FLOOR", s.set_date)
    local v = { amount = s.amount_per_year, set_date = s.set_date, floor = floor, city = s.city }
    if floor == nil then return na("标准制定于{set_date},早于国家补贴下限的施行", v) end
    local text = "{city}学徒培训补贴标准" .. rh.money(rh.fen(s.amount_per_year)) .. "元/人·年"
    if rh.fen(s.amount_per_year) >= floor * 100 then
      return pass(text .. ",不低于{set_date}时的国家下限{floor}元", v)
    end
    return fail(text .. ",低于{set_date}时的国家下限{floor}元", v)
  end,
}

rule "APP-08" {
  title   = "现代学徒制学徒具有在籍学生身份(双身份)",
  subject = "apprenticeship",
  cite    = "二(三)2(双身份)",
  inputs  = {
    student = [[SELECT a.id, st.status FROM apprenticeship a JOIN student st ON st.id = a.student_id]],
  },
  check = function(s, p, ctx)
    if s.program ~= "MODERN" then return na("企业新型学徒制不要求学生身份", {}) end
    if s.student_id == nil or s.student == nil then
      return unknown("未记录学徒对应的在籍学生", {})
    end
    local v = { student_id = s.student_id, status = s.student.status }
    if s.student.status == "ACTIVE" then return pass("学生{student_id}在籍", v) end
    return fail("学生{student_id}状态为{status},不是在籍学生", v)
  end,
}

rule "APP-09" {
  title   = "学徒开始时年满16周岁",
  subject = "apprenticeship",
  cite    = "劳动法第十五条",
  params  = {
    MIN_AGE = { { from = "1995-01-01", value = 16, source = "劳动法第十五条 [R]" } },
  },
  inputs  = {
    birth = [[
      SELECT a.id, COALESCE(a.birth_date, st.birth_date) AS birth_date
      FROM apprenticeship a LEFT JOIN student st ON st.id = a.student_id
    ]],
  },
  check = function(s, p, ctx)
    local b = s.birth and s.birth.birth_date
    if b == nil then return unknown("学徒出生日期未记录", {}) end
    -- OPEN QUESTION (d)8: age n is reached on add_years(birth, n).
    local age = rh.age(b, s.start_date)
    local v = { age = age, birth = b, start = s.start_date, min = p.MIN_AGE,
                reached = rh.add_years(b, p.MIN_AGE) }
    if age >= p.MIN_AGE then return pass("{start}开始时{age}周岁,已满{min}周岁", v) end
    return fail("{start}开始时{age}周岁,未满{min}周岁({reached}满{min}周岁)", v)
  end,
}

policy "APPRENTICESHIP_COMPLIANCE" {
  title   = "学徒制合规(二(三)2)",
  subject = "apprenticeship", answers = "compliance",
  rules   = { "APP-01", "APP-02", "APP-05", "APP-06", "APP-08", "APP-09" },
}

policy "MENTOR_QUALIFIED" {
  title   = "企业导师资格",
  subject = "mentor", answers = "compliance",
  rules   = { "APP-03", "APP-04" },
}
