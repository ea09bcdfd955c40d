-- attack: return the outcome's name as a string
-- expect: ERROR check returned string, not an outcome
rule "ret_string" {
  title = "hostile: ret_string", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return "PASS"
  end,
}
