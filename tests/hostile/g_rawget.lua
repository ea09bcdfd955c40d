-- attack: read the table behind a read-only proxy with rawget
-- expect: ERROR undefined global 'rawget'
rule "g_rawget" {
  title = "hostile: g_rawget", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return pass(tostring(rawget(string, "dump")))
  end,
}
