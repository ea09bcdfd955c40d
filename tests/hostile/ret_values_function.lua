-- attack: put a function into the values of an outcome
-- expect: ERROR cannot put a function in values
rule "ret_values_function" {
  title = "hostile: ret_values_function", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return pass("x", { f = pass })
  end,
}
