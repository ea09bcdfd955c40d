-- attack: declare a new rule and policy from inside check, after loading
-- expect: ERROR can only be declared
rule "declare_at_runtime" {
  title = "hostile: declare_at_runtime", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    rule "RUNTIME" { subject = "enterprise", check = function() return pass("") end }
    policy "RUNTIME_P" { subject = "enterprise", rules = { "RUNTIME" } }
    return pass("declared at run time")
  end,
}
