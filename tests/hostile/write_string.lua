-- attack: replace string.format in the shared string library
-- expect: ERROR cannot modify string %(field 'format'%)
rule "write_string" {
  title = "hostile: write_string", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    string.format = function() return "PWNED" end
    return pass("string.format replaced")
  end,
}
