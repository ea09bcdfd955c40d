-- attack: an input value larger than SQLite's length limit for rule inputs (16 MB)
-- expect: ERROR the input value was capped
-- expect: ERROR string or blob too big
rule "sql_bigger_than_limit" {
  title = "hostile: sql_bigger_than_limit", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[SELECT id, printf('%.*c', 20000000, 'x') AS big FROM enterprise]] },
  check = function(s, p, ctx)
    if s.x and s.x.big then return pass("got " .. #s.x.big .. " bytes") end
    error("the input value was capped")
  end,
}
