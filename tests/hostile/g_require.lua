-- attack: load the os module with require
-- expect: ERROR undefined global 'require'
rule "g_require" {
  title = "hostile: g_require", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local os_ = require("os")
    return pass(tostring(os_.execute("id")))
  end,
}
