-- attack: give check as a string of code
-- expect: LOAD load_check_string%.lua:%d+: rule X: field 'check' must be a function
rule "X" { title = "x", subject = "enterprise", cite = "x", check = "os.execute('id')" }
