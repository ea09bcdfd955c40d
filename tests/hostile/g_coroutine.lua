-- attack: run an endless coroutine (coroutine is not in the allow-list)
-- expect: ERROR undefined global 'coroutine'
rule "g_coroutine" {
  title = "hostile: g_coroutine", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local co = coroutine.wrap(function() while true do coroutine.yield() end end)
    while true do co() end
  end,
}
