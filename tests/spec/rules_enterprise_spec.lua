-- rules/enterprise.lua: CJE-01..CJE-10, CULTIVATION_ELIGIBLE and PRIORITY_SUPPORT at their boundaries.
local kit = require("rulekit")

local CJE = { "CJE-01", "CJE-02", "CJE-03", "CJE-04", "CJE-05", "CJE-06", "CJE-07", "CJE-08", "CJE-09", "CJE-10" }

local function ents(n, extra)
  local t = {}
  for i = 1, n do t[i] = { id = i } end
  for id, cols in pairs(extra or {}) do
    for k, v in pairs(cols) do t[id][k] = v end
  end
  return t
end

describe("CJE-01 / CJE-02 registration and main business", function()
  local run
  setup(function()
    run = kit.eval({
      enterprise = ents(8, {
        [2] = { reg_province = "甘肃省" },
        [3] = { reg_province = kit.NULL },
        [4] = { is_legal_person = 0 },
        [5] = { reg_country = "HK", reg_province = kit.NULL },
        [6] = { reg_country = kit.NULL },
        [7] = { main_business_is_education = 1 },
        [8] = { main_business_is_education = kit.NULL },
      }),
    }, { as_of = "2023-06-30", rules = { "CJE-01", "CJE-02" } })
  end)
  it("CJE-01 PASS for a 陕西省 legal person", function()
    assert.are.equal("PASS", run:outcome("CJE-01", "enterprise:1"))
  end)
  it("CJE-01 FAIL for another province, a non-legal person, or abroad (even with other fields unknown)", function()
    local r = run:result("CJE-01", "enterprise:2")
    assert.are.equal("FAIL", r.outcome)
    assert.truthy(r.reason:find("甘肃省", 1, true))
    assert.are.equal("FAIL", run:outcome("CJE-01", "enterprise:4"))
    assert.are.equal("FAIL", run:outcome("CJE-01", "enterprise:5"))
  end)
  it("CJE-01 UNKNOWN when province or country is NULL", function()
    assert.are.equal("UNKNOWN", run:outcome("CJE-01", "enterprise:3"))
    assert.are.equal("UNKNOWN", run:outcome("CJE-01", "enterprise:6"))
  end)
  it("CJE-02 PASS / FAIL / UNKNOWN", function()
    assert.are.equal("PASS", run:outcome("CJE-02", "enterprise:1"))
    assert.are.equal("FAIL", run:outcome("CJE-02", "enterprise:7"))
    assert.are.equal("UNKNOWN", run:outcome("CJE-02", "enterprise:8"))
  end)
  it("CJE-02: an enterprise listed in EDUCATION_EXCEPTIONS passes (原则上 — an officer's exception)", function()
    local dir = kit.rules_with("enterprise.lua", 'EDUCATION_EXCEPTIONS = { { from = "2019-03-28", value = ""',
                               'EDUCATION_EXCEPTIONS = { { from = "2019-03-28", value = "3|7"')
    local r = kit.eval(run.db, { as_of = "2023-06-30", rules = { "CJE-02" }, rules_dir = dir })
    assert.are.equal("PASS", r:outcome("CJE-02", "enterprise:7"))
    assert.are.equal("UNKNOWN", r:outcome("CJE-02", "enterprise:8"))
  end)
  it("is N/A before 590号 was issued", function()
    local early = kit.eval(run.db, { as_of = "2019-03-27", rules = { "CJE-01" } })
    assert.are.equal("N/A", early:outcome("CJE-01", "enterprise:2"))
    local on = kit.eval(run.db, { as_of = "2019-03-28", rules = { "CJE-01" } })
    assert.are.equal("FAIL", on:outcome("CJE-01", "enterprise:2"))
  end)
end)

