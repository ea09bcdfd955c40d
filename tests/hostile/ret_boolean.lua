-- attack: return a boolean where an outcome is expected
-- expect: ERROR check returned boolean, not an outcome
rule "ret_boolean" {
  title = "hostile: ret_boolean", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return true
  end,
}
