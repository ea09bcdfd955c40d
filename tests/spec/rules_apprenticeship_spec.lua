-- rules/apprenticeship.lua: APP-01..APP-09, APPRENTICESHIP_COMPLIANCE and MENTOR_QUALIFIED at their boundaries.
local kit = require("rulekit")

local function add(f, t, row)
  f[t] = f[t] or {}
  table.insert(f[t], row)
  return row
end

-- An apprenticeship with both mentors assigned from its start (mentor 1 = enterprise, 2 = school).
local function appr(f, id, cols, no_mentors)
  local row = { id = id, start_date = "2022-09-01", end_date = "2024-08-31", planned_months = 24,
                contract_start = "2022-09-01", contract_end = "2025-08-31", monthly_wage = 4000,
                birth_date = "2000-01-01" }
  for k, v in pairs(cols or {}) do row[k] = v end
  add(f, "apprenticeship", row)
  if not no_mentors then
    add(f, "mentor_assignment", { apprenticeship_id = id, mentor_id = 1, role = "ENTERPRISE", start_date = row.start_date })
    add(f, "mentor_assignment", { apprenticeship_id = id, mentor_id = 2, role = "SCHOOL", start_date = row.start_date })
  end
  return row
end

local function base()
  return {
    enterprise = { { id = 1 } },
    school = { { id = 1 } },
    enterprise_wage = { { enterprise_id = 1, from_date = "2021-05-01", local_min_wage_monthly = 1850 },
                        { enterprise_id = 1, from_date = "2023-05-01", local_min_wage_monthly = 2050 } },
    mentor = { { id = 1, kind = "ENTERPRISE", enterprise_id = 1, skill_level = "技师" },
               { id = 2, kind = "SCHOOL", school_id = 1 } },
  }
end

describe("APP-01 dual mentors on as_of", function()
  local run
  setup(function()
    local f = base()
    appr(f, 1)
    appr(f, 2, nil, true)
    add(f, "mentor_assignment", { apprenticeship_id = 2, mentor_id = 2, role = "SCHOOL", start_date = "2022-09-01" })
    appr(f, 3, nil, true)
    add(f, "mentor_assignment", { apprenticeship_id = 3, mentor_id = kit.NULL, role = "ENTERPRISE", start_date = "2022-09-01" })
    add(f, "mentor_assignment", { apprenticeship_id = 3, mentor_id = 2, role = "SCHOOL", start_date = "2022-09-01" })
    appr(f, 4, nil, true)
    add(f, "mentor_assignment", { apprenticeship_id = 4, mentor_id = 1, role = "ENTERPRISE", start_date = "2022-09-01" })
    add(f, "mentor_assignment", { apprenticeship_id = 4, mentor_id = 2, role = "SCHOOL", start_date = "2022-09-01",
                                  end_date = "2023-06-29" })
    appr(f, 5, nil, true)
    add(f, "mentor_assignment", { apprenticeship_id = 5, mentor_id = 1, role = "ENTERPRISE", start_date = "2022-09-01" })
    add(f, "mentor_assignment", { apprenticeship_id = 5, mentor_id = 2, role = "SCHOOL", start_date = "2022-09-01",
                                  end_date = "2023-06-30" })
    appr(f, 6, { end_date = "2023-06-29" })
    appr(f, 7, { start_date = "2023-07-01" })
    appr(f, 8, { program = "MODERN" }, true)
    add(f, "mentor_assignment", { apprenticeship_id = 8, mentor_id = 1, role = "ENTERPRISE", start_date = "2023-07-01" })
    add(f, "mentor_assignment", { apprenticeship_id = 8, mentor_id = 2, role = "SCHOOL", start_date = "2022-09-01" })
    run = kit.eval(f, { as_of = "2023-06-30", rules = { "APP-01" } })
  end)
  it("both mentors active -> PASS (assignment end day included)", function()
    local r = run:result("APP-01", "apprenticeship:1")
    assert.are.equal("PASS", r.outcome, run:show("APP-01", "apprenticeship:1"))
    assert.are.equal(1, r.values.enterprise_mentor)
    assert.are.equal(2, r.values.school_mentor)
    assert.are.equal("PASS", run:outcome("APP-01", "apprenticeship:5"))
  end)
  it("a missing, unnamed, ended or not yet started mentor -> FAIL", function()
    assert.are.equal("FAIL", run:outcome("APP-01", "apprenticeship:2"))
    assert.are.equal("FAIL", run:outcome("APP-01", "apprenticeship:3"))
    assert.are.equal("FAIL", run:outcome("APP-01", "apprenticeship:4"))
    assert.are.equal("FAIL", run:outcome("APP-01", "apprenticeship:8"))
  end)
  it("an apprenticeship not running on as_of -> N/A", function()
    assert.are.equal("N/A", run:outcome("APP-01", "apprenticeship:6"))
    assert.are.equal("N/A", run:outcome("APP-01", "apprenticeship:7"))
  end)
end)

