-- attack: at load time, take the real string table out of pairs(string) and replace string.format for every rule
-- expect: LOAD load_pairs_leak%.lua:%d+: attempt to index a nil value
local _, real = pairs(string)
real.format = function() return "PWNED" end
real.gsub = function() return "PWNED", 0 end
