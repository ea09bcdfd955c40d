-- `ronghe report RUN --format csv|xlsx|html`: the CSV opens with a UTF-8 BOM
-- and quotes per RFC 4180 (names with commas, quotes and line breaks come
-- back intact; formulas are neutralized); the XLSX is a workbook; the HTML
-- page is rendered by headless Chromium and the screenshot is kept under
-- the build directory (artifacts/report.png) for CI.
local T = require("support")

local RULES = [=[
rule "NAME-OK" {
  title = "名称已登记", subject = "enterprise", cite = "二(一)1(名称)",
  check = function(s)
    if s.uscc then return pass("已登记") end
    return fail("{name}未登记统一社会信用代码", { name = s.name })
  end,
}
rule "POST-RISK" {
  title = "岗位风险", subject = "post", cite = "教职成〔2021〕4号第十六条",
  check = function(s)
    if s.is_high_risk == nil then return unknown("未记录是否高风险") end
    if s.is_high_risk == 1 then return fail("岗位" .. s.name .. "为高风险岗位") end
    return pass("ok")
  end,
}
rule "TGT-DEMO" {
  title = "示范企业3家", subject = "city", kind = "target", cite = "一(总体目标)",
  inputs = { n = [[SELECT count(*) AS n FROM enterprise WHERE uscc IS NOT NULL]] },
  check = function(s)
    local v = { count = s.n.n, target = 3, deadline = "2023-12-31" }
    if v.count >= 3 then return achieved("已建成{count}家", v) end
    return not_achieved("已建成{count}家,目标{target}家", v)
  end,
}
policy "SUPPORT" { subject = "enterprise", answers = "eligibility", rules = { "NAME-OK", "POST-RISK" } }
]=]

