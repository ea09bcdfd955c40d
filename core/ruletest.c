/*
** `ronghe test` (see ruletest.h).
*/
#include "ruletest.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "db.h"
#include "eval.h"
#include "proto.h"
#include "rh.h"
#include "ruleset.h"
#include "util.h"

#define CONV_TIMEOUT_MS 60000

/* ---- asking a worker for the cases ---------------------------------------- */

/* One conversation with a worker: load the test files (L), ask for their
** cases (T), read the catalog frame (C: load errors) and the cases frame. */
typedef struct {
  uv_loop_t loop;
  uv_process_t proc;
  uv_pipe_t to, from;
  uv_timer_t timer;
  rh_buf in;
  rh_ruleset *rs;
  char *cases;   /* payload of the T frame */
  size_t ncases;
  int got_c, got_t, timed_out, bad, exited;
  int term_signal;
} conv;

static void conv_close(uv_handle_t *h) {
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

static void on_conv_exit(uv_process_t *p, int64_t status, int sig) {
  conv *c = p->data;
  (void)status;
  c->exited = 1;
  c->term_signal = sig;
  conv_close((uv_handle_t *)&c->proc);
  uv_timer_stop(&c->timer);
  conv_close((uv_handle_t *)&c->timer);
}

static void on_conv_timer(uv_timer_t *t) {
  conv *c = t->data;
  c->timed_out = 1;
  uv_process_kill(&c->proc, SIGKILL);
}

static void on_conv_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  conv *c = h->data;
  (void)suggested;
  if (rh_buf_reserve(&c->in, 65536) != RH_OK) {
    buf->base = NULL;
    buf->len = 0;
    return;
  }
  buf->base = c->in.data + c->in.len;
  buf->len = c->in.cap - c->in.len - 1;
}

static void on_conv_written(uv_write_t *req, int status) {
  (void)status; /* a worker that died is seen by its exit callback */
  free(req->data);
  free(req);
}

static void on_conv_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
  conv *c = st->data;
  (void)buf;
  if (nread < 0) {
    conv_close((uv_handle_t *)&c->from);
    conv_close((uv_handle_t *)&c->to);
    return;
  }
  c->in.len += (size_t)nread;
  size_t off = 0;
  while (c->in.len - off >= 5) {
    const unsigned char *q = (const unsigned char *)c->in.data + off;
    uint32_t len = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
    if (len < 1 || len > (512u << 20)) {
      c->bad = 1;
      uv_process_kill(&c->proc, SIGKILL);
      return;
    }
    if (c->in.len - off < 4 + (size_t)len) break;
    const char *payload = (const char *)q + 5;
    size_t n = len - 1;
    if (q[4] == 'C' && !c->got_c) {
      c->got_c = 1;
      if (rh_ruleset_parse_catalog(c->rs, payload, n) != RH_OK) c->bad = 1;
    } else if (q[4] == 'T' && !c->got_t) {
      c->got_t = 1;
      c->cases = malloc(n + 1);
      if (c->cases) {
        memcpy(c->cases, payload, n);
        c->ncases = n;
      } else {
        c->bad = 1;
      }
      /* Done: end of input makes the worker leave its loop and exit. */
      conv_close((uv_handle_t *)&c->to);
    }
    off += 4 + (size_t)len;
  }
  memmove(c->in.data, c->in.data + off, c->in.len - off);
  c->in.len -= off;
}

