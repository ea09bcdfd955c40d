-- Employee-education funds (职工教育经费, seed 二(二)4) and the education-surcharge credit for
-- 产教融合型企业 (财税〔2019〕46号). Rules FUND-01..03, TAX-01..02; policy TRAINING_FUND.
-- All money is handled in integer fen (rh.fen) and reported in yuan (rh.yuan); a computed amount is
-- rounded half up to 0.01 once, on the yearly total (rh.round_mul).

---------------------------------------------------------------------------
-- Shared parameters
---------------------------------------------------------------------------
local EDU_FUND_DEDUCT = {
  { from = "2008-01-01", value = "2.5%", source = "企业所得税法实施条例第四十二条 [V]" },
  { from = "2018-01-01", value = "8%", source = "财税〔2018〕51号 [V]" },
}
local SURCHARGE_CREDIT = {
  -- The parameter starts on 2019-01-01: investments before that day earn no credit.
  { from = "2019-01-01", value = "30%", source = "财税〔2019〕46号 第三条 [V]" },
}
local CREDIT_CATEGORIES = {
  { from = "2019-01-01", value = "RUN_SCHOOL|TRAINING_BASE_BUILD|TRAINING_BASE_OPS",
    source = "财税〔2019〕46号 第三条(举办职业教育、建设运营实训基地) [V]" },
}
local CREDIT_DESIGNATIONS = {
  { from = "2019-01-01", value = "CJRH_RESERVE|CJRH_CERTIFIED",
    source = "财税〔2019〕46号 第三条(纳入产教融合型企业建设培育范围) [V]" },
}

---------------------------------------------------------------------------
-- Shared helpers
---------------------------------------------------------------------------
local CATEGORY_ZH = {
  RUN_SCHOOL = "举办职业教育", TRAINING_BASE_BUILD = "实训基地建设",
  TRAINING_BASE_OPS = "实训基地运营", OTHER = "其他",
}

local function set_of(str)
  local t = {}
  for w in string.gmatch(str or "", "[^|]+") do t[w] = true end
  return t
end