describe("APP-02 agreement (MODERN) and labour contract of one year (NE)", function()
  local run
  setup(function()
    local f = base()
    appr(f, 1, { program = "MODERN", agreement_signed_date = "2022-09-01" })
    appr(f, 2, { program = "MODERN", agreement_signed_date = "2022-09-02" })
    appr(f, 3, { program = "MODERN" })
    appr(f, 4, { contract_start = "2022-07-01", contract_end = "2023-06-30" })
    appr(f, 5, { contract_start = "2022-07-01", contract_end = "2023-06-29" })
    appr(f, 6, { contract_start = "2022-07-01", contract_end = kit.NULL })
    appr(f, 7, { contract_start = kit.NULL, contract_end = kit.NULL })
    appr(f, 8, { contract_start = "2024-02-29", contract_end = "2025-02-27" })
    appr(f, 9, { contract_start = "2024-02-29", contract_end = "2025-02-26" })
    appr(f, 10, { contract_start = "2023-03-01", contract_end = "2024-02-28" })
    appr(f, 11, { contract_start = "2023-03-01", contract_end = "2024-02-29" })
    run = kit.eval(f, { as_of = "2023-06-30", rules = { "APP-02" } })
  end)
  it("MODERN: signed on the start day passes; later or never fails", function()
    assert.are.equal("PASS", run:outcome("APP-02", "apprenticeship:1"))
    assert.are.equal("FAIL", run:outcome("APP-02", "apprenticeship:2"))
    assert.are.equal("FAIL", run:outcome("APP-02", "apprenticeship:3"))
  end)
  it("NE: contract_end >= add_years(start, 1) - 1 day", function()
    local r = run:result("APP-02", "apprenticeship:4")
    assert.are.equal("PASS", r.outcome, run:show("APP-02", "apprenticeship:4"))
    assert.are.equal("2023-06-30", r.values.req)
    assert.are.equal("FAIL", run:outcome("APP-02", "apprenticeship:5"))
  end)
  it("NE: open-ended passes; no contract recorded fails", function()
    assert.are.equal("PASS", run:outcome("APP-02", "apprenticeship:6"))
    assert.are.equal("FAIL", run:outcome("APP-02", "apprenticeship:7"))
  end)
  it("NE: leap years (start Feb-29 needs Feb-27; start Mar-01 2023 needs Feb-29 2024)", function()
    assert.are.equal("PASS", run:outcome("APP-02", "apprenticeship:8"))
    assert.are.equal("FAIL", run:outcome("APP-02", "apprenticeship:9"))
    local r = run:result("APP-02", "apprenticeship:10")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal("2024-02-29", r.values.req)
    assert.are.equal("PASS", run:outcome("APP-02", "apprenticeship:11"))
  end)
end)

