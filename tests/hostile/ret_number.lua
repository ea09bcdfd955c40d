-- attack: return a number where an outcome is expected
-- expect: ERROR check returned number, not an outcome
rule "ret_number" {
  title = "hostile: ret_number", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return 1
  end,
}
