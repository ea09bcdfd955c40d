-- attack: an endless goto loop
-- expect: ERROR instruction budget exceeded
-- expect: ERROR time budget exceeded
rule "loop_goto" {
  title = "hostile: loop_goto", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    ::again::
    goto again
  end,
}
