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
