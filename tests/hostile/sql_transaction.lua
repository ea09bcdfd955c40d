-- attack: open a transaction that would hold a lock
-- expect: ERROR not authorized
rule "sql_transaction" {
  title = "hostile: sql_transaction", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[BEGIN IMMEDIATE]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
