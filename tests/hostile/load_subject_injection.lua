-- attack: SQL in the subject name, which the engine puts into its own queries
-- expect: LOAD load_subject_injection%.lua:%d+: rule X: subject 'enterprise; DROP TABLE enterprise' is not a table name
rule "X" {
  title = "x", subject = "enterprise; DROP TABLE enterprise", cite = "x",
  check = function(s) return pass("") end,
}
