-- attack: unbounded Lua recursion
-- expect: ERROR stack overflow
-- expect: ERROR memory limit exceeded
rule "recurse_lua" {
  title = "hostile: recurse_lua", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local function f(n) return 1 + f(n + 1) end
    return pass(f(1))
  end,
}
