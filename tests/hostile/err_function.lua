-- attack: error with a function
-- expect: ERROR error object is a function value
rule "err_function" {
  title = "hostile: err_function", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    error(function() end)
  end,
}
