-- attack: several statements in one input
-- expect: ERROR an input must be a single SQL statement
rule "sql_multi" {
  title = "hostile: sql_multi", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[SELECT id FROM enterprise; DROP TABLE enterprise]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
