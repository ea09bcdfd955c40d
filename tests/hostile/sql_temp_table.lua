-- attack: create a temporary table
-- expect: ERROR not authorized
rule "sql_temp_table" {
  title = "hostile: sql_temp_table", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[CREATE TEMP TABLE t AS SELECT id FROM enterprise]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
