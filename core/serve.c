/*
** `ronghe serve` (see serve.h): the loop, the child processes, rule-set
** snapshots and hot reload, schedules, signals and the log.  The HTTP API is
** in http.c.
**
** Nothing here runs rule code or waits: every evaluation, and every load of
** the rules, happens in a child process whose pipes the loop reads.  The
** only database writes of this process are to rh_schedule_state, one row per
** schedule, which is also the lock that keeps two serve processes on one
** database from running the same slot; a trigger on rh_run marks a slot
** done in its run's own transaction (STATE_TRIGGER_SQL).
*/
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "http.h"
#include "rh.h"
#include "ruleset.h"

#define RELOAD_DEBOUNCE_MS 200
#define HOUSE_MS 250
#define CHILD_TIMEOUT_MS 120000  /* check and __catalog */
#define STOP_KILL_MS 15000       /* SIGTERM'd children get SIGKILL after this */
#define PIPE_GRACE_MS 3000       /* a grandchild holding a pipe open after exit */
#define IMPORT_POLL_MS 2000
#define STATE_BUSY 100           /* internal: the database write lock is taken */

static const char *STATE_SQL =
  "CREATE TABLE IF NOT EXISTS rh_schedule_state(\n"
  "  name       TEXT PRIMARY KEY,  -- schedule name; NAME#import for on_import\n"
  "  last_slot  TEXT,              -- last slot claimed: UTC YYYY-MM-DDTHH:MM:SSZ, or a data fingerprint\n"
  "  claimed_by TEXT,              -- host:pid of the serve process that claimed it\n"
  "  claimed_at TEXT,\n"
  "  done_slot  TEXT               -- last_slot as of the last stored run of the schedule\n"
  ")";

/* A claimed slot is done when its run is stored.  The run's own transaction
** says so (this trigger, fired by eval's INSERT INTO rh_run), so a serve and
** eval killed at any point leave either a stored run and a done slot, or
** neither: the next start can tell a slot to run again from one that ran.
** (The schedule's two keys: a run cannot tell which one started it, and
** only one of them runs at a time.) */
static const char *STATE_TRIGGER_SQL =
  "CREATE TRIGGER IF NOT EXISTS rh_schedule_state_done AFTER INSERT ON rh_run\n"
  "WHEN NEW.schedule IS NOT NULL BEGIN\n"
  "  UPDATE rh_schedule_state SET done_slot = last_slot\n"
  "  WHERE name IN (NEW.schedule, NEW.schedule || '#import');\n"
  "END";

static void srv_stop(rh_srv *s, int code, const char *why);
static void srv_maybe_finish(rh_srv *s);
static void sched_arm(rh_srv *s);
static int data_fingerprint(rh_srv *s, char out[65]);
static long long data_version(rh_srv *s);

/* ---- clock and log -------------------------------------------------------- */

uint64_t rh__serve_ms(void) { return uv_hrtime() / 1000000u; }

double rh__serve_now(rh_srv *s) {
  if (s->fake_clock) return s->fake_base + (double)(uv_hrtime() - s->fake_hr0) / 1e9;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void rh__serve_date(char out[11], time_t t) {
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

void rh__serve_local_iso(char out[40], time_t t) {
  struct tm tm;
  char z[16];
  localtime_r(&t, &tm);
  strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
  strftime(z, sizeof z, "%z", &tm); /* +0800 -> +08:00 */
  size_t n = strlen(out);
  if (strlen(z) == 5) snprintf(out + n, 40 - n, "%.3s:%.2s", z, z + 3);
}

static void utc_iso(char out[40], time_t t) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void rh__serve_log(rh_srv *s, const char *fmt, ...) {
  char ts[32];
  rh_now_iso(ts);
  FILE *f = s->log ? s->log : stderr;
  va_list ap;
  va_start(ap, fmt);
  fprintf(f, "%s ronghe[%d]: ", ts, (int)getpid());
  vfprintf(f, fmt, ap);
  fputc('\n', f);
  fflush(f);
  va_end(ap);
}

/* Logs each non-empty line of text with a prefix. */
static void log_lines(rh_srv *s, const char *prefix, const char *text, size_t n) {
  const char *p = text, *end = text + n;
  while (p && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (len > 0) rh__serve_log(s, "%s%.*s", prefix, (int)len, p);
    p = nl ? nl + 1 : NULL;
  }
}

/* ---- child processes ------------------------------------------------------ */

static void snap_release(rh_srv *s, rh_snap *p);

static void child_maybe_free(rh_child *c) {
  if (c->handles > 0) return;
  rh_srv *s = c->srv;
  rh_buf_free(&c->out_buf);
  rh_buf_free(&c->err_buf);
  free(c);
  s->nchildren_alive--;
  srv_maybe_finish(s);
}

static void child_on_close(uv_handle_t *h) {
  rh_child *c = h->data;
  c->handles--;
  child_maybe_free(c);
}

static void child_close(rh_child *c) {
  uv_handle_t *hs[3] = {(uv_handle_t *)&c->proc, (uv_handle_t *)&c->out, (uv_handle_t *)&c->err};
  for (int i = 0; i < 3; i++)
    if (!uv_is_closing(hs[i])) uv_close(hs[i], child_on_close);
}

/* Reports the child once its exit status is known and both pipes have given
** up every byte: only then is its output complete. */
static void child_check_done(rh_child *c) {
  if (c->reported || !c->exited || !c->out_eof || !c->err_eof) return;
  c->reported = 1;
  rh_srv *s = c->srv;
  for (rh_child **pp = &s->children; *pp; pp = &(*pp)->next)
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  if (c->done) c->done(c);
  snap_release(s, c->snap);
  c->snap = NULL;
  child_close(c);
}

static void child_on_exit(uv_process_t *p, int64_t status, int term_signal) {
  rh_child *c = p->data;
  c->exited = 1;
  c->status = status;
  c->term_signal = term_signal;
  c->exited_ms = rh__serve_ms();
  child_check_done(c);
}

static void child_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  rh_child *c = h->data;
  rh_buf *b = h == (uv_handle_t *)&c->out ? &c->out_buf : &c->err_buf;
  (void)suggested;
  /* Past the cap, read into a scratch tail and drop it: the pipe must be
  ** drained or the child would block on a full pipe. */
  if (b->len >= c->max_out) b->len = c->max_out;
  if (rh_buf_reserve(b, 16384) != RH_OK) {
    buf->base = NULL;
    buf->len = 0;
    return;
  }
  buf->base = b->data + b->len;
  buf->len = b->cap - b->len - 1;
}

static void child_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
  rh_child *c = st->data;
  int is_out = st == (uv_stream_t *)&c->out;
  rh_buf *b = is_out ? &c->out_buf : &c->err_buf;
  (void)buf;
  if (nread < 0) {
    uv_read_stop(st);
    if (is_out) c->out_eof = 1;
    else c->err_eof = 1;
    child_check_done(c);
    return;
  }
  b->len += (size_t)nread;
  if (b->len > c->max_out) {
    b->len = c->max_out;
    c->truncated = 1;
  }
  b->data[b->len] = '\0';
}

