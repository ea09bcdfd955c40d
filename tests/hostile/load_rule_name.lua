-- attack: declare a rule whose id is not a string
-- expect: LOAD load_rule_name%.lua:%d+: rule needs a name
rule(42) { subject = "enterprise", check = function() end }
