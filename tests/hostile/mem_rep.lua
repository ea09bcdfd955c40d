-- attack: build a 1 GiB string with string.rep
-- expect: ERROR memory limit exceeded
rule "mem_rep" {
  title = "hostile: mem_rep", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return pass(("x"):rep(1 << 30))
  end,
}