/* Loads the files of rs in a worker; fills rs's catalog (load errors) and
** *cases (the T payload, malloc'd). */
static int ask_cases(rh_ruleset *rs, const char *exe_opt, char **cases, size_t *ncases) {
  conv c;
  memset(&c, 0, sizeof c);
  c.rs = rs;
  *cases = NULL;
  *ncases = 0;
  char exe[4096];
  if (exe_opt) {
    snprintf(exe, sizeof exe, "%s", exe_opt);
  } else {
    size_t n = sizeof exe;
    if (uv_exepath(exe, &n) != 0) return rh_error_set(RH_EWORKER, "cannot find the ronghe binary");
  }
  rh_eval_opts d;
  rh_eval_opts_init(&d);
  rh_buf b = RH_BUF_INIT;
  int rc = rh_ruleset_load_frame(rs, &b, (uint64_t)d.mem_mb << 20, (uint64_t)d.instructions,
                                 (uint64_t)d.time_ms, (uint64_t)d.instructions * 5, NULL, 0);
  /* then T, an empty frame (rh_fr_start would reset the buffer) */
  static const unsigned char ask[5] = {1, 0, 0, 0, 'T'};
  if (rc == RH_OK) rc = rh_buf_add(&b, ask, sizeof ask);
  if (rc != RH_OK) {
    rh_buf_free(&b);
    return rc;
  }
  int e = uv_loop_init(&c.loop);
  if (e != 0) {
    rh_buf_free(&b);
    return rh_error_set(RH_EWORKER, "uv_loop_init: %s", uv_strerror(e));
  }
  uv_pipe_init(&c.loop, &c.to, 0);
  uv_pipe_init(&c.loop, &c.from, 0);
  uv_timer_init(&c.loop, &c.timer);
  c.to.data = c.from.data = c.proc.data = c.timer.data = &c;
  char mem[32];
  snprintf(mem, sizeof mem, "%ld", d.worker_mem_mb);
  char *args[] = {exe, "__worker", "--mem-mb", mem, NULL};
  uv_stdio_container_t stdio[4];
  stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
  stdio[0].data.stream = (uv_stream_t *)&c.to;
  stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[1].data.stream = (uv_stream_t *)&c.from;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  stdio[3].flags = UV_IGNORE; /* no shared slot: the worker keeps its own */
  uv_process_options_t po;
  memset(&po, 0, sizeof po);
  po.file = exe;
  po.args = args;
  po.stdio = stdio;
  po.stdio_count = 4;
  po.exit_cb = on_conv_exit;
  e = uv_spawn(&c.loop, &c.proc, &po);
  if (e != 0) {
    rc = rh_error_set(RH_EWORKER, "cannot start worker %s: %s", exe, uv_strerror(e));
    rh_buf_free(&b);
    conv_close((uv_handle_t *)&c.proc);
    conv_close((uv_handle_t *)&c.to);
    conv_close((uv_handle_t *)&c.from);
    conv_close((uv_handle_t *)&c.timer);
  } else {
    uv_write_t *req = malloc(sizeof *req);
    uv_buf_t ub = uv_buf_init(b.data, (unsigned)b.len);
    if (req == NULL) {
      rh_buf_free(&b);
      uv_process_kill(&c.proc, SIGKILL);
    } else {
      req->data = b.data; /* freed by the write callback */
      if (uv_write(req, (uv_stream_t *)&c.to, &ub, 1, on_conv_written) != 0) {
        free(req);
        rh_buf_free(&b);
        uv_process_kill(&c.proc, SIGKILL);
      }
    }
    uv_read_start((uv_stream_t *)&c.from, on_conv_alloc, on_conv_read);
    uv_timer_start(&c.timer, on_conv_timer, CONV_TIMEOUT_MS, 0);
  }
  uv_run(&c.loop, UV_RUN_DEFAULT);
  /* Whatever is still open (a pipe of a worker that died early) closes now. */
  conv_close((uv_handle_t *)&c.to);
  conv_close((uv_handle_t *)&c.from);
  conv_close((uv_handle_t *)&c.timer);
  if (!c.exited && !uv_is_closing((uv_handle_t *)&c.proc)) {
    uv_process_kill(&c.proc, SIGKILL);
    while (!c.exited && uv_run(&c.loop, UV_RUN_ONCE)) {}
  }
  uv_run(&c.loop, UV_RUN_DEFAULT);
  uv_loop_close(&c.loop);
  rh_buf_free(&c.in);
  if (rc != RH_OK) {
    free(c.cases);
    return rc;
  }
  if (c.bad || !c.got_c || !c.got_t) {
    free(c.cases);
    if (c.timed_out) return rh_error_set(RH_EWORKER, "loading the test files took longer than %d s", CONV_TIMEOUT_MS / 1000);
    if (c.got_c && rs->nerrors > 0) return rh_error_set(RH_ELOAD, "the test files do not load");
    return rh_error_set(RH_EWORKER, "the worker stopped while loading the test files%s%s",
                        c.term_signal ? ": " : "", c.term_signal ? strsignal(c.term_signal) : "");
  }
  if (rs->nerrors > 0) {
    free(c.cases);
    return rh_error_set(RH_ELOAD, "the test files do not load");
  }
  *cases = c.cases;
  *ncases = c.ncases;
  return RH_OK;
}

/* ---- clauses --------------------------------------------------------------- */

