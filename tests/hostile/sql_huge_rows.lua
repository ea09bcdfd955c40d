-- attack: an input whose rows are 15 MB strings, 200 of them per subject (3 GB)
-- needs: watchdog
-- known: core/eval.c wk_finish: a worker lost while a group opens its inputs (slot: rule, no subject) retries the group 3 times, then gives every rule of the group ERROR instead of the rule whose input hung
-- expect: ERROR not enough memory
-- expect: ERROR memory limit exceeded
-- expect: ERROR no progress for %d+ ms: the worker was stopped %(watchdog%)
rule "sql_huge_rows" {
  title = "hostile: sql_huge_rows", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = list [[WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT e.id, printf('%.*c', 15000000, 'x') AS big FROM enterprise e, n]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
