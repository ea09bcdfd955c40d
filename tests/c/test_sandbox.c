/*
** The hostile-rule corpus (tests/hostile) run in process, through the
** worker's own handler (rh__worker_feed): every attack that Lua hooks can
** stop ends with the worker's Lua heap back at its level, the handler
** answering, and the good rules evaluated next to it.  (Attacks marked
** "needs: watchdog" hang inside one C call and are left to the spec that
** runs them in real worker processes.)
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "inproc.h"
#include "test.h"

static const char GOOD[] =
    "rule \"GOOD-FUND\" { title = 't', subject = 'enterprise', cite = 'x',\n"
    "  check = function(s) return pass('named {n}', { n = s.name }) end }\n"
    "rule \"GOOD-CITY\" { title = 't', subject = 'city', cite = 'x',\n"
    "  inputs = { n = [[SELECT count(*) AS n FROM enterprise]] },\n"
    "  check = function(s) return pass(tostring(s.n.n)) end }\n";

static char g_db[64];

static int make_db(void) {
  strcpy(g_db, "/tmp/rh_test_sandbox_XXXXXX");
  int fd = mkstemp(g_db);
  if (fd < 0) return -1;
  close(fd);
  sqlite3 *db = NULL;
  if (rh_db_open(&db, g_db, RH_DB_RW | RH_DB_CREATE) != RH_OK) return -1;
  int rc = rh_db_migrate(db, NULL, NULL);
  if (rc == RH_OK)
    rc = rh_db_exec(db,
                    "INSERT INTO enterprise(id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');"
                    "INSERT INTO edu_fund_year(enterprise_id, year, spent_total, spent_frontline)"
                    " VALUES (1, 2023, 100, 60);");
  rh_db_close(db);
  return rc;
}

static void drop_db(void) {
  char p[80];
  unlink(g_db);
  snprintf(p, sizeof p, "%s-wal", g_db);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", g_db);
  unlink(p);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

#define LIMITS (32u << 20), 2000000u, 500u

/* Loads the good rules with text (may be NULL). */
static int load_with_good(inproc *w, const char *name, const char *text, size_t len) {
  const char *names[2] = {"zz_good.lua", name};
  const char *texts[2] = {GOOD, text};
  size_t lens[2] = {sizeof GOOD - 1, len};
  return inproc_load(w, text ? 2 : 1, names, texts, lens, LIMITS);
}

/* Loads the good rules with text (may be NULL) and evaluates both groups. */
static int run_once(inproc *w, const char *name, const char *text, size_t len) {
  int rc = load_with_good(w, name, text, len);
  if (rc != RH_OK) return rc;
  rc = inproc_eval(w, g_db, "enterprise");
  if (rc == RH_OK && w->failed) return rh_error_set(RH_ERROR, "the enterprise group failed (X)");
  long ent = w->results;
  rc = rc ? rc : inproc_eval(w, g_db, "city");
  /* GOOD-CITY, and the city rules of an attack that reads across groups */
  if (rc == RH_OK && (w->failed || w->results < 1)) return rh_error_set(RH_ERROR, "no city result");
  if (rc == RH_OK && ent % 3 != 0) return rh_error_set(RH_ERROR, "%ld enterprise results", ent);
  return rc;
}

TEST_IMPL(hostile_corpus_memory_returns_to_level) {
  ASSERT_OK(make_db());
  inproc w;
  ASSERT_OK(inproc_open(&w, 256));
  /* Warm up: the connection cache and the good rules' reason templates. */
  ASSERT_OK(run_once(&w, NULL, NULL, 0));
  ASSERT_OK(inproc_load(&w, 0, NULL, NULL, NULL, LIMITS));
  size_t base = w.vm->used;

  DIR *d = opendir(RH_SOURCE_DIR "/tests/hostile");
  ASSERT(d != NULL);
  char *names[512];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 512)
    if (strstr(e->d_name, ".lua")) names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, cmp_str);
  ASSERT(n >= 40);
  int ran = 0;
  for (int i = 0; i < n; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/tests/hostile/%s", RH_SOURCE_DIR, names[i]);
    char *text = NULL;
    size_t len = 0;
    ASSERT_OK(rh_read_file(&text, &len, path));
    int skip = strstr(text, "\n-- needs: watchdog") != NULL;
    if (getenv("RH_TEST_VERBOSE")) fprintf(stderr, "# %s\n", names[i]);
    int load_only = strstr(text, "-- expect: LOAD") != NULL;
    if (!skip) {
      int rc = load_only ? load_with_good(&w, names[i], text, len)
                         : run_once(&w, names[i], text, len);
      if (rc != RH_OK) fprintf(stderr, "%s: %s\n", names[i], rh_error_last());
      ASSERT_OK(rc);
      if (load_only && w.nerrors == 0) TEST_FAIL_("%s loaded without an error", names[i]);
      /* Drop the catalog: what the attack built must be garbage now.  Each
      ** frame ends with a full collection; Lua gives back the CallInfo list
      ** of a deep recursion half at a time, so allow a few frames. */
      size_t used = 0;
      for (int k = 0; k < 8; k++) {
        ASSERT_OK(inproc_load(&w, 0, NULL, NULL, NULL, LIMITS));
        used = w.vm->used;
        if (used <= base + (1u << 20)) break;
      }
      if (used > base + (1u << 20))
        TEST_FAIL_("%s: the Lua heap stayed at %zu bytes (was %zu)", names[i], used, base);
      ran++;
    }
    free(text);
  }
  for (int i = 0; i < n; i++) free(names[i]);
  printf("# %d attacks run in process, Lua heap back to %zu bytes (base %zu)\n", ran,
         w.vm->used, base);
  inproc_close(&w);
  drop_db();
  return 0;
}

TEST_MAIN(TEST_ENTRY(hostile_corpus_memory_returns_to_level))
