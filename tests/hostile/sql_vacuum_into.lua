-- attack: copy the database to a new file with VACUUM INTO
-- expect: ERROR not authorized
-- expect: ERROR an input must only read
rule "sql_vacuum_into" {
  title = "hostile: sql_vacuum_into", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[VACUUM INTO '/tmp/ronghe-hostile-copy.db']] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
