-- attack: DROP a table from an input
-- expect: ERROR not authorized
rule "sql_drop" {
  title = "hostile: sql_drop", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[DROP TABLE enterprise]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
