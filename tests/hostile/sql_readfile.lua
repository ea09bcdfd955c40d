-- attack: read a file with readfile() (a sqlite3 shell function)
-- expect: ERROR no such function: readfile
-- expect: ERROR not authorized
rule "sql_readfile" {
  title = "hostile: sql_readfile", subject = "enterprise", cite = "tests/hostile",
  inputs = { x = [[SELECT id, readfile('/etc/passwd') FROM enterprise]] },
  check = function(s, p, ctx)
    return pass("the input ran")
  end,
}
