-- attack: catch the budget error with xpcall whose message handler loops too
-- expect: ERROR instruction budget exceeded
-- expect: ERROR time budget exceeded
rule "loop_xpcall_handler" {
  title = "hostile: loop_xpcall_handler", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    while true do
      xpcall(function() while true do end end, function() while true do end end)
    end
  end,
}
