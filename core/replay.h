/*
** `ronghe replay RUN`: re-evaluate a stored run with the very rule texts it
** used (rh_source / rh_run_file) and compare it with what was stored.
*/
#ifndef RH_REPLAY_H
#define RH_REPLAY_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
  const char *db_path;
  int64_t run;
  const char *exe;       /* the ronghe binary for workers; NULL: this one */
  const char *out_path;  /* also write the replay's JSON Lines there; NULL: no */
  FILE *out;             /* the comparison (stdout if NULL) */
} rh_replay_opts;

typedef struct {
  long lines;            /* JSON Lines compared */
  long differences;      /* lines that differ (0: identical) */
} rh_replay_stats;

/* Restores the run's rule files into a temporary folder, evaluates them with
** the run's as-of date, year and filters (nothing is stored) and compares
** the JSON Lines of both runs, ignoring only the run id and timestamps of the
** header line.  Returns RH_OK (see stats), RH_ENOTFOUND for an unknown run or
** one whose rule texts are not stored, or another error. */
int rh_replay_run(rh_replay_stats *stats, const rh_replay_opts *o);

/* Restores the rule files of a stored run into dir (which must exist); the
** files keep their base names.  Used by replay and by diff --against-run. */
int rh_replay_restore(const char *db_path, int64_t run, const char *dir);
/* Removes such a folder: its regular files, then the folder itself. */
void rh_replay_remove(const char *dir);

#endif
