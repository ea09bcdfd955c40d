-- "1+X" certificate pilot (seed 二(三)2; 教职成〔2019〕6号). Rules CERT-01 (per certificate) and
-- CERT-02 (coverage indicator: one rule per 1+X pilot major and one, with the same id, for the whole city).

-- Source: 教职成〔2019〕6号《关于在院校实施“学历证书+若干职业技能等级证书”制度试点方案》.
local SRC_6 = "教职成〔2019〕6号"

-- The parameter values are dates and lists, valid whatever the as_of, so they start early.
local X_CERT_START = { { from = "2000-01-01", value = "2019-04-04", source = SRC_6 .. "(2019-04-04印发) [V]" } }
local X_LEVELS = { { from = "2000-01-01", value = "初级|中级|高级", source = SRC_6 .. "(初级、中级、高级) [V]" } }
-- OPEN QUESTION (d)11: there is no national coverage target; the city must set one. Default 30% [A].
local COVERAGE_TARGET = { { from = "2000-01-01", value = "30%", source = "市级参数,待确定 [A] 政策书(d)11" } }

local function set_of(str)
  local t = {}
  for w in string.gmatch(str or "", "[^|]+") do t[w] = true end
  return t
end

-- Does a certificate count as a 1+X certificate on as_of?
-- Returns "PASS", "FAIL", "N/A" or "UNKNOWN" and the list of reasons (for FAIL) or a note.
local function judge_cert(c, p, as_of)
  if c.in_1x_catalog ~= 1 then return "N/A", { "不在1+X证书目录中" } end
  if c.issue_date > as_of then return "N/A", { "颁发日" .. c.issue_date .. "晚于评估日" } end
  local why = {}
  if c.level ~= nil and not set_of(p.X_LEVELS)[c.level] then
    why[#why + 1] = "等级“" .. c.level .. "”不是初级、中级或高级"
  end
  if c.issue_date < p.X_CERT_START then
    why[#why + 1] = c.issue_date .. "颁发,早于1+X试点(" .. p.X_CERT_START .. ")"
  end
  if c.revoked == 1 then why[#why + 1] = "已被撤销" end
  if c.valid_to ~= nil and c.valid_to < as_of then why[#why + 1] = "已于" .. c.valid_to .. "过期" end
  if c.is_graduation_condition == 1 then why[#why + 1] = "被学校作为毕业条件" end
  if #why > 0 then return "FAIL", why end
  if c.level == nil then return "UNKNOWN", { "证书等级未记录" } end
  return "PASS", {}
end

-- Coverage over a list of ACTIVE students and the certificates they hold.
-- Returns numerator (students with a counted certificate), possible (also counting students whose
-- only candidate certificates are UNKNOWN) and the denominator.
local function coverage(students, certs, p, as_of)
  local best = {}
  for _, c in ipairs(certs) do
    local o = judge_cert(c, p, as_of)
    if o == "PASS" then best[c.student_id] = "PASS"
    elseif o == "UNKNOWN" and best[c.student_id] == nil then best[c.student_id] = "UNKNOWN" end
  end
  local den, num, possible, seen = 0, 0, 0, {}
  for _, st in ipairs(students) do
    if not seen[st.student_id] then
      seen[st.student_id] = true
      den = den + 1
      if best[st.student_id] == "PASS" then num = num + 1; possible = possible + 1
      elseif best[st.student_id] == "UNKNOWN" then possible = possible + 1 end
    end
  end
  return num, possible, den
end

local function coverage_outcome(num, possible, den, p, label)
  local v = { numerator = num, denominator = den, target = p.COVERAGE_TARGET, label = label }
  if den == 0 then return na("{label}无在籍学生", v) end
  v.percent = rh.percent(num, den)
  local text = "{label}持有有效1+X证书的在籍学生{numerator}人/在籍学生{denominator}人={percent}%"
  if rh.at_least(num, den, p.COVERAGE_TARGET) then return met(text .. ",达到目标{target}", v) end
  if rh.at_least(possible, den, p.COVERAGE_TARGET) then
    v.unclear = possible - num
    return unknown(text .. ";另有{unclear}人的证书等级未记录,无法判断是否达到{target}", v)
  end
  return not_met(text .. ",未达到目标{target}", v)
end

rule "CERT-01" {
  title   = "计入试点的1+X职业技能等级证书",
  subject = "certificate",
  cite    = "二(三)2(开展“1+X”证书试点);" .. SRC_6,
  params  = { X_CERT_START = X_CERT_START, X_LEVELS = X_LEVELS },
  check = function(s, p, ctx)
    local o, why = judge_cert(s, p, ctx.as_of)
    local v = { id = s.id, cert = s.cert_code, level = s.level, issue_date = s.issue_date, valid_to = s.valid_to,
                revoked = s.revoked, why = table.concat(why, ";") }
    if o == "N/A" then return na("证书{id}:{why}", v) end
    if o == "UNKNOWN" then return unknown("证书{id}:{why}", v) end
    if o == "FAIL" then return fail("证书{id}不计入1+X试点:{why}", v) end
    return pass("证书{id}({cert},{level})于{issue_date}颁发,评估日有效", v)
  end,
}

rule "CERT-02" {
  title   = "1+X试点专业在籍学生证书覆盖率",
  subject = "major",
  kind    = "indicator",
  cite    = "二(三)2(开展“1+X”证书试点) [A]",
  params  = { X_CERT_START = X_CERT_START, X_LEVELS = X_LEVELS, COVERAGE_TARGET = COVERAGE_TARGET },
  inputs  = {
    students = list [[SELECT major_id, id AS student_id FROM student WHERE status = 'ACTIVE']],
    certs = list [[
      SELECT st.major_id, c.student_id, c.id AS cert_id, c.in_1x_catalog, c.level, c.issue_date,
             c.valid_to, c.revoked, c.is_graduation_condition
      FROM certificate c JOIN student st ON st.id = c.student_id
      WHERE st.status = 'ACTIVE'
    ]],
  },
  check = function(s, p, ctx)
    if s.is_1x_pilot ~= 1 then return na("{name}不是1+X试点专业", { name = s.name }) end
    local num, possible, den = coverage(s.students, s.certs, p, ctx.as_of)
    return coverage_outcome(num, possible, den, p, "专业" .. s.name)
  end,
}

rule "CERT-02" {
  title   = "全市1+X试点专业在籍学生证书覆盖率",
  subject = "city",
  kind    = "indicator",
  cite    = "二(三)2(开展“1+X”证书试点) [A]",
  params  = { X_CERT_START = X_CERT_START, X_LEVELS = X_LEVELS, COVERAGE_TARGET = COVERAGE_TARGET },
  inputs  = {
    students = list [[
      SELECT st.id AS student_id, st.major_id
      FROM student st JOIN major m ON m.id = st.major_id
      WHERE m.is_1x_pilot = 1 AND st.status = 'ACTIVE'
    ]],
    certs = list [[
      SELECT c.student_id, c.id AS cert_id, c.in_1x_catalog, c.level, c.issue_date,
             c.valid_to, c.revoked, c.is_graduation_condition
      FROM certificate c
      JOIN student st ON st.id = c.student_id
      JOIN major m ON m.id = st.major_id
      WHERE m.is_1x_pilot = 1 AND st.status = 'ACTIVE'
    ]],
  },
  check = function(s, p, ctx)
    local num, possible, den = coverage(s.students, s.certs, p, ctx.as_of)
    return coverage_outcome(num, possible, den, p, "全市1+X试点专业")
  end,
}
