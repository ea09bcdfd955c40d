/*
** libFuzzer target: rh_import_csv on arbitrary bytes.
**
** Input: byte 0 picks the table (low 5 bits) and the encoding (bit 7 set:
** GB18030); the rest is the file.  The file is handed over as
** /proc/self/fd/N of a memfd, so no disk is touched.  Every import runs inside
** an outer transaction (the importer then uses a savepoint) that is rolled
** back, so the database stays the same small seeded one.
**
** Checked on every input, besides ASan/UBSan: all or nothing (a rejected or
** failed import leaves the table's row count unchanged; an accepted one adds
** exactly the rows it reports), and a rejection prints at least one
** "FILE:LINE: " problem line and nothing that is not one of those.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "db.h"
#include "import.h"
#include "rh.h"

static const char *const tables[] = {
  "enterprise", "post", "school", "major", "student", "enterprise_headcount", "enterprise_wage",
  "post_headcount", "post_wage", "holiday", "internship", "internship_agreement",
  "internship_payment", "timesheet", "apprenticeship", "mentor", "certificate", "edu_fund_year",
  "voc_investment", "designation", "credit_event", "subsidy_standard", "carrier",
  "guardian_consent", "internship_insurance", "mentor_assignment", "qualifying_activity",
  "surcharge_year", "rh_run", "no_such_table", "enterprise", "post"};

static sqlite3 *g_db;
static int g_fd = -1;
static char g_path[64];

static long long count_rows(const char *table) {
  char sql[128];
  sqlite3_stmt *st = NULL;
  long long n = -1;
  snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
  if (sqlite3_prepare_v2(g_db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (rh_db_open(&g_db, ":memory:", RH_DB_RW | RH_DB_CREATE) != RH_OK ||
      rh_db_migrate(g_db, NULL, NULL) != RH_OK ||
      rh_db_exec(g_db,
                 "INSERT INTO enterprise(id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');"
                 "INSERT INTO school(id, name) VALUES (1, 's');"
                 "INSERT INTO post(id, enterprise_id, name) VALUES (1, 1, 'p'), (2, 2, 'q');") != RH_OK) {
    fprintf(stderr, "fuzz_csv: setup: %s\n", rh_error_last());
    abort();
  }
  g_fd = memfd_create("fuzz.csv", 0);
  if (g_fd < 0) abort();
  snprintf(g_path, sizeof g_path, "/proc/self/fd/%d", g_fd);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *table = tables[data[0] & 31];
  const char *enc = (data[0] & 0x80) ? "gb18030" : NULL;
  if (ftruncate(g_fd, 0) != 0 || pwrite(g_fd, data + 1, size - 1, 0) != (ssize_t)(size - 1)) abort();

  long long before = count_rows(table);
  char *report = NULL;
  size_t rlen = 0;
  FILE *rep = open_memstream(&report, &rlen);
  rh_import_opts o = {enc, rep, 5};
  rh_import_result res = {0, 0};
  if (sqlite3_exec(g_db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) abort();
  int rc = rh_import_csv(g_db, table, g_path, &o, &res);
  long long after = count_rows(table);
  sqlite3_exec(g_db, "ROLLBACK", NULL, NULL, NULL);
  fclose(rep);

  if (rc == RH_OK) {
    if (after - before != res.rows) {
      fprintf(stderr, "import said %ld rows, table grew by %lld\n", res.rows, after - before);
      abort();
    }
  } else if (after != before) {
    fprintf(stderr, "rejected import (rc %d: %s) changed %s: %lld -> %lld rows\n", rc,
            rh_error_last(), table, before, after);
    abort();
  }
  if (rc == RH_EDATA) {
    /* Each line names the file and a line number, or is the "... and N more" tail. */
    size_t plen = strlen(g_path);
    int lines = 0;
    for (char *l = report; l && *l;) {
      char *nl = strchr(l, '\n');
      if (nl == NULL) abort(); /* every problem is a whole line */
      int ok = strncmp(l, g_path, plen) == 0 && l[plen] == ':' &&
               ((l[plen + 1] >= '0' && l[plen + 1] <= '9') || strncmp(l + plen + 1, " ...", 4) == 0);
      if (!ok) {
        fprintf(stderr, "report line without FILE:LINE: %.*s\n", (int)(nl - l), l);
        abort();
      }
      lines++;
      l = nl + 1;
    }
    if (lines == 0 || res.rejected < 1) {
      fprintf(stderr, "rejected without a reported problem\n");
      abort();
    }
  }
  free(report);
  return 0;
}
