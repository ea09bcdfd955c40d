-- attack: make every instruction expensive (a 12 MB scan in C) so the instruction count stays low
-- needs: watchdog
-- expect: ERROR no progress for %d+ ms: the worker was stopped %(watchdog%)
-- expect: ERROR time budget exceeded
rule "c_heavy" {
  title = "hostile: c_heavy", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local big = ("a"):rep(12 << 20)
    local n = 0
    while true do
      if big:find("b", 1, true) then n = n + 1 end
    end
  end,
}