local function sorted_by_year(rows)
  local t = {}
  for _, r in ipairs(rows or {}) do t[#t + 1] = r end
  table.sort(t, function(a, b) return a.year < b.year end)
  return t
end

local function min(a, b) if a < b then return a end return b end

-- Money in reasons: "1234.50元" (values keep the number of yuan).
local function m(fen) return rh.money(fen) .. "元" end

-- The value of a parameter on a date, or nil when none is in force then (p.at raises in that case).
local function param_on(p, name, date)
  local ok, v = pcall(p.at, name, date)
  if ok then return v end
  return nil
end

-- FUND-01: the deduction chain from the enterprise's earliest edu_fund_year row up to year Y.
-- Returns the record of year Y, or nil and why it cannot be computed.
local function fund_chain(rows, p, Y)
  rows = sorted_by_year(rows)
  if #rows == 0 or rows[#rows].year ~= Y then return nil, Y .. "年职工教育经费数据缺失" end
  local carry = rh.fen(rows[1].opening_carry or 0)
  local rec
  for i, r in ipairs(rows) do
    if i > 1 and r.year ~= rows[i - 1].year + 1 then
      return nil, (rows[i - 1].year + 1) .. "年职工教育经费数据缺失,无法结转"
    end
    if r.wage_total == nil or r.expense == nil then
      return nil, r.year .. "年工资薪金总额或职工教育经费支出缺失"
    end
    local rate = param_on(p, "EDU_FUND_DEDUCT", r.year .. "-12-31")
    if rate == nil then return nil, r.year .. "年无扣除比例参数" end
    local wages, expense = rh.fen(r.wage_total), rh.fen(r.expense)
    local cap = rh.round_mul(wages, rate)
    local avail = expense + carry
    local ded = min(avail, cap)
    rec = { year = r.year, rate = rate, wages = wages, expense = expense, carry_in = carry,
            cap = cap, deductible = ded, carry_out = avail - ded }
    carry = avail - ded
  end
  return rec
end

-- Is the enterprise a CJRH_RESERVE / CJRH_CERTIFIED enterprise on day d (active, not revoked on or before d)?
local function designated_on(designations, p, d)
  local kinds = set_of(p.at("CREDIT_DESIGNATIONS", d))
  for _, g in ipairs(designations or {}) do
    if kinds[g.kind] and rh.active(g.valid_from, g.valid_to, d)
       and (g.revoked_date == nil or g.revoked_date > d) then
      return true
    end
  end
  return false
end

-- Does an investment earn the credit in its own year? Returns true, or false and the reason.
local function credited(inv, s, p)
  local y = rh.year_of(inv.invest_date)
  if param_on(p, "SURCHARGE_CREDIT", inv.invest_date) == nil then return false, "2019年1月1日前的投资" end
  if not set_of(p.at("CREDIT_CATEGORIES", inv.invest_date))[inv.category] then
    return false, "类别为" .. (CATEGORY_ZH[inv.category] or inv.category)
  end
  -- OPEN QUESTION (d)9: an investment made in the designation year but before the designation date does not count.
  if not designated_on(s.designations, p, inv.invest_date) then return false, "投资日未纳入产教融合型企业" end
  if inv.withdrawn_date ~= nil and inv.withdrawn_date <= y .. "-12-31" then
    return false, inv.withdrawn_date .. "当年撤回"
  end
  return true
end

-- TAX-01 / TAX-02: the credit chain from the enterprise's earliest surcharge_year row up to year Y.
-- OPEN QUESTION (d)9 (clawback when credits are pooled): a withdrawal in year y is first deducted from the
-- balance carried into y (the carry at the withdrawal date; earlier withdrawals of the same year first);
-- what is deducted no longer enters year y's available credit. The rest is repaid (补缴) in year y.
-- With stop_before_Y, the chain stops after the clawbacks of year Y (TAX-02 needs no row for Y).
local function tax_chain(s, p, Y, stop_before_Y)
  local rows = sorted_by_year(s.surcharges)
  if #rows == 0 then return nil, "无教育费附加应缴数据" end
  local E = rows[1].year
  if Y < E then return nil, "最早的教育费附加数据为" .. E .. "年,无法确定" .. Y .. "年的结转额" end
  local byyear = {}
  for _, r in ipairs(rows) do byyear[r.year] = r end
  local balance = rh.fen(rows[1].opening_credit_carry or 0)
  local rec
  for y = E, Y do
    -- clawbacks of investments credited in an earlier year and withdrawn in y
    local claws = {}
    for _, inv in ipairs(s.investments) do
      if inv.withdrawn_date ~= nil and rh.year_of(inv.withdrawn_date) == y and credited(inv, s, p) then
        claws[#claws + 1] = inv
      end
    end
    table.sort(claws, function(a, b)
      if a.withdrawn_date ~= b.withdrawn_date then return a.withdrawn_date < b.withdrawn_date end
      return a.investment_id < b.investment_id
    end)
    local carry_in, clawed, items = balance, 0, {}
    for _, inv in ipairs(claws) do
      local attr = rh.round_mul(rh.fen(inv.amount), p.at("SURCHARGE_CREDIT", inv.invest_date))
      local from = min(attr, balance)
      balance = balance - from
      clawed = clawed + from
      items[#items + 1] = { id = inv.investment_id, date = inv.withdrawn_date, amount = rh.fen(inv.amount),
                            attributable = attr, from_carry = from, repay = attr - from }
    end
    rec = { year = y, carry_in = carry_in, clawback = clawed, claws = items }
    if y == Y and stop_before_Y then return rec end
    local r = byyear[y]
    if r == nil then return nil, y .. "年教育费附加应缴数据缺失,无法结转" end
    if r.edu_due == nil or r.local_edu_due == nil then
      return nil, y .. "年应缴教育费附加或地方教育附加缺失"
    end
    local sum, excluded = 0, {}
    for _, inv in ipairs(s.investments) do
      if rh.year_of(inv.invest_date) == y then
        local ok, why = credited(inv, s, p)
        if ok then sum = sum + rh.fen(inv.amount)
        else excluded[#excluded + 1] = "投资" .. inv.investment_id .. "(" .. why .. ")" end
      end
    end
    local rate = param_on(p, "SURCHARGE_CREDIT", y .. "-12-31")
    local credit = 0
    if rate ~= nil then credit = rh.round_mul(sum, rate) end
    -- OPEN QUESTION (d)9: the credit is used against the sum of 教育费附加 and 地方教育附加 (no split between them).
    local due = rh.fen(r.edu_due) + rh.fen(r.local_edu_due)
    local avail = credit + balance
    local used = min(avail, due)
    balance = avail - used
    rec.eligible, rec.credit, rec.available, rec.used = sum, credit, avail, used
    rec.carry_out, rec.due, rec.payable, rec.excluded = balance, due, due - used, excluded
  end
  return rec
end

local SQL_SURCHARGES = [[
  SELECT enterprise_id, year, edu_due, local_edu_due, opening_credit_carry
  FROM surcharge_year WHERE year <= :year
]]
local SQL_INVESTMENTS = [[
  SELECT enterprise_id, id AS investment_id, invest_date, amount, category, withdrawn_date
  FROM voc_investment WHERE invest_date <= :year_end
]]
local SQL_CREDIT_DESIGNATIONS = [[
  SELECT enterprise_id, kind, valid_from, valid_to, revoked_date
  FROM designation WHERE kind IN ('CJRH_RESERVE', 'CJRH_CERTIFIED')
]]

---------------------------------------------------------------------------
-- FUND-01 … FUND-03
---------------------------------------------------------------------------
rule "FUND-01" {
  title   = "职工教育经费税前扣除限额与结转",
  subject = "enterprise",
  yearly  = true,
  cite    = "企业所得税法实施条例第四十二条;财税〔2018〕51号",
  params  = { EDU_FUND_DEDUCT = EDU_FUND_DEDUCT },
  inputs  = {
    funds = list [[
      SELECT enterprise_id, year, wage_total, expense, opening_carry
      FROM edu_fund_year WHERE year <= :year
    ]],
  },
  check = function(s, p, ctx)
    local r, why = fund_chain(s.funds, p, ctx.year)
    if r == nil then return unknown(why, {}) end
    local v = { rate = r.rate, wages = rh.yuan(r.wages), expense = rh.yuan(r.expense),
                carry_in = rh.yuan(r.carry_in), cap = rh.yuan(r.cap),
                deductible = rh.yuan(r.deductible), carry_out = rh.yuan(r.carry_out) }
    return pass("{year}年扣除限额{rate}×工资薪金总额" .. m(r.wages) .. "=" .. m(r.cap) .. ";本年支出" .. m(r.expense)
                .. "+上年结转" .. m(r.carry_in) .. ",准予扣除" .. m(r.deductible) .. ",结转以后年度" .. m(r.carry_out), v)
  end,
}

rule "FUND-02" {
  title   = "职工教育经费60%以上用于一线职工培训",
  subject = "enterprise",
  yearly  = true,
  cite    = "二(二)4;国发〔2010〕36号",
  params  = {
    FRONTLINE_MIN = { { from = "2000-01-01", value = "60%", source = "seed 二(二)4 [S];国发〔2010〕36号 [P]" } },
  },
  inputs  = {
    fund = [[SELECT enterprise_id, spent_total, spent_frontline FROM edu_fund_year WHERE year = :year]],
  },
  check = function(s, p, ctx)
    local f = s.fund
    if f == nil then return unknown("{year}年职工教育经费数据缺失", {}) end
    if f.spent_total == nil or f.spent_frontline == nil then
      return unknown("{year}年职工教育经费支出总额或一线职工培训支出缺失",
                     { total = f.spent_total, frontline = f.spent_frontline })
    end
    local total, front = rh.fen(f.spent_total), rh.fen(f.spent_frontline)
    if total == 0 then return na("{year}年无职工教育经费支出", { total = 0 }) end
    local v = { total = rh.yuan(total), frontline = rh.yuan(front), percent = rh.percent(front, total),
                min = p.FRONTLINE_MIN }
    local text = "{year}年一线职工培训支出" .. m(front) .. "/职工教育经费支出" .. m(total) .. "={percent}%"
    if rh.at_least(front, total, p.FRONTLINE_MIN) then return pass(text .. ",不低于{min}", v) end
    return fail(text .. ",低于{min}", v)
  end,
}

rule "FUND-03" {
  title   = "按工资总额1.5%以上足额提取职工教育经费(提示)",
  subject = "enterprise",
  yearly  = true,
  warn    = true,
  cite    = "国发〔2014〕19号",
  params  = {
    EDU_FUND_EXTRACT = { { from = "2014-05-02", value = "1.5%", source = "国发〔2014〕19号 [R]" } },
  },
  inputs  = {
    fund = [[SELECT enterprise_id, wage_total, extracted FROM edu_fund_year WHERE year = :year]],
  },
  check = function(s, p, ctx)
    local f = s.fund
    if f == nil or f.wage_total == nil or f.extracted == nil then
      return unknown("{year}年工资薪金总额或职工教育经费提取额缺失", {})
    end
    if param_on(p, "EDU_FUND_EXTRACT", ctx.as_of) == nil then return na("评估日{as_of}提取比例要求尚未施行", {}) end
    local wages, ext = rh.fen(f.wage_total), rh.fen(f.extracted)
    if wages == 0 then return na("{year}年工资薪金总额为0", { wages = 0 }) end
    local v = { wages = rh.yuan(wages), extracted = rh.yuan(ext), percent = rh.percent(ext, wages),
                min = p.EDU_FUND_EXTRACT, required = rh.yuan(rh.ceil_mul(wages, p.EDU_FUND_EXTRACT)) }
    local text = "{year}年提取职工教育经费" .. m(ext) .. "/工资薪金总额" .. m(wages) .. "={percent}%"
    if rh.at_least(ext, wages, p.EDU_FUND_EXTRACT) then return pass(text .. ",不低于{min}", v) end
    return fail(text .. ",低于{min}(应不少于" .. m(rh.ceil_mul(wages, p.EDU_FUND_EXTRACT)) .. ")", v)
  end,
}

---------------------------------------------------------------------------
-- TAX-01, TAX-02
---------------------------------------------------------------------------
rule "TAX-01" {
  title   = "产教融合型企业投资额30%抵免教育费附加和地方教育附加",
  subject = "enterprise",
  yearly  = true,
  cite    = "财税〔2019〕46号 第三条",
  params  = { SURCHARGE_CREDIT = SURCHARGE_CREDIT, CREDIT_CATEGORIES = CREDIT_CATEGORIES,
              CREDIT_DESIGNATIONS = CREDIT_DESIGNATIONS },
  inputs  = { surcharges = list(SQL_SURCHARGES), investments = list(SQL_INVESTMENTS),
              designations = list(SQL_CREDIT_DESIGNATIONS) },
  check = function(s, p, ctx)
    local opening = 0
    local rows = sorted_by_year(s.surcharges)
    if #rows > 0 then opening = rh.fen(rows[1].opening_credit_carry or 0) end
    if #s.investments == 0 and opening == 0 then
      return na("{year}年及以前无职业教育投资、无结转抵免额,不适用", {})
    end
    local r, why = tax_chain(s, p, ctx.year, false)
    if r == nil then return unknown(why, {}) end
    local v = { credit = rh.yuan(r.credit), eligible = rh.yuan(r.eligible), carry_in = rh.yuan(r.carry_in),
                clawback = rh.yuan(r.clawback), available = rh.yuan(r.available), used = rh.yuan(r.used),
                carry_out = rh.yuan(r.carry_out), due = rh.yuan(r.due), payable = rh.yuan(r.payable) }
    local text = "{year}年合格投资" .. m(r.eligible) .. ",抵免额" .. m(r.credit) .. ";上年结转" .. m(r.carry_in)
    if r.clawback > 0 then text = text .. "(其中" .. m(r.clawback) .. "因投资撤回冲减)" end
    text = text .. ",可抵免" .. m(r.available) .. ",应缴教育费附加和地方教育附加" .. m(r.due) .. ",实际抵免"
      .. m(r.used) .. ",结转以后年度" .. m(r.carry_out) .. ",抵免后应缴" .. m(r.payable)
    if #r.excluded > 0 then
      v.excluded = table.concat(r.excluded, "、")
      text = text .. ";未计入:{excluded}"
    end
    return pass(text, v)
  end,
}

rule "TAX-02" {
  title   = "投资撤回或股权转让时补缴已抵免的教育费附加",
  subject = "enterprise",
  yearly  = true,
  cite    = "财税〔2019〕46号 第三条",
  params  = { SURCHARGE_CREDIT = SURCHARGE_CREDIT, CREDIT_CATEGORIES = CREDIT_CATEGORIES,
              CREDIT_DESIGNATIONS = CREDIT_DESIGNATIONS },
  inputs  = { surcharges = list(SQL_SURCHARGES), investments = list(SQL_INVESTMENTS),
              designations = list(SQL_CREDIT_DESIGNATIONS) },
  check = function(s, p, ctx)
    local any = false
    for _, inv in ipairs(s.investments) do
      if inv.withdrawn_date ~= nil and rh.year_of(inv.withdrawn_date) == ctx.year and credited(inv, s, p) then
        any = true
      end
    end
    if not any then return na("{year}年无已享受抵免的投资撤回", {}) end
    local r, why = tax_chain(s, p, ctx.year, true)
    if r == nil then return unknown(why, {}) end
    local attr, from, repay, parts = 0, 0, 0, {}
    for _, c in ipairs(r.claws) do
      attr, from, repay = attr + c.attributable, from + c.from_carry, repay + c.repay
      parts[#parts + 1] = string.format("投资%d于%s撤回,应退回抵免额%s元(冲减结转%s元,补缴%s元)",
        c.id, c.date, rh.money(c.attributable), rh.money(c.from_carry), rh.money(c.repay))
    end
    local v = { attributable = rh.yuan(attr), from_carry = rh.yuan(from), repay = rh.yuan(repay),
                carry_in = rh.yuan(r.carry_in), investments = #r.claws, list = table.concat(parts, ";") }
    if repay > 0 then
      return fail("{list};{year}年应补缴" .. m(repay), v)
    end
    return pass("{list};已全部从结转抵免额中冲减,无需补缴", v)
  end,
}

---------------------------------------------------------------------------
-- Decision
---------------------------------------------------------------------------
policy "TRAINING_FUND" {
  title   = "职工教育经费使用合规(二(二)4)",
  subject = "enterprise", yearly = true, answers = "compliance",
  rules   = { "FUND-02" },
}
