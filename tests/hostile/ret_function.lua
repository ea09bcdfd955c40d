-- attack: return the pass function itself
-- expect: ERROR check returned function, not an outcome
rule "ret_function" {
  title = "hostile: ret_function", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return pass
  end,
}
