-- attack: a non-deterministic function (random())
-- expect: ERROR not authorized to use function: random
-- expect: ERROR not authorized
rule "sql_random" {
  title = "hostile: sql_random", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[SELECT id, random() AS r FROM enterprise]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