int rh__serve_spawn(rh_srv *s, rh_child **out, rh_child_kind kind, char **args, const char *cwd,
                    rh_snap *snap, size_t max_out, uint64_t timeout_ms, rh_child_cb done, void *ud) {
  *out = NULL;
  rh_child *c = calloc(1, sizeof *c);
  if (c == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  c->srv = s;
  c->kind = kind;
  c->max_out = max_out ? max_out : 1 << 20;
  c->done = done;
  c->ud = ud;
  uv_pipe_init(&s->loop, &c->out, 0);
  uv_pipe_init(&s->loop, &c->err, 0);
  c->out.data = c->err.data = c->proc.data = c;
  c->handles = 3; /* the process handle is closed even when the spawn fails */
  s->nchildren_alive++;
  args[0] = s->exe;
  uv_stdio_container_t io[3];
  io[0].flags = UV_IGNORE;
  io[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  io[1].data.stream = (uv_stream_t *)&c->out;
  io[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  io[2].data.stream = (uv_stream_t *)&c->err;
  uv_process_options_t po;
  memset(&po, 0, sizeof po);
  po.file = s->exe;
  po.args = args;
  po.cwd = cwd;
  po.stdio = io;
  po.stdio_count = 3;
  po.exit_cb = child_on_exit;
  int rc = uv_spawn(&s->loop, &c->proc, &po);
  if (rc != 0) {
    c->reported = 1;
    child_close(c);
    return rh_error_set(RH_ERROR, "cannot start %s %s: %s", s->exe, args[1], uv_strerror(rc));
  }
  uv_read_start((uv_stream_t *)&c->out, child_alloc, child_read);
  uv_read_start((uv_stream_t *)&c->err, child_alloc, child_read);
  c->started_ms = rh__serve_ms();
  c->deadline_ms = timeout_ms ? c->started_ms + timeout_ms : 0;
  if (snap) {
    c->snap = snap;
    snap->refs++;
  }
  c->next = s->children;
  s->children = c;
  *out = c;
  return RH_OK;
}

int rh__serve_running(rh_srv *s, const char *sched, rh_child **which) {
  for (rh_child *c = s->children; c; c = c->next)
    if (c->kind == RH_CHILD_EVAL && strcmp(c->sched, sched) == 0) {
      if (which) *which = c;
      return 1;
    }
  return 0;
}

/* ---- snapshots ------------------------------------------------------------ */

static void snap_release(rh_srv *s, rh_snap *p) {
  if (p == NULL || --p->refs > 0) return;
  for (rh_snap **pp = &s->snaps; *pp; pp = &(*pp)->next)
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  rh__serve_rmtree(p->dir);
  free(p->dir);
  json_decref(p->rules);
  json_decref(p->policies);
  json_decref(p->schedules);
  free(p);
}

static rh_snap *snap_find(rh_srv *s, const char *version) {
  for (rh_snap *p = s->snaps; p; p = p->next)
    if (strcmp(p->version, version) == 0) return p;
  return NULL;
}

/* "rules/x.lua:3: msg" as the child printed it (relative to the snapshot)
** -> "RULES_DIR/x.lua:3: msg" or "CONFIG:3: msg", the paths the user knows. */
static void user_path(rh_srv *s, char *out, size_t n, const char *line) {
  size_t bl = strlen(s->rules_base);
  if (strncmp(line, s->rules_base, bl) != 0 || line[bl] != '/') {
    snprintf(out, n, "%s", line);
    return;
  }
  const char *rest = line + bl + 1;
  size_t cl = strlen(s->config_name);
  if (cl && strncmp(rest, s->config_name, cl) == 0 && (rest[cl] == ':' || rest[cl] == '\0'))
    snprintf(out, n, "%s%s", s->o.config, rest + cl);
  else
    snprintf(out, n, "%s/%s", s->o.rules_dir, rest);
}

/* ---- schedules ------------------------------------------------------------ */

static void sched_free(rh_sched *sc) {
  if (sc == NULL) return;
  free(sc->name);
  free(sc->cron_text);
  free(sc->as_of);
  free(sc->file);
  for (int i = 0; i < sc->npolicies; i++) free(sc->policies[i]);
  for (int i = 0; i < sc->nrules; i++) free(sc->rules[i]);
  free(sc->policies);
  free(sc->rules);
  free(sc);
}

static char **str_list(json_t *arr, int *n) {
  *n = 0;
  size_t k = json_is_array(arr) ? json_array_size(arr) : 0;
  char **v = calloc(k + 1, sizeof *v);
  if (v == NULL) return NULL;
  for (size_t i = 0; i < k; i++) {
    const char *x = json_string_value(json_array_get(arr, i));
    v[(*n)++] = strdup(x ? x : "");
  }
  return v;
}

static const char *jget_str(json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}

/* The schedule-state table and its trigger, in one transaction (two serve
** processes may start at once).  A table of an older serve gains done_slot
** with every claim counted as done: that serve did not know better. */
static int state_schema(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  int ready = 0;
  /* Nothing to change is the usual case, and then no write lock is taken: a
  ** long run started by hand must not keep the service from starting. */
  if (sqlite3_prepare_v2(db,
                         "SELECT 1 FROM sqlite_master WHERE type='trigger' AND name='rh_schedule_state_done'",
                         -1, &st, NULL) == SQLITE_OK)
    ready = sqlite3_step(st) == SQLITE_ROW && rh_db_has_column(db, "rh_schedule_state", "done_slot");
  sqlite3_finalize(st);
  if (ready) return RH_OK;
  int rc = rh_db_exec(db, "BEGIN IMMEDIATE");
  if (rc != RH_OK) return rc;
  if ((rc = rh_db_exec(db, STATE_SQL)) == RH_OK && !rh_db_has_column(db, "rh_schedule_state", "done_slot"))
    rc = rh_db_exec(db, "ALTER TABLE rh_schedule_state ADD COLUMN done_slot TEXT;"
                        "UPDATE rh_schedule_state SET done_slot = last_slot");
  if (rc == RH_OK) rc = rh_db_exec(db, STATE_TRIGGER_SQL);
  if (rc == RH_OK) rc = rh_db_exec(db, "COMMIT");
  if (rc != RH_OK) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

/* Reads a schedule's claimed slot; 1 found (last may be ""), 0 no row. */
static int state_read(rh_srv *s, const char *key, char *last, size_t n) {
  sqlite3_stmt *st = NULL;
  int found = 0;
  last[0] = '\0';
  if (sqlite3_prepare_v2(s->ro, "SELECT last_slot FROM rh_schedule_state WHERE name=?1", -1, &st,
                         NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) {
    found = 1;
    const char *v = (const char *)sqlite3_column_text(st, 0);
    snprintf(last, n, "%s", v ? v : "");
  }
  sqlite3_finalize(st);
  return found;
}

static int step_rw(rh_srv *s, sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return RH_OK;
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) return STATE_BUSY;
  return rh_db_fail(s->rw, "rh_schedule_state");
}

/* Records `slot` as the baseline of a schedule seen for the first time. */
static int state_init(rh_srv *s, const char *key, const char *slot) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->rw, "INSERT OR IGNORE INTO rh_schedule_state(name,last_slot) VALUES(?1,?2)",
                         -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(s->rw, "rh_schedule_state");
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (slot && *slot) sqlite3_bind_text(st, 2, slot, -1, SQLITE_STATIC);
  int rc = step_rw(s, st);
  sqlite3_finalize(st);
  return rc;
}

/* ---- claims left by a killed service ---- */

/* Wall-clock start of process pid (Linux /proc), in seconds; -1 if unknown. */
static double proc_started(int pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* Field 22, counted after the command name, which may hold spaces and ')'. */
  const char *p = strrchr(buf, ')');
  unsigned long long ticks = 0;
  if (p == NULL ||
      sscanf(p + 1, " %*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
             &ticks) != 1)
    return -1;
  f = fopen("/proc/stat", "r");
  if (f == NULL) return -1;
  long long boot = -1;
  char line[256];
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "btime %lld", &boot) == 1) break;
  fclose(f);
  long hz = sysconf(_SC_CLK_TCK);
  if (boot < 0 || hz <= 0) return -1;
  return (double)boot + (double)ticks / (double)hz;
}

/* "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (rh_now_iso) -> seconds; -1 if not that. */
static double iso_seconds(const char *t) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *end = t ? strptime(t, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
  if (end == NULL) return -1;
  double frac = 0;
  if (*end == '.') frac = strtod(end, NULL);
  return (double)timegm(&tm) + frac;
}

/* 1 when the serve process that wrote claimed_by (HOST:PID) at claimed_at
** is certainly gone; 0 when it may be running.  Only a process of this
** machine can be checked: a claim of another host is never taken over
** (running a slot twice is worse than late). */
static int claimer_gone(rh_srv *s, const char *by, const char *at) {
  const char *colon = by ? strrchr(by, ':') : NULL;
  if (colon == NULL || (size_t)(colon - by) != strlen(s->host) || strncmp(by, s->host, strlen(s->host)) != 0)
    return 0;
  char *end = NULL;
  long pid = strtol(colon + 1, &end, 10);
  double claimed = iso_seconds(at);
  if (end == colon + 1 || *end || pid <= 0 || pid > INT_MAX || claimed < 0) return 0;
  /* Our own pid: a claim older than this process is a predecessor's that
  ** had the same pid (a container restarted); a newer one is ours. */
  if (pid == (long)getpid()) return claimed < s->start_wall;
  if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) return 1;
  /* The pid is taken: by the claimer only if that process is older than
  ** the claim (pids are reused, e.g. after a reboot).  /proc's boot time
  ** is in whole seconds: allow two. */
  double started = proc_started((int)pid);
  return started >= 0 && started > claimed + 2.0;
}

