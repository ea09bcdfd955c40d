-- attack: change a parameter in force for the following subjects
-- expect: ERROR cannot modify parameter LIMIT
rule "write_p" {
  title = "hostile: write_p", subject = "enterprise", cite = "tests/hostile",
  params = { LIMIT = { { from = "2000-01-01", value = 10 } } },
  check = function(s, p, ctx)
    p.LIMIT = 0
    return pass("parameter changed")
  end,
}
