-- attack: give a number as the values of an outcome
-- expect: ERROR values must be a table, not number
rule "ret_values_not_table" {
  title = "hostile: ret_values_not_table", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return pass("x", 42)
  end,
}
