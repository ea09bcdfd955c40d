/*
** The pieces of check, test and report that need no database of their own:
** the linter's reading of Lua text (comments, long strings, helpers, nested
** functions), clause names from cites, and CSV fields.
*/
#include <stdlib.h>
#include <unistd.h>

#include "eval.h"
#include "lint.h"
#include "report.h"
#include "rh.h"
#include "ruletest.h"
#include "test.h"
#include "util.h"

static char dir[64];

static int write_rules(const char *text) {
  snprintf(dir, sizeof dir, "/tmp/rh-test-lint-%d", (int)getpid());
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
  if (system(cmd) != 0) return -1;
  char path[256];
  snprintf(path, sizeof path, "%s/r.lua", dir);
  FILE *f = fopen(path, "w");
  if (f == NULL) return -1;
  fputs(text, f);
  return fclose(f);
}

static void cleanup(void) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

/* Loads the rules in a real worker and lints them; *text gets the output. */
static int lint(const char *rules, char **text, int *problems) {
  rh_eval_opts o;
  rh_eval_opts_init(&o);
  o.rules_dir = dir;
  o.exe = RH_EXE;
  *text = NULL;
  if (write_rules(rules) != 0) return -1;
  rh_ruleset *rs = NULL;
  int rc = rh_eval_load(&rs, &o);
  if (rc != RH_OK) {
    fprintf(stderr, "load: %s\n", rh_error_last());
    rh_ruleset_free(rs);
    return rc;
  }
  size_t n = 0;
  FILE *f = open_memstream(text, &n);
  rc = rh_lint(problems, rs, NULL, f);
  fclose(f);
  rh_ruleset_free(rs);
  return rc;
}

TEST_IMPL(names_in_comments_and_strings_are_not_uses) {
  char *out = NULL;
  int n = -1;
  ASSERT_OK(lint("-- p.NOT_A_PARAM in a comment\n"
                 "--[==[ p.NOR_THIS ]==]\n"
                 "rule \"R\" {\n"
                 "  title = \"t\", subject = \"enterprise\", cite = \"二(二)4\",\n"
                 "  params = { LIMIT = { { from = \"2000-01-01\", value = 3 } } },\n"
                 "  check = function(s, q)\n"
                 "    local t = [[ q.IN_A_LONG_STRING ]] .. \"q.IN_A_STRING\"\n"
                 "    if q.LIMIT > 2 then return pass(t) end\n"
                 "    return fail(\"x\")\n"
                 "  end,\n"
                 "}\n",
                 &out, &n));
  ASSERT_EQ(0, n);
  free(out);
  cleanup();
  return 0;
}

TEST_IMPL(helpers_reached_from_the_check_count) {
  char *out = NULL;
  int n = -1;
  /* LIMIT is read in a helper the check calls; BAD in a helper it calls
  ** through another helper; UNUSED is declared and never read. */
  ASSERT_OK(lint("local function inner(p) return p.BAD end\n"
                 "local function limit_of(p, d) if d then return inner(p) end return p.at(\"LIMIT\", d) end\n"
                 "local unrelated = function(p) return p.ELSEWHERE end\n"
                 "rule \"R\" {\n"
                 "  title = \"t\", subject = \"enterprise\", cite = \"c\",\n"
                 "  params = {\n"
                 "    LIMIT = { { from = \"2000-01-01\", value = 3 } },\n"
                 "    UNUSED = { { from = \"2000-01-01\", value = 3 } },\n"
                 "  },\n"
                 "  check = function(s, p, ctx) return pass(tostring(limit_of(p, ctx.as_of))) end,\n"
                 "}\n",
                 &out, &n));
  ASSERT_EQ(2, n);
  ASSERT_CONTAINS(out, "r.lua:1: rule R uses parameter BAD, which its params do not declare");
  ASSERT_CONTAINS(out, "r.lua:8: rule R declares parameter UNUSED, but its check never uses it");
  ASSERT(strstr(out, "ELSEWHERE") == NULL);
  free(out);
  cleanup();
  return 0;
}

