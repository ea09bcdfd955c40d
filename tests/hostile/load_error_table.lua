-- attack: error with a table at the top level
-- expect: LOAD load_error_table%.lua:%d+: error object is a table value
error({ "not a string" })
