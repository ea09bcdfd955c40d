-- attack: return a table shaped like an outcome, without the engine's mark
-- expect: ERROR check returned table, not an outcome
rule "ret_forged" {
  title = "hostile: ret_forged", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return { "PASS", "forged" }
  end,
}