/* Pid of a `ronghe eval` of this database and schedule still running on
** this machine (Linux /proc), or 0.  A run whose service was killed goes on
** without it and may yet store the slot: that slot is not run again.
** (Where /proc is missing, the guard is the write lock such a run holds
** from its first row: a take-over waits for it, and then sees the slot done.) */
static int orphan_eval(rh_srv *s, const char *sched) {
  DIR *d = opendir("/proc");
  if (d == NULL) return 0;
  struct dirent *e;
  int found = 0;
  while (!found && (e = readdir(d)) != NULL) {
    char *end = NULL;
    long pid = strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end || pid <= 0 || pid == (long)getpid()) continue;
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) continue;
    rh_buf b = RH_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (1u << 20)) rh_buf_add(&b, chunk, n);
    fclose(f);
    /* NUL-separated arguments: ronghe eval ... --db DB ... --schedule NAME */
    int k = 0, is_eval = 0, db = 0, name = 0;
    const char *prev = "";
    for (size_t i = 0; b.data && i < b.len; k++) {
      const char *arg = b.data + i;
      size_t len = strnlen(arg, b.len - i);
      if (k == 1) is_eval = strcmp(arg, "eval") == 0;
      if (strcmp(prev, "--db") == 0 && strcmp(arg, s->db_abs) == 0) db = 1;
      if (strcmp(prev, "--schedule") == 0 && strcmp(arg, sched) == 0) name = 1;
      prev = arg;
      i += len + 1;
    }
    if (b.data && b.len && b.data[b.len - 1] == '\0' && is_eval && db && name) found = (int)pid;
    rh_buf_free(&b);
  }
  closedir(d);
  return found;
}

/* 1 if key's claimed slot `slot` never got its run stored and nobody can
** still store it: its claimer (copied to by) is gone and no run of it is
** going. */
static int state_orphaned(rh_srv *s, const char *key, const char *sched, const char *slot, char by[128]) {
  sqlite3_stmt *st = NULL;
  char at[40] = "";
  by[0] = '\0';
  int unsettled = 0;
  if (sqlite3_prepare_v2(s->ro,
                         "SELECT claimed_by, claimed_at FROM rh_schedule_state WHERE name=?1 AND last_slot=?2 "
                         "AND claimed_by IS NOT NULL AND done_slot IS NOT last_slot",
                         -1, &st, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, slot, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) {
    unsettled = 1;
    snprintf(by, 128, "%s", (const char *)sqlite3_column_text(st, 0));
    const char *t = (const char *)sqlite3_column_text(st, 1);
    snprintf(at, sizeof at, "%s", t ? t : "");
  }
  sqlite3_finalize(st);
  if (!unsettled || !claimer_gone(s, by, at)) return 0;
  int pid = orphan_eval(s, sched);
  if (pid) {
    rh__serve_log(s, "schedule %s: slot %s (claimed by %s, which is gone) is still being run by pid %d; "
                  "not run again", sched, slot, by, pid);
    return 0;
  }
  return 1;
}

/* Claims `slot` for this process: one UPDATE that succeeds for exactly one
** serve process, because its WHERE sees the row as the last writer left
** it.  ordered: slots are times and only a later one may be claimed;
** otherwise (import fingerprints) any different one.  A slot already
** claimed is taken over when it is orphaned (state_orphaned), again by one
** UPDATE that only one process can win.  Returns 1 claimed, 0 someone
** already has it, STATE_BUSY, or an RH_E* error. */
static int state_claim(rh_srv *s, const char *key, const char *sched, const char *slot, int ordered, char *prev,
                       size_t prevn) {
  char now[32], who[128];
  sqlite3_stmt *st = NULL;
  rh_now_iso(now);
  snprintf(who, sizeof who, "%s:%d", s->host, (int)getpid());
  state_read(s, key, prev, prevn);
  int rc = state_init(s, key, NULL);
  if (rc != RH_OK) return rc;
  char was[128] = "";
  int orphaned = strcmp(prev, slot) == 0 && state_orphaned(s, key, sched, slot, was);
  if (sqlite3_prepare_v2(s->rw,
                         orphaned ? "UPDATE rh_schedule_state SET claimed_by=?3, claimed_at=?4 "
                                    "WHERE name=?1 AND last_slot=?2 AND done_slot IS NOT last_slot "
                                    "AND claimed_by=?5"
                         : ordered ? "UPDATE rh_schedule_state SET last_slot=?2, claimed_by=?3, claimed_at=?4 "
                                     "WHERE name=?1 AND (last_slot IS NULL OR last_slot < ?2)"
                                   : "UPDATE rh_schedule_state SET last_slot=?2, claimed_by=?3, claimed_at=?4 "
                                     "WHERE name=?1 AND (last_slot IS NULL OR last_slot <> ?2)",
                         -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(s->rw, "rh_schedule_state");
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, slot, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, who, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
  if (orphaned) sqlite3_bind_text(st, 5, was, -1, SQLITE_STATIC);
  rc = step_rw(s, st);
  sqlite3_finalize(st);
  if (rc != RH_OK) return rc;
  if (sqlite3_changes(s->rw) != 1) return 0;
  if (orphaned)
    rh__serve_log(s, "schedule %s: slot %s was claimed by %s, which is gone, and its run was never stored: "
                  "taken over", sched, slot, was);
  return 1;
}

/* Gives a slot back (its run was abandoned at shutdown): the next start
** catches it up. */
static void state_unclaim(rh_srv *s, const char *key, const char *slot, const char *prev) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->rw, "UPDATE rh_schedule_state SET last_slot=?3 WHERE name=?1 AND last_slot=?2",
                         -1, &st, NULL) != SQLITE_OK)
    return;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, slot, -1, SQLITE_STATIC);
  if (prev && *prev) sqlite3_bind_text(st, 3, prev, -1, SQLITE_STATIC);
  sqlite3_busy_timeout(s->rw, 2000); /* at shutdown: the run's lock is just gone */
  if (step_rw(s, st) != RH_OK) rh__serve_log(s, "could not give back slot %s of %s", slot, key);
  sqlite3_busy_timeout(s->rw, 0);
  sqlite3_finalize(st);
}

static void sched_start_run(rh_srv *s, rh_sched *sc, const char *key, const char *slot,
                            const char *prev, time_t slot_time, const char *why);

static rh_sched *sched_find(rh_srv *s, const char *name) {
  rh_sched *sc = s->scheds;
  while (sc && strcmp(sc->name, name) != 0) sc = sc->next_s;
  return sc;
}

/* Starts the oldest queued run, if no run is going. */
static void queue_next(rh_srv *s) {
  while (s->queue && !s->stopping) {
    for (rh_child *c = s->children; c; c = c->next)
      if (c->kind == RH_CHILD_EVAL) return;
    rh_queued *q = s->queue;
    s->queue = q->next;
    rh_sched *sc = sched_find(s, q->sched);
    if (sc) sched_start_run(s, sc, q->key, q->slot, q->prev, q->slot_time, q->why);
    else rh__serve_log(s, "schedule %s: removed from the rules before its queued run started", q->sched);
    free(q);
  }
}

static void on_run_done(rh_child *c) {
  rh_srv *s = c->srv;
  double secs = (double)(rh__serve_ms() - c->started_ms) / 1000.0;
  const char *out = c->out_buf.data ? c->out_buf.data : "";
  const char *run = strstr(out, "run ");
  char prefix[200];
  snprintf(prefix, sizeof prefix, "schedule %s: ", c->sched);
  int stored = c->exited && c->term_signal == 0 && (c->status == 0 || c->status == 1) && run;
  /* A child told to stop may have committed its run just before: then the
  ** slot is done and must not be given back (it would run twice). */
  if (c->stop_killed && !stored) {
    rh__serve_log(s, "schedule %s: run abandoned at shutdown (slot %s) after %.1f s; nothing stored",
                  c->sched, c->slot, secs);
    state_unclaim(s, c->state_key, c->slot, c->prev_slot);
    return;
  }
  if (stored) {
    size_t n = strcspn(run, "\n");
    rh__serve_log(s, "schedule %s: %.*s (slot %s)%s", c->sched, (int)n, run, c->slot,
                  c->status == 1 ? "; some rules raised ERROR" : "");
    return;
  }
  if (c->term_signal)
    rh__serve_log(s, "schedule %s: run failed (slot %s): killed by signal %d after %.1f s", c->sched,
                  c->slot, c->term_signal, secs);
  else
    rh__serve_log(s, "schedule %s: run failed (slot %s): exit status %d after %.1f s; nothing stored",
                  c->sched, c->slot, (int)c->status, secs);
  if (c->err_buf.len) log_lines(s, prefix, c->err_buf.data, c->err_buf.len);
}

