-- attack: throw an outcome instead of returning it
-- expect: ERROR error object is a table value
rule "err_outcome" {
  title = "hostile: err_outcome", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    error(pass("thrown"))
  end,
}