describe("APP-03 / APP-04 enterprise mentors (load <= 8, level >= 高级工)", function()
  local run
  setup(function()
    local f = base()
    f.mentor = {
      { id = 1, kind = "ENTERPRISE", enterprise_id = 1, skill_level = "高级工" },
      { id = 2, kind = "ENTERPRISE", enterprise_id = 1, skill_level = "中级工" },
      { id = 3, kind = "SCHOOL", school_id = 1 },
      { id = 4, kind = "ENTERPRISE", enterprise_id = 1, skill_level = kit.NULL },
      { id = 5, kind = "ENTERPRISE", enterprise_id = 1, skill_level = "技师" },
      { id = 6, kind = "ENTERPRISE", enterprise_id = 1, skill_level = "高级技师" },
    }
    local id = 0
    local function take(mentor, n, cols, acols)
      for _ = 1, n do
        id = id + 1
        appr(f, id, acols, true)
        local row = { apprenticeship_id = id, mentor_id = mentor, role = "ENTERPRISE", start_date = "2022-09-01" }
        for k, v in pairs(cols or {}) do row[k] = v end
        add(f, "mentor_assignment", row)
        add(f, "mentor_assignment", { apprenticeship_id = id, mentor_id = 3, role = "SCHOOL", start_date = "2022-09-01" })
      end
    end
    take(1, 8)                                                 -- mentor 1: exactly 8
    take(2, 9)                                                 -- mentor 2: 9
    take(5, 8)                                                 -- mentor 5: 8 active ...
    take(5, 1, { end_date = "2023-06-29" })                    -- ... + an ended assignment
    take(5, 1, nil, { end_date = "2023-06-29" })               -- ... + an ended apprenticeship
    take(5, 1, nil, { start_date = "2023-07-01" })             -- ... + one not yet started
    -- the same apprenticeship twice for mentor 6 counts once
    id = id + 1
    appr(f, id, nil, true)
    add(f, "mentor_assignment", { apprenticeship_id = id, mentor_id = 6, role = "ENTERPRISE", start_date = "2022-09-01" })
    add(f, "mentor_assignment", { apprenticeship_id = id, mentor_id = 6, role = "ENTERPRISE", start_date = "2023-01-01" })
    run = kit.eval(f, { as_of = "2023-06-30", policies = { "MENTOR_QUALIFIED" } })
  end)
  it("APP-03: 8 apprentices pass, 9 fail", function()
    local r = run:result("APP-03", "mentor:1")
    assert.are.equal("PASS", r.outcome, run:show("APP-03", "mentor:1"))
    assert.are.equal(8, r.values.n)
    r = run:result("APP-03", "mentor:2")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal(9, r.values.n)
  end)
  it("APP-03: only assignments and apprenticeships active on as_of count, each apprenticeship once", function()
    assert.are.equal(8, run:result("APP-03", "mentor:5").values.n)
    assert.are.equal(1, run:result("APP-03", "mentor:6").values.n)
    assert.are.equal(0, run:result("APP-03", "mentor:4").values.n)
  end)
  it("APP-03 / APP-04: school mentors -> N/A", function()
    assert.are.equal("N/A", run:outcome("APP-03", "mentor:3"))
    assert.are.equal("N/A", run:outcome("APP-04", "mentor:3"))
  end)
  it("APP-04: 高级工, 技师, 高级技师 pass; 中级工 fails; NULL UNKNOWN", function()
    assert.are.equal("PASS", run:outcome("APP-04", "mentor:1"))
    assert.are.equal("PASS", run:outcome("APP-04", "mentor:5"))
    assert.are.equal("PASS", run:outcome("APP-04", "mentor:6"))
    assert.are.equal("FAIL", run:outcome("APP-04", "mentor:2"))
    assert.are.equal("UNKNOWN", run:outcome("APP-04", "mentor:4"))
  end)
  it("MENTOR_QUALIFIED: COMPLIANT / NON_COMPLIANT / NEEDS_DATA", function()
    assert.are.equal("COMPLIANT", run:decision("MENTOR_QUALIFIED", "mentor:1").decision)
    local d = run:decision("MENTOR_QUALIFIED", "mentor:2")
    assert.are.equal("NON_COMPLIANT", d.decision)
    assert.are.same({ "APP-03", "APP-04" }, d.failed)
    assert.are.equal("NEEDS_DATA", run:decision("MENTOR_QUALIFIED", "mentor:4").decision)
    assert.are.equal("COMPLIANT", run:decision("MENTOR_QUALIFIED", "mentor:3").decision)
  end)
end)

