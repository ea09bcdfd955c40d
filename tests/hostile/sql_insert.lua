-- attack: INSERT a row from an input (RETURNING makes it look like a query)
-- expect: ERROR not authorized
-- expect: ERROR readonly
rule "sql_insert" {
  title = "hostile: sql_insert", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[INSERT INTO enterprise(id, name) VALUES (999, 'pwned') RETURNING id]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
