/*
** libFuzzer target: the HTTP API of `ronghe serve` (rh__http_handle, see
** core/http_api.h) on arbitrary requests, over a real database with stored
** runs and a service state like a running serve's (rules, schedules, a
** failed reload).
**
** An input is text:
**     [#FLAGS\n]METHOD TARGET[\nBODY]
** METHOD is everything before the first space of the line, TARGET the rest
** (path, then '?' and the query string), BODY everything after the first
** newline (no newline: no body).  FLAGS letters set the service's state
** for this request: s stopping, n no rules loaded yet, b evaluations busy,
** r a scheduled run going.
**
** Checked besides ASan/UBSan/LSan: each log line is one of the service's
** (no control bytes from the request); every answer is one valid JSON text and
** a newline with a content type; no 5xx except 503 where the state says
** so; every 4xx/5xx has an "error" string; 405 comes with Allow; an
** evaluation handed back has 1..20 canonical subjects, a valid date and
** year; a reload comes from POST /reload only.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "eval.h"
#include "http.h"
#include "http_api.h"
#include "rh.h"
#include "util.h"

#ifndef RH_EXE
#define RH_EXE "ronghe"
#endif

static rh_srv *g_srv;
static rh_snap *g_snap;
static rh_child g_child; /* a scheduled run as /health and /schedules see it (no process) */
static char g_dir[64];
static int g_verbose; /* RH_FUZZ_VERBOSE=1: print each answer (to see what seeds reach) */

static const char *RULES =
    "rule \"NAME\" { title = \"has a name\", subject = \"enterprise\", cite = \"t\",\n"
    "  check = function(s) if s.id % 2 == 0 then return fail(\"even {id}\", { id = s.id }) end\n"
    "    return pass(\"named \" .. s.name) end }\n"
    "rule \"UNK\" { title = \"unknown for 3\", subject = \"enterprise\", cite = \"t\",\n"
    "  check = function(s) if s.id == 3 then return unknown(\"no data\") end return pass(\"ok\") end }\n"
    "rule \"YEARLY\" { title = \"yearly\", subject = \"enterprise\", cite = \"t\", yearly = true,\n"
    "  check = function(s) return pass(\"fine\") end }\n"
    "rule \"CITY\" { title = \"city target\", subject = \"city\", kind = \"target\", cite = \"t\",\n"
    "  check = function() return achieved(\"done\") end }\n"
    "policy \"NAMED\" { subject = \"enterprise\", answers = \"eligibility\", rules = { \"NAME\", \"UNK\" } }\n"
    "policy \"COMP\" { subject = \"enterprise\", answers = \"compliance\", yearly = true,\n"
    "  rules = { \"YEARLY\", \"NAME\" } }\n";

static void die(const char *what) {
  fprintf(stderr, "fuzz_http: setup: %s: %s\n", what, rh_error_last());
  abort();
}

/* Two stored runs made by the real engine (workers and all), then a few
** rows no engine writes but a database may hold: bytes that are not
** UTF-8, values that are not JSON. */
static void make_db(const char *db, const char *rules) {
  sqlite3 *rw = NULL;
  if (rh_db_open(&rw, db, RH_DB_RW | RH_DB_CREATE) != RH_OK || rh_db_migrate(rw, NULL, NULL) != RH_OK ||
      rh_db_ensure_engine(rw) != RH_OK ||
      rh_db_exec(rw, "INSERT INTO enterprise(id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, '企业')") != RH_OK)
    die("database");
  rh_db_close(rw);
  const char *exe = getenv("RONGHE_EXE");
  FILE *quiet = fopen("/dev/null", "w");
  rh_eval_opts o;
  rh_eval_opts_init(&o);
  o.db_path = db;
  o.rules_dir = rules;
  o.as_of = "2024-06-30";
  o.schedule = "weekly";
  o.exe = exe && *exe ? exe : RH_EXE;
  o.log = quiet;
  rh_eval_stats st;
  if (rh_eval_run(&o, &st, NULL, NULL) != RH_OK) die("the first run (is RONGHE_EXE a ronghe binary?)");
  const char *one[] = {"enterprise:1"};
  o.subjects = one;
  o.nsubjects = 1;
  o.schedule = NULL;
  o.as_of = "2023-12-31";
  if (rh_eval_run(&o, &st, NULL, NULL) != RH_OK) die("the second run");
  fclose(quiet);
  if (rh_db_open(&rw, db, RH_DB_RW) != RH_OK ||
      rh_db_exec(rw,
                 "UPDATE rh_result SET reason = X'ff41c3', vals = 'not json {' WHERE rowid = 1;"
                 "UPDATE rh_result SET vals = '[1,2,{\"a\":null}]' WHERE rowid = 2;"
                 "CREATE TABLE IF NOT EXISTS rh_schedule_state(name TEXT PRIMARY KEY, last_slot TEXT,"
                 " claimed_by TEXT, claimed_at TEXT, done_slot TEXT);"
                 "INSERT OR REPLACE INTO rh_schedule_state VALUES"
                 " ('weekly', '2024-06-24T06:00:00Z', 'host:1', '2024-06-24T06:00:00.001Z', '2024-06-24T06:00:00Z'),"
                 " ('nightly', NULL, NULL, NULL, NULL)") != RH_OK)
    die("extra rows");
  rh_db_close(rw);
}

