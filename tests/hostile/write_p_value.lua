-- attack: change a field inside a table-valued parameter
-- expect: ERROR cannot modify a parameter
rule "write_p_value" {
  title = "hostile: write_p_value", subject = "enterprise", cite = "tests/hostile",
  params = { BANDS = { { from = "2000-01-01", value = { low = 1, high = 2 } } } },
  check = function(s, p, ctx)
    p.BANDS.low = 0
    return pass("parameter table changed")
  end,
}