static const char *const NUMERALS[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", NULL};

static int only_numerals(const char *s, size_t n) {
  if (n == 0) return 0;
  while (n > 0) {
    int hit = 0;
    for (const char *const *z = NUMERALS; *z; z++) {
      size_t k = strlen(*z);
      if (n >= k && memcmp(s, *z, k) == 0) {
        s += k;
        n -= k;
        hit = 1;
        break;
      }
    }
    if (!hit) return 0;
  }
  return 1;
}

static void trim(const char **s, size_t *n) {
  while (*n > 0 && (**s == ' ' || **s == '\t')) (*s)++, (*n)--;
  while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

#define FW_OPEN "\xEF\xBC\x88"  /* （ */
#define FW_CLOSE "\xEF\xBC\x89" /* ） */

void rh_cite_clause(char *out, size_t outn, const char *s, size_t n) {
  trim(&s, &n);
  for (int guard = 0; guard < 16 && n > 0; guard++) {
    /* " [A]" evidence tags */
    if (s[n - 1] == ']') {
      size_t k = n - 1;
      while (k > 0 && s[k] != '[') k--;
      if (s[k] == '[' && k > 0) {
        n = k;
        trim(&s, &n);
        continue;
      }
    }
    size_t cl = 0;
    if (s[n - 1] == ')') cl = 1;
    else if (n >= 3 && memcmp(s + n - 3, FW_CLOSE, 3) == 0) cl = 3;
    if (cl == 0) break;
    /* the matching opening parenthesis */
    int depth = 0;
    size_t open = (size_t)-1;
    for (size_t k = n; k-- > 0;) {
      if (s[k] == ')' || (k + 3 <= n && memcmp(s + k, FW_CLOSE, 3) == 0)) depth++;
      else if (s[k] == '(' || (k + 3 <= n && memcmp(s + k, FW_OPEN, 3) == 0)) {
        if (--depth == 0) {
          open = k;
          break;
        }
      }
    }
    if (open == (size_t)-1 || open == 0) break;
    size_t ol = s[open] == '(' ? 1 : 3;
    /* "(三)" is part of 二(三)2; "一(总体目标)" keeps its label: 一 alone says little */
    if (only_numerals(s + open + ol, n - cl - open - ol) || only_numerals(s, open)) break;
    n = open;
    trim(&s, &n);
  }
  snprintf(out, outn, "%.*s", (int)n, s);
}

/* ---- one case -------------------------------------------------------------- */

static const char *const OUTCOMES[] = {"PASS", "FAIL", "N/A", "UNKNOWN", "ERROR", "MET",
                                       "NOT_MET", "ACHIEVED", "NOT_ACHIEVED", NULL};
static const char *const DECISIONS[] = {"ELIGIBLE", "INELIGIBLE", "COMPLIANT", "NON_COMPLIANT",
                                        "NEEDS_DATA", NULL};

static int in_names(const char *v, const char *const *names) {
  for (; *names; names++)
    if (strcmp(v, *names) == 0) return 1;
  return 0;
}

typedef struct {
  const char *key;     /* rule id or policy name */
  const char *subject;
  const char *want;    /* outcome or decision */
  const char *reason;  /* substring the reason must contain, or NULL */
  json_t *values;      /* values the result must have, or NULL */
  int policy;
} expectation;

typedef struct {
  const char *name, *file;
  int line;
  json_t *spec;
  const rh_ruleset *rules;
  const rh_test_opts *o;
  FILE *out;
  expectation *ex;
  int nex;
  rh_buf report; /* what went wrong, indented lines */
  int failures;
  int *tested;   /* per catalog rule: some case expects an outcome of it */
  int *decided;  /* per catalog policy */
} tcase;

static void note(tcase *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(tcase *t, const char *fmt, ...) {
  char line[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  rh_buf_printf(&t->report, "    %s\n", line);
  t->failures++;
}

/* Reads expect = { KEY = { SUBJECT = "OUTCOME" | { "OUTCOME", reason = "...",
** values = {...} } } }; problems are noted and the case fails. */
static int read_expect(tcase *t) {
  json_t *exp = json_object_get(t->spec, "expect");
  if (!json_is_object(exp) || json_object_size(exp) == 0) {
    note(t, "the case expects nothing: add expect = { [\"RULE-ID\"] = { [\"kind:id\"] = \"PASS\" } }");
    return -1;
  }
  size_t total = 0;
  const char *key;
  json_t *subjects;
  json_object_foreach(exp, key, subjects) total += json_is_object(subjects) ? json_object_size(subjects) : 1;
  t->ex = calloc(total + 1, sizeof *t->ex);
  if (t->ex == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  int bad = 0;
  json_object_foreach(exp, key, subjects) {
    int rule = rh_ruleset_find_rule(t->rules, key, NULL);
    int pol = rh_ruleset_find_policy(t->rules, key);
    if (rule < 0 && pol < 0) {
      note(t, "expect names %s, which is neither a rule nor a policy of %s", key, t->rules->dir);
      bad = 1;
      continue;
    }
    if (!json_is_object(subjects)) {
      note(t, "expect[\"%s\"] must be a table of subjects: { [\"enterprise:1\"] = \"...\" }", key);
      bad = 1;
      continue;
    }
    const char *subj;
    json_t *v;
    json_object_foreach(subjects, subj, v) {
      expectation *e = &t->ex[t->nex];
      e->key = key;
      e->subject = subj;
      e->policy = rule < 0;
      if (json_is_string(v)) {
        e->want = json_string_value(v);
      } else if (json_is_object(v)) {
        json_t *w = json_object_get(v, "1");
        if (w == NULL) w = json_object_get(v, "outcome");
        e->want = json_string_value(w);
        e->reason = json_string_value(json_object_get(v, "reason"));
        e->values = json_object_get(v, "values");
        if (e->values && !json_is_object(e->values)) e->values = NULL;
      }
      const char *const *allowed = e->policy ? DECISIONS : OUTCOMES;
      if (e->want == NULL || !in_names(e->want, allowed)) {
        note(t, "%s %s: expected %s, which is not %s", key, subj, e->want ? e->want : "(nothing)",
             e->policy ? "a decision (ELIGIBLE, INELIGIBLE, COMPLIANT, NON_COMPLIANT, NEEDS_DATA)"
                       : "an outcome (PASS, FAIL, N/A, UNKNOWN, ERROR, MET, NOT_MET, ACHIEVED, NOT_ACHIEVED)");
        bad = 1;
        continue;
      }
      if (e->policy) t->decided[pol] = 1;
      else
        for (int k = 0; k < t->rules->nrules; k++)
          if (strcmp(t->rules->rules[k].id, key) == 0) t->tested[k] = 1;
      t->nex++;
    }
  }
  return bad ? -1 : 0;
}

/* Inserts the case's rows; a problem is noted with the table and row. */
static int insert_rows(tcase *t, sqlite3 *db) {
  json_t *rows = json_object_get(t->spec, "rows");
  if (rows == NULL) return 0;
  if (!json_is_object(rows)) {
    note(t, "rows must be a table: rows = { enterprise = { { id = 1, ... } } }");
    return -1;
  }
  const char *table;
  json_t *list;
  json_object_foreach(rows, table, list) {
    if (!rh_ident_ok(table) || strncmp(table, "rh_", 3) == 0 || strncmp(table, "sqlite_", 7) == 0 ||
        !rh_db_table_exists(db, table)) {
      note(t, "rows.%s: no such table in the data model", table);
      return -1;
    }
    if (json_is_object(list) && json_object_size(list) == 0) continue; /* {} */
    if (!json_is_array(list)) {
      note(t, "rows.%s must be a list of rows: { { id = 1, ... }, ... }", table);
      return -1;
    }
    size_t i;
    json_t *row;
    json_array_foreach(list, i, row) {
      if (!json_is_object(row)) {
        note(t, "rows.%s[%zu] must be a table of column = value", table, i + 1);
        return -1;
      }
      rh_buf sql = RH_BUF_INIT, vals = RH_BUF_INIT;
      rh_buf_printf(&sql, "INSERT INTO \"%s\"(", table);
      const char *col;
      json_t *v;
      int k = 0, bad = 0;
      json_object_foreach(row, col, v) {
        if (!rh_ident_ok(col) || !rh_db_has_column(db, table, col)) {
          note(t, "rows.%s[%zu]: %s has no column %s", table, i + 1, table, col);
          bad = 1;
          break;
        }
        rh_buf_printf(&sql, "%s\"%s\"", k ? "," : "", col);
        rh_buf_printf(&vals, "%s?%d", k ? "," : "", k + 1);
        k++;
      }
      if (!bad) rh_buf_printf(&sql, ") VALUES(%s)", vals.data ? vals.data : "");
      if (!bad && k == 0) {
        rh_buf_reset(&sql);
        rh_buf_printf(&sql, "INSERT INTO \"%s\" DEFAULT VALUES", table);
      }
      sqlite3_stmt *st = NULL;
      if (!bad && sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) != SQLITE_OK) {
        note(t, "rows.%s[%zu]: %s", table, i + 1, sqlite3_errmsg(db));
        bad = 1;
      }
      k = 0;
      json_object_foreach(row, col, v) {
        if (bad) break;
        k++;
        if (json_is_string(v)) sqlite3_bind_text(st, k, json_string_value(v), -1, SQLITE_TRANSIENT);
        else if (json_is_integer(v)) sqlite3_bind_int64(st, k, (sqlite3_int64)json_integer_value(v));
        else if (json_is_real(v)) sqlite3_bind_double(st, k, json_real_value(v));
        else if (json_is_boolean(v)) sqlite3_bind_int(st, k, json_is_true(v));
        else if (json_is_null(v)) sqlite3_bind_null(st, k);
        else {
          note(t, "rows.%s[%zu].%s: a value must be a string, a number or a boolean", table, i + 1, col);
          bad = 1;
        }
      }
      if (!bad && sqlite3_step(st) != SQLITE_DONE) {
        note(t, "rows.%s[%zu]: %s", table, i + 1, sqlite3_errmsg(db));
        bad = 1;
      }
      sqlite3_finalize(st);
      rh_buf_free(&sql);
      rh_buf_free(&vals);
      if (bad) return -1;
    }
  }
  return 0;
}

/* Compares a JSON value from the case with a column of the run. */
static int value_matches(json_t *want, sqlite3_stmt *st, int col) {
  int type = sqlite3_column_type(st, col);
  if (json_is_string(want))
    return type == SQLITE_TEXT && strcmp(json_string_value(want), (const char *)sqlite3_column_text(st, col)) == 0;
  if (json_is_integer(want) || json_is_real(want)) {
    if (type != SQLITE_INTEGER && type != SQLITE_FLOAT) return 0;
    return json_number_value(want) == sqlite3_column_double(st, col);
  }
  if (json_is_boolean(want)) return type == SQLITE_INTEGER && sqlite3_column_int(st, col) == json_is_true(want);
  return 0;
}

static void json_text(char *out, size_t n, json_t *v) {
  char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  snprintf(out, n, "%s", s ? s : "?");
  free(s);
}

/* The reasons of a decision: the FAIL (or UNKNOWN, ERROR) results of the
** rules it lists, for the subject or the subjects that roll up to it. */
static void decision_reasons(tcase *t, sqlite3 *db, int64_t run, const char *subject, const char *ids) {
  sqlite3_stmt *st = NULL;
  const char *colon = strchr(subject, ':');
  if (colon == NULL || *ids == '\0') return;
  if (sqlite3_prepare_v2(db,
                         "SELECT rule, subject, outcome, reason FROM rh_results WHERE run_id=?1 "
                         "AND outcome IN ('FAIL','UNKNOWN','ERROR') AND instr(','||?2||',', ','||rule||',') > 0 "
                         "ORDER BY rule, subject",
                         -1, &st, NULL) != SQLITE_OK)
    return;
  sqlite3_bind_int64(st, 1, run);
  sqlite3_bind_text(st, 2, ids, -1, SQLITE_TRANSIENT);
  char kind[80];
  snprintf(kind, sizeof kind, "%.*s", (int)(colon - subject), subject);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *rs = (const char *)sqlite3_column_text(st, 1);
    int mine = strcmp(rs, subject) == 0;
    const char *rc = strchr(rs, ':');
    if (!mine && rc) {
      /* a row of another table rolls up through its <kind>_id column */
      char tab[80], sql[256];
      snprintf(tab, sizeof tab, "%.*s", (int)(rc - rs), rs);
      if (rh_ident_ok(tab) && rh_ident_ok(kind)) {
        snprintf(sql, sizeof sql, "SELECT 1 FROM \"%s\" WHERE id=?1 AND \"%s_id\"=?2", tab, kind);
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
          sqlite3_bind_int64(q, 1, strtoll(rc + 1, NULL, 10));
          sqlite3_bind_int64(q, 2, strtoll(colon + 1, NULL, 10));
          mine = sqlite3_step(q) == SQLITE_ROW;
        }
        sqlite3_finalize(q);
      }
    }
    if (mine)
      rh_buf_printf(&t->report, "      %s %s %s: %s\n", (const char *)sqlite3_column_text(st, 0), rs,
                    (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3));
  }
  sqlite3_finalize(st);
}

/* Inside the evaluation's transaction: compares every expectation. */
static int compare_run(void *dbp, int64_t run, void *ud) {
  tcase *t = ud;
  sqlite3 *db = dbp;
  sqlite3_stmt *res = NULL, *dec = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT outcome, reason, \"values\" FROM rh_results WHERE run_id=?1 AND rule=?2 "
                         "AND subject=?3",
                         -1, &res, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "SELECT decision, failed, unknown FROM rh_decisions WHERE run_id=?1 AND policy=?2 "
                         "AND subject=?3",
                         -1, &dec, NULL) != SQLITE_OK) {
    sqlite3_finalize(res);
    return rh_db_fail(db, "reading the case's run");
  }
  for (int i = 0; i < t->nex; i++) {
    const expectation *e = &t->ex[i];
    sqlite3_stmt *st = e->policy ? dec : res;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, e->key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, e->subject, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) {
      note(t, "%s %s: expected %s, got no %s (is %s among the case's rows%s?)", e->key, e->subject, e->want,
           e->policy ? "decision" : "result", e->subject,
           e->policy ? "" : ", and is it a subject this rule judges");
      continue;
    }
    const char *got = (const char *)sqlite3_column_text(st, 0);
    if (e->policy) {
      const char *failed = (const char *)sqlite3_column_text(st, 1);
      const char *unknown = (const char *)sqlite3_column_text(st, 2);
      if (strcmp(got, e->want) != 0) {
        note(t, "%s %s: expected %s, got %s%s%s%s%s", e->key, e->subject, e->want, got,
             *failed ? "; failed: " : "", failed, *unknown ? "; needs data: " : "", unknown);
        char ids[2048];
        snprintf(ids, sizeof ids, "%s%s%s", failed, *failed && *unknown ? "," : "", unknown);
        decision_reasons(t, db, run, e->subject, ids);
      }
      continue;
    }
    const char *reason = (const char *)sqlite3_column_text(st, 1);
    if (reason == NULL) reason = "";
    if (strcmp(got, e->want) != 0) {
      note(t, "%s %s: expected %s, got %s: %s", e->key, e->subject, e->want, got, reason);
      continue;
    }
    if (e->reason && strstr(reason, e->reason) == NULL)
      note(t, "%s %s: %s as expected, but the reason does not contain \"%s\": %s", e->key, e->subject, got,
           e->reason, reason);
    if (e->values) {
      const char *name;
      json_t *want;
      json_object_foreach(e->values, name, want) {
        sqlite3_stmt *q = NULL;
        char path[160], w[256], g[256];
        snprintf(path, sizeof path, "$.\"%s\"", name);
        if (sqlite3_prepare_v2(db, "SELECT json_extract(?1, ?2)", -1, &q, NULL) != SQLITE_OK) continue;
        sqlite3_bind_text(q, 1, (const char *)sqlite3_column_text(st, 2), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, path, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW && !value_matches(want, q, 0)) {
          json_text(w, sizeof w, want);
          snprintf(g, sizeof g, "%s", sqlite3_column_type(q, 0) == SQLITE_NULL ? "nothing"
                                      : (const char *)sqlite3_column_text(q, 0));
          note(t, "%s %s: %s as expected, but values.%s is %s, not %s: %s", e->key, e->subject, got, name, g,
               w, reason);
        }
        sqlite3_finalize(q);
      }
    }
  }
  sqlite3_finalize(res);
  sqlite3_finalize(dec);
  return RH_OK;
}

