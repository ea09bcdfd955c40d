-- attack: write to the input rows, hoping the next subject or another rule sees it
-- expect: ERROR row writes stay local to this call
-- expect: ERROR cannot modify the subject's data
rule "write_row" {
  title = "hostile: write_row", subject = "enterprise", cite = "tests/hostile",
  inputs = { fund = [[SELECT enterprise_id AS id, spent_total FROM edu_fund_year]] },
  check = function(s, p, ctx)
    if s.pwned then return fail("a write from an earlier subject is visible") end
    s.pwned = true
    s.name = "PWNED"
    if s.fund then s.fund.spent_total = 0 end
    error("row writes stay local to this call")
  end,
}
