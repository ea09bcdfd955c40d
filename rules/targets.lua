-- The plan's countable targets (seed 一 "到2023年…", 二(一)1–3, 二(二)1 and 3, 二(三)1).
-- One target rule per carrier kind, subject "city". The target numbers and deadlines are data
-- (table plan_target, seeded by `ronghe init`); the extra qualification tests are parameters here.
--
-- Counting (policy book (b) "1+X and plan targets"): a carrier counts if recognized_date ≤ D and
-- (revoked_date NULL or > D), with D = the target's deadline, or as_of when it has none; plus the
-- kind's extra test. A carrier with an unknown recognized_date (or an unknown extra attribute) is
-- "unknown": if known < target ≤ known + unknown, the outcome is UNKNOWN.
-- OPEN QUESTION (d)12: the seed text is cut off (teacher teams, safeguards), and the brand-major and
-- industry carriers need the city's own recognition procedure; a carrier row = a recognition.

local KIND_ZH = {
  INDUSTRY = "产教融合型行业", DEMO_ENTERPRISE = "产教融合型示范企业", TRAINING_BASE = "产教融合实训基地",
  EXPERIENCE_CENTER = "职业体验中心", BRAND_MAJOR = "产教融合品牌专业", TEACHER_TEAM = "产教融合教师团队",
  ALLIANCE = "产教融合战略联盟", INDUSTRY_BLOCK = "特色产教融合产业板块",
}

local function set_of(str)
  local t = {}
  for w in string.gmatch(str or "", "[^|]+") do t[w] = true end
  return t
end

-- Extra tests: return true (qualifies), false and why (does not), or nil and why (unknown).
local function experience_center_ok(c, p)
  if c.open_to_public == 1 then return true end
  if c.open_to_public == 0 then return false, "未向中小学生和市民开放" end
  return nil, "未记录是否向中小学生和市民开放"
end

local function training_base_ok(c, p)
  if c.shared == 0 then return false, "不是共享型实训基地" end
  local have, missing = set_of(c.functions), {}
  if c.functions ~= nil then
    for f in string.gmatch(p.BASE_FUNCTIONS, "[^|]+") do
      if not have[f] then missing[#missing + 1] = f end
    end
    if #missing > 0 then return false, "缺少" .. table.concat(missing, "、") .. "功能" end
  end
  if c.shared == nil then return nil, "未记录是否共享" end
  if c.functions == nil then return nil, "未记录基地功能" end
  return true
end

local function target_check(kind, extra)
  return function(s, p, ctx)
    local g = s.goal
    local name = KIND_ZH[kind] or kind
    if g == nil then return unknown("未设定" .. name .. "目标(plan_target)", {}) end
    local at = g.deadline or ctx.as_of
    local known, unsure, excluded, unclear = 0, 0, {}, {}
    local rows = s.carriers
    table.sort(rows, function(a, b) return a.id < b.id end)
    for _, c in ipairs(rows) do
      local label = "载体" .. c.id .. (c.name and ("“" .. c.name .. "”") or "")
      local ok, why = true, nil
      if extra then ok, why = extra(c, p) end
      if ok == false then
        excluded[#excluded + 1] = label .. why
      elseif c.recognized_date ~= nil and c.recognized_date > at then
        excluded[#excluded + 1] = label .. c.recognized_date .. "认定,晚于" .. at
      elseif c.revoked_date ~= nil and c.revoked_date <= at then
        excluded[#excluded + 1] = label .. "已于" .. c.revoked_date .. "撤销"
      elseif c.recognized_date == nil then
        unsure = unsure + 1; unclear[#unclear + 1] = label .. "认定日期未记录"
      elseif ok == nil then
        unsure = unsure + 1; unclear[#unclear + 1] = label .. why
      else
        known = known + 1
      end
    end
    local v = { count = known, target = g.target, deadline = g.deadline, counted_at = at,
                unknown = unsure, kind = name }
    local text = "{kind}:截至{counted_at}已建成{count}个/目标{target}个"
    if #excluded > 0 then v.excluded = table.concat(excluded, ";"); text = text .. ";未计入:{excluded}" end
    if #unclear > 0 then v.unclear = table.concat(unclear, ";"); text = text .. ";待核实:{unclear}" end
    if known >= g.target then return achieved(text, v) end
    if known + unsure >= g.target then return unknown(text, v) end
    return not_achieved(text, v)
  end
end

local function inputs_for(kind)
  return {
    carriers = list([[
      SELECT id, kind, name, recognized_date, revoked_date, open_to_public, shared, functions
      FROM carrier WHERE kind = ']] .. kind .. "'"),
    goal = "SELECT kind, target, deadline FROM plan_target WHERE kind = '" .. kind .. "'",
  }
end

rule "TGT-INDUSTRY" {
  title = "到2023年培育产教融合型行业1个", subject = "city", kind = "target",
  cite = "一(总体目标);二(二)1",
  inputs = inputs_for("INDUSTRY"),
  check = target_check("INDUSTRY"),
}

rule "TGT-DEMO_ENTERPRISE" {
  title = "到2023年创建产教融合型示范企业3家", subject = "city", kind = "target",
  cite = "一(总体目标);二(二)1",
  inputs = inputs_for("DEMO_ENTERPRISE"),
  check = target_check("DEMO_ENTERPRISE"),
}

rule "TGT-TRAINING_BASE" {
  title = "到2023年建成共享型产教融合实训基地1个", subject = "city", kind = "target",
  cite = "一(总体目标);二(二)3(集实训科研、技术技能培训、职业教育综合实践等多功能的共享型实训基地)",
  params = {
    BASE_FUNCTIONS = { { from = "2000-01-01", value = "实训科研|技能培训|综合实践", source = "seed 二(二)3 [S]" } },
  },
  inputs = inputs_for("TRAINING_BASE"),
  check = target_check("TRAINING_BASE", training_base_ok),
}

rule "TGT-EXPERIENCE_CENTER" {
  title = "到2023年建成向中小学生和市民开放的职业体验中心2个", subject = "city", kind = "target",
  cite = "一(总体目标);二(三)1",
  inputs = inputs_for("EXPERIENCE_CENTER"),
  check = target_check("EXPERIENCE_CENTER", experience_center_ok),
}

rule "TGT-BRAND_MAJOR" {
  title = "到2023年打造产教融合品牌专业3个", subject = "city", kind = "target",
  cite = "一(总体目标);二(一)3",
  inputs = inputs_for("BRAND_MAJOR"),
  check = target_check("BRAND_MAJOR"),
}

rule "TGT-TEACHER_TEAM" {
  title = "到2023年组建产教融合创新教师团队2个", subject = "city", kind = "target",
  cite = "一(总体目标)(二(三)2原文残缺)",
  inputs = inputs_for("TEACHER_TEAM"),
  check = target_check("TEACHER_TEAM"),
}

rule "TGT-ALLIANCE" {
  title = "组建彬州产教融合战略联盟1个", subject = "city", kind = "target",
  cite = "二(一)1",
  inputs = inputs_for("ALLIANCE"),
  check = target_check("ALLIANCE"),
}

rule "TGT-INDUSTRY_BLOCK" {
  title = "建设高端能化特色产教融合产业板块1个", subject = "city", kind = "target",
  cite = "二(一)2",
  inputs = inputs_for("INDUSTRY_BLOCK"),
  check = target_check("INDUSTRY_BLOCK"),
}
