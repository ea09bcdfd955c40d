-- attack: error(nil)
-- expect: ERROR error object is a nil value
rule "err_nil" {
  title = "hostile: err_nil", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    error(nil)
  end,
}
