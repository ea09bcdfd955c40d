/*
** The supervisor: loads a rule set into worker processes, hands each worker
** one rule at a time, stores every result and decision of a run in one
** transaction, and turns a crashed or hung worker into an ERROR for exactly
** the rule and subject it was on.
*/
#ifndef RH_EVAL_H
#define RH_EVAL_H

#include <stdint.h>
#include <stdio.h>

#include "ruleset.h"

typedef struct {
  const char *db_path;
  const char *rules_dir;
  const char *as_of;          /* YYYY-MM-DD; NULL = today */
  int year;                   /* 0 = year of as_of */
  const char **policies; int npolicies;
  const char **rules; int nrules;
  const char **subjects; int nsubjects;   /* "kind:id" */
  const char **params; int nparams;       /* "NAME=VALUE": try a parameter value */
  int jobs;                   /* worker processes; 0: one per CPU, at most 8 */
  long mem_mb;                /* memory cap per call into a rule, MiB */
  long worker_mem_mb;         /* Lua heap ceiling of a worker, MiB */
  long long instructions;     /* instruction budget per call */
  long time_ms;               /* wall-clock budget per call */
  long watchdog_ms;           /* a worker silent this long is killed */
  long input_ms;              /* limit of one step of a rule's input query */
  int progress;               /* draw progress on stderr */
  int keep;                   /* 0: evaluate and roll back (explain) */
  const char *schedule;       /* tag stored with the run */
  const char *exe;            /* the ronghe binary to spawn as worker (NULL: this one) */
  FILE *log;                  /* warnings (stderr if NULL) */
} rh_eval_opts;

void rh_eval_opts_init(rh_eval_opts *o);

typedef struct {
  int64_t run_id;
  long subjects, results, decisions, errors;
  double seconds;
} rh_eval_stats;

/* Loads the rule set in a worker and reports its catalog; on load errors
** returns RH_ELOAD with rs->errors filled.  *out owns the rule set. */
int rh_eval_load(rh_ruleset **out, const rh_eval_opts *o);

/* Runs an evaluation.  With keep, the run is committed and *stats->run_id is
** its id; without, `print` (if any) is called inside the transaction and the
** run is rolled back.  The database connection is opened and closed here. */
typedef int (*rh_eval_print_fn)(void *db, int64_t run_id, void *ud);
int rh_eval_run(const rh_eval_opts *o, rh_eval_stats *stats, rh_eval_print_fn print, void *ud);

#endif
