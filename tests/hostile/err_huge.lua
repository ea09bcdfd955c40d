-- attack: an error message of 4 MiB, to fill the results table
-- expect: ERROR xxxxxxxx
rule "err_huge" {
  title = "hostile: err_huge", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    error(("x"):rep(4 << 20))
  end,
}
