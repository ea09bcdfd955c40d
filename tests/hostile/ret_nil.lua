-- attack: return nothing where an outcome is expected
-- expect: ERROR check returned nil, not an outcome
rule "ret_nil" {
  title = "hostile: ret_nil", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return nil
  end,
}