static void on_run_done_next(rh_child *c) {
  on_run_done(c);
  /* The child is already off the list: the next queued run may start. */
  queue_next(c->srv);
}

/* Starts the run of a claimed slot, unless the schedule's previous run is
** still going. */
static void sched_start_run(rh_srv *s, rh_sched *sc, const char *key, const char *slot,
                            const char *prev, time_t slot_time, const char *why) {
  rh_child *busy = NULL;
  if (rh__serve_running(s, sc->name, &busy)) {
    rh__serve_log(s, "schedule %s: slot %s skipped: the previous run (slot %s, pid %d) is still going",
                  sc->name, slot, busy->slot, (int)busy->proc.pid);
    return;
  }
  if (s->cur == NULL) return;
  for (rh_child *c = s->children; c; c = c->next) {
    if (c->kind != RH_CHILD_EVAL) continue;
    /* Another schedule's run holds the database's write lock: wait for it. */
    rh_queued *q = calloc(1, sizeof *q), **tail = &s->queue;
    for (rh_queued *x = s->queue; x; x = x->next)
      if (strcmp(x->sched, sc->name) == 0) {
        rh__serve_log(s, "schedule %s: slot %s skipped: its previous slot %s is still queued", sc->name,
                      slot, x->slot);
        free(q);
        return;
      }
    if (q == NULL) return;
    snprintf(q->sched, sizeof q->sched, "%s", sc->name);
    snprintf(q->key, sizeof q->key, "%s", key);
    snprintf(q->slot, sizeof q->slot, "%s", slot);
    snprintf(q->prev, sizeof q->prev, "%s", prev);
    snprintf(q->why, sizeof q->why, "%s", why);
    q->slot_time = slot_time;
    while (*tail) tail = &(*tail)->next;
    *tail = q;
    rh__serve_log(s, "schedule %s: slot %s queued behind the run of %s", sc->name, slot, c->sched);
    return;
  }
  char as_of[11], year[16], jobs[16];
  if (strcmp(sc->as_of, "today") == 0) rh__serve_date(as_of, slot_time);
  else snprintf(as_of, sizeof as_of, "%s", sc->as_of);
  int n = 0, cap = 20 + 2 * (sc->npolicies + sc->nrules);
  char **args = calloc((size_t)cap, sizeof *args);
  if (args == NULL) return;
  args[n++] = NULL;
  args[n++] = "eval";
  args[n++] = "--db";
  args[n++] = s->db_abs;
  args[n++] = "--rules";
  args[n++] = s->rules_base;
  args[n++] = "--as-of";
  args[n++] = as_of;
  if (sc->year) {
    snprintf(year, sizeof year, "%d", sc->year);
    args[n++] = "--year";
    args[n++] = year;
  }
  for (int i = 0; i < sc->npolicies; i++) {
    args[n++] = "--policy";
    args[n++] = sc->policies[i];
  }
  for (int i = 0; i < sc->nrules; i++) {
    args[n++] = "--rule";
    args[n++] = sc->rules[i];
  }
  if (s->o.jobs > 1) {
    snprintf(jobs, sizeof jobs, "%d", s->o.jobs);
    args[n++] = "--jobs";
    args[n++] = jobs;
  }
  args[n++] = "--quiet";
  args[n++] = "--schedule";
  args[n++] = sc->name;
  args[n] = NULL;
  rh_child *c = NULL;
  int rc = rh__serve_spawn(s, &c, RH_CHILD_EVAL, args, s->cur->dir, s->cur, 4096, 0, on_run_done_next, NULL);
  free(args);
  if (rc != RH_OK) {
    rh__serve_log(s, "schedule %s: cannot start the run: %s", sc->name, rh_error_last());
    state_unclaim(s, key, slot, prev);
    return;
  }
  snprintf(c->sched, sizeof c->sched, "%s", sc->name);
  snprintf(c->slot, sizeof c->slot, "%s", slot);
  snprintf(c->prev_slot, sizeof c->prev_slot, "%s", prev);
  snprintf(c->state_key, sizeof c->state_key, "%s", key);
  rh__serve_log(s, "schedule %s fired (%s): slot %s, as of %s, rules %.12s, pid %d", sc->name, why,
                slot, as_of, s->cur->version, (int)c->proc.pid);
}

/* A cron slot is due: claim it in the database, then run it. */
static void sched_fire(rh_srv *s, rh_sched *sc, time_t slot_time, const char *why) {
  char slot[40], prev[40];
  utc_iso(slot, slot_time);
  int r = state_claim(s, sc->name, sc->name, slot, 1, prev, sizeof prev);
  if (r == STATE_BUSY) {
    if (sc->pending == 0)
      rh__serve_log(s, "schedule %s: slot %s waits for the database (another process is writing)",
                    sc->name, slot);
    sc->pending = slot_time;
    return;
  }
  sc->pending = 0;
  if (r < 0) {
    rh__serve_log(s, "schedule %s: cannot claim slot %s: %s", sc->name, slot, rh_error_last());
    return;
  }
  if (r == 0) {
    rh__serve_log(s, "schedule %s: slot %s was already claimed (another serve process); skipped",
                  sc->name, slot);
    return;
  }
  sched_start_run(s, sc, sc->name, slot, prev, slot_time, why);
}

/* An import changed the data: each on_import schedule runs once per
** distinct data fingerprint, claimed like a slot. */
static void sched_fire_import(rh_srv *s, rh_sched *sc) {
  char key[160], prev[40], fp[40];
  snprintf(key, sizeof key, "%s#import", sc->name);
  snprintf(fp, sizeof fp, "data:%.16s", s->import_fp);
  int r = state_claim(s, key, sc->name, fp, 0, prev, sizeof prev);
  if (r == STATE_BUSY) {
    sc->pending_import = 1;
    return;
  }
  sc->pending_import = 0;
  if (r == 1) sched_start_run(s, sc, key, fp, prev, (time_t)rh__serve_now(s), "after a data import");
}

/* Takes a schedule into service: its next fire time and, if the database
** says a slot passed since the last one claimed (the service was down),
** one catch-up run for the latest such slot only. */
static void sched_adopt(rh_srv *s, rh_sched *sc) {
  time_t now = (time_t)rh__serve_now(s), latest = 0;
  char last[40], latest_txt[40] = "", when[40], by[128];
  sc->next = 0;
  if (sc->has_cron) {
    int have_latest = rh_cron_prev(&sc->cron, now, &latest) == RH_OK;
    if (have_latest) utc_iso(latest_txt, latest);
    if (rh_cron_next(&sc->cron, now, &sc->next) != RH_OK) sc->next = 0;
    if (!state_read(s, sc->name, last, sizeof last)) {
      /* First sight: what passed before it existed is not "missed". */
      if (state_init(s, sc->name, latest_txt) != RH_OK)
        rh__serve_log(s, "schedule %s: could not record it yet (database busy)", sc->name);
    } else if (have_latest && (last[0] == '\0' || strcmp(latest_txt, last) > 0)) {
      rh__serve_log(s, "schedule %s: slot %s passed while the service was down (last run slot %s): "
                    "catching up once", sc->name, latest_txt, last[0] ? last : "none");
      sched_fire(s, sc, latest, "catch-up");
    } else if (have_latest && strcmp(latest_txt, last) == 0 &&
               state_orphaned(s, sc->name, sc->name, last, by)) {
      /* Claimed, but its service (and run) were killed before the run was
      ** stored: the slot has not run, so it runs now, once. */
      rh__serve_log(s, "schedule %s: slot %s was claimed by %s but never stored (killed): catching up once",
                    sc->name, last, by);
      sched_fire(s, sc, latest, "catch-up of a killed run");
    }
    if (sc->next) {
      rh__serve_local_iso(when, sc->next);
      rh__serve_log(s, "schedule %s: cron \"%s\", next fire %s", sc->name, sc->cron_text, when);
    } else {
      rh__serve_log(s, "schedule %s: cron \"%s\" never fires", sc->name, sc->cron_text);
    }
  }
  if (sc->on_import && s->import_fp[0] == '\0') {
    /* The baseline: computed once, when the first on_import schedule
    ** appears (it counts the rows of every data table). */
    s->data_version = data_version(s);
    if (data_fingerprint(s, s->import_fp) != RH_OK) s->import_fp[0] = '\0';
  }
  if (sc->on_import && s->import_fp[0]) {
    char key[160], fp[40];
    snprintf(key, sizeof key, "%s#import", sc->name);
    snprintf(fp, sizeof fp, "data:%.16s", s->import_fp);
    if (!state_read(s, key, last, sizeof last)) state_init(s, key, fp);
    else if (strcmp(last, fp) != 0) {
      rh__serve_log(s, "schedule %s: the data changed while the service was down: running once",
                    sc->name);
      sched_fire_import(s, sc);
    } else if (state_orphaned(s, key, sc->name, fp, by)) {
      rh__serve_log(s, "schedule %s: the run after an import, claimed by %s, was never stored (killed): "
                    "running once", sc->name, by);
      sched_fire_import(s, sc);
    }
  }
}

