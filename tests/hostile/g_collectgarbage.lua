-- attack: stop the garbage collector so that the next rule runs out of memory
-- expect: ERROR undefined global 'collectgarbage'
rule "g_collectgarbage" {
  title = "hostile: g_collectgarbage", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    collectgarbage("stop")
    return pass("gc stopped")
  end,
}
