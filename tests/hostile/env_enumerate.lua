-- attack: list the globals through pairs(_ENV), then create one through _ENV
-- expect: ERROR assignment to global 'leak'
rule "env_enumerate" {
  title = "hostile: env_enumerate", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local n = 0
    for _ in pairs(_ENV) do n = n + 1 end
    if n > 0 then return pass(n .. " globals visible") end
    _ENV.leak = true
    return pass("global created")
  end,
}
