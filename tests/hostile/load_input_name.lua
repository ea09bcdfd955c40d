-- attack: SQL in an input name
-- expect: LOAD load_input_name%.lua:%d+: rule X: input names must be identifiers
rule "X" {
  title = "x", subject = "enterprise", cite = "x",
  inputs = { ["x; DROP TABLE enterprise"] = [[SELECT 1]] },
  check = function(s) return pass("") end,
}
