-- attack: a syntax error
-- expect: LOAD load_syntax%.lua:8: .*near 'oops'
rule "load_syntax" {
  title = "x",
  subject = "enterprise", cite = "x",
  check = function(s) return pass("") end,

  oops oops
}
