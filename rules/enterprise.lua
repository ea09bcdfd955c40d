-- 产教融合型企业 (590号) and the seed's priority support (二(二)1).
-- Rules CJE-01 … CJE-10; policies CULTIVATION_ELIGIBLE (D1) and PRIORITY_SUPPORT (D2).
-- Policy book: /work/shared/domain/policy-book.md, section (b) "Enterprise".

---------------------------------------------------------------------------
-- Shared parameters (declared once here, listed in each rule that uses them)
---------------------------------------------------------------------------
-- Source: 发改社会〔2019〕590号《建设产教融合型企业实施办法(试行)》.
local SRC_590 = "发改社会〔2019〕590号"

local REQUIRED_PROVINCE = {
  { from = "2019-03-28", value = "陕西省", source = "陕西省产教融合型企业建设培育试点通知 [V]" },
}
-- OPEN QUESTION (d)2: the entry window for accidents / tax violations is undefined nationally; default 3 years [A].
local LOOKBACK_YEARS = {
  { from = "2019-03-28", value = 3, source = SRC_590 .. "(近三年) [A] 政策书(d)2" },
}
-- OPEN QUESTION (d)3: who qualifies for priority support — only the 3 demonstration enterprises, or any
-- 产教融合型 enterprise (reserve or certified)? Default: all three kinds below ("|"-separated list).
-- No fixed validity term was found: a designation is valid from valid_from through valid_to (NULL = open) as recorded.
local PRIORITY_DESIGNATIONS = {
  { from = "2019-03-28", value = "CJRH_RESERVE|CJRH_CERTIFIED|CITY_DEMO",
    source = "seed 二(二)1 + [A] 政策书(d)3" },
}
-- Events that disqualify a designated enterprise (CJE-10) and revocation reasons that bar re-application (CJE-08).
local DISQUALIFYING = {
  { from = "2019-03-28",
    value = "BLACKLIST|MAJOR_ENV_ACCIDENT|MAJOR_SAFETY_ACCIDENT|MAJOR_QUALITY_ACCIDENT|FRAUD|STUDENT_RIGHTS_INFRINGEMENT",
    source = SRC_590 .. " [V]" },
}
local REAPPLY_BAR_YEARS = {
  { from = "2019-03-28", value = 5, source = SRC_590 .. "(撤销后5年内不得再次申报,人民日报2019-04-04) [V]" },
}

---------------------------------------------------------------------------
-- Shared helpers (file-local)
---------------------------------------------------------------------------
local EVENT_ZH = {
  BLACKLIST = "列入失信联合惩戒对象名单",
  MAJOR_ENV_ACCIDENT = "重大环境违法事故",
  MAJOR_SAFETY_ACCIDENT = "重大安全生产事故",
  MAJOR_QUALITY_ACCIDENT = "重大产品质量事故",
  TAX_VIOLATION = "税收违法行为",
  FRAUD = "弄虚作假",
  STUDENT_RIGHTS_INFRINGEMENT = "侵害学生合法权益",
  OTHER = "其他原因",
}
local DESIG_ZH = {
  CJRH_RESERVE = "产教融合型企业建设培育库(储备库)",
  CJRH_CERTIFIED = "产教融合型企业(认证)",
  CITY_DEMO = "市级产教融合型示范企业",
}
local ACTIVITY_ZH = {
  RUN_SCHOOL = "举办职业院校", CORP_UNIVERSITY = "举办企业大学",
  APPRENTICESHIP_PILOT = "学徒制试点", X_CERT_PILOT = "1+X证书试点",
  TRAINING_BASE = "共建实训基地", VOC_GROUP_MEMBER = "职教集团成员",
}

-- "A|B|C" → { A = true, B = true, C = true }
local function set_of(str)
  local t = {}
  for w in string.gmatch(str or "", "[^|]+") do t[w] = true end
  return t
end

local function zh(map, key) return map[key] or tostring(key) end

