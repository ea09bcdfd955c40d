-- attack: ATTACH inside a query, through a subquery on a second database
-- expect: ERROR no such table: other%.enterprise
-- expect: ERROR not authorized
rule "sql_attach_select" {
  title = "hostile: sql_attach_select", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[SELECT id FROM other.enterprise]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
