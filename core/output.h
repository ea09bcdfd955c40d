/*
** Printing runs: JSON Lines (interfaces.md), CSV, and text for people.
*/
#ifndef RH_OUTPUT_H
#define RH_OUTPUT_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { RH_FMT_TEXT, RH_FMT_JSONL, RH_FMT_CSV } rh_format;

int rh_format_parse(rh_format *out, const char *s);
const char *rh_outcome_name(int code);
const char *rh_decision_name(int code, const char *answers);

/* Prints one stored run (its results and decisions).  verbose: text shows
** every result of every subject with its values. */
int rh_output_run(sqlite3 *db, int64_t run_id, rh_format fmt, FILE *out, int verbose);
/* The latest runs, newest first. */
int rh_output_runs(sqlite3 *db, FILE *out, int limit);

#endif
