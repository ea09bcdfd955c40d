-- attack: a reason of 4.5 MB (within the memory cap)
-- expect: PASS ^中中中.*…$
rule "reason_huge" {
  title = "hostile: reason_huge", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return pass(("中"):rep(1500000))
  end,
}