TEST_IMPL(a_name_only_known_at_run_time_silences_unused) {
  char *out = NULL;
  int n = -1;
  ASSERT_OK(lint("rule \"R\" {\n"
                 "  title = \"t\", subject = \"enterprise\", cite = \"c\",\n"
                 "  params = { A = { { from = \"2000-01-01\", value = 1 } } },\n"
                 "  check = function(s, p) local k = \"A\" .. \"\" return pass(tostring(p[k])) end,\n"
                 "}\n",
                 &out, &n));
  ASSERT_EQ(0, n);
  free(out);
  cleanup();
  return 0;
}

TEST_IMPL(periods_superseded_by_a_later_start_are_fine) {
  char *out = NULL;
  int n = -1;
  ASSERT_OK(lint("local SHARED = { { from = \"2000-01-01\", to = \"2010-12-31\", value = 1 },\n"
                 "                 { from = \"2011-01-02\", value = 2 } }\n"
                 "rule \"R\" {\n"
                 "  title = \"t\", subject = \"enterprise\", cite = \"c\",\n"
                 "  params = { OPEN = { { from = \"2000-01-01\", value = 1 }, { from = \"2020-01-01\", value = 2 } },\n"
                 "             SHARED = SHARED },\n"
                 "  check = function(s, p) return pass(tostring(p.OPEN + p.SHARED)) end,\n"
                 "}\n",
                 &out, &n));
  /* the gap is blamed on the local table that holds the periods */
  ASSERT_EQ(1, n);
  ASSERT_CONTAINS(out, "r.lua:1: parameter SHARED has no value from 2011-01-01 to 2011-01-01");
  free(out);
  cleanup();
  return 0;
}

TEST_IMPL(clauses_from_cites) {
  char c[256];
  const char *cases[][2] = {
    {"二(三)2(双主体、双身份、双导师)", "二(三)2"},
    {"一(总体目标)(二(三)2原文残缺)", "一(总体目标)"},
    {" 二(二)4", "二(二)4"},
    {"二(二)", "二(二)"},
    {"地方企业新型学徒制实施办法(每名企业导师带徒不超过8人) [L]", "地方企业新型学徒制实施办法"},
    {"发改社会〔2019〕590号 第五条(主营业务为教育培训的企业原则上不纳入)", "发改社会〔2019〕590号 第五条"},
    {"二(三)2(开展“1+X”证书试点) [A]", "二(三)2"},
    {"条款（说明）", "条款"},
    {"(only)", "(only)"},
    {"", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    rh_cite_clause(c, sizeof c, cases[i][0], strlen(cases[i][0]));
    ASSERT_STR_EQ(cases[i][1], c);
  }
  return 0;
}

TEST_IMPL(csv_fields_follow_rfc4180) {
  const char *cases[][2] = {
    {"plain", "plain"},
    {"a,b", "\"a,b\""},
    {"say \"hi\"", "\"say \"\"hi\"\"\""},
    {"two\r\nlines", "\"two\r\nlines\""},
    {"=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""},
    {"-12.5", "-12.5"},
    {"-x", "\"'-x\""},
    {"中文,逗号", "\"中文,逗号\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    rh_buf b = RH_BUF_INIT;
    ASSERT_OK(rh_report_csv_field(&b, cases[i][0]));
    rh_buf_add(&b, "", 1);
    ASSERT_STR_EQ(cases[i][1], b.data);
    rh_buf_free(&b);
  }
  return 0;
}

TEST_MAIN(TEST_ENTRY(names_in_comments_and_strings_are_not_uses)
          TEST_ENTRY(helpers_reached_from_the_check_count)
          TEST_ENTRY(a_name_only_known_at_run_time_silences_unused)
          TEST_ENTRY(periods_superseded_by_a_later_start_are_fine)
          TEST_ENTRY(clauses_from_cites)
          TEST_ENTRY(csv_fields_follow_rfc4180))
