-- attack: run another file with dofile
-- expect: ERROR undefined global 'dofile'
rule "g_dofile" {
  title = "hostile: g_dofile", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    dofile("/etc/passwd")
    return pass("read it")
  end,
}
