-- attack: open a C function of libc with package.loadlib
-- expect: ERROR undefined global 'package'
rule "g_package" {
  title = "hostile: g_package", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local system = package.loadlib("libc.so.6", "system")
    return pass(tostring(system("id")))
  end,
}
