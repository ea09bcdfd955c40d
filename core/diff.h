/*
** `ronghe diff`: the impact of a rule change before it is published.
**
** Both rule sets are evaluated over the same database, as-of date and year,
** each inside a transaction that is rolled back (nothing is stored); the
** results and decisions of each side are read into memory from the run in
** the print callback and compared by (rule, subject) and (policy, subject).
*/
#ifndef RH_DIFF_H
#define RH_DIFF_H

#include <stdint.h>
#include <stdio.h>

#include "eval.h"

typedef struct {
  /* db_path, as_of, year, policies, rules, subjects, limits and exe as for
  ** eval; params (--param) apply to the new side only.  rules_dir is the new
  ** rule set. */
  rh_eval_opts eval;
  const char *old_dir;   /* --against; NULL: the new rule set itself */
  int64_t against_run;   /* --against-run: the rule texts stored with that run; 0 = none */
  int jsonl;             /* JSON Lines instead of text */
  FILE *out;             /* stdout if NULL */
} rh_diff_opts;

typedef struct {
  long results_changed, decisions_changed;
  long gains, losses;    /* subjects that gain / lose a positive decision */
} rh_diff_stats;

/* Prints every changed outcome and decision (old -> new, both reasons) and a
** summary per policy.  Returns RH_OK (see stats for whether anything
** changed), RH_ELOAD when a rule set does not load, or another error. */
int rh_diff_run(rh_diff_stats *stats, const rh_diff_opts *o);

#endif
