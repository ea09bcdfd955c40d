-- attack: loop forever at the top level of the file, while it is loaded
-- expect: LOAD load_loop%.lua:%d+: instruction budget exceeded
-- expect: LOAD load_loop%.lua:%d+: time budget exceeded
while true do end