static const char *const CASE_FIELDS[] = {"as_of", "year", "rows", "expect", "params", "title", "note", NULL};

static int rm_tree(const char *dir) {
  char p[4200];
  const char *suffix[] = {"/t.db", "/t.db-wal", "/t.db-shm", "/t.db-journal", NULL};
  for (const char **s = suffix; *s; s++) {
    snprintf(p, sizeof p, "%s%s", dir, *s);
    unlink(p);
  }
  return rmdir(dir);
}

/* Runs one case; failures go to t->report.  Returns an error only when the
** machinery fails (memory, a worker that cannot start). */
static int run_case(tcase *t) {
  int rc = RH_OK;
  const char *key;
  json_t *v;
  json_object_foreach(t->spec, key, v) {
    if (!in_names(key, CASE_FIELDS)) {
      note(t, "unknown field '%s' (a case has as_of, year, rows, params, expect, title)", key);
      return RH_OK;
    }
  }
  const char *as_of = json_string_value(json_object_get(t->spec, "as_of"));
  int64_t day;
  if (as_of == NULL || rh_date_parse(&day, as_of, strlen(as_of)) != 0) {
    note(t, "as_of must be a date 'YYYY-MM-DD' (the day the evaluation speaks for)");
    return RH_OK;
  }
  json_t *jy = json_object_get(t->spec, "year");
  if (jy && !json_is_integer(jy)) {
    note(t, "year must be a whole number");
    return RH_OK;
  }
  if (read_expect(t) != 0) return rh_error_code() == RH_ENOMEM ? RH_ENOMEM : RH_OK;

  const char *rule_ids[256], *policies[64], *params[64];
  int nr = 0, np = 0, nparams = 0;
  char *param_text[64] = {NULL};
  for (int i = 0; i < t->nex; i++) {
    const char **list = t->ex[i].policy ? policies : rule_ids;
    int *n = t->ex[i].policy ? &np : &nr;
    int cap = t->ex[i].policy ? 64 : 256, seen = 0;
    for (int k = 0; k < *n; k++) seen |= strcmp(list[k], t->ex[i].key) == 0;
    if (!seen && *n < cap) list[(*n)++] = t->ex[i].key;
  }
  json_t *jp = json_object_get(t->spec, "params");
  if (jp && !json_is_object(jp)) {
    note(t, "params must be a table: params = { NAME = value }");
    return RH_OK;
  }
  if (jp) {
    json_object_foreach(jp, key, v) {
      if (nparams == 64) break;
      rh_buf b = RH_BUF_INIT;
      if (json_is_string(v)) rh_buf_printf(&b, "%s=%s", key, json_string_value(v));
      else if (json_is_integer(v)) rh_buf_printf(&b, "%s=%lld", key, (long long)json_integer_value(v));
      else if (json_is_real(v)) rh_buf_printf(&b, "%s=%.17g", key, json_real_value(v));
      else {
        note(t, "params.%s must be a string or a number", key);
        rh_buf_free(&b);
        goto out;
      }
      param_text[nparams] = b.data;
      params[nparams] = b.data;
      nparams++;
    }
  }

  /* A fresh database with the data model and the case's rows.  Foreign keys
  ** are off: a case gives only the rows its rules read. */
  const char *tmp = getenv("TMPDIR");
  char dir[4096], dbpath[4200];
  snprintf(dir, sizeof dir, "%s/ronghe-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) {
    rc = rh_error_set(RH_ERROR, "%s: %s", dir, strerror(errno));
    goto out;
  }
  snprintf(dbpath, sizeof dbpath, "%s/t.db", dir);
  sqlite3 *db = NULL;
  if ((rc = rh_db_open(&db, dbpath, RH_DB_RW | RH_DB_CREATE)) == RH_OK &&
      (rc = rh_db_migrate(db, NULL, NULL)) == RH_OK && (rc = rh_db_exec(db, "PRAGMA foreign_keys=OFF")) == RH_OK &&
      (rc = rh_db_exec(db, "BEGIN")) == RH_OK) {
    int bad = insert_rows(t, db);
    rc = rh_db_exec(db, bad ? "ROLLBACK" : "COMMIT");
    rh_db_close(db);
    db = NULL;
    if (rc == RH_OK && !bad) {
      rh_eval_opts eo;
      rh_eval_opts_init(&eo);
      eo.db_path = dbpath;
      eo.rules_dir = t->o->rules_dir;
      eo.as_of = as_of;
      eo.year = jy ? (int)json_integer_value(jy) : 0;
      eo.rules = rule_ids;
      eo.nrules = nr;
      eo.policies = policies;
      eo.npolicies = np;
      eo.params = params;
      eo.nparams = nparams;
      eo.keep = 0;
      eo.exe = t->o->exe;
      rh_eval_stats st;
      int erc = rh_eval_run(&eo, &st, compare_run, t);
      if (erc == RH_EUSAGE || erc == RH_ELOAD || erc == RH_ENOTFOUND) {
        note(t, "cannot evaluate: %s", rh_error_last());
      } else if (erc != RH_OK) {
        rc = erc;
      }
    }
  }
  rh_db_close(db);
  rm_tree(dir);
out:
  for (int i = 0; i < nparams; i++) free(param_text[i]);
  return rc;
}