describe("APP-05 / APP-06 NE duration and wage", function()
  local db
  setup(function()
    local f = base()
    local cases = {
      { 1, 12, 0 }, { 2, 11, 0 }, { 3, 24, 0 }, { 4, 25, 0 }, { 5, 25, 1 }, { 6, 36, 1 }, { 7, 37, 1 },
      { 8, kit.NULL, 0 },
    }
    for _, c in ipairs(cases) do appr(f, c[1], { planned_months = c[2], extension = c[3] }) end
    appr(f, 9, { program = "MODERN", planned_months = kit.NULL })
    appr(f, 11, { monthly_wage = 2050.00 })
    appr(f, 12, { monthly_wage = 2049.99 })
    appr(f, 13, { monthly_wage = kit.NULL })
    appr(f, 14, { monthly_wage = 2000, enterprise_id = 2 })
    appr(f, 15, { monthly_wage = 2000, enterprise_id = 3 })
    f.enterprise[2] = { id = 2 }
    f.enterprise[3] = { id = 3 }
    add(f, "enterprise_wage", { enterprise_id = 2, from_date = "2021-05-01", local_min_wage_monthly = kit.NULL })
    db = kit.db(f)
  end)
  it("APP-05: 12..24 months, or up to 36 with an extension", function()
    local run = kit.eval(db, { as_of = "2023-06-30", rules = { "APP-05" } })
    assert.are.equal("PASS", run:outcome("APP-05", "apprenticeship:1"))
    assert.are.equal("FAIL", run:outcome("APP-05", "apprenticeship:2"))
    assert.are.equal("PASS", run:outcome("APP-05", "apprenticeship:3"))
    assert.are.equal("FAIL", run:outcome("APP-05", "apprenticeship:4"))
    assert.are.equal("PASS", run:outcome("APP-05", "apprenticeship:5"))
    assert.are.equal("PASS", run:outcome("APP-05", "apprenticeship:6"))
    assert.are.equal("FAIL", run:outcome("APP-05", "apprenticeship:7"))
    assert.are.equal("UNKNOWN", run:outcome("APP-05", "apprenticeship:8"))
    assert.are.equal("N/A", run:outcome("APP-05", "apprenticeship:9"))
  end)
  it("APP-06: the minimum wage in force on as_of (2050.00 from 2023-05-01)", function()
    local run = kit.eval(db, { as_of = "2023-06-30", rules = { "APP-06" } })
    assert.are.equal("PASS", run:outcome("APP-06", "apprenticeship:11"))
    local r = run:result("APP-06", "apprenticeship:12")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal(2050, r.values.minimum)
    local before = kit.eval(db, { as_of = "2023-04-30", rules = { "APP-06" } })
    assert.are.equal("PASS", before:outcome("APP-06", "apprenticeship:12"))
  end)
  it("APP-06: wage or minimum unknown -> UNKNOWN; MODERN -> N/A", function()
    local run = kit.eval(db, { as_of = "2023-06-30", rules = { "APP-06" } })
    assert.are.equal("UNKNOWN", run:outcome("APP-06", "apprenticeship:13"))
    assert.are.equal("UNKNOWN", run:outcome("APP-06", "apprenticeship:14"))
    assert.are.equal("UNKNOWN", run:outcome("APP-06", "apprenticeship:15"))
    assert.are.equal("N/A", run:outcome("APP-06", "apprenticeship:9"))
  end)
end)

describe("APP-07 city subsidy standard vs the national floor on its set date", function()
  local run
  setup(function()
    run = kit.eval({
      subsidy_standard = {
        { id = 1, amount_per_year = 3000, set_date = "2018-10-11" },
        { id = 2, amount_per_year = 4000, set_date = "2018-10-12" },
        { id = 3, amount_per_year = 3999.99, set_date = "2018-10-12" },
        { id = 4, amount_per_year = 4000, set_date = "2021-06-21" },
        { id = 5, amount_per_year = 4000, set_date = "2021-06-22" },
        { id = 6, amount_per_year = 5000, set_date = "2021-06-22" },
      },
    }, { as_of = "2023-06-30", rules = { "APP-07" } })
  end)
  it("before the first floor -> N/A", function()
    assert.are.equal("N/A", run:outcome("APP-07", "subsidy_standard:1"))
  end)
  it("4000 from 2018-10-12, 5000 from 2021-06-22", function()
    assert.are.equal("PASS", run:outcome("APP-07", "subsidy_standard:2"))
    assert.are.equal("FAIL", run:outcome("APP-07", "subsidy_standard:3"))
    assert.are.equal("PASS", run:outcome("APP-07", "subsidy_standard:4"))
    local r = run:result("APP-07", "subsidy_standard:5")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal(5000, r.values.floor)
    assert.are.equal("PASS", run:outcome("APP-07", "subsidy_standard:6"))
  end)
end)

