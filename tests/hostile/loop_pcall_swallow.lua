-- attack: catch the budget error with pcall and keep looping
-- expect: ERROR instruction budget exceeded
-- expect: ERROR time budget exceeded
rule "loop_pcall_swallow" {
  title = "hostile: loop_pcall_swallow", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    while true do
      pcall(function() while true do end end)
    end
  end,
}
