-- attack: give a table as the reason of an outcome
-- expect: ERROR the reason must be a string, not table
rule "ret_reason_table" {
  title = "hostile: ret_reason_table", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    return pass({ "reason" })
  end,
}
