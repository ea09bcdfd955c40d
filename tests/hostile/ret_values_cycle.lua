-- attack: put a table that contains itself into the values
-- expect: ERROR values nested deeper than %d+ levels
rule "ret_values_cycle" {
  title = "hostile: ret_values_cycle", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local t = {}
    t.self = t
    return pass("x", { t = t })
  end,
}
