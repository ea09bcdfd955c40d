-- attack: compile code with Lua 5.1's loadstring
-- expect: ERROR undefined global 'loadstring'
rule "g_loadstring" {
  title = "hostile: g_loadstring", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return pass(tostring(loadstring("return 1")()))
  end,
}
