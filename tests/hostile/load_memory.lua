-- attack: exhaust memory at the top level
-- expect: LOAD load_memory%.lua:%d+: memory limit exceeded
local t = {}
for i = 1, math.maxinteger do t[i] = ("x"):rep(1 << 20) .. i end
