-- attack: give the subject row a finalizer that loops after the call has returned
-- expect: ERROR undefined global 'setmetatable'
rule "g_setmetatable" {
  title = "hostile: g_setmetatable", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    setmetatable(s, { __gc = function() while true do end end })
    return pass("finalizer installed")
  end,
}
