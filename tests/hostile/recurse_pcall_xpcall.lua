-- attack: Lua 5.4.4 bug: C stack overflow while handling an error (xpcall(loop, loop)) crashes the interpreter
-- expect: ERROR survived the C stack overflow
-- expect: ERROR the worker process crashed
rule "recurse_pcall_xpcall" {
  title = "hostile: recurse_pcall_xpcall", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local function loop() assert(pcall(loop)) end
    local ok, msg = pcall(xpcall, loop, loop)
    error(("survived the C stack overflow (%s)"):format(tostring(msg):match("[^:]*$")), 0)
  end,
}
