-- attack: bypass the read-only rh table with rawset
-- expect: ERROR undefined global 'rawset'
rule "g_rawset" {
  title = "hostile: g_rawset", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    rawset(rh, "fen", function() return 0 end)
    return pass("rh.fen replaced")
  end,
}
