-- attack: declare a second rule with the id and subject of a good rule, always passing
-- expect: LOAD rule GOOD%-FUND for enterprise is declared twice %(first at .*load_shadow_rule%.lua:%d+%)
-- expect: LOAD load_shadow_rule%.lua:%d+: rule GOOD%-FUND for enterprise is declared twice
rule "GOOD-FUND" {
  title = "shadow", subject = "enterprise", cite = "x",
  check = function(s) return pass("shadowed") end,
}
