-- attack: catch the out-of-memory error with pcall and report success
-- expect: ERROR memory limit exceeded
rule "mem_swallow" {
  title = "hostile: mem_swallow", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local ok = pcall(string.rep, "x", 1 << 30)
    return pass("allocation failed quietly: " .. tostring(ok))
  end,
}
