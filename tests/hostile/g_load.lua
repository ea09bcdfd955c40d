-- attack: compile code with load and a custom environment
-- expect: ERROR undefined global 'load'
rule "g_load" {
  title = "hostile: g_load", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local f = load("return io", "=x", "t", { io = "the real io?" })
    return pass(tostring(f()))
  end,
}
