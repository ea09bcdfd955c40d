-- attack: unbounded recursion through C (string.gsub calling back into Lua)
-- expect: ERROR stack overflow
rule "recurse_c" {
  title = "hostile: recurse_c", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    local function f(str) return (str:gsub(".", f)) end
    return pass(f("ab"))
  end,
}
