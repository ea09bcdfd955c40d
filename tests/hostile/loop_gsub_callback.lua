-- attack: loop inside a Lua function called back from C (string.gsub)
-- expect: ERROR instruction budget exceeded
-- expect: ERROR time budget exceeded
rule "loop_gsub_callback" {
  title = "hostile: loop_gsub_callback", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local str = ("x"):rep(100)
    str:gsub(".", function() while true do end end)
    return pass("done")
  end,
}
