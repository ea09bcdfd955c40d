-- attack: fill memory with closures and tables kept alive in a local list
-- expect: ERROR memory limit exceeded
rule "mem_closures" {
  title = "hostile: mem_closures", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local keep = {}
    while true do
      local t = { {}, {}, {} }
      keep[#keep + 1] = function() return t end
    end
  end,
}
