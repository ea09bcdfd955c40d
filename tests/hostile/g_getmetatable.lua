-- attack: reach the string library through the string metatable and replace string.format
-- expect: ERROR undefined global 'getmetatable'
rule "g_getmetatable" {
  title = "hostile: g_getmetatable", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    getmetatable("").__index.format = function() return "PWNED" end
    return pass("string.format replaced")
  end,
}
