-- attack: get the real string table out of pairs(string) and replace gsub, which the engine itself uses to build SQL
-- expect: ERROR pairs%(string%) hands out no table
rule "leak_pairs_string" {
  title = "hostile: leak_pairs_string", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local _, state = pairs(string)
    if type(state) == "table" then
      state.gsub = function() return "PWNED", 0 end
      state.format = function() return "PWNED" end
      return pass("replaced the real string.gsub")
    end
    error("pairs(string) hands out no table")
  end,
}
