-- attack: one SQLite function call that runs for half a minute (printf of 2e9 characters): no progress handler or hook runs inside it
-- needs: watchdog
-- expect: ERROR no progress for %d+ ms: the worker was stopped %(watchdog%)
rule "sql_printf_hang" {
  title = "hostile: sql_printf_hang", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[SELECT id, length(printf('%.*c', 2000000000, 'x')) AS n FROM enterprise]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
