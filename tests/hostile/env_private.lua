-- attack: replace _ENV with a private table hoping to reach hidden globals through it
-- expect: ERROR a private _ENV reaches nothing new
rule "env_private" {
  title = "hostile: env_private", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local error_, pass_ = error, pass
    local _ENV = { io = nil }
    if io or os or debug then return pass_("found hidden globals") end
    error_("a private _ENV reaches nothing new")
  end,
}