-- 590号 was issued on 2019-03-28; its parameters start there, so an earlier as_of is not judged.
local SINCE_590 = "2019-03-28"
local function before_590(ctx)
  if ctx.as_of < SINCE_590 then
    return na("评估日{as_of}早于发改社会〔2019〕590号印发日{since}", { since = SINCE_590 })
  end
  return nil
end

-- Sort a list of rows by a date field (then by id) so that reasons name the earliest first.
local function by_date(rows, field)
  table.sort(rows, function(a, b)
    if a[field] ~= b[field] then return a[field] < b[field] end
    return (a.event_id or a.designation_id or 0) < (b.event_id or b.designation_id or 0)
  end)
  return rows
end

-- Designations that give priority support on as_of (CJE-07): kind in PRIORITY_DESIGNATIONS,
-- valid_from ≤ as_of ≤ valid_to (NULL = open), not revoked on or before as_of.
local function priority_designations(list, p, as_of)
  local kinds, out = set_of(p.PRIORITY_DESIGNATIONS), {}
  for _, d in ipairs(list or {}) do
    if kinds[d.kind] and rh.active(d.valid_from, d.valid_to, as_of)
       and (d.revoked_date == nil or d.revoked_date > as_of) then
      out[#out + 1] = d
    end
  end
  return by_date(out, "valid_from")
end

-- Credit events of the given kinds, as a list sorted by date.
local SQL_EVENTS = [[
  SELECT enterprise_id, id AS event_id, kind, start_date, end_date
  FROM credit_event WHERE start_date <= :as_of
]]
local SQL_DESIGNATIONS = [[
  SELECT enterprise_id, id AS designation_id, kind, level, valid_from, valid_to,
         certified_date, revoked_date, revoke_reason
  FROM designation
]]

---------------------------------------------------------------------------
-- CJE-01 … CJE-10
---------------------------------------------------------------------------
rule "CJE-01" {
  title   = "在中国境内注册、具有独立法人资格,注册地在陕西省",
  subject = "enterprise",
  cite    = "发改社会〔2019〕590号 第五条;陕西省产教融合型企业试点通知",
  params  = { REQUIRED_PROVINCE = REQUIRED_PROVINCE },
  check = function(s, p, ctx)
    local early = before_590(ctx); if early then return early end
    local v = { country = s.reg_country, province = s.reg_province,
                legal_person = s.is_legal_person, required = p.REQUIRED_PROVINCE }
    local why = {}
    if s.reg_country ~= nil and s.reg_country ~= "CN" then
      why[#why + 1] = "注册国家为" .. s.reg_country .. ",不在中国境内"
    end
    if s.reg_province ~= nil and s.reg_province ~= p.REQUIRED_PROVINCE then
      why[#why + 1] = "注册地为" .. s.reg_province .. ",不是{required}"
    end
    if s.is_legal_person == 0 then why[#why + 1] = "不具有独立法人资格" end
    if #why > 0 then return fail(table.concat(why, ";"), v) end
    local missing = {}
    if s.reg_country == nil then missing[#missing + 1] = "注册国家" end
    if s.reg_province == nil then missing[#missing + 1] = "注册省份" end
    if s.is_legal_person == nil then missing[#missing + 1] = "是否独立法人" end
    if #missing > 0 then
      return unknown("缺少" .. table.concat(missing, "、") .. "信息", v)
    end
    return pass("在{province}注册的独立法人企业", v)
  end,
}

rule "CJE-02" {
  title   = "主营业务不是教育培训(原则上)",
  subject = "enterprise",
  cite    = "发改社会〔2019〕590号 第五条(主营业务为教育培训的企业原则上不纳入)",
  params  = {
    -- 590号 says "原则上": a policy officer may admit an education/training enterprise by exception.
    -- List the enterprise ids so admitted, "|"-separated (empty = no exceptions).
    EDUCATION_EXCEPTIONS = { { from = "2019-03-28", value = "", source = "主管部门个案认定 [A]" } },
  },
  check = function(s, p, ctx)
    local early = before_590(ctx); if early then return early end
    local v = { main_business_is_education = s.main_business_is_education }
    if s.main_business_is_education == nil then
      return unknown("缺少主营业务是否为教育培训的信息", v)
    end
    if s.main_business_is_education == 0 then
      return pass("主营业务不是教育培训", v)
    end
    if set_of(p.EDUCATION_EXCEPTIONS)[tostring(s.id)] then
      return pass("主营业务为教育培训,经主管部门个案认定准予纳入", v)
    end
    return fail("主营业务为教育培训,原则上不纳入产教融合型企业", v)
  end,
}

rule "CJE-03" {
  title   = "评估日未被列入失信联合惩戒对象名单",
  subject = "enterprise",
  cite    = "发改社会〔2019〕590号(失信联合惩戒对象不得认定);二(二)1",
  inputs  = {
    blacklist = list [[
      SELECT enterprise_id, id AS event_id, start_date, end_date
      FROM credit_event
      WHERE kind = 'BLACKLIST' AND start_date <= :as_of
        AND (end_date IS NULL OR end_date >= :as_of)
    ]],
  },
  check = function(s, p, ctx)
    -- OPEN QUESTION (d)2: a blacklisting removed before as_of does not block (only a listing active on as_of counts).
    local active = by_date(s.blacklist, "start_date")
    if #active == 0 then
      return pass("{as_of}不在失信联合惩戒对象名单中", { listings = 0 })
    end
    local e = active[1]
    return fail("自{date}起被列入失信联合惩戒对象名单(事件{event_id}),{as_of}仍在名单中",
                { date = e.start_date, removed = e.end_date, event_id = e.event_id, listings = #active })
  end,
}

rule "CJE-04" {
  title   = "近三年未发生重大环境、安全、质量事故",
  subject = "enterprise",
  cite    = "发改社会〔2019〕590号(近三年无重大环保、安全、质量事故)",
  params  = { LOOKBACK_YEARS = LOOKBACK_YEARS },
  inputs  = { events = list(SQL_EVENTS) },
  check = function(s, p, ctx)
    local early = before_590(ctx); if early then return early end
    local n = p.LOOKBACK_YEARS
    local since = rh.add_years(ctx.as_of, -n)
    local hits = {}
    for _, e in ipairs(s.events) do
      if (e.kind == "MAJOR_ENV_ACCIDENT" or e.kind == "MAJOR_SAFETY_ACCIDENT" or e.kind == "MAJOR_QUALITY_ACCIDENT")
         and rh.in_last_years(e.start_date, ctx.as_of, n) then
        hits[#hits + 1] = e
      end
    end
    local v = { years = n, window_after = since }
    if #hits == 0 then
      return pass("{window_after}(不含)至{as_of}期间无重大环境、安全、质量事故", v)
    end
    by_date(hits, "start_date")
    local parts = {}
    for _, e in ipairs(hits) do parts[#parts + 1] = e.start_date .. zh(EVENT_ZH, e.kind) end
    v.date, v.kind, v.events = hits[1].start_date, zh(EVENT_ZH, hits[1].kind), #hits
    return fail(table.concat(parts, "、") .. "(近{years}年内,{window_after}之后)", v)
  end,
}

rule "CJE-05" {
  title   = "近三年无税收违法行为",
  subject = "enterprise",
  cite    = "发改社会〔2019〕590号(依法纳税,近三年无税收违法记录)",
  params  = { LOOKBACK_YEARS = LOOKBACK_YEARS },
  inputs  = { events = list(SQL_EVENTS) },
  check = function(s, p, ctx)
    local early = before_590(ctx); if early then return early end
    local n = p.LOOKBACK_YEARS
    local v = { years = n, window_after = rh.add_years(ctx.as_of, -n) }
    local hits = {}
    for _, e in ipairs(s.events) do
      if e.kind == "TAX_VIOLATION" and rh.in_last_years(e.start_date, ctx.as_of, n) then hits[#hits + 1] = e end
    end
    if #hits == 0 then
      return pass("{window_after}(不含)至{as_of}期间无税收违法记录", v)
    end
    by_date(hits, "start_date")
    v.date, v.events = hits[#hits].start_date, #hits
    return fail("{date}有税收违法记录(近{years}年内共{events}次)", v)
  end,
}

rule "CJE-06" {
  title   = "评估日有至少一项校企合作办学活动(含累计3年以上接收实习)",
  subject = "enterprise",
  cite    = "发改社会〔2019〕590号 第五条(举办职业教育、学徒制、1+X、实训基地、实习实训累计3年以上等)",
  params  = {
    -- OPEN QUESTION (d)1: one activity or more? "累计3年" in calendar years or covered days? Defaults: 1 and 1095 days.
    MIN_ACTIVITIES = { { from = "2019-03-28", value = 1, source = SRC_590 .. " §5 [P] 政策书(d)1" } },
    HOSTING_DAYS = { { from = "2019-03-28", value = 1095, source = SRC_590 .. " §5 实习实训累计3年以上 [R] 政策书(d)1" } },
    QUALIFYING_KINDS = { { from = "2019-03-28",
      value = "RUN_SCHOOL|CORP_UNIVERSITY|APPRENTICESHIP_PILOT|X_CERT_PILOT|TRAINING_BASE|VOC_GROUP_MEMBER",
      source = SRC_590 .. " §5 [P]; VOC_GROUP_MEMBER 南京市清单 [L]" } },
  },
  inputs  = {
    activities = list [[
      SELECT enterprise_id, id AS activity_id, kind, start_date, end_date
      FROM qualifying_activity
      WHERE start_date <= :as_of AND (end_date IS NULL OR end_date >= :as_of)
    ]],
    hosting = list [[
      SELECT enterprise_id, start_date, end_date FROM internship WHERE start_date <= :as_of
    ]],
  },
  check = function(s, p, ctx)
    local early = before_590(ctx); if early then return early end
    local kinds, names = set_of(p.QUALIFYING_KINDS), {}
    for _, a in ipairs(s.activities) do
      if kinds[a.kind] then names[#names + 1] = zh(ACTIVITY_ZH, a.kind) end
    end
    table.sort(names)
    local spans, first = {}, nil
    for _, i in ipairs(s.hosting) do
      spans[#spans + 1] = { i.start_date, i.end_date }
      if first == nil or i.start_date < first then first = i.start_date end
    end
    local days = 0
    if first then days = rh.union_days(spans, first, ctx.as_of) end
    local hosting_ok = days >= p.HOSTING_DAYS
    if hosting_ok then names[#names + 1] = "接收学生实习实训累计" .. days .. "天" end
    local v = { activities = #names, min = p.MIN_ACTIVITIES, hosting_days = days, hosting_min = p.HOSTING_DAYS }
    if #names >= p.MIN_ACTIVITIES then
      v.list = table.concat(names, "、")
      return pass("{as_of}有{activities}项合格的校企合作活动:{list}", v)
    end
    return fail("{as_of}无有效的校企合作办学活动;接收实习累计{hosting_days}天,不足{hosting_min}天", v)
  end,
}

rule "CJE-07" {
  title   = "持有有效的产教融合型企业或示范企业称号",
  subject = "enterprise",
  cite    = "二(二)1(产教融合型示范企业予以优先支持)",
  params  = { PRIORITY_DESIGNATIONS = PRIORITY_DESIGNATIONS },
  inputs  = { designations = list(SQL_DESIGNATIONS) },
  check = function(s, p, ctx)
    local early = before_590(ctx); if early then return early end
    local ok = priority_designations(s.designations, p, ctx.as_of)
    if #ok > 0 then
      local d = ok[1]
      return pass("持有{kind}称号(编号{designation_id},{valid_from}起有效)",
                  { kind = zh(DESIG_ZH, d.kind), designation_id = d.designation_id,
                    valid_from = d.valid_from, valid_to = d.valid_to, designations = #ok })
    end
    -- Say why the designations on record do not count.
    local notes = {}
    for _, d in ipairs(by_date(s.designations, "valid_from")) do
      local why
      if not set_of(p.PRIORITY_DESIGNATIONS)[d.kind] then why = "类别不属于优先支持范围"
      elseif d.valid_from > ctx.as_of then why = d.valid_from .. "才生效"
      elseif d.valid_to ~= nil and d.valid_to < ctx.as_of then why = d.valid_to .. "已到期"
      elseif d.revoked_date ~= nil then why = d.revoked_date .. "被撤销"
      end
      notes[#notes + 1] = zh(DESIG_ZH, d.kind) .. "(" .. (why or "无效") .. ")"
    end
    local v = { designations = #s.designations }
    if #notes == 0 then return fail("{as_of}无有效的产教融合型企业或示范企业称号", v) end
    v.notes = table.concat(notes, ";")
    return fail("{as_of}无有效的产教融合型企业或示范企业称号:{notes}", v)
  end,
}

rule "CJE-08" {
  title   = "未因失信、事故、弄虚作假等被撤销称号(5年内不得再次申报)",
  subject = "enterprise",
  cite    = "发改社会〔2019〕590号(撤销后5年内不得再次申报)",
  params  = { REAPPLY_BAR_YEARS = REAPPLY_BAR_YEARS, DISQUALIFYING = DISQUALIFYING },
  inputs  = {
    revoked = list [[
      SELECT enterprise_id, id AS designation_id, kind, revoked_date, revoke_reason
      FROM designation WHERE revoked_date IS NOT NULL AND revoked_date <= :as_of
    ]],
  },
  check = function(s, p, ctx)
    local early = before_590(ctx); if early then return early end
    local bad, unclear = set_of(p.DISQUALIFYING), {}
    local n = p.REAPPLY_BAR_YEARS
    -- OPEN QUESTION (d)8: the 5-year bar runs through add_years(revoked_date, 5) inclusive (Feb-29 -> Feb-28).
    local barred = nil
    for _, d in ipairs(by_date(s.revoked, "revoked_date")) do
      local bar_end = rh.add_years(d.revoked_date, n)       -- the bar lasts through bar_end inclusive
      if ctx.as_of <= bar_end then
        if d.revoke_reason == nil then
          unclear[#unclear + 1] = d
        elseif bad[d.revoke_reason] and (barred == nil or bar_end > barred.bar_end) then
          barred = { d = d, bar_end = bar_end }
        end
      end
    end
    if barred then
      local d = barred.d
      return fail("{date}因{reason}被撤销{kind}称号,{years}年内不得再次申报,{reapply}起方可申报",
                  { date = d.revoked_date, reason = zh(EVENT_ZH, d.revoke_reason), kind = zh(DESIG_ZH, d.kind),
                    years = n, bar_end = barred.bar_end, reapply = rh.add_days(barred.bar_end, 1),
                    designation_id = d.designation_id })
    end
    if #unclear > 0 then
      local d = unclear[1]
      return unknown("{date}被撤销{kind}称号,撤销原因未记录,无法判断是否在{years}年禁入期内",
                     { date = d.revoked_date, kind = zh(DESIG_ZH, d.kind), years = n,
                       designation_id = d.designation_id })
    end
    return pass("近{years}年无因失信、重大事故、弄虚作假或侵害学生权益被撤销的称号", { years = n })
  end,
}

rule "CJE-09" {
  title   = "先建后认:进入储备库满1年后方可认证",
  subject = "designation",
  cite    = "发改社会〔2019〕590号;山东、深圳等地产教融合型企业认证通知(入库培育满1年)",
  params  = {
    RESERVE_BEFORE_CERT_YEARS = { { from = "2019-03-28", value = 1, source = "SD / SZ 通知(先建后认) [V]" } },
  },
  inputs  = {
    reserves = list [[
      SELECT d.id AS designation_id, r.id AS reserve_id, r.valid_from
      FROM designation d
      JOIN designation r ON r.enterprise_id = d.enterprise_id AND r.kind = 'CJRH_RESERVE'
      WHERE d.kind = 'CJRH_CERTIFIED'
    ]],
  },
  check = function(s, p, ctx)
    local early = before_590(ctx); if early then return early end
    if s.kind ~= "CJRH_CERTIFIED" then
      return na("{kind}不是产教融合型企业认证", { kind = zh(DESIG_ZH, s.kind) })
    end
    local cert = s.certified_date
    if cert == nil then return unknown("未记录认证日期", {}) end
    if cert > ctx.as_of then return na("认证日期{certified}晚于评估日{as_of}", { certified = cert }) end
    local first = nil
    for _, r in ipairs(s.reserves) do
      if r.valid_from <= cert and (first == nil or r.valid_from < first.valid_from) then first = r end
    end
    if first == nil then
      return fail("{certified}认证前未进入储备库(先建后认)", { certified = cert })
    end
    local need = rh.add_years(first.valid_from, p.RESERVE_BEFORE_CERT_YEARS)
    local v = { certified = cert, reserve_from = first.valid_from, reserve_id = first.reserve_id,
                days = rh.days_between(first.valid_from, cert), earliest = need }
    if cert >= need then
      return pass("{reserve_from}入库,{certified}认证,在库{days}天,满1年", v)
    end
    return fail("{reserve_from}入库,{certified}认证,在库仅{days}天,{earliest}前不得认证", v)
  end,
}

rule "CJE-10" {
  title   = "称号有效期内未发生失信、重大事故、弄虚作假、侵害学生权益(否则建议撤销)",
  subject = "enterprise",
  cite    = "发改社会〔2019〕590号(退出机制);二(二)1",
  params  = { PRIORITY_DESIGNATIONS = PRIORITY_DESIGNATIONS, DISQUALIFYING = DISQUALIFYING },
  inputs  = { designations = list(SQL_DESIGNATIONS), events = list(SQL_EVENTS) },
  check = function(s, p, ctx)
    local early = before_590(ctx); if early then return early end
    local ok = priority_designations(s.designations, p, ctx.as_of)
    if #ok == 0 then return na("无有效称号(CJE-07不通过),不适用", {}) end
    local from = ok[1].valid_from        -- the earliest valid_from among the designations that pass CJE-07
    local bad, hits = set_of(p.DISQUALIFYING), {}
    for _, e in ipairs(s.events) do
      if bad[e.kind] and e.start_date >= from and e.start_date <= ctx.as_of then hits[#hits + 1] = e end
    end
    local v = { valid_from = from, designation_id = ok[1].designation_id }
    if #hits == 0 then
      return pass("称号有效期({valid_from}起)内无失信、重大事故、弄虚作假或侵害学生权益事件", v)
    end
    by_date(hits, "start_date")
    v.date, v.kind, v.events = hits[1].start_date, zh(EVENT_ZH, hits[1].kind), #hits
    return fail("称号有效期({valid_from}起)内{date}发生{kind},建议撤销称号并暂停优先支持", v)
  end,
}

---------------------------------------------------------------------------
-- Decisions
---------------------------------------------------------------------------
policy "CULTIVATION_ELIGIBLE" {
  title   = "纳入产教融合型企业建设培育范围(D1)",
  subject = "enterprise", answers = "eligibility",
  rules   = { "CJE-01", "CJE-02", "CJE-03", "CJE-04", "CJE-05", "CJE-06", "CJE-08" },
}

policy "PRIORITY_SUPPORT" {
  title   = "工信、发改部门优先支持(二(二)1,D2)",
  subject = "enterprise", answers = "eligibility",
  rules   = { "CJE-03", "CJE-07", "CJE-10" },
}
