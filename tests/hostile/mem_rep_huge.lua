-- attack: ask string.rep for 2^60 bytes
-- expect: ERROR resulting string too large
-- expect: ERROR memory limit exceeded
rule "mem_rep_huge" {
  title = "hostile: mem_rep_huge", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return pass(("xy"):rep(1 << 60))
  end,
}
