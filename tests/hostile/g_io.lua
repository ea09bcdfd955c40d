-- attack: read a file through the io library, which is not in the allow-list
-- expect: ERROR undefined global 'io'
rule "g_io" {
  title = "hostile: g_io", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local f = io.open("/etc/passwd", "r")
    return pass(f:read("a"))
  end,
}
