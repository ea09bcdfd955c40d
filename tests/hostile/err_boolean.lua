-- attack: error(false)
-- expect: ERROR error object is a boolean value
rule "err_boolean" {
  title = "hostile: err_boolean", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    error(false)
  end,
}
