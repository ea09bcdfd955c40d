-- attack: an error message that is not valid UTF-8, to break the JSON output
-- expect: ERROR bad %?%? bytes
rule "err_bad_utf8" {
  title = "hostile: err_bad_utf8", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    error("bad \255\254 bytes")
  end,
}
