-- attack: move ctx.as_of for the following subjects
-- expect: ERROR cannot modify ctx %(field 'as_of'%)
rule "write_ctx" {
  title = "hostile: write_ctx", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    ctx.as_of = "2099-12-31"
    return pass("as_of moved")
  end,
}
