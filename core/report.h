/*
** `ronghe report RUN`: a stored run for the bureau, as CSV, XLSX or HTML.
**
** One row per subject and policy: the decision, the failed criteria (rule ids
** and titles) and the reasons with their cited clauses, gathered from the
** subject's own results and those of the subjects that roll up to it.
*/
#ifndef RH_REPORT_H
#define RH_REPORT_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

typedef enum { RH_REPORT_CSV, RH_REPORT_XLSX, RH_REPORT_HTML } rh_report_format;

int rh_report_format_parse(rh_report_format *out, const char *s);

/* Writes the report of run to path (NULL: stdout; XLSX needs a path).
**   csv   UTF-8 with a byte-order mark, CRLF, RFC 4180 quoting
**   xlsx  a workbook: decisions, a summary per policy, plan targets
**   html  one self-contained page (inline CSS and SVG, no scripts) */
int rh_report_write(sqlite3 *db, int64_t run, rh_report_format fmt, const char *path);

/* Appends s to b as one CSV field (RFC 4180: quoted when it holds a comma,
** quote, CR or LF; quotes doubled).  A field that a spreadsheet would take
** for a formula (=, +, -, @ first) gets a leading apostrophe. */
int rh_report_csv_field(rh_buf *b, const char *s);

#endif