/* ---- the whole run ---------------------------------------------------------- */

static int name_selected(const rh_test_opts *o, const char *name) {
  if (o->nonly == 0) return 1;
  for (int i = 0; i < o->nonly; i++)
    if (strstr(name, o->only[i])) return 1;
  return 0;
}

typedef struct {
  char clause[256];
  rh_buf rules; /* ids citing it, comma-separated */
  int tested;
} clause_row;

/* Prints word after a space, starting a new indented line past 100
** columns; head (if any) starts the list.  Returns the column. */
static int wrap_word(FILE *out, int col, const char *head, const char *word) {
  int n = (int)strlen(word);
  if (head) {
    fputs(head, out);
    col = (int)strlen(head);
  } else if (col + 1 + n > 100) {
    fputs("\n   ", out);
    col = 3;
  }
  fprintf(out, " %s", word);
  return col + 1 + n;
}

static void coverage(const rh_ruleset *rules, const int *tested, const int *decided, FILE *out, int verbose,
                     rh_test_stats *st) {
  clause_row *cl = NULL;
  int ncl = 0, cap = 0;
  for (int i = 0; i < rules->nrules; i++) {
    const rh_rule_info *r = &rules->rules[i];
    int first = 1;
    for (int k = 0; k < i; k++)
      if (strcmp(rules->rules[k].id, r->id) == 0) first = 0;
    int t = 0;
    for (int k = 0; k < rules->nrules; k++) t |= tested[k] && strcmp(rules->rules[k].id, r->id) == 0;
    if (first) {
      st->rules++;
      st->rules_tested += t;
    }
    const char *p = r->cite;
    while (p && *p) {
      /* items are separated by ';' or '；' */
      const char *e = strchr(p, ';');
      const char *fw = strstr(p, "\xEF\xBC\x9B");
      size_t n = e ? (size_t)(e - p) : strlen(p), skip = 1;
      if (fw && (size_t)(fw - p) < n) {
        n = (size_t)(fw - p);
        skip = 3;
      }
      char c[256];
      rh_cite_clause(c, sizeof c, p, n);
      p = p[n] ? p + n + skip : NULL;
      if (c[0] == '\0') continue;
      int j = 0;
      while (j < ncl && strcmp(cl[j].clause, c) != 0) j++;
      if (j == ncl) {
        if (ncl == cap) {
          cap = cap ? cap * 2 : 32;
          clause_row *q = realloc(cl, (size_t)cap * sizeof *q);
          if (q == NULL) break;
          cl = q;
        }
        memset(&cl[ncl], 0, sizeof cl[ncl]);
        snprintf(cl[ncl].clause, sizeof cl[ncl].clause, "%s", c);
        ncl++;
      }
      cl[j].tested |= tested[i];
      if (!cl[j].rules.data || !strstr(cl[j].rules.data, r->id))
        rh_buf_printf(&cl[j].rules, "%s%s", cl[j].rules.len ? ", " : "", r->id);
    }
  }
  st->clauses = ncl;
  for (int j = 0; j < ncl; j++) st->clauses_tested += cl[j].tested;
  fprintf(out, "\ncoverage: %d of %d rules and %d of %d cited clauses have a test\n", st->rules_tested,
          st->rules, st->clauses_tested, st->clauses);
  int any = 0, col = 0;
  for (int i = 0; i < rules->nrules; i++) {
    const rh_rule_info *r = &rules->rules[i];
    int t = 0, first = 1;
    for (int k = 0; k < rules->nrules; k++) t |= tested[k] && strcmp(rules->rules[k].id, r->id) == 0;
    for (int k = 0; k < i; k++) first &= strcmp(rules->rules[k].id, r->id) != 0;
    if (t || !first) continue;
    col = wrap_word(out, col, any ? NULL : "  rules no test exercises:", r->id);
    any = 1;
  }
  if (any) fputc('\n', out);
  any = 0;
  col = 0;
  for (int i = 0; i < rules->npolicies; i++) {
    if (decided[i]) continue;
    col = wrap_word(out, col, any ? NULL : "  policies no test decides:", rules->policies[i].name);
    any = 1;
  }
  if (any) fputc('\n', out);
  any = 0;
  for (int j = 0; j < ncl; j++) {
    if (cl[j].tested) continue;
    if (!any) fprintf(out, "  clauses no test exercises:\n");
    any = 1;
    fprintf(out, "    %s  (%s)\n", cl[j].clause, cl[j].rules.data ? cl[j].rules.data : "");
  }
  if (verbose)
    for (int j = 0; j < ncl; j++)
      if (cl[j].tested) fprintf(out, "  tested: %s  (%s)\n", cl[j].clause, cl[j].rules.data);
  for (int j = 0; j < ncl; j++) rh_buf_free(&cl[j].rules);
  free(cl);
}

