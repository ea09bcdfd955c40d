-- attack: assign a global at the top level, to share state with other files
-- expect: LOAD load_global%.lua:%d+: assignment to global 'shared'
shared = { }
