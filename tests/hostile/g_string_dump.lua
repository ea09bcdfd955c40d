-- attack: turn a function into bytecode with string.dump
-- expect: ERROR attempt to call a nil value %(field 'dump'%)
rule "g_string_dump" {
  title = "hostile: g_string_dump", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local bc = string.dump(function() return 1 end)
    return pass(#bc)
  end,
}
