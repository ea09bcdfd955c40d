/*
** `ronghe import TABLE FILE.csv`: append a CSV file's rows to a data-model
** table, all or nothing, with one `FILE:LINE: column: why` line per problem.
*/
#ifndef RH_IMPORT_H
#define RH_IMPORT_H

#include <sqlite3.h>
#include <stdio.h>

typedef struct {
  /* NULL or "utf-8" (the default; a BOM is skipped) or "gb18030" (converted with iconv) */
  const char *encoding;
  /* where rejected rows are printed, one line each: "FILE:LINE: column: why" (NULL: nowhere) */
  FILE *report;
  /* stop printing after this many (<=0: 100); then print "FILE: ... and N more problems" */
  long max_reported;
} rh_import_opts;

typedef struct {
  long rows;     /* data records read (all inserted when the result is RH_OK) */
  long rejected; /* records rejected; a rejected header counts as one */
} rh_import_result;

/* Appends the CSV's rows to table, all or nothing.  RH_OK: all rows inserted.
** RH_EDATA: some row was rejected; every problem was reported (up to
** max_reported) and the database is unchanged.  RH_ENOTFOUND: no such table
** or file.  RH_EUSAGE: an engine table or an unknown encoding.  RH_EDB and
** others: I/O or database errors (database unchanged as well).  opts and out
** may be NULL.  The message of any error is in rh_error_last(). */
int rh_import_csv(sqlite3 *db, const char *table, const char *path, const rh_import_opts *opts,
                  rh_import_result *out);

#endif
