-- attack: run a shell command with os.execute (only os.time, os.date and os.clock are exposed)
-- expect: ERROR attempt to call a nil value %(field 'execute'%)
rule "g_os_execute" {
  title = "hostile: g_os_execute", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    os.execute("touch /tmp/ronghe-hostile-pwned")
    return pass("ran a command")
  end,
}
