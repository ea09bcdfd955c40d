-- attack: raise and catch errors forever, hoping the budget error is one of them
-- expect: ERROR instruction budget exceeded
-- expect: ERROR time budget exceeded
rule "loop_error_swallow" {
  title = "hostile: loop_error_swallow", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local n = 0
    while true do
      local ok = pcall(error, { n })
      if not ok then n = n + 1 end
    end
  end,
}
