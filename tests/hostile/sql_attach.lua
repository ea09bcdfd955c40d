-- attack: ATTACH another database file from an input
-- expect: ERROR not authorized
rule "sql_attach" {
  title = "hostile: sql_attach", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[ATTACH DATABASE '/tmp/ronghe-hostile-attach.db' AS x]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
