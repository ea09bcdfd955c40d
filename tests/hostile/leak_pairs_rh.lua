-- attack: get the real rh table out of pairs(rh) and replace rh.fen for every later rule
-- expect: ERROR pairs%(rh%) hands out no table
rule "leak_pairs_rh" {
  title = "hostile: leak_pairs_rh", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local _, state = pairs(rh)
    if type(state) == "table" then
      state.fen = function() return 0 end
      return pass("replaced the real rh.fen")
    end
    error("pairs(rh) hands out no table")
  end,
}
