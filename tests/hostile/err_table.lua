-- attack: error with a table
-- expect: ERROR error object is a table value
rule "err_table" {
  title = "hostile: err_table", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    error({ code = 42 })
  end,
}
