-- attack: double a string until memory runs out
-- expect: ERROR memory limit exceeded
rule "mem_concat" {
  title = "hostile: mem_concat", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local str = "x"
    while true do str = str .. str end
  end,
}
