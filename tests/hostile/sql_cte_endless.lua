-- attack: an endless recursive query in an input: no rule code runs while it does
-- expect: ERROR input query ran past its time limit
rule "sql_cte_endless" {
  title = "hostile: sql_cte_endless", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT e.id, count(*) FROM enterprise e, n GROUP BY e.id]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
