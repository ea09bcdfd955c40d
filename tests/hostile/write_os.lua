-- attack: add os.execute to the shared os table
-- expect: ERROR cannot modify os %(field 'execute'%)
rule "write_os" {
  title = "hostile: write_os", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    os.execute = function() return true end
    return pass("os changed")
  end,
}
