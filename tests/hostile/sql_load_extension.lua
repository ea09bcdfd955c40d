-- attack: load a shared library with load_extension()
-- expect: ERROR not authorized to use function: load_extension
-- expect: ERROR not authorized
rule "sql_load_extension" {
  title = "hostile: sql_load_extension", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[SELECT id, load_extension('/tmp/ronghe-hostile.so') FROM enterprise]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
