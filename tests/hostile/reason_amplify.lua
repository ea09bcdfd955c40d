-- attack: a short reason whose {a} placeholders expand a 1 MiB value 5000 times (5 GiB) outside the rule's budget
-- expect: PASS ^aaaa.*…$
rule "reason_amplify" {
  title = "hostile: reason_amplify", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return pass(("{a}"):rep(5000), { a = ("a"):rep(1 << 20) })
  end,
}