-- RFC 4180: records end with CRLF; a quoted field may hold commas, CRLF and "" for a quote.
local function parse_csv(text)
  local rows, row, field, i, n = {}, {}, {}, 1, #text
  local quoted = false
  while i <= n do
    local c = text:sub(i, i)
    if quoted then
      if c == '"' then
        if text:sub(i + 1, i + 1) == '"' then field[#field + 1] = '"'; i = i + 1
        else quoted = false end
      else
        field[#field + 1] = c
      end
    elseif c == '"' then
      assert(#field == 0, "quote inside an unquoted field at byte " .. i)
      quoted = true
    elseif c == "," then
      row[#row + 1] = table.concat(field); field = {}
    elseif c == "\r" then
      assert(text:sub(i + 1, i + 1) == "\n", "bare CR at byte " .. i)
      row[#row + 1] = table.concat(field); field = {}
      rows[#rows + 1] = row; row = {}
      i = i + 1
    else
      assert(c ~= "\n", "bare LF outside quotes at byte " .. i)
      field[#field + 1] = c
    end
    i = i + 1
  end
  assert(not quoted, "unterminated quoted field")
  assert(#field == 0 and #row == 0, "the last record must end with CRLF")
  return rows
end

describe("ronghe report", function()
  local dir, db, run

  setup(function()
    dir = T.tmpdir()
    db = T.new_db(dir)
    assert(T.ronghe.exec(db, [[
      INSERT INTO enterprise(id, name, uscc) VALUES
        (1, '甲公司', '91610000X'),
        (2, '乙, "丙" 联合体', NULL),
        (3, '=HYPERLINK("http://x","点我")', NULL),
        (4, '两行
名称', '91610000Y');
      INSERT INTO post(id, enterprise_id, name, is_high_risk) VALUES (1, 4, '井下', 1), (2, 1, '办公室', 0), (3, 1, '仓库', NULL);
    ]]))
    local rules = dir .. "/rules"
    os.execute("mkdir " .. T.sh_quote(rules))
    T.write(rules .. "/r.lua", RULES)
    local code, out = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --format jsonl"):format(db, rules))
    assert.are.equal(0, code, out)
    run = math.tointeger(T.jsonl(out)[1].run)
  end)
  teardown(function() T.rmdir(dir) end)

  it("writes CSV with a UTF-8 BOM and RFC 4180 quoting", function()
    local path = dir .. "/r.csv"
    local code, _, err = T.run(("report %d --db %s --format csv --out %s"):format(run, db, path))
    assert.are.equal(0, code, err)
    local text = T.read(path)
    assert.are.equal("\239\187\191", text:sub(1, 3), "the file must open with the UTF-8 BOM")
    local rows = parse_csv(text:sub(4))
    assert.are.same({ "运行", "政策", "对象", "名称", "年度", "结论", "结论代码", "未通过的条件", "待补数据的条件",
                      "理由与依据" }, rows[1])
    local by = {}
    for k = 2, #rows do
      assert.are.equal(10, #rows[k], "every record has 10 fields")
      by[rows[k][3]] = rows[k]
    end
    assert.are.equal(4, #rows - 1)          -- one row per subject and policy
    assert.are.equal('乙, "丙" 联合体', by["enterprise:2"][4])
    assert.are.equal("INELIGIBLE", by["enterprise:2"][7])
    assert.are.equal("不符合", by["enterprise:2"][6])
    assert.are.equal("NAME-OK 名称已登记", by["enterprise:2"][8])
    assert.matches('^NAME%-OK: 乙, "丙" 联合体未登记统一社会信用代码 %[二%(一%)1%(名称%)%]$', by["enterprise:2"][10])
    -- a formula is kept as text
    assert.are.equal("'=HYPERLINK(\"http://x\",\"点我\")", by["enterprise:3"][4])
    -- line breaks inside a field are CRLF, inside quotes
    assert.are.equal("两行\r\n名称", by["enterprise:4"][4])
    -- enterprise 4 fails through its post (a roll-up), enterprise 1 needs data through another
    assert.matches("POST%-RISK post:1: 岗位井下为高风险岗位", by["enterprise:4"][10])
    assert.are.equal("NEEDS_DATA", by["enterprise:1"][7])
    assert.matches("POST%-RISK%(数据不足%) post:3: 未记录是否高风险", by["enterprise:1"][10])
    assert.are.equal("POST-RISK", by["enterprise:1"][9])
  end)

  it("writes an XLSX workbook", function()
    local path = dir .. "/r.xlsx"
    local code, _, err = T.run(("report %d --db %s --format xlsx --out %s"):format(run, db, path))
    assert.are.equal(0, code, err)
    local text = T.read(path)
    assert.are.equal("PK\3\4", text:sub(1, 4), "an XLSX file is a zip archive")
    local p = io.popen("unzip -l " .. T.sh_quote(path) .. " 2>/dev/null")
    local listing = p:read("a")
    p:close()
    if listing ~= "" then assert.matches("xl/worksheets/sheet1%.xml", listing) end
    local c2, _, e2 = T.run(("report %d --db %s --format xlsx"):format(run, db))
    assert.are.equal(2, c2)
    assert.matches("needs %-%-out", e2)
  end)

  it("exits 1 for a run that does not exist and 2 for a bad format", function()
    local c1, _, e1 = T.run(("report 99 --db %s --format csv"):format(db))
    assert.are.equal(1, c1)
    assert.matches("no run 99", e1)
    local c2 = T.run(("report %d --db %s --format pdf"):format(run, db))
    assert.are.equal(2, c2)
  end)

  it("renders the HTML report of the sample city in headless Chromium", function()
    -- the sample city, for a report worth looking at
    local city = dir .. "/city.db"
    assert(T.ronghe.init(city))
    local p = io.popen("ls " .. T.sh_quote(T.src .. "/examples/city") .. "/*.csv")
    for path in p:lines() do assert(T.ronghe.import(city, path:match("/%d+_([%w_]+)%.csv$"), path)) end
    p:close()
    local code, out = T.run(("eval --db %s --rules %s --as-of 2023-06-30 --quiet"):format(
      city, T.sh_quote(T.src .. "/rules")))
    assert.are.equal(0, code, out)
    local art = (os.getenv("RONGHE_BINARY_DIR") or "build") .. "/artifacts"
    os.execute("mkdir -p " .. T.sh_quote(art))
    local html = art .. "/report.html"
    local c2, _, e2 = T.run(("report 1 --db %s --format html --out %s"):format(city, T.sh_quote(html)))
    assert.are.equal(0, c2, e2)
    local page = T.read(html)
    assert.matches("<!DOCTYPE html>", page, 1, true)
    assert.matches("各政策结论汇总", page, 1, true)
    assert.matches("规划目标进度", page, 1, true)
    assert.matches("<svg", page, 1, true)
    assert.is_nil(page:find("<script", 1, true), "no scripts")
    assert.is_nil(page:find("https?://"), "no external assets")
    for _, name in ipairs({ "INTERNSHIP_COMPLIANCE", "PRIORITY_SUPPORT", "TRAINING_FUND" }) do
      assert.matches(name, page, 1, true)
    end

    local chromium
    for _, c in ipairs({ "chromium", "chromium-browser", "google-chrome" }) do
      if os.execute("command -v " .. c .. " >/dev/null 2>&1") then chromium = c break end
    end
    assert.is_truthy(chromium, "headless Chromium is needed (scripts/setup installs the Debian package chromium)")
    local png = art .. "/report.png"
    os.remove(png)
    local profile = T.tmpdir()
    local cmd = ("timeout 120 %s --headless --no-sandbox --disable-gpu --disable-quic --no-first-run " ..
      "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=%s " ..
      "--screenshot=%s --window-size=1280,2000 file://%s >/dev/null 2>&1"):format(
      chromium, T.sh_quote(profile), T.sh_quote(png), T.sh_quote(html:sub(1, 1) == "/" and html or
        (os.getenv("PWD") .. "/" .. html)))
    os.execute(cmd)
    T.rmdir(profile)
    local shot = T.read(png)
    assert.is_truthy(shot, "no screenshot at " .. png)
    assert.are.equal("\137PNG", shot:sub(1, 4))
    assert.is_true(#shot > 50000, ("the screenshot is only %d bytes"):format(#shot))
  end)
end)
