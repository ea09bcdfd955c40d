-- attack: catastrophic backtracking in string.find: one C call that never returns, where no hook can fire
-- needs: watchdog
-- expect: ERROR no progress for %d+ ms: the worker was stopped %(watchdog%)
rule "c_backtrack" {
  title = "hostile: c_backtrack", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local subject = ("a"):rep(40)
    local pattern = ("a*"):rep(40) .. "b"
    return pass(tostring(subject:find(pattern)))
  end,
}
