/*
** libFuzzer target: arbitrary bytes as a rule file, loaded by the worker's
** own handler in this process (rh__worker_new/feed, see tests/c/inproc.h):
** the L frame runs the file's top level in the sandbox under small limits,
** the supervisor's catalog parser reads the answer, and when the file
** declares rules they are evaluated (E frames) over a small database.
**
** Checked besides ASan/UBSan: the handler always answers (a failure of the
** handler itself aborts), and after the catalog is dropped the Lua heap is
** back to its level (nothing an input did stays reachable).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "inproc.h"

static inproc g_w;
static char g_db[64];
static size_t g_base;

#define LIMITS (16u << 20), 200000u, 200u

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  strcpy(g_db, "/tmp/rh_fuzz_loader_XXXXXX");
  int fd = mkstemp(g_db);
  sqlite3 *db = NULL;
  if (fd < 0 || rh_db_open(&db, g_db, RH_DB_RW | RH_DB_CREATE) != RH_OK ||
      rh_db_migrate(db, NULL, NULL) != RH_OK ||
      rh_db_exec(db, "INSERT INTO enterprise(id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');"
                     "INSERT INTO edu_fund_year(enterprise_id, year, spent_total, spent_frontline)"
                     " VALUES (1, 2023, 100, 60);") != RH_OK) {
    fprintf(stderr, "fuzz_loader: setup: %s\n", rh_error_last());
    abort();
  }
  rh_db_close(db);
  close(fd);
  if (inproc_open(&g_w, 128) != RH_OK) abort();
  /* Warm up the caches a run keeps (the database connection). */
  const char *name = "warm.lua";
  const char *text =
      "rule 'W' { title = 't', subject = 'enterprise', cite = 'x', check = function() return "
      "pass('') end }";
  size_t len = strlen(text);
  if (inproc_load(&g_w, 1, &name, &text, &len, LIMITS) != RH_OK ||
      inproc_eval(&g_w, g_db, "enterprise") != RH_OK ||
      inproc_load(&g_w, 0, NULL, NULL, NULL, LIMITS) != RH_OK)
    abort();
  g_base = g_w.vm->used;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *name = "fuzz.lua";
  const char *text = (const char *)data;
  if (inproc_load(&g_w, 1, &name, &text, &size, LIMITS) != RH_OK) {
    fprintf(stderr, "load frame: %s\n", rh_error_last());
    abort();
  }
  if (g_w.nerrors == 0) {
    /* Each subject table once (rules of one subject are one group). */
    for (int i = 0; i < g_w.nrules; i++) {
      int first = 1;
      for (int k = 0; k < i; k++) first &= strcmp(g_w.subjects[k], g_w.subjects[i]) != 0;
      if (first && inproc_eval(&g_w, g_db, g_w.subjects[i]) != RH_OK) {
        fprintf(stderr, "eval frame: %s\n", rh_error_last());
        abort();
      }
    }
  }
  if (inproc_load(&g_w, 0, NULL, NULL, NULL, LIMITS) != RH_OK) abort();
  /* Reason templates are cached (bounded: 10000 of <= 4000 bytes). */
  if (g_w.vm->used > g_base + (48u << 20)) {
    fprintf(stderr, "Lua heap stayed at %zu bytes (base %zu)\n", g_w.vm->used, g_base);
    abort();
  }
  return 0;
}
