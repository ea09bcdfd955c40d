-- attack: reach the real globals through _G
-- expect: ERROR undefined global '_G'
rule "g_G" {
  title = "hostile: g_G", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return pass(tostring(_G.io.open("/etc/passwd")))
  end,
}
