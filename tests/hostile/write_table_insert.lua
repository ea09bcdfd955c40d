-- attack: append to the shared math library with table.insert
-- expect: ERROR cannot modify math
rule "write_table_insert" {
  title = "hostile: write_table_insert", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    table.insert(math, function() end)
    return pass("math grew")
  end,
}
