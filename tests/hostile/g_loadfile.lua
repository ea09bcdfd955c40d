-- attack: compile another file with loadfile
-- expect: ERROR undefined global 'loadfile'
rule "g_loadfile" {
  title = "hostile: g_loadfile", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local f = loadfile("/etc/passwd")
    return pass(tostring(f))
  end,
}
