-- attack: PRAGMA writable_schema from an input
-- expect: ERROR not authorized
rule "sql_pragma" {
  title = "hostile: sql_pragma", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[PRAGMA writable_schema = 1]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
