-- Rule tests for rules/targets.lua: a plan target counts carriers recognized by its deadline
-- (plan_target rows come with the data model: DEMO_ENTERPRISE 3 by 2023-12-31).

local function demo(id, recognized, revoked)
  return { id = id, kind = "DEMO_ENTERPRISE", name = "示范企业" .. id, recognized_date = recognized,
           revoked_date = revoked }
end

case "TGT-DEMO_ENTERPRISE: 3 recognized by the deadline; a revoked one does not count" {
  as_of = "2023-06-30",
  rows = { carrier = { demo(1, "2021-05-01"), demo(2, "2022-05-01"), demo(3, "2023-11-30"),
                       demo(4, "2021-01-01", "2022-01-01") } },
  expect = { ["TGT-DEMO_ENTERPRISE"] = { city = { "ACHIEVED", values = { count = 3, target = 3 } } } },
}

case "TGT-DEMO_ENTERPRISE: a carrier without a recognition date leaves the target unknown" {
  as_of = "2023-06-30",
  rows = { carrier = { demo(1, "2021-05-01"), demo(2, "2022-05-01"), demo(3, nil) } },
  expect = { ["TGT-DEMO_ENTERPRISE"] = { city = { "UNKNOWN", reason = "认定日期未记录" } } },
}

