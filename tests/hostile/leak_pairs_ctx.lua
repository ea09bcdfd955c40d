-- attack: get the table behind ctx out of pairs(ctx) and move as_of for the next subjects
-- expect: ERROR pairs%(ctx%) hands out no table
rule "leak_pairs_ctx" {
  title = "hostile: leak_pairs_ctx", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local _, state = pairs(ctx)
    if type(state) == "table" then
      state.as_of = "2099-12-31"
      return pass("moved as_of")
    end
    error("pairs(ctx) hands out no table")
  end,
}
