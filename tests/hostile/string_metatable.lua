-- attack: find the string metatable through a string value and write through it
-- expect: ERROR attempt to index a string value
rule "string_metatable" {
  title = "hostile: string_metatable", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    if ("").__index ~= nil then return pass("the string metatable is reachable") end
    local str = "x"
    str.upper = function() return "PWNED" end
    return pass("wrote through a string")
  end,
}
