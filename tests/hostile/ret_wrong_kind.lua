-- attack: return MET from a rule of kind result
-- expect: ERROR cannot return MET
rule "ret_wrong_kind" {
  title = "hostile: ret_wrong_kind", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return met("indicator outcome from a result rule")
  end,
}
