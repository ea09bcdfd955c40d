-- rules/targets.lua: TGT-<KIND> plan targets (subject "city", record type "target").
local kit = require("rulekit")

local KINDS = { "INDUSTRY", "DEMO_ENTERPRISE", "TRAINING_BASE", "EXPERIENCE_CENTER", "BRAND_MAJOR",
                "TEACHER_TEAM", "ALLIANCE", "INDUSTRY_BLOCK" }
local ALL = {}
for i, k in ipairs(KINDS) do ALL[i] = "TGT-" .. k end

local function carriers(list)
  local rows = {}
  for i, c in ipairs(list) do
    local row = { id = i }
    for k, v in pairs(c) do row[k] = v end
    rows[i] = row
  end
  return rows
end

describe("TGT-* with the seed targets and deadlines", function()
  local run
  setup(function()
    run = kit.eval({
      carrier = carriers({
        { kind = "INDUSTRY", recognized_date = "2023-12-31" },                                   -- on the deadline
        { kind = "DEMO_ENTERPRISE", recognized_date = "2021-12-20" },
        { kind = "DEMO_ENTERPRISE", recognized_date = "2022-12-15", revoked_date = "2024-01-01" }, -- revoked after
        { kind = "DEMO_ENTERPRISE", recognized_date = kit.NULL },                                -- unknown
        { kind = "DEMO_ENTERPRISE", recognized_date = "2021-12-20", revoked_date = "2023-12-31" }, -- revoked on it
        { kind = "TRAINING_BASE", recognized_date = "2022-09-01", shared = 1, functions = "技能培训|综合实践" },
        { kind = "TRAINING_BASE", recognized_date = "2022-09-01", shared = 0, functions = "实训科研|技能培训|综合实践" },
        { kind = "EXPERIENCE_CENTER", recognized_date = "2022-06-01", open_to_public = 1 },
        { kind = "EXPERIENCE_CENTER", recognized_date = "2022-06-01", open_to_public = 0 },
        { kind = "EXPERIENCE_CENTER", recognized_date = "2024-01-01", open_to_public = 1 },        -- too late
        { kind = "BRAND_MAJOR", recognized_date = "2022-07-01" },
        { kind = "BRAND_MAJOR", recognized_date = "2022-07-01" },
        { kind = "BRAND_MAJOR", recognized_date = "2022-07-01" },
        { kind = "TEACHER_TEAM", recognized_date = "2022-10-10" },
        { kind = "TEACHER_TEAM", recognized_date = kit.NULL },
        { kind = "ALLIANCE", recognized_date = "2023-06-30" },                                   -- on as_of
        { kind = "INDUSTRY_BLOCK", recognized_date = "2023-07-01" },                             -- after as_of
      }),
    }, { as_of = "2023-06-30", rules = ALL })
  end)
  it("emits target records with count, target and deadline", function()
    local r = run:result("TGT-INDUSTRY", "city")
    assert.is_not_nil(r)
    assert.are.equal("target", r.type)
    assert.are.equal(1, r.count)
    assert.are.equal(1, r.target)
    assert.are.equal("2023-12-31", r.deadline)
  end)
  it("a carrier recognised on the deadline counts -> ACHIEVED", function()
    assert.are.equal("ACHIEVED", run:outcome("TGT-INDUSTRY", "city"), run:show("TGT-INDUSTRY", "city"))
  end)
  it("2 known + 1 unknown recognition date reaches 3 -> UNKNOWN (revoked on the deadline excluded)", function()
    local r = run:result("TGT-DEMO_ENTERPRISE", "city")
    assert.are.equal("UNKNOWN", r.outcome, run:show("TGT-DEMO_ENTERPRISE", "city"))
    assert.are.equal(2, r.count)
    assert.are.equal(3, r.target)
  end)
  it("a training base must be shared and have all three functions", function()
    local r = run:result("TGT-TRAINING_BASE", "city")
    assert.are.equal("NOT_ACHIEVED", r.outcome)
    assert.are.equal(0, r.count)
    assert.truthy(r.reason:find("实训科研", 1, true))
  end)
  it("an experience centre must be open to the public and recognised by the deadline", function()
    local r = run:result("TGT-EXPERIENCE_CENTER", "city")
    assert.are.equal("NOT_ACHIEVED", r.outcome)
    assert.are.equal(1, r.count)
  end)
  it("3 brand majors -> ACHIEVED; 1 known + 1 unknown teacher team of 2 -> UNKNOWN", function()
    assert.are.equal("ACHIEVED", run:outcome("TGT-BRAND_MAJOR", "city"))
    assert.are.equal("UNKNOWN", run:outcome("TGT-TEACHER_TEAM", "city"))
  end)
  it("targets without deadline are counted at as_of", function()
    local r = run:result("TGT-ALLIANCE", "city")
    assert.are.equal("ACHIEVED", r.outcome)
    assert.is_nil(r.values.deadline)
    assert.are.equal("NOT_ACHIEVED", run:outcome("TGT-INDUSTRY_BLOCK", "city"))
    assert.are.equal("ACHIEVED", kit.eval(run.db, { as_of = "2023-07-01", rules = { "TGT-INDUSTRY_BLOCK" } })
      :outcome("TGT-INDUSTRY_BLOCK", "city"))
  end)
end)

describe("TGT-* follow plan_target", function()
  local run
  setup(function()
    run = kit.eval({
      carrier = carriers({
        { kind = "BRAND_MAJOR", recognized_date = "2022-07-01" },
        { kind = "BRAND_MAJOR", recognized_date = "2022-07-01" },
        { kind = "BRAND_MAJOR", recognized_date = "2022-07-01" },
        { kind = "TRAINING_BASE", recognized_date = "2024-03-01", shared = 1, functions = "实训科研|技能培训|综合实践" },
        { kind = "TRAINING_BASE", recognized_date = "2022-01-01", shared = kit.NULL, functions = "实训科研|技能培训|综合实践" },
      }),
      plan_target = { { kind = "BRAND_MAJOR", target = 4, deadline = "2023-12-31" },
                      { kind = "TRAINING_BASE", target = 1, deadline = "2024-12-31" } },
      sql = { "DELETE FROM plan_target WHERE kind = 'TEACHER_TEAM'" },
    }, { as_of = "2023-06-30", rules = ALL })
  end)
  it("a raised target", function()
    local r = run:result("TGT-BRAND_MAJOR", "city")
    assert.are.equal("NOT_ACHIEVED", r.outcome)
    assert.are.equal(3, r.count)
    assert.are.equal(4, r.target)
  end)
  it("a later deadline", function()
    local r = run:result("TGT-TRAINING_BASE", "city")
    assert.are.equal("ACHIEVED", r.outcome)
    assert.are.equal("2024-12-31", r.deadline)
  end)
  it("no target row -> UNKNOWN", function()
    assert.are.equal("UNKNOWN", run:outcome("TGT-TEACHER_TEAM", "city"))
  end)
  it("no carriers at all -> NOT_ACHIEVED with count 0", function()
    local r = run:result("TGT-INDUSTRY", "city")
    assert.are.equal("NOT_ACHIEVED", r.outcome)
    assert.are.equal(0, r.count)
  end)
end)