static json_t *parse(const char *text) {
  json_t *j = json_loads(text, 0, NULL);
  if (j == NULL) abort();
  return j;
}

static rh_sched *make_sched(const char *name, const char *cron, time_t next) {
  rh_sched *sc = calloc(1, sizeof *sc);
  if (sc == NULL || (sc->name = strdup(name)) == NULL || (sc->cron_text = strdup(cron)) == NULL) abort();
  sc->has_cron = rh_cron_parse(&sc->cron, cron) == RH_OK;
  sc->next = next;
  return sc;
}

static void remove_dir(void) {
  char cmd[96];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
  if (system(cmd) != 0) fprintf(stderr, "fuzz_http: could not remove %s\n", g_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *v = getenv("RH_FUZZ_VERBOSE");
  g_verbose = v && *v == '1';
  strcpy(g_dir, "/tmp/rh_fuzz_http_XXXXXX");
  if (mkdtemp(g_dir) == NULL) die("mkdtemp");
  atexit(remove_dir); /* libFuzzer ends with exit() after -max_total_time and -runs */
  char rules[128], file[160], db[128];
  snprintf(rules, sizeof rules, "%s/rules", g_dir);
  snprintf(file, sizeof file, "%s/r.lua", rules);
  snprintf(db, sizeof db, "%s/t.db", g_dir);
  FILE *f = NULL;
  if (mkdir(rules, 0700) != 0 || (f = fopen(file, "w")) == NULL) die("rules folder");
  fputs(RULES, f);
  fclose(f);
  make_db(db, rules);

  rh_srv *s = calloc(1, sizeof *s);
  g_snap = calloc(1, sizeof *g_snap);
  if (s == NULL || g_snap == NULL) abort();
  snprintf(s->db_abs, sizeof s->db_abs, "%s", db);
  s->o.db_path = "t.db";
  s->o.rules_dir = "rules";
  s->o.config = "schedules.lua";
  snprintf(s->rules_base, sizeof s->rules_base, "rules");
  snprintf(s->host, sizeof s->host, "fuzzhost");
  if (rh_db_open(&s->ro, db, RH_DB_RO) != RH_OK) die("read-only connection");
  s->errors = parse("[\"rules/r.lua:3: a problem of the last reload\"]");
  snprintf(s->last_reload_at, sizeof s->last_reload_at, "2024-06-30T00:00:00.000Z");
  snprintf(s->reload_why, sizeof s->reload_why, "file change");
  s->start_ms = rh__serve_ms();
  memset(g_snap->version, 'a', 64);
  snprintf(g_snap->loaded_at, sizeof g_snap->loaded_at, "2024-06-30T00:00:00.000Z");
  g_snap->dir = strdup(g_dir);
  g_snap->refs = 1;
  g_snap->rules = parse("[{\"id\":\"NAME\",\"title\":\"has a name\",\"cite\":\"t\",\"file\":\"rules/r.lua\",\"line\":1}]");
  g_snap->policies = parse("[{\"id\":\"NAMED\",\"rules\":[\"NAME\",\"UNK\"]}]");
  /* A schedule the loop knows, one it does not, and a malformed entry. */
  g_snap->schedules = parse("[{\"name\":\"weekly\",\"cron\":\"0 6 * * MON\"},{\"name\":\"nightly\"},{\"cron\":1}]");
  s->cur = g_snap;
  s->snaps = g_snap;
  s->scheds = make_sched("weekly", "0 6 * * MON", (time_t)1720000000);
  s->scheds->next_s = make_sched("other", "", 0);
  g_child.kind = RH_CHILD_EVAL;
  g_child.proc.pid = 4242;
  g_child.started_ms = s->start_ms;
  snprintf(g_child.sched, sizeof g_child.sched, "weekly");
  snprintf(g_child.slot, sizeof g_child.slot, "2024-07-01T06:00:00Z");
  g_srv = s;
  return 0;
}

/* "city", or an identifier, ':' and a decimal int64 (what `explain` gets). */
static int canonical_subject(const char *t) {
  if (strcmp(t, "city") == 0) return 1;
  const char *colon = strchr(t, ':');
  if (colon == NULL || colon - t > 64) return 0;
  char kind[65];
  memcpy(kind, t, (size_t)(colon - t));
  kind[colon - t] = '\0';
  if (!rh_ident_ok(kind)) return 0;
  const char *d = colon + 1;
  if (*d == '-') d++;
  if (*d < '0' || *d > '9' || (*d == '0' && (d[1] || d != colon + 1))) return 0; /* as %lld prints */
  for (; *d; d++)
    if (*d < '0' || *d > '9') return 0;
  return 1;
}

#define CHECK(cond)                                                                               \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      fprintf(stderr, "fuzz_http: check failed: %s (status %d, body %.*s)\n", #cond, res.status, \
              (int)(res.body_len > 500 ? 500 : res.body_len), res.body ? res.body : "");         \
      abort();                                                                                    \
    }                                                                                             \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data, *end = p + size;
  int stopping = 0, norules = 0, busy = 0, running = 0;
  if (p < end && *p == '#') {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *fe = nl ? nl : end;
    stopping = memchr(p, 's', (size_t)(fe - p)) != NULL;
    norules = memchr(p, 'n', (size_t)(fe - p)) != NULL;
    busy = memchr(p, 'b', (size_t)(fe - p)) != NULL;
    running = memchr(p, 'r', (size_t)(fe - p)) != NULL;
    p = nl ? nl + 1 : end;
  }
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  const char *le = nl ? nl : end;
  const char *sp = memchr(p, ' ', (size_t)(le - p));
  rh_http_req in;
  memset(&in, 0, sizeof in);
  in.method = p;
  in.method_len = (size_t)((sp ? sp : le) - p);
  const char *target = sp ? sp + 1 : le;
  const char *qm = memchr(target, '?', (size_t)(le - target));
  in.path = target;
  in.path_len = (size_t)((qm ? qm : le) - target);
  if (qm) {
    in.query = qm + 1;
    in.query_len = (size_t)(le - qm - 1);
  }
  if (nl) {
    in.body = nl + 1;
    in.body_len = (size_t)(end - nl - 1);
  }

  rh_srv *s = g_srv;
  s->stopping = stopping;
  s->cur = norules ? NULL : g_snap;
  s->nexplain = busy ? RH_HTTP_MAX_RUNNING : 0;
  s->children = running ? &g_child : NULL;
  char *log = NULL;
  size_t loglen = 0;
  if ((s->log = open_memstream(&log, &loglen)) == NULL) abort();
  rh_http_res res;
  rh__http_handle(s, &in, &res);
  fclose(s->log);
  s->log = NULL;
  /* A request logs at most one line, and it is one of the service's: no
  ** request can forge a line. */
  int lines = 0;
  for (const char *l = log; l && l < log + loglen; lines++) {
    const char *e = memchr(l, '\n', (size_t)(log + loglen - l));
    CHECK(e != NULL);
    CHECK(e - l > 30 && l[4] == '-' && l[10] == 'T' && memcmp(l + 24, " ronghe[", 8) == 0);
    for (const char *c = l; c < e; c++) CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
    l = e + 1;
  }
  CHECK(lines <= 1);
  free(log);

  if (g_verbose)
    fprintf(stderr, "%.*s %.*s -> %d%s %.*s", (int)in.method_len, in.method, (int)in.path_len, in.path,
            res.status, res.action == RH_HTTP_EVALUATE ? " evaluate" : res.action == RH_HTTP_RELOAD ? " reload" : "",
            (int)(res.body_len > 300 ? 300 : res.body_len), res.body ? res.body : "\n");
  int post = in.method_len == 4 && memcmp(in.method, "POST", 4) == 0;
  int get = (in.method_len == 3 && memcmp(in.method, "GET", 3) == 0) ||
            (in.method_len == 4 && memcmp(in.method, "HEAD", 4) == 0);
  if (res.action == RH_HTTP_EVALUATE) {
    CHECK(get || post);
    CHECK(s->cur && !s->stopping && !busy);
    CHECK(res.nsubjects >= 1 && res.nsubjects <= RH_HTTP_MAX_SUBJECTS);
    CHECK(!res.single || res.nsubjects == 1);
    for (int i = 0; i < res.nsubjects; i++) CHECK(canonical_subject(res.subjects[i]));
    int64_t day;
    CHECK(strlen(res.as_of) == 10 && rh_date_parse(&day, res.as_of, 10) == 0);
    CHECK(res.year == 0 || (res.year >= 1900 && res.year <= 9999));
    CHECK(res.body == NULL);
  } else {
    CHECK(res.body != NULL && res.body_len > 0 && res.body[res.body_len - 1] == '\n');
    CHECK(strlen(res.body) == res.body_len);
    CHECK(res.content_type && strncmp(res.content_type, "application/json", 16) == 0);
    json_error_t jerr;
    json_t *j = json_loadb(res.body, res.body_len - 1, 0, &jerr);
    CHECK(j != NULL);
    int st = res.status;
    CHECK(st == 200 || st == 202 || st == 400 || st == 404 || st == 405 || st == 414 || st == 503);
    if (st == 503) CHECK(stopping || norules || busy);
    if (st >= 400) CHECK(json_is_string(json_object_get(j, "error")));
    CHECK((st == 405) == (res.allow != NULL));
    if (res.action == RH_HTTP_RELOAD) CHECK(post && st == 202);
    if (st == 202) CHECK(res.action == RH_HTTP_RELOAD);
    json_decref(j);
  }
  rh__http_res_free(&res);
  return 0;
}
