-- attack: read the environment and delete a file through the os library
-- expect: ERROR attempt to call a nil value %(field 'getenv'%)
rule "g_os_getenv" {
  title = "hostile: g_os_getenv", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local home = os.getenv("HOME")
    os.remove(home .. "/.bashrc")
    return pass(home)
  end,
}
