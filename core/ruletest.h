/*
** `ronghe test`: rule tests written by policy staff (rules/tests, one case per
** `case` declaration).
**
** A test file declares cases:
**
**   case "INT-01: 70 employees need 2 interns" {
**     as_of = "2023-06-30",
**     rows = { enterprise = { { id = 1, name = "甲", is_above_scale = 1 } }, ... },
**     expect = { ["INT-01"] = { ["enterprise:1"] = "NOT_MET" },
**                INTERNSHIP_COMPLIANCE = { ["enterprise:1"] = "COMPLIANT" } },
**   }
**
** Test files are Lua, so a worker loads them (the `case` declaration and the
** T frame of worker.lua) and hands back each case as JSON; this process never
** runs them.  Each case gets a fresh temporary database with the data model,
** its rows, and one evaluation (nothing kept) of the rules and policies it
** names; outcomes and decisions are compared with what it expects.
*/
#ifndef RH_RULETEST_H
#define RH_RULETEST_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
  const char *rules_dir;      /* the rules under test */
  const char *tests_dir;      /* NULL: RULES_DIR/tests */
  const char *const *only;    /* run only cases whose name contains one of these */
  int nonly;
  const char *exe;            /* the ronghe binary for workers; NULL: this one */
  int verbose;                /* also list passing cases and full coverage */
  FILE *out;                  /* report (stdout if NULL) */
} rh_test_opts;

typedef struct {
  int cases, passed, failed;  /* failed includes malformed cases */
  int rules, rules_tested, clauses, clauses_tested;
} rh_test_stats;

/* Runs the cases and prints, per failing case, expected vs actual with the
** reason text, then coverage: which rule ids, policies and cited clauses no
** case exercises.  Returns RH_OK when the run happened (look at stats),
** RH_ELOAD when the rules or the test files do not load (printed), or
** another error. */
int rh_ruletest_run(rh_test_stats *stats, const rh_test_opts *o);

/* The clause of one cite item: "二(三)2(双身份)" -> "二(三)2",
** "一(总体目标)(二(三)2原文残缺)" -> "一(总体目标)", "国发〔2014〕19号 [R]" -> "国发〔2014〕19号".
** A trailing parenthesis is dropped unless it holds only a Chinese numeral
** (the "(三)" of 二(三)) or follows one (the label of 一(总体目标)). */
void rh_cite_clause(char *out, size_t n, const char *item, size_t len);

#endif
