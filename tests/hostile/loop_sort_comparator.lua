-- attack: loop inside a table.sort comparator
-- expect: ERROR instruction budget exceeded
-- expect: ERROR time budget exceeded
rule "loop_sort_comparator" {
  title = "hostile: loop_sort_comparator", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local t = { 3, 1, 2 }
    table.sort(t, function(a, b) while true do end end)
    return pass("sorted")
  end,
}