-- ---------------------------------------------------------------------------------------------------------
-- More cases, from the policy book (b) "TGT-k": a carrier counts if recognized_date ≤ D and (revoked_date NULL
-- or > D), D = the plan_target deadline (2023-12-31 for the seed's "到2023年" targets) or as_of when there is none
-- (ALLIANCE, INDUSTRY_BLOCK); EXPERIENCE_CENTER also needs open_to_public = 1 (二(三)1), TRAINING_BASE shared = 1
-- and functions ⊇ {实训科研, 技能培训, 综合实践} (二(二)3). NULL recognized_date (or NULL extra attribute) is unknown:
-- known < target ≤ known + unknown → UNKNOWN. ACHIEVED iff count ≥ target.
-- ---------------------------------------------------------------------------------------------------------

local function carrier(id, kind, recognized, over)
  local c = { id = id, kind = kind, name = kind .. id, recognized_date = recognized }
  for k, v in pairs(over or {}) do c[k] = v end
  return c
end

case "TGT-INDUSTRY: 一 + 二(二)1 (1 by 2023-12-31) — recognized on the deadline counts" {
  as_of = "2024-06-30",
  rows = { carrier = { carrier(1, "INDUSTRY", "2023-12-31") } },
  expect = { ["TGT-INDUSTRY"] = { city = { "ACHIEVED", values = { count = 1, target = 1, deadline = "2023-12-31" } } } },
}

case "TGT-INDUSTRY: recognized the day after the deadline does not count, even when as_of is later" {
  as_of = "2024-06-30",
  rows = { carrier = { carrier(1, "INDUSTRY", "2024-01-01") } },
  expect = { ["TGT-INDUSTRY"] = { city = { "NOT_ACHIEVED", values = { count = 0 } } } },
}

case "TGT-DEMO_ENTERPRISE: revoked on the deadline is out, revoked the day after still counts" {
  as_of = "2024-06-30",
  rows = {
    carrier = {
      carrier(1, "DEMO_ENTERPRISE", "2021-05-01"), carrier(2, "DEMO_ENTERPRISE", "2022-05-01"),
      carrier(3, "DEMO_ENTERPRISE", "2022-06-01", { revoked_date = "2023-12-31" }),
      carrier(4, "DEMO_ENTERPRISE", "2022-06-01", { revoked_date = "2024-01-01" }),
    },
  },
  expect = { ["TGT-DEMO_ENTERPRISE"] = { city = { "ACHIEVED", values = { count = 3, target = 3 } } } },
}

case "TGT-TRAINING_BASE: 二(二)3 — a shared base with all three functions counts (any order, extra functions allowed)" {
  as_of = "2023-12-31",
  rows = { carrier = { carrier(1, "TRAINING_BASE", "2023-06-01",
                               { shared = 1, functions = "综合实践|技能培训|创新创业|实训科研" }) } },
  expect = { ["TGT-TRAINING_BASE"] = { city = { "ACHIEVED", values = { count = 1 } } } },
}

case "TGT-TRAINING_BASE: not shared, or a function missing, does not count → NOT_ACHIEVED" {
  as_of = "2023-12-31",
  rows = {
    carrier = {
      carrier(1, "TRAINING_BASE", "2023-06-01", { shared = 0, functions = "实训科研|技能培训|综合实践" }),
      carrier(2, "TRAINING_BASE", "2023-06-01", { shared = 1, functions = "实训科研|技能培训" }),
    },
  },
  expect = { ["TGT-TRAINING_BASE"] = { city = { "NOT_ACHIEVED", values = { count = 0 }, reason = "综合实践" } } },
}

case "TGT-TRAINING_BASE: shared or functions not recorded → UNKNOWN (it could be the one base needed)" {
  as_of = "2023-12-31",
  rows = {
    carrier = {
      carrier(1, "TRAINING_BASE", "2023-06-01", { functions = "实训科研|技能培训|综合实践" }),   -- shared NULL
      carrier(2, "TRAINING_BASE", "2023-06-01", { shared = 1 }),                               -- functions NULL
    },
  },
  expect = { ["TGT-TRAINING_BASE"] = { city = { "UNKNOWN", values = { count = 0, unknown = 2 } } } },
}

case "TGT-EXPERIENCE_CENTER: 二(三)1 — 2 centres open to pupils and citizens achieve it; a closed one does not count" {
  as_of = "2023-12-31",
  rows = {
    carrier = {
      carrier(1, "EXPERIENCE_CENTER", "2022-09-01", { open_to_public = 1 }),
      carrier(2, "EXPERIENCE_CENTER", "2023-12-31", { open_to_public = 1 }),
      carrier(3, "EXPERIENCE_CENTER", "2022-09-01", { open_to_public = 0 }),
    },
  },
  expect = { ["TGT-EXPERIENCE_CENTER"] = { city = { "ACHIEVED", values = { count = 2, target = 2 } } } },
}

case "TGT-EXPERIENCE_CENTER: 1 open + 1 closed → NOT_ACHIEVED; 1 open + 1 with openness unknown → UNKNOWN" {
  as_of = "2023-12-31",
  rows = {
    carrier = {
      carrier(1, "EXPERIENCE_CENTER", "2022-09-01", { open_to_public = 1 }),
      carrier(2, "EXPERIENCE_CENTER", "2022-09-01"),                            -- open_to_public NULL
      carrier(3, "EXPERIENCE_CENTER", "2022-09-01", { open_to_public = 0 }),
    },
  },
  expect = { ["TGT-EXPERIENCE_CENTER"] = { city = { "UNKNOWN", values = { count = 1, unknown = 1 } } } },
}

case "TGT-EXPERIENCE_CENTER: one open centre only → NOT_ACHIEVED (1 of 2)" {
  as_of = "2023-12-31",
  rows = { carrier = { carrier(1, "EXPERIENCE_CENTER", "2022-09-01", { open_to_public = 1 }),
                       carrier(3, "EXPERIENCE_CENTER", "2022-09-01", { open_to_public = 0 }) } },
  expect = { ["TGT-EXPERIENCE_CENTER"] = { city = { "NOT_ACHIEVED", values = { count = 1, target = 2 } } } },
}

case "TGT-BRAND_MAJOR: 二(一)3 — 2 known + 1 undated could reach 3 → UNKNOWN" {
  as_of = "2023-12-31",
  rows = { carrier = { carrier(1, "BRAND_MAJOR", "2022-01-01"), carrier(2, "BRAND_MAJOR", "2023-01-01"),
                       carrier(3, "BRAND_MAJOR", nil) } },
  expect = { ["TGT-BRAND_MAJOR"] = { city = { "UNKNOWN", values = { count = 2, unknown = 1, target = 3 } } } },
}

case "TGT-BRAND_MAJOR: 1 known + 1 undated cannot reach 3 → NOT_ACHIEVED" {
  as_of = "2023-12-31",
  rows = { carrier = { carrier(1, "BRAND_MAJOR", "2022-01-01"), carrier(2, "BRAND_MAJOR", nil) } },
  expect = { ["TGT-BRAND_MAJOR"] = { city = { "NOT_ACHIEVED", values = { count = 1, unknown = 1 } } } },
}

case "TGT-BRAND_MAJOR: 3 recognized by the deadline → ACHIEVED" {
  as_of = "2023-12-31",
  rows = { carrier = { carrier(1, "BRAND_MAJOR", "2021-01-01"), carrier(2, "BRAND_MAJOR", "2022-01-01"),
                       carrier(3, "BRAND_MAJOR", "2023-12-31") } },
  expect = { ["TGT-BRAND_MAJOR"] = { city = { "ACHIEVED", values = { count = 3 } } } },
}

case "TGT-TEACHER_TEAM: 一 (2 teams by 2023) — none recorded → NOT_ACHIEVED 0/2; other kinds do not count" {
  as_of = "2023-12-31",
  rows = { carrier = { carrier(1, "BRAND_MAJOR", "2022-01-01"), carrier(2, "INDUSTRY", "2022-01-01") } },
  expect = { ["TGT-TEACHER_TEAM"] = { city = { "NOT_ACHIEVED", values = { count = 0, target = 2 } } } },
}

case "TGT-TEACHER_TEAM: two teams formed by the deadline → ACHIEVED" {
  as_of = "2023-12-31",
  rows = { carrier = { carrier(1, "TEACHER_TEAM", "2022-01-01"), carrier(2, "TEACHER_TEAM", "2023-09-01") } },
  expect = { ["TGT-TEACHER_TEAM"] = { city = { "ACHIEVED", values = { count = 2 } } } },
}

case "TGT-ALLIANCE: 二(一)1 has no deadline — counted at as_of: recognized on as_of counts" {
  as_of = "2024-05-01",
  rows = { carrier = { carrier(1, "ALLIANCE", "2024-05-01") } },
  expect = { ["TGT-ALLIANCE"] = { city = { "ACHIEVED", values = { count = 1, counted_at = "2024-05-01" } } } },
}

case "TGT-ALLIANCE: no deadline — the day before its recognition the alliance is not counted" {
  as_of = "2024-04-30",
  rows = { carrier = { carrier(1, "ALLIANCE", "2024-05-01") } },
  expect = { ["TGT-ALLIANCE"] = { city = { "NOT_ACHIEVED", values = { count = 0 } } } },
}

case "TGT-INDUSTRY_BLOCK: 二(一)2 counted at as_of — revoked on as_of no longer counts" {
  as_of = "2024-06-30",
  rows = { carrier = { carrier(1, "INDUSTRY_BLOCK", "2022-01-01", { revoked_date = "2024-06-30" }) } },
  expect = { ["TGT-INDUSTRY_BLOCK"] = { city = { "NOT_ACHIEVED", values = { count = 0 } } } },
}

case "TGT-INDUSTRY_BLOCK: revoked only after as_of → still counts, ACHIEVED" {
  as_of = "2024-06-29",
  rows = { carrier = { carrier(1, "INDUSTRY_BLOCK", "2022-01-01", { revoked_date = "2024-06-30" }) } },
  expect = { ["TGT-INDUSTRY_BLOCK"] = { city = { "ACHIEVED", values = { count = 1 } } } },
}