static int sched_set(rh_sched *sc, json_t *o) {
  free(sc->cron_text);
  free(sc->as_of);
  free(sc->file);
  for (int i = 0; i < sc->npolicies; i++) free(sc->policies[i]);
  for (int i = 0; i < sc->nrules; i++) free(sc->rules[i]);
  free(sc->policies);
  free(sc->rules);
  sc->cron_text = strdup(jget_str(o, "cron"));
  sc->as_of = strdup(jget_str(o, "as_of"));
  sc->file = strdup(jget_str(o, "file"));
  sc->line = (int)json_integer_value(json_object_get(o, "line"));
  sc->year = (int)json_integer_value(json_object_get(o, "year"));
  sc->on_import = json_is_true(json_object_get(o, "on_import"));
  sc->policies = str_list(json_object_get(o, "policies"), &sc->npolicies);
  sc->rules = str_list(json_object_get(o, "rules"), &sc->nrules);
  if (!sc->cron_text || !sc->as_of || !sc->file || !sc->policies || !sc->rules)
    return rh_error_set(RH_ENOMEM, "out of memory");
  sc->has_cron = 0;
  if (*sc->cron_text) {
    if (rh_cron_parse(&sc->cron, sc->cron_text) != RH_OK) return RH_EUSAGE;
    sc->has_cron = 1;
  }
  if (*sc->as_of == '\0') {
    free(sc->as_of);
    sc->as_of = strdup("today");
  }
  return RH_OK;
}

/* Replaces the schedules with those of a new catalog, keeping by name the
** ones that stay: a schedule whose cron text did not change keeps its next
** fire time, and new ones are adopted. */
static void sched_apply(rh_srv *s, json_t *arr) {
  for (rh_sched *sc = s->scheds; sc; sc = sc->next_s) sc->seen = 0;
  size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
  for (size_t i = 0; i < n; i++) {
    json_t *o = json_array_get(arr, i);
    const char *name = jget_str(o, "name");
    rh_sched *sc = s->scheds;
    while (sc && strcmp(sc->name, name) != 0) sc = sc->next_s;
    if (sc) {
      char *old_cron = strdup(sc->cron_text);
      int old_import = sc->on_import;
      if (sched_set(sc, o) != RH_OK) rh__serve_log(s, "schedule %s: %s", name, rh_error_last());
      sc->seen = 1;
      if (old_cron == NULL || strcmp(old_cron, sc->cron_text) != 0 || old_import != sc->on_import) {
        time_t now = (time_t)rh__serve_now(s);
        sc->next = 0;
        if (sc->has_cron && rh_cron_next(&sc->cron, now, &sc->next) != RH_OK) sc->next = 0;
        char when[40] = "never";
        if (sc->next) rh__serve_local_iso(when, sc->next);
        rh__serve_log(s, "schedule %s: now cron \"%s\", next fire %s", name, sc->cron_text, when);
      }
      free(old_cron);
      continue;
    }
    sc = calloc(1, sizeof *sc);
    if (sc == NULL || (sc->name = strdup(name)) == NULL) {
      free(sc);
      continue;
    }
    if (sched_set(sc, o) != RH_OK) {
      rh__serve_log(s, "schedule %s: %s", name, rh_error_last());
      sched_free(sc);
      continue;
    }
    sc->seen = 1;
    sc->next_s = s->scheds;
    s->scheds = sc;
    sched_adopt(s, sc);
  }
  for (rh_sched **pp = &s->scheds; *pp;) {
    rh_sched *sc = *pp;
    if (sc->seen) {
      pp = &sc->next_s;
      continue;
    }
    rh__serve_log(s, "schedule %s: removed from the rules", sc->name);
    *pp = sc->next_s;
    sched_free(sc);
  }
  sched_arm(s);
}

static void on_sched_timer(uv_timer_t *t) {
  rh_srv *s = t->data;
  time_t now = (time_t)rh__serve_now(s);
  for (rh_sched *sc = s->scheds; sc && !s->stopping; sc = sc->next_s) {
    if (sc->pending) sched_fire(s, sc, sc->pending, "waited for the database");
    if (sc->pending_import) sched_fire_import(s, sc);
    if (!sc->has_cron || sc->next == 0 || sc->next > now) continue;
    /* Several slots may have passed (a suspended machine, a clock jump):
    ** they collapse into the latest one. */
    time_t slot = sc->next;
    const char *why = "on time";
    time_t latest;
    if (rh_cron_prev(&sc->cron, now, &latest) == RH_OK && latest > slot) {
      slot = latest;
      why = "late; missed slots collapsed into this one";
    }
    if (rh_cron_next(&sc->cron, now, &sc->next) != RH_OK) sc->next = 0;
    sched_fire(s, sc, slot, why);
  }
  sched_arm(s);
}

/* Wakes at the next fire time, and at least once a minute so that a clock
** that jumps is noticed. */
static void sched_arm(rh_srv *s) {
  if (s->stopping || !s->started) return;
  double now = rh__serve_now(s), wait = 60.0;
  for (rh_sched *sc = s->scheds; sc; sc = sc->next_s) {
    if (sc->has_cron && sc->next && (double)sc->next - now < wait) wait = (double)sc->next - now;
    if ((sc->pending || sc->pending_import) && wait > 1.0) wait = 1.0;
  }
  if (wait < 0) wait = 0;
  uv_timer_start(&s->sched_timer, on_sched_timer, (uint64_t)(wait * 1000.0) + 5, 0);
}

/* ---- data imports (on_import schedules) ----------------------------------- */