describe("CJE-03 / CJE-04 / CJE-05 credit events", function()
  local db
  setup(function()
    db = kit.db({
      enterprise = ents(16),
      credit_event = {
        { id = 1, enterprise_id = 1, kind = "BLACKLIST", start_date = "2023-01-01" },
        { id = 2, enterprise_id = 2, kind = "BLACKLIST", start_date = "2022-01-01", end_date = "2023-06-30" },
        { id = 3, enterprise_id = 3, kind = "BLACKLIST", start_date = "2022-01-01", end_date = "2023-06-29" },
        { id = 4, enterprise_id = 4, kind = "BLACKLIST", start_date = "2023-07-01" },
        { id = 5, enterprise_id = 5, kind = "BLACKLIST", start_date = "2023-06-30" },
        { id = 6, enterprise_id = 6, kind = "MAJOR_SAFETY_ACCIDENT", start_date = "2020-06-30" },
        { id = 7, enterprise_id = 7, kind = "MAJOR_ENV_ACCIDENT", start_date = "2020-07-01" },
        { id = 8, enterprise_id = 8, kind = "MAJOR_QUALITY_ACCIDENT", start_date = "2023-06-30" },
        { id = 9, enterprise_id = 9, kind = "MAJOR_SAFETY_ACCIDENT", start_date = "2023-07-01" },
        { id = 10, enterprise_id = 10, kind = "TAX_VIOLATION", start_date = "2020-06-30" },
        { id = 11, enterprise_id = 11, kind = "TAX_VIOLATION", start_date = "2020-07-01" },
        { id = 12, enterprise_id = 12, kind = "FRAUD", start_date = "2022-01-01" },
        { id = 13, enterprise_id = 13, kind = "MAJOR_SAFETY_ACCIDENT", start_date = "2021-02-28" },
        { id = 14, enterprise_id = 14, kind = "MAJOR_SAFETY_ACCIDENT", start_date = "2021-03-01" },
        { id = 15, enterprise_id = 15, kind = "TAX_VIOLATION", start_date = "2021-02-28" },
        { id = 16, enterprise_id = 16, kind = "TAX_VIOLATION", start_date = "2021-03-01" },
      },
    })
  end)

  it("CJE-03: listed on as_of (open, or removal on as_of itself) -> FAIL", function()
    local run = kit.eval(db, { as_of = "2023-06-30", rules = { "CJE-03" } })
    local r = run:result("CJE-03", "enterprise:1")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal("2023-01-01", r.values.date)
    assert.are.equal("FAIL", run:outcome("CJE-03", "enterprise:2"))
    assert.are.equal("FAIL", run:outcome("CJE-03", "enterprise:5"))
  end)
  it("CJE-03: removed before as_of, or listed after it -> PASS", function()
    local run = kit.eval(db, { as_of = "2023-06-30", rules = { "CJE-03" } })
    assert.are.equal("PASS", run:outcome("CJE-03", "enterprise:3"))
    assert.are.equal("PASS", run:outcome("CJE-03", "enterprise:4"))
    assert.are.equal("PASS", run:outcome("CJE-03", "enterprise:6"))
  end)
  it("CJE-04: the 3-year window (as_of-3y, as_of] excludes its start and includes as_of", function()
    local run = kit.eval(db, { as_of = "2023-06-30", rules = { "CJE-04" } })
    assert.are.equal("PASS", run:outcome("CJE-04", "enterprise:6"))
    local r = run:result("CJE-04", "enterprise:7")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal("2020-07-01", r.values.date)
    assert.are.equal("FAIL", run:outcome("CJE-04", "enterprise:8"))
    assert.are.equal("PASS", run:outcome("CJE-04", "enterprise:9"))
    assert.are.equal("PASS", run:outcome("CJE-04", "enterprise:10"))   -- a tax violation is not an accident
    assert.are.equal("PASS", run:outcome("CJE-04", "enterprise:12"))   -- nor is fraud
  end)
  it("CJE-04: as_of on Feb-29 maps the window start to Feb-28", function()
    local run = kit.eval(db, { as_of = "2024-02-29", rules = { "CJE-04", "CJE-05" } })
    assert.are.equal("PASS", run:outcome("CJE-04", "enterprise:13"))
    assert.are.equal("FAIL", run:outcome("CJE-04", "enterprise:14"))
    assert.are.equal("PASS", run:outcome("CJE-05", "enterprise:15"))
    assert.are.equal("FAIL", run:outcome("CJE-05", "enterprise:16"))
  end)
  it("CJE-05: tax violations in the same window", function()
    local run = kit.eval(db, { as_of = "2023-06-30", rules = { "CJE-05" } })
    assert.are.equal("PASS", run:outcome("CJE-05", "enterprise:10"))
    local r = run:result("CJE-05", "enterprise:11")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal("2020-07-01", r.values.date)
    assert.are.equal("PASS", run:outcome("CJE-05", "enterprise:7"))
  end)
end)