describe("APP-08 / APP-09 student status and age", function()
  local run
  setup(function()
    local f = base()
    f.student = {
      { id = 1, birth_date = "2006-09-01", status = "ACTIVE" },
      { id = 2, birth_date = "2006-09-01", status = "GRADUATED" },
      { id = 3, birth_date = "2006-09-01", status = "WITHDRAWN" },
      { id = 4, birth_date = "2006-09-02", status = "ACTIVE" },
    }
    appr(f, 1, { program = "MODERN", student_id = 1, birth_date = kit.NULL, agreement_signed_date = "2022-08-20" })
    appr(f, 2, { program = "MODERN", student_id = 2, birth_date = kit.NULL })
    appr(f, 3, { program = "MODERN", student_id = 3, birth_date = kit.NULL })
    appr(f, 4, { program = "MODERN", student_id = kit.NULL, birth_date = "2006-01-01" })
    appr(f, 5, { program = "MODERN", student_id = 4, birth_date = kit.NULL })
    appr(f, 6, { birth_date = "2006-09-01" })
    appr(f, 7, { birth_date = "2006-09-02" })
    appr(f, 8, { birth_date = kit.NULL })
    appr(f, 9, { program = "MODERN", student_id = 4, birth_date = "2006-09-01" })
    run = kit.eval(f, { as_of = "2023-06-30", policies = { "APPRENTICESHIP_COMPLIANCE" } })
  end)
  it("APP-08: ACTIVE passes; GRADUATED / WITHDRAWN fail; no student UNKNOWN; NE N/A", function()
    assert.are.equal("PASS", run:outcome("APP-08", "apprenticeship:1"))
    assert.are.equal("FAIL", run:outcome("APP-08", "apprenticeship:2"))
    assert.are.equal("FAIL", run:outcome("APP-08", "apprenticeship:3"))
    assert.are.equal("UNKNOWN", run:outcome("APP-08", "apprenticeship:4"))
    assert.are.equal("N/A", run:outcome("APP-08", "apprenticeship:6"))
  end)
  it("APP-09: 16 on the start day passes, one day short fails; the student's birth date is used", function()
    assert.are.equal("PASS", run:outcome("APP-09", "apprenticeship:1"))
    local r = run:result("APP-09", "apprenticeship:5")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal(15, r.values.age)
    assert.are.equal("PASS", run:outcome("APP-09", "apprenticeship:6"))
    assert.are.equal("FAIL", run:outcome("APP-09", "apprenticeship:7"))
    assert.are.equal("UNKNOWN", run:outcome("APP-09", "apprenticeship:8"))
  end)
  it("APP-09: the apprenticeship's own birth date wins over the student's", function()
    assert.are.equal("PASS", run:outcome("APP-09", "apprenticeship:9"))
  end)
  it("APPRENTICESHIP_COMPLIANCE: COMPLIANT / NON_COMPLIANT / NEEDS_DATA", function()
    assert.are.equal("COMPLIANT", run:decision("APPRENTICESHIP_COMPLIANCE", "apprenticeship:1").decision)
    local d = run:decision("APPRENTICESHIP_COMPLIANCE", "apprenticeship:2")
    assert.are.equal("NON_COMPLIANT", d.decision)
    assert.are.same({ "APP-02", "APP-08" }, d.failed)
    d = run:decision("APPRENTICESHIP_COMPLIANCE", "apprenticeship:8")
    assert.are.equal("NEEDS_DATA", d.decision)
    assert.are.same({ "APP-09" }, d.unknown)
  end)
end)
