-- attack: remove the instruction-budget hook with debug.sethook, then loop
-- expect: ERROR undefined global 'debug'
rule "g_debug" {
  title = "hostile: g_debug", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    debug.sethook()
    while true do end
  end,
}
