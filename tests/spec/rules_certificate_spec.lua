-- rules/certificate.lua: CERT-01 (per certificate) and CERT-02 (coverage per pilot major and for the city).
local kit = require("rulekit")

describe("CERT-01 counted 1+X certificates", function()
  local run
  setup(function()
    local certs = {
      { id = 1, issue_date = "2022-06-20", valid_to = "2025-06-19" },
      { id = 2, in_1x_catalog = 0, issue_date = "2022-06-20" },
      { id = 3, issue_date = "2023-07-01" },
      { id = 4, level = "四级", issue_date = "2022-06-20" },
      { id = 5, level = kit.NULL, issue_date = "2022-06-20" },
      { id = 6, issue_date = "2019-04-03" },
      { id = 7, issue_date = "2019-04-04" },
      { id = 8, revoked = 1, issue_date = "2022-06-20" },
      { id = 9, issue_date = "2020-06-30", valid_to = "2023-06-30" },
      { id = 10, issue_date = "2020-06-30", valid_to = "2023-06-29" },
      { id = 11, issue_date = "2022-06-20", is_graduation_condition = 1 },
      { id = 12, level = "初级", issue_date = "2022-06-20", is_graduation_condition = 0 },
      { id = 13, level = "高级", issue_date = "2022-06-20", is_graduation_condition = kit.NULL },
      { id = 14, level = kit.NULL, issue_date = "2022-06-20", revoked = 1 },
    }
    for _, c in ipairs(certs) do c.student_id = 1 end
    run = kit.eval({ school = { { id = 1 } }, student = { { id = 1 } }, certificate = certs },
                   { as_of = "2023-06-30", rules = { "CERT-01" } })
  end)
  it("a valid certificate of a 1+X level passes", function()
    assert.are.equal("PASS", run:outcome("CERT-01", "certificate:1"), run:show("CERT-01", "certificate:1"))
    assert.are.equal("PASS", run:outcome("CERT-01", "certificate:12"))
    assert.are.equal("PASS", run:outcome("CERT-01", "certificate:13"))
  end)
  it("not in the catalog, or issued after as_of -> N/A", function()
    assert.are.equal("N/A", run:outcome("CERT-01", "certificate:2"))
    assert.are.equal("N/A", run:outcome("CERT-01", "certificate:3"))
  end)
  it("a wrong level, revoked, graduation condition -> FAIL; level unknown -> UNKNOWN", function()
    assert.are.equal("FAIL", run:outcome("CERT-01", "certificate:4"))
    assert.are.equal("UNKNOWN", run:outcome("CERT-01", "certificate:5"))
    assert.are.equal("FAIL", run:outcome("CERT-01", "certificate:8"))
    assert.are.equal("FAIL", run:outcome("CERT-01", "certificate:11"))
    assert.are.equal("FAIL", run:outcome("CERT-01", "certificate:14"))
  end)
  it("issued from 2019-04-04 on", function()
    assert.are.equal("FAIL", run:outcome("CERT-01", "certificate:6"))
    assert.are.equal("PASS", run:outcome("CERT-01", "certificate:7"))
  end)
  it("valid through valid_to inclusive", function()
    assert.are.equal("PASS", run:outcome("CERT-01", "certificate:9"))
    local r = run:result("CERT-01", "certificate:10")
    assert.are.equal("FAIL", r.outcome)
    assert.truthy(r.reason:find("过期", 1, true))
  end)
end)

describe("CERT-02 coverage of ACTIVE students in pilot majors (target 30%)", function()
  local run
  setup(function()
    local f = {
      school = { { id = 1 } },
      major = { { id = 1, is_1x_pilot = 1 }, { id = 2, is_1x_pilot = 1 }, { id = 3, is_1x_pilot = 1 },
                { id = 4, is_1x_pilot = 0 }, { id = 5, is_1x_pilot = 1 } },
      student = {}, certificate = {},
    }
    local sid, cid = 0, 0
    local function students(major, n, status)
      local ids = {}
      for _ = 1, n do
        sid = sid + 1
        f.student[#f.student + 1] = { id = sid, major_id = major, status = status or "ACTIVE" }
        ids[#ids + 1] = sid
      end
      return ids
    end
    local function cert(s, cols)
      cid = cid + 1
      local row = { id = cid, student_id = s, issue_date = "2022-06-20" }
      for k, v in pairs(cols or {}) do row[k] = v end
      f.certificate[#f.certificate + 1] = row
    end
    -- major 1: 3 of 10 (one student holds two certificates) -> exactly 30% MET
    local m1 = students(1, 10)
    cert(m1[1]); cert(m1[1]); cert(m1[2]); cert(m1[3])
    local g1 = students(1, 2, "GRADUATED"); cert(g1[1]); cert(g1[2])
    -- major 2: 2 of 7 = 28.5714%; an expired and a revoked certificate do not count -> NOT_MET
    local m2 = students(2, 7)
    cert(m2[1]); cert(m2[2]); cert(m2[3], { valid_to = "2023-06-29" }); cert(m2[4], { revoked = 1 })
    -- major 3: 1 of 5 known, plus 1 of unknown level: 20% .. 40% -> UNKNOWN
    local m3 = students(3, 5)
    cert(m3[1]); cert(m3[2], { level = kit.NULL })
    -- major 4 is not a pilot; major 5 has only a withdrawn student
    students(4, 3)
    local w = students(5, 1, "WITHDRAWN"); cert(w[1])
    run = kit.eval(f, { as_of = "2023-06-30", rules = { "CERT-02" } })
  end)
  it("exactly 30% is MET; a student counts once; graduates are left out", function()
    local r = run:result("CERT-02", "major:1")
    assert.are.equal("indicator", r.type)
    assert.are.equal("MET", r.outcome, run:show("CERT-02", "major:1"))
    assert.are.equal(3, r.values.numerator)
    assert.are.equal(10, r.values.denominator)
    assert.are.equal("30.0000", r.values.percent)
  end)
  it("28.5714% is NOT_MET", function()
    local r = run:result("CERT-02", "major:2")
    assert.are.equal("NOT_MET", r.outcome)
    assert.are.equal(2, r.values.numerator)
    assert.are.equal("28.5714", r.values.percent)
  end)
  it("a certificate of unknown level that could reach the target -> UNKNOWN", function()
    assert.are.equal("UNKNOWN", run:outcome("CERT-02", "major:3"))
  end)
  it("non-pilot major or no ACTIVE students -> N/A", function()
    assert.are.equal("N/A", run:outcome("CERT-02", "major:4"))
    assert.are.equal("N/A", run:outcome("CERT-02", "major:5"))
  end)
  it("the city: all pilot majors together (6 of 22 = 27.2727%, up to 7 = 31.8% -> UNKNOWN)", function()
    local r = run:result("CERT-02", "city")
    assert.is_not_nil(r, "no CERT-02 result for the city")
    assert.are.equal("indicator", r.type)
    assert.are.equal(6, r.values.numerator, run:show("CERT-02", "city"))
    assert.are.equal(22, r.values.denominator)
    assert.are.equal("27.2727", r.values.percent)
    assert.are.equal("UNKNOWN", r.outcome)
  end)
end)