/* A fingerprint of the data tables: row counts and largest rowids.  It
** moves when an import appends rows, and not when a run is stored (runs
** only write rh_* tables). */
static int data_fingerprint(rh_srv *s, char out[65]) {
  sqlite3_stmt *tabs = NULL;
  rh_buf b = RH_BUF_INIT;
  if (sqlite3_prepare_v2(s->ro,
                         "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'rh\\_%' "
                         "ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                         -1, &tabs, NULL) != SQLITE_OK)
    return RH_EDB;
  while (sqlite3_step(tabs) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(tabs, 0);
    if (name == NULL || !rh_ident_ok(name)) continue;
    char sql[200];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "SELECT count(*), max(rowid) FROM \"%s\"", name);
    if (sqlite3_prepare_v2(s->ro, sql, -1, &st, NULL) != SQLITE_OK) {
      snprintf(sql, sizeof sql, "SELECT count(*), 0 FROM \"%s\"", name); /* WITHOUT ROWID */
      if (sqlite3_prepare_v2(s->ro, sql, -1, &st, NULL) != SQLITE_OK) continue;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
      rh_buf_printf(&b, "%s:%lld:%lld\n", name, (long long)sqlite3_column_int64(st, 0),
                    (long long)sqlite3_column_int64(st, 1));
    sqlite3_finalize(st);
  }
  sqlite3_finalize(tabs);
  rh_sha256_hex(out, b.data ? b.data : "", b.len);
  rh_buf_free(&b);
  return RH_OK;
}

static long long data_version(rh_srv *s) {
  sqlite3_stmt *st = NULL;
  long long v = -1;
  if (sqlite3_prepare_v2(s->ro, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void import_poll(rh_srv *s) {
  int any = 0;
  for (rh_sched *sc = s->scheds; sc; sc = sc->next_s) any |= sc->on_import;
  if (!any) return;
  long long v = data_version(s);
  if (v == s->data_version) return;
  s->data_version = v;
  char fp[65];
  if (data_fingerprint(s, fp) != RH_OK || strcmp(fp, s->import_fp) == 0) return;
  memcpy(s->import_fp, fp, sizeof fp);
  rh__serve_log(s, "the data changed (an import): starting the on_import schedules");
  for (rh_sched *sc = s->scheds; sc; sc = sc->next_s)
    if (sc->on_import) sched_fire_import(s, sc);
  sched_arm(s);
}

/* ---- reload --------------------------------------------------------------- */

static void srv_started(rh_srv *s);

static void reload_end(rh_srv *s) {
  s->reloading = 0;
  rh__serve_rmtree(s->stage_dir);
  s->stage_dir[0] = '\0';
  if (s->reload_again && !s->stopping) {
    s->reload_again = 0;
    rh__serve_reload(s, "changed again during the reload");
  }
}

/* Keeps the serving rule set and publishes why the new one was refused. */
static void reload_fail(rh_srv *s, json_t *errors) {
  json_decref(s->errors);
  s->errors = errors;
  s->last_reload_ok = 0;
  rh_now_iso(s->last_reload_at);
  size_t n = json_array_size(errors);
  if (s->cur)
    rh__serve_log(s, "reload failed (%s): %zu problem%s; still serving rules %.12s", s->reload_why, n,
                  n == 1 ? "" : "s", s->cur->version);
  else
    rh__serve_log(s, "cannot start: the rules do not load (%zu problem%s)", n, n == 1 ? "" : "s");
  for (size_t i = 0; i < n; i++) rh__serve_log(s, "  %s", json_string_value(json_array_get(errors, i)));
  reload_end(s);
  if (!s->started) srv_stop(s, 2, "the rules do not load");
}

static void reload_fail_msg(rh_srv *s, const char *msg) {
  json_t *e = json_array();
  json_array_append_new(e, rh__json_str(msg));
  reload_fail(s, e);
}

/* The lines a failed child printed, with the user's paths. */
static json_t *child_problems(rh_srv *s, rh_child *c, const char *what) {
  json_t *e = json_array();
  rh_buf *bufs[2] = {&c->out_buf, &c->err_buf};
  char line[4096], mapped[8192];
  for (int k = 0; k < 2; k++) {
    const char *p = bufs[k]->data, *end = p ? p + bufs[k]->len : NULL;
    while (p && p < end) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
      snprintf(line, sizeof line, "%.*s", (int)len, p);
      p = nl ? nl + 1 : NULL;
      if (line[0] == '\0' || strstr(line, ", no problems (rules ")) continue;
      user_path(s, mapped, sizeof mapped, line);
      json_array_append_new(e, rh__json_str(mapped));
    }
  }
  if (json_array_size(e) == 0) {
    char msg[256];
    if (c->term_signal) snprintf(msg, sizeof msg, "%s was killed by signal %d", what, c->term_signal);
    else snprintf(msg, sizeof msg, "%s failed with exit status %d", what, (int)c->status);
    json_array_append_new(e, json_string(msg));
  }
  return e;
}

static void on_catalog_done(rh_child *c) {
  rh_srv *s = c->srv;
  if (s->stopping) {
    reload_end(s);
    return;
  }
  json_t *rules = json_array(), *policies = json_array(), *scheds = json_array(), *errors = json_array();
  char version[65] = "";
  const char *p = c->out_buf.data, *end = p ? p + c->out_buf.len : NULL;
  char mapped[8192];
  while (p && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    json_error_t jerr;
    json_t *o = len ? json_loadb(p, len, 0, &jerr) : NULL;
    p = nl ? nl + 1 : NULL;
    if (o == NULL) continue;
    const char *type = jget_str(o, "type");
    json_t *file = json_object_get(o, "file");
    if (json_is_string(file)) {
      user_path(s, mapped, sizeof mapped, json_string_value(file));
      json_object_set_new(o, "file", rh__json_str(mapped));
    }
    if (strcmp(type, "ruleset") == 0) snprintf(version, sizeof version, "%s", jget_str(o, "version"));
    else if (strcmp(type, "rule") == 0) json_array_append(rules, o);
    else if (strcmp(type, "policy") == 0) json_array_append(policies, o);
    else if (strcmp(type, "schedule") == 0) json_array_append(scheds, o);
    else if (strcmp(type, "error") == 0) {
      user_path(s, mapped, sizeof mapped, jget_str(o, "message"));
      json_array_append_new(errors, rh__json_str(mapped));
    }
    if (json_is_object(o)) json_object_del(o, "type");
    json_decref(o);
  }
  if (json_array_size(errors) == 0 && (!c->exited || c->status != 0 || c->term_signal || !*version)) {
    json_decref(errors);
    errors = child_problems(s, c, "ronghe __catalog");
  }
  if (json_array_size(errors) > 0) {
    json_decref(rules);
    json_decref(policies);
    json_decref(scheds);
    reload_fail(s, errors);
    return;
  }
  json_decref(errors);
  /* Install: the staged folder becomes a snapshot named by its version. */
  rh_snap *snap = snap_find(s, version);
  if (snap == NULL) {
    snap = calloc(1, sizeof *snap);
    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/%.12s", s->root, version);
    if (snap == NULL || rename(s->stage_dir, dir) != 0 || (snap->dir = strdup(dir)) == NULL) {
      char msg[PATH_MAX + 64];
      snprintf(msg, sizeof msg, "%s: %s", dir, strerror(errno));
      free(snap);
      json_decref(rules);
      json_decref(policies);
      json_decref(scheds);
      reload_fail_msg(s, msg);
      return;
    }
    snprintf(snap->version, sizeof snap->version, "%s", version);
    snap->next = s->snaps;
    s->snaps = snap;
  } else {
    json_decref(snap->rules);
    json_decref(snap->policies);
    json_decref(snap->schedules);
  }
  snap->rules = rules;
  snap->policies = policies;
  snap->schedules = scheds;
  rh_now_iso(snap->loaded_at);
  rh_snap *old = s->cur;
  if (old != snap) {
    snap->refs++;
    s->cur = snap;
    snap_release(s, old);
  }
  json_array_clear(s->errors);
  s->last_reload_ok = 1;
  rh_now_iso(s->last_reload_at);
  rh__serve_log(s, "rules loaded (%s): version %.12s, %zu rules, %zu policies, %zu schedules",
                s->reload_why, version, json_array_size(rules), json_array_size(policies),
                json_array_size(scheds));
  if (!s->started) srv_started(s);
  if (!s->stopping) sched_apply(s, scheds);
  reload_end(s);
}

static void on_check_done(rh_child *c) {
  rh_srv *s = c->srv;
  if (s->stopping) {
    reload_end(s);
    return;
  }
  if (!c->exited || c->term_signal || c->status != 0) {
    reload_fail(s, child_problems(s, c, "ronghe check"));
    return;
  }
  char *args[] = {NULL, "__catalog", "--rules", s->rules_base, NULL};
  rh_child *k = NULL;
  if (rh__serve_spawn(s, &k, RH_CHILD_CATALOG, args, s->stage_dir, NULL, 8 << 20, CHILD_TIMEOUT_MS,
                      on_catalog_done, NULL) != RH_OK)
    reload_fail_msg(s, rh_error_last());
}

/* Stages the rule files, and if they differ from what serves, validates
** them in children: `ronghe check` (load, static checks against the
** database), then `ronghe __catalog` (what they declare).  Only a set that
** passes both replaces the current one; at most one reload runs at a time
** and changes during it start another. */
void rh__serve_reload(rh_srv *s, const char *why) {
  if (s->stopping) return;
  if (s->reloading) {
    s->reload_again = 1;
    return;
  }
  s->reloading = 1;
  snprintf(s->reload_why, sizeof s->reload_why, "%s", why);
  snprintf(s->stage_dir, sizeof s->stage_dir, "%s/stage-%u", s->root, ++s->stage_no);
  char inner[PATH_MAX + 300];
  snprintf(inner, sizeof inner, "%s/%s", s->stage_dir, s->rules_base);
  if (mkdir(s->stage_dir, 0700) != 0) {
    char msg[PATH_MAX + 64];
    snprintf(msg, sizeof msg, "%s: %s", s->stage_dir, strerror(errno));
    reload_fail_msg(s, msg);
    return;
  }
  if (rh__serve_stage(inner, s->rules_abs, s->config_name[0] ? s->config_abs : NULL, s->config_name) !=
      RH_OK) {
    reload_fail_msg(s, rh_error_last());
    return;
  }
  rh_ruleset *rs = NULL;
  if (rh_ruleset_read(&rs, inner) != RH_OK) {
    reload_fail_msg(s, rh_error_last());
    return;
  }
  snprintf(s->stage_version, sizeof s->stage_version, "%s", rs->version);
  rh_ruleset_free(rs);
  if (s->cur && strcmp(s->cur->version, s->stage_version) == 0) {
    if (json_array_size(s->errors) > 0) {
      json_array_clear(s->errors);
      s->last_reload_ok = 1;
      rh_now_iso(s->last_reload_at);
      rh__serve_log(s, "reload (%s): the files are back to the serving rules %.12s; problems cleared",
                    why, s->cur->version);
    } else {
      rh__serve_log(s, "reload (%s): no change (rules %.12s)", why, s->cur->version);
    }
    reload_end(s);
    return;
  }
  char *args[] = {NULL, "check", "--rules", s->rules_base, "--db", s->db_abs, NULL};
  rh_child *c = NULL;
  if (rh__serve_spawn(s, &c, RH_CHILD_CHECK, args, s->stage_dir, NULL, 1 << 20, CHILD_TIMEOUT_MS,
                      on_check_done, NULL) != RH_OK)
    reload_fail_msg(s, rh_error_last());
}

/* ---- watch, signals, housekeeping ----------------------------------------- */

static void on_debounce(uv_timer_t *t) { rh__serve_reload(t->data, "file change"); }

/* Editors write temporary files next to the real one; only *.lua (and the
** config) matter.  Every relevant event restarts the debounce timer, so a
** burst of writes makes one reload. */
static void on_fs_event(uv_fs_event_t *h, const char *filename, int events, int status) {
  rh_srv *s = h->data;
  (void)events;
  if (s->stopping) return;
  if (status < 0) {
    rh__serve_log(s, "watching %s: %s", h == &s->watch_rules ? s->o.rules_dir : s->o.config,
                  uv_strerror(status));
    return;
  }
  if (filename) {
    size_t n = strlen(filename);
    if (h == &s->watch_config) {
      if (strcmp(filename, s->config_file) != 0) return;
    } else if (n < 5 || filename[0] == '.' || strcmp(filename + n - 4, ".lua") != 0) {
      return;
    }
  }
  uv_timer_start(&s->debounce, on_debounce, RELOAD_DEBOUNCE_MS, 0);
}

static void on_signal(uv_signal_t *h, int signum) {
  rh_srv *s = h->data;
  if (signum == SIGHUP) {
    rh__serve_log(s, "SIGHUP: reloading the rules");
    rh__serve_reload(s, "SIGHUP");
    return;
  }
  if (s->stopping) {
    /* A second signal: do not wait for the children any longer. */
    s->signal_count++;
    rh__serve_log(s, "%s again: killing the running children", strsignal(signum));
    for (rh_child *c = s->children; c; c = c->next)
      if (!c->exited) uv_process_kill(&c->proc, SIGKILL);
    return;
  }
  srv_stop(s, 0, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_house(uv_timer_t *t) {
  rh_srv *s = t->data;
  uint64_t now = rh__serve_ms();
  for (rh_child *c = s->children; c; c = c->next) {
    if (!c->exited && !c->killed && c->deadline_ms && now > c->deadline_ms) {
      c->killed = 1;
      rh__serve_log(s, "%s (pid %d) took too long: killed", c->kind == RH_CHILD_EXPLAIN ? "evaluation" : "child",
                    (int)c->proc.pid);
      uv_process_kill(&c->proc, SIGKILL);
    }
    if (!c->exited && c->stop_killed && !c->killed && now - c->term_ms > STOP_KILL_MS) {
      c->killed = 1;
      uv_process_kill(&c->proc, SIGKILL);
    }
    if (c->exited && (!c->out_eof || !c->err_eof) && now - c->exited_ms > PIPE_GRACE_MS) {
      /* A grandchild kept the pipe: what it writes now belongs to no one. */
      uv_read_stop((uv_stream_t *)&c->out);
      uv_read_stop((uv_stream_t *)&c->err);
      c->out_eof = c->err_eof = 1;
      child_check_done(c);
      break; /* the list changed */
    }
  }
  if (s->started && !s->stopping && now - s->import_check_ms >= IMPORT_POLL_MS) {
    s->import_check_ms = now;
    import_poll(s);
  }
  srv_maybe_finish(s);
}

/* ---- start and stop ------------------------------------------------------- */

static void srv_started(rh_srv *s) {
  if (rh__http_start(s) != RH_OK) {
    rh__serve_log(s, "cannot start: %s", rh_error_last());
    srv_stop(s, 2, "cannot listen");
    return;
  }
  s->started = 1;
  if (uv_fs_event_init(&s->loop, &s->watch_rules) == 0) {
    s->watch_rules.data = s;
    s->watch_rules_on = 1;
    int rc = uv_fs_event_start(&s->watch_rules, on_fs_event, s->rules_abs, 0);
    if (rc != 0) rh__serve_log(s, "cannot watch %s (%s): reload with SIGHUP", s->o.rules_dir, uv_strerror(rc));
  }
  if (s->config_name[0] && uv_fs_event_init(&s->loop, &s->watch_config) == 0) {
    s->watch_config.data = s;
    s->watch_config_on = 1;
    int rc = uv_fs_event_start(&s->watch_config, on_fs_event, s->config_dir, 0);
    if (rc != 0) rh__serve_log(s, "cannot watch %s (%s): reload with SIGHUP", s->o.config, uv_strerror(rc));
  }
  s->import_check_ms = rh__serve_ms();
  rh__serve_log(s, "start: listening on %s (pid %d); db %s; rules %s (version %.12s)%s%s; snapshots in %s",
                s->listen_url, (int)getpid(), s->o.db_path, s->o.rules_dir, s->cur->version,
                s->o.config ? "; config " : "", s->o.config ? s->o.config : "", s->root);
}

/* Stops accepting, tells every child to stop (an eval rolls back on
** SIGTERM: nothing half-written), and lets the loop end when they and the
** pending requests are gone. */
static void srv_stop(rh_srv *s, int code, const char *why) {
  if (s->stopping) return;
  s->stopping = 1;
  s->exit_code = code;
  s->stop_ms = rh__serve_ms();
  int n = 0;
  for (rh_child *c = s->children; c; c = c->next)
    if (!c->exited) {
      c->stop_killed = 1;
      c->term_ms = s->stop_ms;
      uv_process_kill(&c->proc, SIGTERM);
      n++;
    }
  if (n) rh__serve_log(s, "stopping (%s): %d running child process%s told to stop", why, n, n == 1 ? "" : "es");
  else rh__serve_log(s, "stopping (%s)", why);
  while (s->queue) { /* never started: the next start catches them up */
    rh_queued *q = s->queue;
    s->queue = q->next;
    rh__serve_log(s, "schedule %s: queued slot %s given back", q->sched, q->slot);
    state_unclaim(s, q->key, q->slot, q->prev);
    free(q);
  }
  if (s->h2o_on) rh__http_stop(s);
  uv_timer_stop(&s->sched_timer);
  uv_timer_stop(&s->debounce);
  if (s->watch_rules_on) uv_fs_event_stop(&s->watch_rules);
  if (s->watch_config_on) uv_fs_event_stop(&s->watch_config);
  srv_maybe_finish(s);
}

static void srv_maybe_finish(rh_srv *s) {
  if (!s->stopping || s->nchildren_alive > 0 || s->pending_reqs > 0) return;
  if (s->nconns > 0) {
    /* Every answer is handed to h2o: let it finish writing them, and close
    ** idle keep-alive connections through h2o so it frees their state. */
    if (s->drain_ms == 0) s->drain_ms = rh__serve_ms();
    rh__http_close_idle(s);
    if (rh__serve_ms() - s->drain_ms < 2000) return;
  }
  uv_stop(&s->loop);
}

static void walk_close(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

/* Removes the private folders of serve processes that are gone (killed
** with SIGKILL, or a crash): ronghe-serve-PID-XXXXXX whose PID does not
** exist.  A folder of a live process, or one we may not signal, is kept. */
static void remove_stale_roots(rh_srv *s, const char *tmp) {
  DIR *d = opendir(tmp);
  if (d == NULL) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    int pid = 0, n = 0;
    if (sscanf(e->d_name, "ronghe-serve-%d-%*6[A-Za-z0-9]%n", &pid, &n) != 1 || n == 0 ||
        e->d_name[n] != '\0' || pid <= 0 || pid == (int)getpid())
      continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
    rh__serve_rmtree(path);
    rh__serve_log(s, "removed %s (left by serve process %d, which is gone)", path, pid);
  }
  closedir(d);
}

static int srv_init(rh_srv *s, const rh_serve_opts *o) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts); /* the real clock, as in claimed_at */
  s->start_wall = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
  s->o = *o;
  if (s->o.db_path == NULL) s->o.db_path = "ronghe.db";
  if (s->o.rules_dir == NULL) s->o.rules_dir = "rules";
  if (s->o.listen == NULL) s->o.listen = "127.0.0.1:8080";
  s->errors = json_array();
  int rc = rh__http_check_listen(s->o.listen);
  if (rc != RH_OK) return rc;
  if (realpath(s->o.db_path, s->db_abs) == NULL)
    return rh_error_set(RH_ENOTFOUND, "%s: no such database (create it with: ronghe init --db %s)",
                        s->o.db_path, s->o.db_path);
  struct stat st;
  if (realpath(s->o.rules_dir, s->rules_abs) == NULL || stat(s->rules_abs, &st) != 0 || !S_ISDIR(st.st_mode))
    return rh_error_set(RH_ENOTFOUND, "%s: cannot open the rules folder", s->o.rules_dir);
  const char *base = strrchr(s->rules_abs, '/');
  snprintf(s->rules_base, sizeof s->rules_base, "%s", base && base[1] ? base + 1 : "rules");
  if (s->o.config) {
    if (realpath(s->o.config, s->config_abs) == NULL || stat(s->config_abs, &st) != 0 || !S_ISREG(st.st_mode))
      return rh_error_set(RH_ENOTFOUND, "--config %s: no such file", s->o.config);
    rh__serve_config_name(s->config_name, sizeof s->config_name, s->rules_abs, s->config_abs);
    const char *cb = strrchr(s->config_abs, '/');
    snprintf(s->config_file, sizeof s->config_file, "%s", cb + 1);
    snprintf(s->config_dir, sizeof s->config_dir, "%.*s", (int)(cb - s->config_abs), s->config_abs);
    if (s->config_dir[0] == '\0') snprintf(s->config_dir, sizeof s->config_dir, "/");
  }
  if (s->o.log_path) {
    s->log = fopen(s->o.log_path, "a");
    if (s->log == NULL) return rh_error_set(RH_EUSAGE, "--log %s: %s", s->o.log_path, strerror(errno));
  }
  size_t n = sizeof s->exe;
  if (uv_exepath(s->exe, &n) != 0) return rh_error_set(RH_ERROR, "cannot find the ronghe binary");
  if (gethostname(s->host, sizeof s->host) != 0) snprintf(s->host, sizeof s->host, "localhost");
  s->host[sizeof s->host - 1] = '\0';
  const char *tmp = getenv("TMPDIR");
  if (tmp == NULL || *tmp == '\0') tmp = "/tmp";
  remove_stale_roots(s, tmp);
  snprintf(s->root, sizeof s->root, "%s/ronghe-serve-%d-XXXXXX", tmp, (int)getpid());
  if (mkdtemp(s->root) == NULL) {
    int e = errno;
    s->root[0] = '\0';
    return rh_error_set(RH_ERROR, "cannot make a private folder in %s: %s", tmp, strerror(e));
  }
  /* Tests set the clock: RONGHE_SERVE_NOW=YYYY-MM-DDTHH:MM:SS (local). */
  const char *fake = getenv("RONGHE_SERVE_NOW");
  if (fake && *fake) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char *end = strptime(fake, "%Y-%m-%dT%H:%M:%S", &tm);
    if (end == NULL || *end) return rh_error_set(RH_EUSAGE, "RONGHE_SERVE_NOW=%s: expected YYYY-MM-DDTHH:MM:SS", fake);
    tm.tm_isdst = -1;
    s->fake_clock = 1;
    s->fake_base = (double)mktime(&tm);
    s->fake_hr0 = uv_hrtime();
  }
  rc = rh_db_open(&s->rw, s->db_abs, RH_DB_RW);
  if (rc != RH_OK) return rc;
  /* Startup may wait for a writer (a run started by hand); later, the loop
  ** never does: busy statements are retried from the timer. */
  if ((rc = rh_db_ensure_engine(s->rw)) != RH_OK || (rc = state_schema(s->rw)) != RH_OK) return rc;
  sqlite3_busy_timeout(s->rw, 0);
  if ((rc = rh_db_open(&s->ro, s->db_abs, RH_DB_RO)) != RH_OK) return rc;
  sqlite3_busy_timeout(s->ro, 1000);
  rc = uv_loop_init(&s->loop);
  if (rc != 0) return rh_error_set(RH_ERROR, "uv_loop_init: %s", uv_strerror(rc));
  uv_signal_init(&s->loop, &s->sig_term);
  uv_signal_init(&s->loop, &s->sig_int);
  uv_signal_init(&s->loop, &s->sig_hup);
  s->sig_term.data = s->sig_int.data = s->sig_hup.data = s;
  uv_signal_start(&s->sig_term, on_signal, SIGTERM);
  uv_signal_start(&s->sig_int, on_signal, SIGINT);
  uv_signal_start(&s->sig_hup, on_signal, SIGHUP);
  uv_timer_init(&s->loop, &s->debounce);
  uv_timer_init(&s->loop, &s->sched_timer);
  uv_timer_init(&s->loop, &s->house);
  s->debounce.data = s->sched_timer.data = s->house.data = s;
  uv_timer_start(&s->house, on_house, HOUSE_MS, HOUSE_MS);
  s->start_ms = rh__serve_ms();
  return RH_OK;
}

int rh_serve_run(const rh_serve_opts *o) {
  rh_srv *s = calloc(1, sizeof *s);
  if (s == NULL) {
    fprintf(stderr, "ronghe serve: out of memory\n");
    return 2;
  }
  int loop_ok = 0;
  /* A client that goes away mid-answer must not kill the service. */
  signal(SIGPIPE, SIG_IGN);
  if (srv_init(s, o) != RH_OK) {
    fprintf(stderr, "ronghe serve: %s\n", rh_error_last());
    if (s->log) rh__serve_log(s, "cannot start: %s", rh_error_last());
    s->exit_code = 2;
    goto done; /* the loop is the last thing srv_init makes: it does not exist */
  }
  s->loop.data = s;
  loop_ok = 1;
  rh__serve_reload(s, "start");
  uv_run(&s->loop, UV_RUN_DEFAULT);

done:
  if (loop_ok) {
    rh__http_dispose(s);
    uv_walk(&s->loop, walk_close, NULL);
    uv_run(&s->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&s->loop) != 0) rh__serve_log(s, "internal: handles left open at exit");
  }
  while (s->scheds) {
    rh_sched *sc = s->scheds;
    s->scheds = sc->next_s;
    sched_free(sc);
  }
  if (s->cur) snap_release(s, s->cur);
  while (s->snaps) { /* only reachable if a child was lost; remove anyway */
    rh_snap *p = s->snaps;
    p->refs = 1;
    snap_release(s, p);
  }
  if (s->root[0]) rh__serve_rmtree(s->root);
  rh_db_close(s->ro);
  rh_db_close(s->rw);
  json_decref(s->errors);
  int code = s->exit_code;
  if (loop_ok) rh__serve_log(s, "stopped (exit %d)", code);
  if (s->log) fclose(s->log);
  free(s);
  return code;
}