int rh_ruletest_run(rh_test_stats *stats, const rh_test_opts *o) {
  memset(stats, 0, sizeof *stats);
  FILE *out = o->out ? o->out : stdout;
  char tests_dir[4096];
  if (o->tests_dir) snprintf(tests_dir, sizeof tests_dir, "%s", o->tests_dir);
  else snprintf(tests_dir, sizeof tests_dir, "%s/tests", o->rules_dir);

  rh_eval_opts eo;
  rh_eval_opts_init(&eo);
  eo.rules_dir = o->rules_dir;
  eo.exe = o->exe;
  rh_ruleset *rules = NULL, *tests = NULL;
  char *payload = NULL;
  size_t npayload = 0;
  int *tested = NULL, *decided = NULL;
  int rc = rh_eval_load(&rules, &eo);
  if (rc == RH_ELOAD) {
    for (int i = 0; i < rules->nerrors; i++) fprintf(out, "%s\n", rules->errors[i]);
    rc = rh_error_set(RH_ELOAD, "%s: the rules do not load (see `ronghe check`)", o->rules_dir);
  }
  if (rc != RH_OK) goto done;
  tested = calloc((size_t)rules->nrules + 1, sizeof *tested);
  decided = calloc((size_t)rules->npolicies + 1, sizeof *decided);
  if (tested == NULL || decided == NULL) {
    rc = rh_error_set(RH_ENOMEM, "out of memory");
    goto done;
  }

  rc = rh_ruleset_read(&tests, tests_dir);
  if (rc == RH_ENOTFOUND) {
    fprintf(out, "%s: no test files (write cases in %s/*.lua; see rules/README.md)\n", tests_dir, tests_dir);
    coverage(rules, tested, decided, out, o->verbose, stats);
    rc = RH_OK;
    goto done;
  }
  if (rc != RH_OK) goto done;
  rc = ask_cases(tests, o->exe, &payload, &npayload);
  if (rc == RH_ELOAD) {
    for (int i = 0; i < tests->nerrors; i++) fprintf(out, "%s\n", tests->errors[i]);
    goto done;
  }
  if (rc != RH_OK) goto done;

  rh_rd rd;
  rh_rd_init(&rd, payload, npayload);
  uint32_t n = rh_rd_u32(&rd);
  for (uint32_t i = 0; i < n && !rd.bad && rc == RH_OK; i++) {
    char *name = rh_rd_strdup(&rd), *file = rh_rd_strdup(&rd);
    int line = (int)rh_rd_u32(&rd);
    int ok = rh_rd_u8(&rd);
    char *json = rh_rd_strdup(&rd);
    if (rd.bad || !name || !file || !json) {
      free(name);
      free(file);
      free(json);
      rc = rh_error_set(RH_EWORKER, "malformed cases from worker");
      break;
    }
    if (name_selected(o, name)) {
      tcase t;
      memset(&t, 0, sizeof t);
      t.name = name;
      t.file = file;
      t.line = line;
      t.rules = rules;
      t.o = o;
      t.out = out;
      t.tested = tested;
      t.decided = decided;
      json_error_t jerr;
      if (!ok) {
        note(&t, "case %s cannot be read: %s", name, json);
      } else {
        t.spec = json_loads(json, JSON_DECODE_ANY, &jerr);
        if (!json_is_object(t.spec)) note(&t, "case %s: the case must be a table { ... }", name);
        else rc = run_case(&t);
      }
      stats->cases++;
      if (t.failures) {
        stats->failed++;
        fprintf(out, "FAIL %s:%d: case \"%s\"\n%s", file, line, name, t.report.data ? t.report.data : "");
      } else if (rc == RH_OK) {
        stats->passed++;
        if (o->verbose) fprintf(out, "ok   %s:%d: case \"%s\" (%d expectation%s)\n", file, line, name, t.nex,
                                t.nex == 1 ? "" : "s");
      }
      json_decref(t.spec);
      free(t.ex);
      rh_buf_free(&t.report);
    }
    free(name);
    free(file);
    free(json);
  }
  if (rc != RH_OK) goto done;
  fprintf(out, "%d case%s: %d passed, %d failed\n", stats->cases, stats->cases == 1 ? "" : "s", stats->passed,
          stats->failed);
  coverage(rules, tested, decided, out, o->verbose, stats);

done:
  free(payload);
  free(tested);
  free(decided);
  rh_ruleset_free(rules);
  rh_ruleset_free(tests);
  return rc;
}
