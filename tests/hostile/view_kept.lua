-- attack: keep the subject's view in a file-level variable and read it from a rule of another group after the subject table's pass has ended: it reads nil, never a row that is gone
-- expect: PASS ^kept$
local kept
rule "view_kept" {
  title = "hostile: view_kept", subject = "enterprise", cite = "tests/hostile",
  check = function(s, p, ctx)
    kept = s
    return pass("kept")
  end,
}
rule "view_kept_later" {
  title = "hostile: view_kept (the reader)", subject = "city", cite = "tests/hostile",
  check = function(s, p, ctx)
    if kept ~= nil and (kept.id ~= nil or kept.name ~= nil) then
      error("read a row after its pass ended: " .. tostring(kept.id))
    end
    return pass("nothing to read")
  end,
}
