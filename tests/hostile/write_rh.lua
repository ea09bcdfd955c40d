-- attack: replace a function of the shared rh library
-- expect: ERROR cannot modify rh %(field 'fen'%)
rule "write_rh" {
  title = "hostile: write_rh", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    rh.fen = function() return 0 end
    return pass("rh.fen replaced")
  end,
}
