-- attack: grow a table without bound
-- expect: ERROR memory limit exceeded
rule "mem_table" {
  title = "hostile: mem_table", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local t = {}
    for i = 1, math.maxinteger do t[i] = i end
    return pass(#t)
  end,
}