describe("CJE-06 qualifying activities and internship hosting", function()
  local run
  setup(function()
    local students, interns = {}, {}
    local function host(id, ent, a, b)
      students[#students + 1] = { id = id }
      interns[#interns + 1] = { id = id, student_id = id, enterprise_id = ent, type = "COGNITIVE",
                                independent_work = 0, start_date = a, end_date = b }
    end
    host(1, 5, "2020-07-01", "2023-06-30")                              -- exactly 1095 days
    host(2, 6, "2020-07-02", "2023-06-30")                              -- 1094 days
    host(3, 7, "2020-07-01", "2022-06-30"); host(4, 7, "2021-07-01", "2023-06-30")   -- union 1095
    host(5, 8, "2020-07-02", "2022-06-30"); host(6, 8, "2021-07-01", "2023-06-30")   -- sum 1459, union 1094
    host(7, 9, "2020-07-01", "2025-06-30")                              -- counted up to as_of only
    host(8, 10, "2020-06-30", "2023-06-29")                             -- 1095 days, ended before as_of
    run = kit.eval({
      enterprise = ents(11),
      school = { { id = 1 } },
      student = students,
      internship = interns,
      qualifying_activity = {
        { id = 1, enterprise_id = 1, kind = "APPRENTICESHIP_PILOT", start_date = "2021-09-01" },
        { id = 2, enterprise_id = 2, kind = "TRAINING_BASE", start_date = "2020-01-01", end_date = "2023-06-29" },
        { id = 3, enterprise_id = 3, kind = "VOC_GROUP_MEMBER", start_date = "2020-01-01", end_date = "2023-06-30" },
        { id = 4, enterprise_id = 4, kind = "X_CERT_PILOT", start_date = "2023-07-01" },
        { id = 5, enterprise_id = 11, kind = "RUN_SCHOOL", start_date = "2023-06-30" },
      },
    }, { as_of = "2023-06-30", rules = { "CJE-06" } })
  end)
  it("an activity active on as_of passes (start and end days included)", function()
    assert.are.equal("PASS", run:outcome("CJE-06", "enterprise:1"))
    assert.are.equal("PASS", run:outcome("CJE-06", "enterprise:3"))
    assert.are.equal("PASS", run:outcome("CJE-06", "enterprise:11"))
  end)
  it("an activity ended the day before, or starting after as_of, does not", function()
    assert.are.equal("FAIL", run:outcome("CJE-06", "enterprise:2"))
    assert.are.equal("FAIL", run:outcome("CJE-06", "enterprise:4"))
  end)
  it("hosting counts with exactly 1095 union days, not with 1094", function()
    local r = run:result("CJE-06", "enterprise:5")
    assert.are.equal("PASS", r.outcome, run:show("CJE-06", "enterprise:5"))
    assert.are.equal(1095, r.values.hosting_days)
    r = run:result("CJE-06", "enterprise:6")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal(1094, r.values.hosting_days)
  end)
  it("overlapping internships count once (union, not sum)", function()
    assert.are.equal(1095, run:result("CJE-06", "enterprise:7").values.hosting_days)
    assert.are.equal("PASS", run:outcome("CJE-06", "enterprise:7"))
    assert.are.equal(1094, run:result("CJE-06", "enterprise:8").values.hosting_days)
    assert.are.equal("FAIL", run:outcome("CJE-06", "enterprise:8"))
  end)
  it("days after as_of do not count; past hosting does", function()
    assert.are.equal(1095, run:result("CJE-06", "enterprise:9").values.hosting_days)
    assert.are.equal("PASS", run:outcome("CJE-06", "enterprise:10"))
  end)
  it("an activity starting on as_of counts; no activity and no hosting -> FAIL with 0 days", function()
    local r = run:result("CJE-06", "enterprise:11")
    assert.are.equal("PASS", r.outcome)
    assert.are.equal(0, run:result("CJE-06", "enterprise:2").values.hosting_days)
  end)
end)

describe("CJE-07 / CJE-10 designations for priority support", function()
  local run
  setup(function()
    run = kit.eval({
      enterprise = ents(14),
      designation = {
        { id = 1, enterprise_id = 1, kind = "CJRH_RESERVE", valid_from = "2022-01-01" },
        { id = 2, enterprise_id = 2, kind = "CITY_DEMO", valid_from = "2022-01-01", valid_to = "2023-06-30" },
        { id = 3, enterprise_id = 3, kind = "CITY_DEMO", valid_from = "2022-01-01", valid_to = "2023-06-29" },
        { id = 4, enterprise_id = 4, kind = "CJRH_CERTIFIED", valid_from = "2022-01-01", revoked_date = "2023-06-30",
          revoke_reason = "OTHER" },
        { id = 5, enterprise_id = 5, kind = "CJRH_CERTIFIED", valid_from = "2022-01-01", revoked_date = "2023-07-01",
          revoke_reason = "OTHER" },
        { id = 6, enterprise_id = 6, kind = "CJRH_RESERVE", valid_from = "2023-07-01" },
        { id = 7, enterprise_id = 8, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
        { id = 8, enterprise_id = 9, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
        { id = 9, enterprise_id = 10, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
        { id = 10, enterprise_id = 11, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
        { id = 11, enterprise_id = 12, kind = "CITY_DEMO", valid_from = "2022-06-01" },
        { id = 12, enterprise_id = 12, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
        { id = 13, enterprise_id = 13, kind = "CJRH_RESERVE", valid_from = "2021-01-01" },
      },
      credit_event = {
        { id = 1, enterprise_id = 8, kind = "BLACKLIST", start_date = "2022-06-01", end_date = "2022-12-31" },
        { id = 2, enterprise_id = 9, kind = "MAJOR_SAFETY_ACCIDENT", start_date = "2020-12-31" },
        { id = 3, enterprise_id = 10, kind = "STUDENT_RIGHTS_INFRINGEMENT", start_date = "2021-01-01" },
        { id = 4, enterprise_id = 11, kind = "TAX_VIOLATION", start_date = "2022-01-01" },
        { id = 5, enterprise_id = 12, kind = "FRAUD", start_date = "2021-06-01" },
        { id = 6, enterprise_id = 13, kind = "MAJOR_ENV_ACCIDENT", start_date = "2023-07-01" },
        { id = 7, enterprise_id = 14, kind = "BLACKLIST", start_date = "2023-01-01" },
      },
    }, { as_of = "2023-06-30", policies = { "PRIORITY_SUPPORT" } })
  end)
  it("CJE-07 PASS for an active reserve, certified or demo title (valid_to inclusive)", function()
    assert.are.equal("PASS", run:outcome("CJE-07", "enterprise:1"))
    assert.are.equal("PASS", run:outcome("CJE-07", "enterprise:2"))
    assert.are.equal("PASS", run:outcome("CJE-07", "enterprise:5"))
  end)
  it("CJE-07 FAIL when expired, revoked on as_of, not yet valid or absent", function()
    assert.are.equal("FAIL", run:outcome("CJE-07", "enterprise:3"))
    assert.are.equal("FAIL", run:outcome("CJE-07", "enterprise:4"))
    assert.are.equal("FAIL", run:outcome("CJE-07", "enterprise:6"))
    assert.are.equal("FAIL", run:outcome("CJE-07", "enterprise:7"))
  end)
  it("CJE-10 N/A without a title that passes CJE-07", function()
    assert.are.equal("N/A", run:outcome("CJE-10", "enterprise:3"))
    assert.are.equal("N/A", run:outcome("CJE-10", "enterprise:14"))
  end)
  it("CJE-10 FAIL for a disqualifying event during the designation, even if since removed", function()
    local r = run:result("CJE-10", "enterprise:8")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal("2022-06-01", r.values.date)
    assert.truthy(r.reason:find("建议撤销", 1, true))
    assert.are.equal("FAIL", run:outcome("CJE-10", "enterprise:10"))   -- on valid_from itself
  end)
  it("CJE-10 uses the earliest valid_from of the qualifying titles", function()
    local r = run:result("CJE-10", "enterprise:12")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal("2021-01-01", r.values.valid_from)
  end)
  it("CJE-10 PASS for events before the designation, after as_of, or not disqualifying", function()
    assert.are.equal("PASS", run:outcome("CJE-10", "enterprise:9"))
    assert.are.equal("PASS", run:outcome("CJE-10", "enterprise:11"))
    assert.are.equal("PASS", run:outcome("CJE-10", "enterprise:13"))
  end)
  it("PRIORITY_SUPPORT: ELIGIBLE, or INELIGIBLE with the failing ids sorted", function()
    assert.are.equal("ELIGIBLE", run:decision("PRIORITY_SUPPORT", "enterprise:1").decision)
    local d = run:decision("PRIORITY_SUPPORT", "enterprise:14")
    assert.are.equal("INELIGIBLE", d.decision)
    assert.are.same({ "CJE-03", "CJE-07" }, d.failed)
    d = run:decision("PRIORITY_SUPPORT", "enterprise:8")
    assert.are.same({ "CJE-10" }, d.failed)
  end)
end)

describe("CJE-08 revoked titles bar re-application for 5 years", function()
  local db
  setup(function()
    db = kit.db({
      enterprise = ents(6),
      designation = {
        { id = 1, enterprise_id = 1, kind = "CITY_DEMO", valid_from = "2017-01-01", revoked_date = "2018-06-30",
          revoke_reason = "FRAUD" },
        { id = 2, enterprise_id = 2, kind = "CITY_DEMO", valid_from = "2017-01-01", revoked_date = "2018-06-29",
          revoke_reason = "FRAUD" },
        { id = 3, enterprise_id = 3, kind = "CJRH_RESERVE", valid_from = "2020-01-01", revoked_date = "2022-01-01",
          revoke_reason = "OTHER" },
        { id = 4, enterprise_id = 4, kind = "CJRH_RESERVE", valid_from = "2020-01-01", revoked_date = "2022-01-01" },
        { id = 5, enterprise_id = 5, kind = "CJRH_RESERVE", valid_from = "2020-01-01", revoked_date = "2023-07-01",
          revoke_reason = "BLACKLIST" },
        { id = 6, enterprise_id = 6, kind = "CJRH_RESERVE", valid_from = "2019-06-01", revoked_date = "2020-02-29",
          revoke_reason = "MAJOR_SAFETY_ACCIDENT" },
      },
    })
  end)
  it("the bar lasts through add_years(revoked, 5) inclusive", function()
    local run = kit.eval(db, { as_of = "2023-06-30", rules = { "CJE-08" } })
    local r = run:result("CJE-08", "enterprise:1")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal("2023-06-30", r.values.bar_end)
    assert.are.equal("2023-07-01", r.values.reapply)
    assert.are.equal("PASS", run:outcome("CJE-08", "enterprise:2"))
  end)
  it("OTHER reasons do not bar; an unrecorded reason is UNKNOWN; a future revocation is ignored", function()
    local run = kit.eval(db, { as_of = "2023-06-30", rules = { "CJE-08" } })
    assert.are.equal("PASS", run:outcome("CJE-08", "enterprise:3"))
    assert.are.equal("UNKNOWN", run:outcome("CJE-08", "enterprise:4"))
    assert.are.equal("PASS", run:outcome("CJE-08", "enterprise:5"))
  end)
  it("a revocation on Feb-29 bars through Feb-28 five years later", function()
    assert.are.equal("FAIL", kit.eval(db, { as_of = "2025-02-28", rules = { "CJE-08" } }):outcome("CJE-08", "enterprise:6"))
    assert.are.equal("PASS", kit.eval(db, { as_of = "2025-03-01", rules = { "CJE-08" } }):outcome("CJE-08", "enterprise:6"))
  end)
end)

describe("CJE-09 one year in the reserve before certification", function()
  local run
  setup(function()
    run = kit.eval({
      enterprise = ents(6),
      designation = {
        { id = 1, enterprise_id = 1, kind = "CJRH_RESERVE", valid_from = "2020-01-10" },
        { id = 2, enterprise_id = 1, kind = "CJRH_CERTIFIED", valid_from = "2021-01-10", certified_date = "2021-01-10" },
        { id = 3, enterprise_id = 2, kind = "CJRH_RESERVE", valid_from = "2020-01-10" },
        { id = 4, enterprise_id = 2, kind = "CJRH_CERTIFIED", valid_from = "2021-01-09", certified_date = "2021-01-09" },
        { id = 5, enterprise_id = 3, kind = "CJRH_CERTIFIED", valid_from = "2021-01-09", certified_date = "2021-01-09" },
        { id = 6, enterprise_id = 4, kind = "CJRH_CERTIFIED", valid_from = "2021-01-09" },
        { id = 7, enterprise_id = 5, kind = "CJRH_RESERVE", valid_from = "2020-02-29" },
        { id = 8, enterprise_id = 5, kind = "CJRH_CERTIFIED", valid_from = "2021-02-28", certified_date = "2021-02-28" },
        { id = 9, enterprise_id = 6, kind = "CJRH_RESERVE", valid_from = "2022-06-01" },
        { id = 10, enterprise_id = 6, kind = "CJRH_CERTIFIED", valid_from = "2023-07-01", certified_date = "2023-07-01" },
      },
    }, { as_of = "2023-06-30", rules = { "CJE-09" } })
  end)
  it("exactly one year passes, one day less fails", function()
    local r = run:result("CJE-09", "designation:2")
    assert.are.equal("PASS", r.outcome, run:show("CJE-09", "designation:2"))
    assert.are.equal(366, r.values.days)
    r = run:result("CJE-09", "designation:4")
    assert.are.equal("FAIL", r.outcome)
    assert.are.equal(365, r.values.days)
  end)
  it("a reserve entry on Feb-29 completes its year on Feb-28", function()
    assert.are.equal("PASS", run:outcome("CJE-09", "designation:8"))
  end)
  it("no reserve record -> FAIL; no certification date -> UNKNOWN", function()
    assert.are.equal("FAIL", run:outcome("CJE-09", "designation:5"))
    assert.are.equal("UNKNOWN", run:outcome("CJE-09", "designation:6"))
  end)
  it("N/A for reserve entries and for a certification after as_of", function()
    assert.are.equal("N/A", run:outcome("CJE-09", "designation:1"))
    assert.are.equal("N/A", run:outcome("CJE-09", "designation:10"))
  end)
end)

describe("CULTIVATION_ELIGIBLE (D1)", function()
  local run
  setup(function()
    run = kit.eval({
      enterprise = ents(4, { [2] = { reg_province = kit.NULL }, [3] = { reg_province = kit.NULL } }),
      qualifying_activity = {
        { id = 1, enterprise_id = 1, kind = "RUN_SCHOOL", start_date = "2020-01-01" },
        { id = 2, enterprise_id = 2, kind = "RUN_SCHOOL", start_date = "2020-01-01" },
      },
      credit_event = { { id = 1, enterprise_id = 4, kind = "TAX_VIOLATION", start_date = "2022-01-01" } },
    }, { as_of = "2023-06-30", policies = { "CULTIVATION_ELIGIBLE" } })
  end)
  it("ELIGIBLE / NEEDS_DATA / INELIGIBLE (FAIL beats UNKNOWN)", function()
    assert.are.equal("ELIGIBLE", run:decision("CULTIVATION_ELIGIBLE", "enterprise:1").decision)
    local d = run:decision("CULTIVATION_ELIGIBLE", "enterprise:2")
    assert.are.equal("NEEDS_DATA", d.decision)
    assert.are.same({ "CJE-01" }, d.unknown)
    d = run:decision("CULTIVATION_ELIGIBLE", "enterprise:3")
    assert.are.equal("INELIGIBLE", d.decision)
    assert.are.same({ "CJE-06" }, d.failed)
    assert.are.same({ "CJE-01" }, d.unknown)
    d = run:decision("CULTIVATION_ELIGIBLE", "enterprise:4")
    assert.are.same({ "CJE-05", "CJE-06" }, d.failed)
  end)
  it("does not include CJE-07, CJE-09 or CJE-10", function()
    for _, r in ipairs(run.records) do
      if r.type == "result" then
        assert.is_not.equal("CJE-07", r.rule)
        assert.is_not.equal("CJE-09", r.rule)
      end
    end
  end)
end)
