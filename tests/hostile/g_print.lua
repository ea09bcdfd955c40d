-- attack: write to stdout, which is the worker's frame pipe to the supervisor
-- expect: ERROR undefined global 'print'
rule "g_print" {
  title = "hostile: g_print", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    print("\0\0\0\1D")
    return pass("wrote to the pipe")
  end,
}
