-- attack: an endless while loop
-- expect: ERROR instruction budget exceeded
-- expect: ERROR time budget exceeded
rule "loop_while" {
  title = "hostile: loop_while", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    while true do end
  end,
}
