/*
** The HTTP API of `ronghe serve` (JSON, on h2o's libuv backend).
**
**   GET  /health                          liveness, rules version, running runs
**   GET  /rules                           the serving rule set and the last reload's problems
**   GET  /runs[?limit&offset&schedule]    stored runs, newest first
**   GET  /runs/N                          one run with outcome and decision counts
**   GET  /runs/N/decisions[?policy&decision&subject&limit&offset]
**   GET  /runs/N/results[?rule&outcome&subject&limit&offset]
**   GET  /subjects/KIND:ID                latest stored results and decisions of a subject
**   GET  /evaluate/KIND:ID[?as_of&year]   on-demand evaluation against the serving rules
**   POST /evaluate {"subject"|"subjects", "as_of", "year"}
**   GET  /schedules                       schedules with next fire times and last runs
**   POST /reload                          like SIGHUP
**
** rh__http_handle (http_api.h) turns a request into a response without h2o,
** so that it can be fuzzed; on_req below is the h2o side.  Reads use the
** serve process's read-only connection; every query is keyed or LIMITed, so
** none holds the loop for long.  An evaluation is a `ronghe explain` child:
** the request is answered from its exit callback.
*/
#include <arpa/inet.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "http.h"
#include "http_api.h"
#include "output.h"
#include "rh.h"

#define EVAL_MAX_SUBJECTS RH_HTTP_MAX_SUBJECTS
#define EVAL_MAX_RUNNING RH_HTTP_MAX_RUNNING
#define EVAL_TIMEOUT_MS 120000
#define EVAL_MAX_OUT (32u << 20)

/* One request being answered by rh__http_handle. */
typedef struct {
  const rh_http_req *in;
  rh_http_res *res;
  int answered;         /* res holds the answer (the first one wins) */
} hreq;

/* ---- JSON helpers --------------------------------------------------------- */

json_t *rh__json_str(const char *s) {
  if (s == NULL) return json_null();
  size_t n = strlen(s);
  if (rh_utf8_valid(s, n)) return json_stringn(s, n);
  /* Keep what is readable; each byte that is not UTF-8 becomes U+FFFD. */
  rh_buf b = RH_BUF_INIT;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    size_t k = c < 0x80 ? 1 : c >> 5 == 6 ? 2 : c >> 4 == 14 ? 3 : c >> 3 == 30 ? 4 : 1;
    if (i + k <= n && rh_utf8_valid(s + i, k)) {
      rh_buf_add(&b, s + i, k);
      i += k;
    } else {
      rh_buf_adds(&b, "\xEF\xBF\xBD");
      i++;
    }
  }
  json_t *j = json_stringn(b.data ? b.data : "", b.len);
  rh_buf_free(&b);
  return j ? j : json_string("");
}

static json_t *jcol(sqlite3_stmt *st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, i));
    case SQLITE_NULL: return json_null();
    default: return rh__json_str((const char *)sqlite3_column_text(st, i));
  }
}

/* A column holding JSON text (values, filters): embedded as JSON. */
static json_t *jcol_json(sqlite3_stmt *st, int i) {
  const char *t = (const char *)sqlite3_column_text(st, i);
  if (t == NULL) return json_null();
  json_t *j = json_loads(t, JSON_DECODE_ANY, NULL);
  return j ? j : rh__json_str(t);
}

/* "A,B,C" -> ["A","B","C"]. */
static json_t *jcsv(const char *csv) {
  json_t *a = json_array();
  const char *p = csv;
  while (p && *p) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char item[256];
    snprintf(item, sizeof item, "%.*s", (int)n, p);
    json_array_append_new(a, rh__json_str(item));
    p = e ? e + 1 : NULL;
  }
  return a;
}

/* ---- responses ------------------------------------------------------------ */

static const char *reason_of(int status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
  }
}

void rh__http_res_json(rh_http_res *res, int status, json_t *body) {
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  free(res->body);
  if (text == NULL) {
    status = 500;
    text = strdup("{\"error\":\"could not encode the answer\"}");
  }
  size_t n = text ? strlen(text) : 0;
  /* One JSON text per line, as curl users expect. */
  char *with_nl = text ? realloc(text, n + 2) : NULL;
  if (with_nl) {
    text = with_nl;
    text[n++] = '\n';
    text[n] = '\0';
  }
  res->status = status;
  res->content_type = "application/json; charset=utf-8";
  res->body = text;
  res->body_len = text ? n : 0;
}

void rh__http_res_free(rh_http_res *res) {
  free(res->body);
  res->body = NULL;
  res->body_len = 0;
}

/* Sets the answer (body consumed). */
static void send_json(rh_srv *s, hreq *req, int status, json_t *body) {
  (void)s;
  if (req->answered) { /* a handler answers once; keep the first */
    json_decref(body);
    return;
  }
  req->answered = 1;
  rh__http_res_json(req->res, status, body);
}

/* Logs "METHOD TARGET -> STATUS: MESSAGE" as one line.  The client chose
** most of it (a decoded %0A included), so control bytes become '?': no
** request can forge a line of the log. */
static void log_answer(rh_srv *s, const char *method, size_t mlen, const char *path, size_t plen,
                       const char *query, size_t qlen, int status, const char *msg) {
  char line[3072];
  snprintf(line, sizeof line, "%.*s %.*s%s%.*s -> %d: %s", (int)(mlen > 32 ? 32 : mlen), method,
           (int)(plen > 1024 ? 1024 : plen), path, query ? "?" : "", (int)(qlen > 1024 ? 1024 : qlen),
           query ? query : "", status, msg);
  for (char *p = line; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  rh__serve_log(s, "%s", line);
}

static void send_error(rh_srv *s, hreq *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void send_error(rh_srv *s, hreq *req, int status, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const rh_http_req *in = req->in;
  log_answer(s, in->method, in->method_len, in->path, in->path_len, in->query, in->query_len, status, msg);
  json_t *o = json_object();
  json_object_set_new(o, "error", rh__json_str(msg));
  send_json(s, req, status, o);
}

static void send_db_error(rh_srv *s, hreq *req, const char *what) {
  int ec = sqlite3_extended_errcode(s->ro) & 0xff;
  send_error(s, req, ec == SQLITE_BUSY || ec == SQLITE_LOCKED ? 503 : 500, "%s: %s", what,
             sqlite3_errmsg(s->ro));
}

/* A page of a stored run's decisions or results: {run, KEY: items, limit,
** offset}, or the database error that cut the reading short (rc is the
** last sqlite3_step).  Takes run and items. */
static void send_page(rh_srv *s, hreq *req, int rc, json_t *run, const char *key, json_t *items,
                      long long limit, long long offset) {
  if (rc != SQLITE_DONE) {
    json_decref(run);
    json_decref(items);
    char what[64];
    snprintf(what, sizeof what, "reading %s", key);
    send_db_error(s, req, what);
    return;
  }
  json_t *o = json_object();
  json_object_set_new(o, "run", run);
  json_object_set_new(o, key, items);
  json_object_set_new(o, "limit", json_integer(limit));
  json_object_set_new(o, "offset", json_integer(offset));
  send_json(s, req, 200, o);
}

/* ---- request parsing ------------------------------------------------------ */

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decodes [p, p+n) into out (cap bytes with the NUL); plus: '+' is
** a space.  A '%' not followed by two hex digits stays itself.  Returns -1
** if it does not fit or holds a NUL. */
static int url_decode(char *out, size_t cap, const char *p, size_t n, int plus) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (c == '%' && i + 2 < n) {
      int hi = hexval(p[i + 1]), lo = hexval(p[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = (char)(hi << 4 | lo);
        i += 2;
      }
    } else if (c == '+' && plus) {
      c = ' ';
    }
    if (c == '\0' || k + 1 >= cap) return -1;
    out[k++] = c;
  }
  if (cap == 0) return -1;
  out[k] = '\0';
  return 0;
}

/* The query parameter `name`, decoded; 1 if present, 0 if not, -1 if bad. */
static int query_get(hreq *req, const char *name, char *out, size_t cap) {
  if (req->in->query == NULL) return 0;
  const char *p = req->in->query, *end = p + req->in->query_len;
  size_t nl = strlen(name);
  while (p < end) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *e = amp ? amp : end;
    const char *eq = memchr(p, '=', (size_t)(e - p));
    const char *ke = eq ? eq : e;
    if ((size_t)(ke - p) == nl && memcmp(p, name, nl) == 0) {
      if (eq == NULL) {
        out[0] = '\0';
        return 1;
      }
      return url_decode(out, cap, eq + 1, (size_t)(e - eq - 1), 1) == 0 ? 1 : -1;
    }
    if (amp == NULL) break; /* (not e + 1: that would point past the end) */
    p = amp + 1;
  }
  return 0;
}

/* A whole number in decimal: an optional '-', then digits only (strtoll
** alone would take spaces, '+' and "0x"); 0 if it is one in range. */
static int parse_int(const char *v, long long *out) {
  const char *d = v[0] == '-' ? v + 1 : v;
  if (*d < '0' || *d > '9') return -1;
  char *end = NULL;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (errno || *end) return -1;
  *out = x;
  return 0;
}

/* An integer query parameter in [lo, hi]; *out keeps its default when the
** parameter is absent.  Answers 400 itself and returns -1 when bad. */
static int query_int(rh_srv *s, hreq *req, const char *name, long long lo, long long hi,
                     long long *out) {
  char v[64];
  int r = query_get(req, name, v, sizeof v);
  if (r == 0) return 0;
  long long x = 0;
  if (r < 0 || parse_int(v, &x) || x < lo || x > hi) {
    send_error(s, req, 400, "%s: expected a whole number from %lld to %lld", name, lo, hi);
    return -1;
  }
  *out = x;
  return 0;
}

typedef struct {
  char kind[65];
  long long id;
  int city;
} subject_ref;

/* "KIND:ID" or "city". */
static int parse_subject(const char *s, subject_ref *out) {
  memset(out, 0, sizeof *out);
  if (strcmp(s, "city") == 0) {
    out->city = 1;
    snprintf(out->kind, sizeof out->kind, "city");
    return 0;
  }
  const char *colon = strchr(s, ':');
  if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof out->kind) return -1;
  memcpy(out->kind, s, (size_t)(colon - s));
  if (!rh_ident_ok(out->kind)) return -1;
  return parse_int(colon + 1, &out->id);
}

/* The subject as the engine spells it (what `ronghe explain` is given). */
static void subject_text(char out[RH_HTTP_SUBJECT_MAX], const subject_ref *r) {
  if (r->city) snprintf(out, RH_HTTP_SUBJECT_MAX, "city");
  else snprintf(out, RH_HTTP_SUBJECT_MAX, "%s:%lld", r->kind, r->id);
}

/* ---- read endpoints ------------------------------------------------------- */

static const char *RUN_COLS =
  "id,as_of,year,rules_version,started_at,finished_at,schedule,filters,n_subjects,n_results,"
  "n_decisions,n_errors";

static json_t *run_json(sqlite3_stmt *st, int base) {
  static const char *names[] = {"id", "as_of", "year", "rules_version", "started_at", "finished_at",
                                "schedule", "filters", "subjects", "results", "decisions", "errors"};
  json_t *o = json_object();
  for (int i = 0; i < 12; i++)
    json_object_set_new(o, names[i], i == 7 ? jcol_json(st, base + i) : jcol(st, base + i));
  return o;
}

/* The stored run N as JSON, or NULL (not found / error: see *err). */
static json_t *load_run(rh_srv *s, long long id, int *err) {
  char sql[256];
  sqlite3_stmt *st = NULL;
  *err = 0;
  snprintf(sql, sizeof sql, "SELECT %s FROM rh_run WHERE id=?1", RUN_COLS);
  if (sqlite3_prepare_v2(s->ro, sql, -1, &st, NULL) != SQLITE_OK) {
    *err = 1;
    return NULL;
  }
  sqlite3_bind_int64(st, 1, id);
  json_t *o = NULL;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) o = run_json(st, 0);
  else if (rc != SQLITE_DONE) *err = 1;
  sqlite3_finalize(st);
  return o;
}

static void h_health(rh_srv *s, hreq *req) {
  json_t *o = json_object(), *running = json_array();
  json_object_set_new(o, "status", json_string(s->stopping ? "stopping" : "ok"));
  json_object_set_new(o, "version", json_string(RH_VERSION));
  json_object_set_new(o, "pid", json_integer((json_int_t)getpid()));
  json_object_set_new(o, "uptime_s", json_real((double)(rh__serve_ms() - s->start_ms) / 1000.0));
  json_object_set_new(o, "rules_version", s->cur ? json_string(s->cur->version) : json_null());
  json_object_set_new(o, "rules_problems", json_integer((json_int_t)json_array_size(s->errors)));
  json_object_set_new(o, "reloading", json_boolean(s->reloading));
  json_object_set_new(o, "evaluations", json_integer(s->nexplain));
  for (rh_child *c = s->children; c; c = c->next) {
    if (c->kind != RH_CHILD_EVAL) continue;
    json_t *r = json_object();
    json_object_set_new(r, "schedule", rh__json_str(c->sched));
    json_object_set_new(r, "slot", json_string(c->slot));
    json_object_set_new(r, "pid", json_integer(c->proc.pid));
    json_object_set_new(r, "seconds", json_real((double)(rh__serve_ms() - c->started_ms) / 1000.0));
    json_array_append_new(running, r);
  }
  json_object_set_new(o, "running", running);
  send_json(s, req, 200, o);
}

static void h_rules(rh_srv *s, hreq *req) {
  json_t *o = json_object();
  rh_snap *p = s->cur;
  json_object_set_new(o, "version", p ? json_string(p->version) : json_null());
  json_object_set_new(o, "loaded_at", p ? json_string(p->loaded_at) : json_null());
  json_object_set_new(o, "rules_dir", rh__json_str(s->o.rules_dir));
  json_object_set_new(o, "config", s->o.config ? rh__json_str(s->o.config) : json_null());
  json_object_set_new(o, "rules", p && p->rules ? json_incref(p->rules) : json_array());
  json_object_set_new(o, "policies", p && p->policies ? json_incref(p->policies) : json_array());
  json_t *names = json_array();
  size_t n = p && p->schedules ? json_array_size(p->schedules) : 0;
  for (size_t i = 0; i < n; i++)
    json_array_append(names, json_object_get(json_array_get(p->schedules, i), "name"));
  json_object_set_new(o, "schedules", names);
  json_object_set(o, "errors", s->errors);
  json_t *last = json_object();
  json_object_set_new(last, "at", s->last_reload_at[0] ? json_string(s->last_reload_at) : json_null());
  json_object_set_new(last, "ok", json_boolean(s->last_reload_ok));
  json_object_set_new(last, "reason", rh__json_str(s->reload_why));
  json_object_set_new(o, "last_reload", last);
  json_object_set_new(o, "reloading", json_boolean(s->reloading));
  send_json(s, req, 200, o);
}

static void h_runs(rh_srv *s, hreq *req) {
  long long limit = 50, offset = 0;
  char sched[256];
  if (query_int(s, req, "limit", 1, 500, &limit) || query_int(s, req, "offset", 0, 1000000000, &offset))
    return;
  int has_sched = query_get(req, "schedule", sched, sizeof sched);
  if (has_sched < 0) {
    send_error(s, req, 400, "schedule: bad value");
    return;
  }
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT %s FROM rh_run WHERE (?3 IS NULL OR schedule=?3) ORDER BY id DESC LIMIT ?1 OFFSET ?2",
           RUN_COLS);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->ro, sql, -1, &st, NULL) != SQLITE_OK) {
    send_db_error(s, req, "reading runs");
    return;
  }
  sqlite3_bind_int64(st, 1, limit);
  sqlite3_bind_int64(st, 2, offset);
  if (has_sched > 0) sqlite3_bind_text(st, 3, sched, -1, SQLITE_STATIC);
  json_t *runs = json_array();
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) json_array_append_new(runs, run_json(st, 0));
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    json_decref(runs);
    send_db_error(s, req, "reading runs");
    return;
  }
  json_t *o = json_object();
  json_object_set_new(o, "runs", runs);
  json_object_set_new(o, "limit", json_integer(limit));
  json_object_set_new(o, "offset", json_integer(offset));
  send_json(s, req, 200, o);
}

static void h_run(rh_srv *s, hreq *req, long long id) {
  int err;
  json_t *run = load_run(s, id, &err);
  if (run == NULL) {
    if (err) send_db_error(s, req, "reading the run");
    else send_error(s, req, 404, "no run %lld", id);
    return;
  }
  sqlite3_stmt *st = NULL;
  json_t *outcomes = json_object(), *decisions = json_object(), *files = json_array();
  if (sqlite3_prepare_v2(s->ro,
                         "SELECT o.name, count(*) FROM rh_result_rows r JOIN rh_outcome o ON o.code=r.outcome "
                         "WHERE r.run_id=?1 GROUP BY r.outcome ORDER BY r.outcome",
                         -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW)
      json_object_set_new(outcomes, (const char *)sqlite3_column_text(st, 0),
                          json_integer(sqlite3_column_int64(st, 1)));
  }
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_prepare_v2(s->ro,
                         "SELECT p.policy, p.answers, d.decision, count(*) FROM rh_decision d "
                         "JOIN rh_run_policy p ON p.run_id=d.run_id AND p.no=d.policy_no "
                         "WHERE d.run_id=?1 GROUP BY d.policy_no, d.decision ORDER BY d.policy_no, d.decision",
                         -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
      const char *pol = (const char *)sqlite3_column_text(st, 0);
      const char *answers = (const char *)sqlite3_column_text(st, 1);
      const char *name = rh_decision_name(sqlite3_column_int(st, 2), answers);
      json_t *po = json_object_get(decisions, pol ? pol : "");
      if (po == NULL) {
        po = json_object();
        json_object_set_new(decisions, pol ? pol : "", po);
      }
      json_object_set_new(po, name, json_integer(sqlite3_column_int64(st, 3)));
    }
  }
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_prepare_v2(s->ro, "SELECT path, sha256 FROM rh_run_file WHERE run_id=?1 ORDER BY path", -1,
                         &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
      json_t *f = json_object();
      json_object_set_new(f, "path", jcol(st, 0));
      json_object_set_new(f, "sha256", jcol(st, 1));
      json_array_append_new(files, f);
    }
  }
  sqlite3_finalize(st);
  json_object_set_new(run, "outcomes", outcomes);
  json_object_set_new(run, "decision_counts", decisions);
  json_object_set_new(run, "files", files);
  send_json(s, req, 200, run);
}

/* decision name -> (code, answers); 0 if unknown. */
static int decision_code(const char *name, const char **answers) {
  static const struct { const char *name; int code; const char *answers; } map[] = {
    {"ELIGIBLE", 1, "eligibility"}, {"INELIGIBLE", 2, "eligibility"},
    {"COMPLIANT", 1, "compliance"}, {"NON_COMPLIANT", 2, "compliance"},
    {"NEEDS_DATA", 3, NULL},        {NULL, 0, NULL}};
  for (int i = 0; map[i].name; i++)
    if (strcmp(map[i].name, name) == 0) {
      *answers = map[i].answers;
      return map[i].code;
    }
  return 0;
}

/* Shared by /runs/N/decisions and /runs/N/results: limit, offset, subject. */
typedef struct {
  long long limit, offset;
  int has_subject;
  subject_ref subj;
} page_args;

static int page_parse(rh_srv *s, hreq *req, page_args *a) {
  char v[256];
  a->limit = 100;
  a->offset = 0;
  if (query_int(s, req, "limit", 1, 1000, &a->limit) || query_int(s, req, "offset", 0, 1000000000, &a->offset))
    return -1;
  int r = query_get(req, "subject", v, sizeof v);
  a->has_subject = r > 0;
  if (r < 0 || (r > 0 && parse_subject(v, &a->subj) != 0)) {
    send_error(s, req, 400, "subject: expected KIND:ID (e.g. enterprise:42) or city");
    return -1;
  }
  return 0;
}

static void h_run_decisions(rh_srv *s, hreq *req, long long id) {
  page_args a;
  char policy[256], decision[64];
  const char *answers = NULL;
  int code = 0;
  if (page_parse(s, req, &a)) return;
  int has_policy = query_get(req, "policy", policy, sizeof policy);
  int has_decision = query_get(req, "decision", decision, sizeof decision);
  if (has_policy < 0) {
    send_error(s, req, 400, "policy: bad value");
    return;
  }
  if (has_decision != 0 && (has_decision < 0 || (code = decision_code(decision, &answers)) == 0)) {
    send_error(s, req, 400,
               "decision: expected ELIGIBLE, INELIGIBLE, COMPLIANT, NON_COMPLIANT or NEEDS_DATA");
    return;
  }
  int err;
  json_t *run = load_run(s, id, &err);
  if (run == NULL) {
    if (err) send_db_error(s, req, "reading the run");
    else send_error(s, req, 404, "no run %lld", id);
    return;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(
          s->ro,
          "SELECT p.policy, p.subject, d.subject_id, d.decision, p.answers, d.failed, d.unknown, "
          "CASE WHEN p.yearly THEN run.year END FROM rh_decision d "
          "JOIN rh_run_policy p ON p.run_id=d.run_id AND p.no=d.policy_no JOIN rh_run run ON run.id=d.run_id "
          "WHERE d.run_id=?1 AND (?2 IS NULL OR p.policy=?2) AND (?3 IS NULL OR d.decision=?3) "
          "AND (?4 IS NULL OR p.answers=?4) AND (?5 IS NULL OR (p.subject=?5 AND d.subject_id=?6)) "
          "ORDER BY d.policy_no, d.subject_id LIMIT ?7 OFFSET ?8",
          -1, &st, NULL) != SQLITE_OK) {
    json_decref(run);
    send_db_error(s, req, "reading decisions");
    return;
  }
  sqlite3_bind_int64(st, 1, id);
  if (has_policy > 0) sqlite3_bind_text(st, 2, policy, -1, SQLITE_STATIC);
  if (code) sqlite3_bind_int(st, 3, code);
  if (answers) sqlite3_bind_text(st, 4, answers, -1, SQLITE_STATIC);
  if (a.has_subject) {
    sqlite3_bind_text(st, 5, a.subj.kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, a.subj.id);
  }
  sqlite3_bind_int64(st, 7, a.limit);
  sqlite3_bind_int64(st, 8, a.offset);
  json_t *items = json_array();
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    json_t *d = json_object();
    char subj[128];
    snprintf(subj, sizeof subj, "%s:%lld", (const char *)sqlite3_column_text(st, 1),
             (long long)sqlite3_column_int64(st, 2));
    const char *ans = (const char *)sqlite3_column_text(st, 4);
    json_object_set_new(d, "policy", jcol(st, 0));
    json_object_set_new(d, "subject", rh__json_str(subj));
    json_object_set_new(d, "decision", json_string(rh_decision_name(sqlite3_column_int(st, 3), ans)));
    json_object_set_new(d, "failed", jcsv((const char *)sqlite3_column_text(st, 5)));
    json_object_set_new(d, "unknown", jcsv((const char *)sqlite3_column_text(st, 6)));
    if (sqlite3_column_type(st, 7) != SQLITE_NULL) json_object_set_new(d, "year", jcol(st, 7));
    json_array_append_new(items, d);
  }
  sqlite3_finalize(st);
  send_page(s, req, rc, run, "decisions", items, a.limit, a.offset);
}

static const char *OUTCOMES[] = {"PASS", "FAIL", "N/A", "UNKNOWN", "ERROR", "MET",
                                 "NOT_MET", "ACHIEVED", "NOT_ACHIEVED", NULL};

/* A stored result row (columns: rule, subject kind, subject id, outcome
** name, reason, values, cite, title, yearly, run year) as JSON. */
static json_t *result_json(sqlite3_stmt *st) {
  json_t *r = json_object();
  const char *kind = (const char *)sqlite3_column_text(st, 1);
  char subj[128];
  if (kind && strcmp(kind, "city") == 0) snprintf(subj, sizeof subj, "city");
  else snprintf(subj, sizeof subj, "%s:%lld", kind ? kind : "?", (long long)sqlite3_column_int64(st, 2));
  json_object_set_new(r, "rule", jcol(st, 0));
  json_object_set_new(r, "subject", rh__json_str(subj));
  json_object_set_new(r, "outcome", jcol(st, 3));
  json_object_set_new(r, "reason", jcol(st, 4));
  json_t *vals = jcol_json(st, 5);
  json_object_set_new(r, "values", json_is_null(vals) ? json_object() : vals);
  if (json_is_null(vals)) json_decref(vals);
  json_object_set_new(r, "cite", jcol(st, 6));
  json_object_set_new(r, "title", jcol(st, 7));
  if (sqlite3_column_int(st, 8)) json_object_set_new(r, "year", jcol(st, 9));
  return r;
}

static const char *RESULT_COLS =
  "rr.rule, rr.subject, r.subject_id, o.name, r.reason, r.vals, rr.cite, rr.title, rr.yearly, run.year";

static void h_run_results(rh_srv *s, hreq *req, long long id) {
  page_args a;
  char rule[256], outcome[64];
  int code = 0;
  if (page_parse(s, req, &a)) return;
  int has_rule = query_get(req, "rule", rule, sizeof rule);
  int has_outcome = query_get(req, "outcome", outcome, sizeof outcome);
  if (has_rule < 0) {
    send_error(s, req, 400, "rule: bad value");
    return;
  }
  if (has_outcome != 0) {
    for (int i = 0; has_outcome > 0 && OUTCOMES[i]; i++)
      if (strcmp(OUTCOMES[i], outcome) == 0) code = i + 1;
    if (code == 0) {
      send_error(s, req, 400,
                 "outcome: expected PASS, FAIL, N/A, UNKNOWN, ERROR, MET, NOT_MET, ACHIEVED or NOT_ACHIEVED");
      return;
    }
  }
  int err;
  json_t *run = load_run(s, id, &err);
  if (run == NULL) {
    if (err) send_db_error(s, req, "reading the run");
    else send_error(s, req, 404, "no run %lld", id);
    return;
  }
  char sql[1024];
  snprintf(sql, sizeof sql,
           "SELECT %s FROM rh_result_rows r JOIN rh_run_rule rr ON rr.run_id=r.run_id AND rr.no=r.rule_no "
           "JOIN rh_outcome o ON o.code=r.outcome JOIN rh_run run ON run.id=r.run_id "
           "WHERE r.run_id=?1 AND (?2 IS NULL OR rr.rule=?2) AND (?3 IS NULL OR r.outcome=?3) "
           "AND (?4 IS NULL OR (rr.subject=?4 AND r.subject_id=?5)) "
           "ORDER BY r.rule_no, r.subject_id LIMIT ?6 OFFSET ?7",
           RESULT_COLS);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->ro, sql, -1, &st, NULL) != SQLITE_OK) {
    json_decref(run);
    send_db_error(s, req, "reading results");
    return;
  }
  sqlite3_bind_int64(st, 1, id);
  if (has_rule > 0) sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
  if (code) sqlite3_bind_int(st, 3, code);
  if (a.has_subject) {
    sqlite3_bind_text(st, 4, a.subj.kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, a.subj.city ? 0 : a.subj.id);
  }
  sqlite3_bind_int64(st, 6, a.limit);
  sqlite3_bind_int64(st, 7, a.offset);
  json_t *items = json_array();
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) json_array_append_new(items, result_json(st));
  sqlite3_finalize(st);
  send_page(s, req, rc, run, "results", items, a.limit, a.offset);
}

/* The newest run id found by sql (bound: kind, id); 0 if none. */
static long long latest_run(rh_srv *s, const char *sql, const subject_ref *subj, int *err) {
  sqlite3_stmt *st = NULL;
  long long id = 0;
  if (sqlite3_prepare_v2(s->ro, sql, -1, &st, NULL) != SQLITE_OK) {
    *err = 1;
    return 0;
  }
  sqlite3_bind_text(st, 1, subj->kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, subj->city ? 0 : subj->id);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
  else if (rc != SQLITE_DONE) *err = 1;
  sqlite3_finalize(st);
  return id;
}

/* Latest stored results and decisions of one subject.  The runs are walked
** newest first through their small catalogs (rh_run_rule, rh_run_policy);
** the subject's rows are primary-key lookups, never a scan of all results. */
static void h_subject(rh_srv *s, hreq *req, const char *text) {
  subject_ref subj;
  if (parse_subject(text, &subj) != 0) {
    send_error(s, req, 400, "%s: expected KIND:ID (e.g. enterprise:42) or city", text);
    return;
  }
  int err = 0;
  long long rrun = latest_run(s,
                              "SELECT rr.run_id FROM rh_run_rule rr JOIN rh_result_rows r ON r.run_id=rr.run_id "
                              "AND r.rule_no=rr.no AND r.subject_id=?2 WHERE rr.subject=?1 "
                              "ORDER BY rr.run_id DESC LIMIT 1",
                              &subj, &err);
  long long drun = subj.city ? 0 : latest_run(s,
                              "SELECT p.run_id FROM rh_run_policy p JOIN rh_decision d ON d.run_id=p.run_id "
                              "AND d.policy_no=p.no AND d.subject_id=?2 WHERE p.subject=?1 "
                              "ORDER BY p.run_id DESC LIMIT 1",
                              &subj, &err);
  if (err) {
    send_db_error(s, req, "reading the subject");
    return;
  }
  if (rrun == 0 && drun == 0) {
    send_error(s, req, 404, "no stored result for %s", text);
    return;
  }
  json_t *o = json_object();
  json_object_set_new(o, "subject", rh__json_str(text));
  if (rrun) {
    char sql[1024];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql,
             "SELECT %s FROM rh_run_rule rr JOIN rh_result_rows r ON r.run_id=rr.run_id AND r.rule_no=rr.no "
             "AND r.subject_id=?3 JOIN rh_outcome o ON o.code=r.outcome JOIN rh_run run ON run.id=rr.run_id "
             "WHERE rr.run_id=?1 AND rr.subject=?2 ORDER BY rr.no",
             RESULT_COLS);
    json_t *items = json_array();
    if (sqlite3_prepare_v2(s->ro, sql, -1, &st, NULL) == SQLITE_OK) {
      sqlite3_bind_int64(st, 1, rrun);
      sqlite3_bind_text(st, 2, subj.kind, -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 3, subj.city ? 0 : subj.id);
      while (sqlite3_step(st) == SQLITE_ROW) json_array_append_new(items, result_json(st));
    }
    sqlite3_finalize(st);
    json_t *r = json_object();
    json_object_set_new(r, "run", load_run(s, rrun, &err));
    json_object_set_new(r, "items", items);
    json_object_set_new(o, "results", r);
  }
  if (drun) {
    sqlite3_stmt *st = NULL;
    json_t *items = json_array();
    if (sqlite3_prepare_v2(s->ro,
                           "SELECT p.policy, p.answers, d.decision, d.failed, d.unknown, "
                           "CASE WHEN p.yearly THEN run.year END FROM rh_run_policy p "
                           "JOIN rh_decision d ON d.run_id=p.run_id AND d.policy_no=p.no AND d.subject_id=?3 "
                           "JOIN rh_run run ON run.id=p.run_id WHERE p.run_id=?1 AND p.subject=?2 ORDER BY p.no",
                           -1, &st, NULL) == SQLITE_OK) {
      sqlite3_bind_int64(st, 1, drun);
      sqlite3_bind_text(st, 2, subj.kind, -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 3, subj.id);
      while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *d = json_object();
        const char *ans = (const char *)sqlite3_column_text(st, 1);
        json_object_set_new(d, "policy", jcol(st, 0));
        json_object_set_new(d, "decision",
                            json_string(rh_decision_name(sqlite3_column_int(st, 2), ans)));
        json_object_set_new(d, "failed", jcsv((const char *)sqlite3_column_text(st, 3)));
        json_object_set_new(d, "unknown", jcsv((const char *)sqlite3_column_text(st, 4)));
        if (sqlite3_column_type(st, 5) != SQLITE_NULL) json_object_set_new(d, "year", jcol(st, 5));
        json_array_append_new(items, d);
      }
    }
    sqlite3_finalize(st);
    json_t *r = json_object();
    json_object_set_new(r, "run", load_run(s, drun, &err));
    json_object_set_new(r, "items", items);
    json_object_set_new(o, "decisions", r);
  }
  send_json(s, req, 200, o);
}

static void h_schedules(rh_srv *s, hreq *req) {
  json_t *arr = json_array();
  rh_snap *p = s->cur;
  size_t n = p && p->schedules ? json_array_size(p->schedules) : 0;
  for (size_t i = 0; i < n; i++) {
    json_t *decl = json_array_get(p->schedules, i);
    json_t *o = json_deep_copy(decl);
    const char *name = json_string_value(json_object_get(decl, "name"));
    if (name == NULL) {
      json_decref(o);
      continue;
    }
    rh_sched *sc = s->scheds;
    while (sc && strcmp(sc->name, name) != 0) sc = sc->next_s;
    char when[40];
    if (sc && sc->next) {
      rh__serve_local_iso(when, sc->next);
      json_object_set_new(o, "next_fire", json_string(when));
    } else {
      json_object_set_new(o, "next_fire", json_null());
    }
    rh_child *c = NULL;
    json_object_set_new(o, "running", json_boolean(rh__serve_running(s, name, &c)));
    if (c) json_object_set_new(o, "running_slot", json_string(c->slot));
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->ro, "SELECT last_slot, claimed_by, claimed_at FROM rh_schedule_state WHERE name=?1",
                           -1, &st, NULL) == SQLITE_OK) {
      sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
      if (sqlite3_step(st) == SQLITE_ROW) {
        json_object_set_new(o, "last_slot", jcol(st, 0));
        json_object_set_new(o, "claimed_by", jcol(st, 1));
      }
    }
    sqlite3_finalize(st);
    st = NULL;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM rh_run WHERE schedule=?1 ORDER BY id DESC LIMIT 1", RUN_COLS);
    if (sqlite3_prepare_v2(s->ro, sql, -1, &st, NULL) == SQLITE_OK) {
      sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
      json_object_set_new(o, "last_run", sqlite3_step(st) == SQLITE_ROW ? run_json(st, 0) : json_null());
    }
    sqlite3_finalize(st);
    json_array_append_new(arr, o);
  }
  json_t *o = json_object();
  char now[40];
  rh__serve_local_iso(now, (time_t)rh__serve_now(s));
  json_object_set_new(o, "now", json_string(now));
  json_object_set_new(o, "schedules", arr);
  send_json(s, req, 200, o);
}

/* ---- on-demand evaluation: the request ------------------------------------ */

static int check_as_of(rh_srv *s, hreq *req, const char *as_of) {
  int64_t day;
  if (rh_date_parse(&day, as_of, strlen(as_of)) != 0) {
    send_error(s, req, 400, "as_of %s: expected a date YYYY-MM-DD", as_of);
    return -1;
  }
  return 0;
}

/* Hands a validated evaluation to the caller, or answers 503 when it cannot
** start now. */
static void want_eval(rh_srv *s, hreq *req, const subject_ref *subs, int n, const char *as_of, int year,
                      int single) {
  if (s->cur == NULL || s->stopping) {
    send_error(s, req, 503, s->stopping ? "the service is stopping" : "no rules loaded yet");
    return;
  }
  /* Room for one is enough: a job's other subjects start as its children
  ** finish (job_spawn), so a list longer than EVAL_MAX_RUNNING is served too. */
  if (s->nexplain >= EVAL_MAX_RUNNING) {
    send_error(s, req, 503, "%d evaluations are already running; try again shortly", s->nexplain);
    return;
  }
  rh_http_res *res = req->res;
  req->answered = 1;
  res->action = RH_HTTP_EVALUATE;
  res->nsubjects = n;
  res->single = single;
  res->year = year;
  for (int i = 0; i < n; i++) subject_text(res->subjects[i], &subs[i]);
  snprintf(res->as_of, sizeof res->as_of, "%s", as_of);
}

static void h_evaluate_get(rh_srv *s, hreq *req, const char *subject) {
  subject_ref ref;
  char as_of[64];
  long long year = 0;
  if (parse_subject(subject, &ref) != 0) {
    send_error(s, req, 400, "%s: expected KIND:ID (e.g. enterprise:42) or city", subject);
    return;
  }
  int r = query_get(req, "as_of", as_of, sizeof as_of);
  if (r < 0) {
    send_error(s, req, 400, "as_of: expected a date YYYY-MM-DD");
    return;
  }
  if (r == 0) rh__serve_date(as_of, (time_t)rh__serve_now(s));
  else if (check_as_of(s, req, as_of)) return;
  if (query_int(s, req, "year", 1900, 9999, &year)) return;
  want_eval(s, req, &ref, 1, as_of, (int)year, 1);
}

static void h_evaluate_post(rh_srv *s, hreq *req) {
  json_error_t jerr;
  const rh_http_req *in = req->in;
  json_t *body = in->body ? json_loadb(in->body, in->body_len, 0, &jerr) : NULL;
  if (!json_is_object(body)) {
    json_decref(body);
    send_error(s, req, 400,
               "expected a JSON object like {\"subject\": \"enterprise:42\", \"as_of\": \"2024-06-30\"}");
    return;
  }
  subject_ref refs[EVAL_MAX_SUBJECTS];
  const char *subs[EVAL_MAX_SUBJECTS];
  int n = 0, single = 0;
  json_t *one = json_object_get(body, "subject"), *many = json_object_get(body, "subjects");
  json_t *jas = json_object_get(body, "as_of"), *jyear = json_object_get(body, "year");
  char as_of[11];
  if ((one && many) || (!one && !many)) {
    send_error(s, req, 400, "give either \"subject\": \"KIND:ID\" or \"subjects\": [\"KIND:ID\", ...]");
    goto done;
  }
  if (one) {
    if (!json_is_string(one)) {
      send_error(s, req, 400, "subject: expected a string KIND:ID");
      goto done;
    }
    subs[n++] = json_string_value(one);
    single = 1;
  } else {
    if (!json_is_array(many) || json_array_size(many) == 0 || json_array_size(many) > EVAL_MAX_SUBJECTS) {
      send_error(s, req, 400, "subjects: expected a list of 1 to %d strings KIND:ID", EVAL_MAX_SUBJECTS);
      goto done;
    }
    for (size_t i = 0; i < json_array_size(many); i++) {
      const char *v = json_string_value(json_array_get(many, i));
      if (v == NULL) {
        send_error(s, req, 400, "subjects[%zu]: expected a string KIND:ID", i);
        goto done;
      }
      subs[n++] = v;
    }
  }
  for (int i = 0; i < n; i++)
    if (parse_subject(subs[i], &refs[i]) != 0) {
      send_error(s, req, 400, "%s: expected KIND:ID (e.g. enterprise:42) or city", subs[i]);
      goto done;
    }
  if (jas && !json_is_null(jas)) {
    const char *v = json_string_value(jas);
    if (v == NULL || strlen(v) != 10) {
      send_error(s, req, 400, "as_of: expected a date YYYY-MM-DD");
      goto done;
    }
    if (check_as_of(s, req, v)) goto done;
    snprintf(as_of, sizeof as_of, "%s", v);
  } else {
    rh__serve_date(as_of, (time_t)rh__serve_now(s));
  }
  long long year = 0;
  if (jyear && !json_is_null(jyear)) {
    year = json_is_integer(jyear) ? json_integer_value(jyear) : 0;
    if (year < 1900 || year > 9999) {
      send_error(s, req, 400, "year: expected a whole number from 1900 to 9999");
      goto done;
    }
  }
  want_eval(s, req, refs, n, as_of, (int)year, single);
done:
  json_decref(body);
}

/* ---- routing -------------------------------------------------------------- */

static int is_method(const rh_http_req *in, const char *m) {
  size_t n = strlen(m);
  return in->method_len == n && memcmp(in->method, m, n) == 0;
}

static void route(rh_srv *s, hreq *req) {
  const rh_http_req *in = req->in;
  char path[1024];
  if (in->path_len >= sizeof path) {
    send_error(s, req, 414, "the path is too long");
    return;
  }
  if (url_decode(path, sizeof path, in->path, in->path_len, 0) != 0) {
    send_error(s, req, 400, "bad percent-encoding in the path");
    return;
  }
  /* Split "/a/b/c" into at most 4 segments; a trailing slash is ignored. */
  char *seg[5] = {NULL};
  int nseg = 0;
  char *save = NULL;
  for (char *t = strtok_r(path, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
    if (nseg == 4) {
      send_error(s, req, 404, "no such endpoint (see GET /health, /rules, /runs, /schedules)");
      return;
    }
    seg[nseg++] = t;
  }
  int get = is_method(in, "GET") || is_method(in, "HEAD"), post = is_method(in, "POST");
  const char *a = nseg > 0 ? seg[0] : "";
  long long id = 0;
  if (nseg >= 2 && strcmp(a, "runs") == 0) {
    if (parse_int(seg[1], &id) || id < 1) {
      send_error(s, req, 400, "%s: a run is a positive whole number", seg[1]);
      return;
    }
  }
  int want_get = 1;
  if (nseg == 1 && strcmp(a, "health") == 0) {
    if (get) h_health(s, req);
  } else if (nseg == 1 && strcmp(a, "rules") == 0) {
    if (get) h_rules(s, req);
  } else if (nseg == 1 && strcmp(a, "runs") == 0) {
    if (get) h_runs(s, req);
  } else if (nseg == 2 && strcmp(a, "runs") == 0) {
    if (get) h_run(s, req, id);
  } else if (nseg == 3 && strcmp(a, "runs") == 0 && strcmp(seg[2], "decisions") == 0) {
    if (get) h_run_decisions(s, req, id);
  } else if (nseg == 3 && strcmp(a, "runs") == 0 && strcmp(seg[2], "results") == 0) {
    if (get) h_run_results(s, req, id);
  } else if (nseg == 2 && strcmp(a, "subjects") == 0) {
    if (get) h_subject(s, req, seg[1]);
  } else if (nseg == 1 && strcmp(a, "schedules") == 0) {
    if (get) h_schedules(s, req);
  } else if (nseg == 2 && strcmp(a, "evaluate") == 0) {
    if (get) h_evaluate_get(s, req, seg[1]);
  } else if (nseg == 1 && strcmp(a, "evaluate") == 0) {
    want_get = 0;
    if (post) h_evaluate_post(s, req);
  } else if (nseg == 1 && strcmp(a, "reload") == 0) {
    want_get = 0;
    if (post) {
      /* The caller starts the reload; the version is the one serving now. */
      json_t *o = json_object();
      json_object_set_new(o, "status", json_string("reload started"));
      json_object_set_new(o, "rules_version", s->cur ? json_string(s->cur->version) : json_null());
      send_json(s, req, 202, o);
      req->res->action = RH_HTTP_RELOAD;
    }
  } else {
    send_error(s, req, 404, "no such endpoint (see GET /health, /rules, /runs, /schedules)");
    return;
  }
  if (want_get && !get) {
    req->res->allow = "GET, HEAD";
    send_error(s, req, 405, "use GET for this endpoint");
  } else if (!want_get && !post) {
    req->res->allow = "POST";
    send_error(s, req, 405, "use POST for this endpoint");
  }
}

void rh__http_handle(rh_srv *s, const rh_http_req *in, rh_http_res *res) {
  memset(res, 0, sizeof *res);
  hreq req = {in, res, 0};
  route(s, &req);
  if (!req.answered) send_error(s, &req, 500, "internal: the request was not answered");
  if (res->body == NULL && res->action != RH_HTTP_EVALUATE) {
    /* Out of memory while answering: still a well-formed answer. */
    res->action = RH_HTTP_ANSWER;
    res->allow = NULL;
    rh__http_res_json(res, 500, NULL);
  }
}

/* ---- the h2o side --------------------------------------------------------- */

typedef struct {
  h2o_handler_t super;
  rh_srv *srv;
} rh_handler;

/* Sends a response made by rh__http_handle or rh__http_res_json. */
static void respond(rh_srv *s, h2o_req_t *req, const rh_http_res *res) {
  req->res.status = res->status;
  req->res.reason = reason_of(res->status);
  /* Connections close after the answer once the service is stopping. */
  if (s->stopping) req->http1_is_persistent = 0;
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, res->content_type,
                 strlen(res->content_type));
  if (res->allow)
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, res->allow, strlen(res->allow));
  req->res.content_length = res->body_len;
  h2o_send_inline(req, res->body ? res->body : "", res->body_len);
}

static void respond_json(rh_srv *s, h2o_req_t *req, int status, json_t *body) {
  rh_http_res res;
  memset(&res, 0, sizeof res);
  rh__http_res_json(&res, status, body);
  respond(s, req, &res);
  rh__http_res_free(&res);
}

static void respond_error(rh_srv *s, h2o_req_t *req, int status, const char *msg) {
  log_answer(s, req->method.base, req->method.len, req->path.base, req->path.len, NULL, 0, status, msg);
  json_t *o = json_object();
  json_object_set_new(o, "error", rh__json_str(msg));
  respond_json(s, req, status, o);
}

/* An evaluation in flight: its children and the request it answers. */
typedef struct eval_job eval_job;
typedef struct {
  eval_job *job;
} req_token;

struct eval_job {
  rh_srv *s;
  h2o_req_t *req;    /* NULL once the request is gone */
  req_token *tok;    /* lives in the request's pool */
  rh_snap *snap;     /* the rules of every subject (held by the job's running children) */
  int n, left, single;
  int next;          /* the next subject to start */
  char subjects[EVAL_MAX_SUBJECTS][RH_HTTP_SUBJECT_MAX];
  char as_of[11];
  int year;
  json_t *items;
  int status[EVAL_MAX_SUBJECTS];
};

/* The request's memory pool is being freed: forget the request. */
static void tok_dispose(void *p) {
  req_token *t = p;
  if (t->job) {
    t->job->req = NULL;
    t->job->tok = NULL;
  }
}

static void job_finish(eval_job *j) {
  rh_srv *s = j->s;
  if (j->req) {
    if (j->single) {
      json_t *item = json_array_get(j->items, 0);
      json_incref(item);
      if (j->status[0] != 200) {
        const char *msg = json_string_value(json_object_get(item, "error"));
        log_answer(s, j->req->method.base, j->req->method.len, j->req->path.base, j->req->path.len, NULL, 0,
                   j->status[0], msg ? msg : "");
      }
      respond_json(s, j->req, j->status[0], item);
    } else {
      json_t *o = json_object();
      json_object_set_new(o, "as_of", json_string(j->as_of));
      /* (job_finish runs while a child of the job still holds the snapshot) */
      json_object_set_new(o, "rules_version", json_string(j->snap->version));
      json_object_set(o, "subjects", j->items);
      respond_json(s, j->req, 200, o);
    }
  }
  if (j->tok) j->tok->job = NULL;
  json_decref(j->items);
  free(j);
  s->pending_reqs--;
}

static void job_spawn(eval_job *j);

static void on_explain_done(rh_child *c) {
  eval_job *j = c->ud;
  rh_srv *s = c->srv;
  int i = c->idx, status = 200;
  json_t *item = json_array_get(j->items, (size_t)i);
  json_t *results = json_array(), *decisions = json_array();
  char msg[1024] = "";
  s->nexplain--;
  if (c->stop_killed) {
    status = 503;
    snprintf(msg, sizeof msg, "the service is stopping");
  } else if (c->killed) {
    status = 504;
    snprintf(msg, sizeof msg, "the evaluation took longer than %d s and was stopped", EVAL_TIMEOUT_MS / 1000);
  } else if (c->truncated) {
    status = 500;
    snprintf(msg, sizeof msg, "the answer is larger than %u MiB", EVAL_MAX_OUT >> 20);
  } else {
    const char *p = c->out_buf.data, *end = p ? p + c->out_buf.len : NULL;
    while (p && p < end) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
      json_t *o = len ? json_loadb(p, len, 0, NULL) : NULL;
      p = nl ? nl + 1 : NULL;
      if (o == NULL) continue;
      const char *type = json_string_value(json_object_get(o, "type"));
      if (type && strcmp(type, "run") == 0) {
        json_object_set(item, "as_of", json_object_get(o, "as_of"));
        json_object_set(item, "year", json_object_get(o, "year"));
        json_object_set(item, "rules_version", json_object_get(o, "rules_version"));
      } else if (type && strcmp(type, "decision") == 0) {
        json_object_del(o, "type");
        json_array_append(decisions, o);
      } else {
        json_array_append(results, o);
      }
      json_decref(o);
    }
    const char *err = c->err_buf.data ? c->err_buf.data : "";
    int ok_exit = c->exited && !c->term_signal && (c->status == 0 || c->status == 1);
    if (!ok_exit || json_array_size(results) == 0) {
      /* The child's last stderr line says why ("ronghe explain: ..."). */
      size_t n = strlen(err);
      while (n > 0 && err[n - 1] == '\n') n--;
      const char *line = err + n;
      while (line > err && line[-1] != '\n') line--;
      const char *colon = strncmp(line, "ronghe explain: ", 16) == 0 ? line + 16 : line;
      snprintf(msg, sizeof msg, "%.*s", (int)(err + n - colon), colon);
      if (!msg[0]) snprintf(msg, sizeof msg, "the evaluation failed (exit status %d)", (int)c->status);
      status = ok_exit ? 404 : strstr(err, "locked") ? 503 : 500;
    }
  }
  if (status == 200) {
    json_object_set_new(item, "results", results);
    json_object_set_new(item, "decisions", decisions);
  } else {
    json_decref(results);
    json_decref(decisions);
    json_object_set_new(item, "error", rh__json_str(msg));
  }
  j->status[i] = status;
  j->left--;
  job_spawn(j); /* (before this child lets go of the snapshot) */
  if (j->left == 0) job_finish(j);
}

/* Starts `ronghe explain` for the job's next subjects, while fewer than
** EVAL_MAX_RUNNING run.  A subject that cannot start, or that the service
** stops before it starts, gets its error now.  Some child of the job is
** running whenever a subject is still to start: each one that ends calls
** this again, so the job ends. */
static void job_spawn(eval_job *j) {
  rh_srv *s = j->s;
  char ybuf[16];
  snprintf(ybuf, sizeof ybuf, "%d", j->year);
  while (j->next < j->n && (s->nexplain < EVAL_MAX_RUNNING || s->stopping || j->req == NULL)) {
    int i = j->next++;
    json_t *item = json_array_get(j->items, (size_t)i);
    if (s->stopping || j->req == NULL) { /* no one to answer, or no time to */
      const char *why = s->stopping ? "the service is stopping" : "the client went away";
      json_object_set_new(item, "error", json_string(why));
      j->status[i] = 503;
      j->left--;
      continue;
    }
    char *args[16];
    int k = 0;
    args[k++] = NULL;
    args[k++] = "explain";
    args[k++] = j->subjects[i];
    args[k++] = "--format";
    args[k++] = "jsonl";
    args[k++] = "--db";
    args[k++] = s->db_abs;
    args[k++] = "--rules";
    args[k++] = s->rules_base;
    args[k++] = "--as-of";
    args[k++] = j->as_of;
    if (j->year) {
      args[k++] = "--year";
      args[k++] = ybuf;
    }
    args[k] = NULL;
    rh_child *c = NULL;
    if (rh__serve_spawn(s, &c, RH_CHILD_EXPLAIN, args, j->snap->dir, j->snap, EVAL_MAX_OUT, EVAL_TIMEOUT_MS,
                        on_explain_done, j) != RH_OK) {
      json_object_set_new(item, "error", rh__json_str(rh_error_last()));
      j->status[i] = 500;
      j->left--;
      continue;
    }
    c->idx = i;
    s->nexplain++;
  }
}

/* Answers an evaluation handed back by rh__http_handle once its children
** are done. */
static void start_eval(rh_srv *s, h2o_req_t *req, const rh_http_res *res) {
  int n = res->nsubjects;
  eval_job *j = calloc(1, sizeof *j);
  if (j == NULL) {
    respond_error(s, req, 500, "out of memory");
    return;
  }
  j->s = s;
  j->req = req;
  j->snap = s->cur;
  j->n = j->left = n;
  j->single = res->single;
  j->year = res->year;
  snprintf(j->as_of, sizeof j->as_of, "%s", res->as_of);
  j->items = json_array();
  j->tok = h2o_mem_alloc_shared(&req->pool, sizeof *j->tok, tok_dispose);
  j->tok->job = j;
  s->pending_reqs++;
  for (int i = 0; i < n; i++) {
    memcpy(j->subjects[i], res->subjects[i], sizeof j->subjects[i]);
    json_t *item = json_object();
    json_object_set_new(item, "subject", rh__json_str(res->subjects[i]));
    json_array_append_new(j->items, item);
  }
  job_spawn(j);
  if (j->left == 0) job_finish(j);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req) {
  rh_srv *s = ((rh_handler *)self)->srv;
  rh_http_req in;
  memset(&in, 0, sizeof in);
  in.method = req->method.base;
  in.method_len = req->method.len;
  in.path = req->path.base;
  in.path_len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
  if (req->query_at != SIZE_MAX) {
    in.query = req->path.base + req->query_at + 1;
    in.query_len = req->path.len - req->query_at - 1;
  }
  if (req->entity.base) {
    in.body = req->entity.base;
    in.body_len = req->entity.len;
  }
  rh_http_res res;
  rh__http_handle(s, &in, &res);
  if (res.action == RH_HTTP_EVALUATE) {
    start_eval(s, req, &res);
  } else {
    if (res.action == RH_HTTP_RELOAD) rh__serve_reload(s, "POST /reload");
    respond(s, req, &res);
  }
  rh__http_res_free(&res);
  return 0;
}

/* ---- listener ------------------------------------------------------------- */

static void conn_unlink(rh_conn *c) {
  rh_srv *s = c->srv;
  if (c->prev) c->prev->next = c->next;
  else if (s->conns == c) s->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  s->nconns--;
}

/* h2o closed the socket; the uv_tcp_t is the first member of rh_conn. */
static void on_conn_closed(uv_handle_t *h) {
  rh_conn *c = (rh_conn *)h;
  conn_unlink(c);
  free(c);
}

static void on_accept_failed_closed(uv_handle_t *h) { free(h); }

static void on_accept(uv_stream_t *l, int status) {
  rh_srv *s = l->data;
  if (status != 0 || s->stopping) return;
  rh_conn *c = calloc(1, sizeof *c);
  if (c == NULL) return;
  c->srv = s;
  uv_tcp_init(&s->loop, &c->tcp);
  if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
    uv_close((uv_handle_t *)&c->tcp, on_accept_failed_closed);
    return;
  }
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  s->nconns++;
  h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, on_conn_closed);
  h2o_accept(&s->accept_ctx, sock);
}

/* "HOST:PORT", "[V6]:PORT" or "PORT" -> a socket address. */
static int parse_listen(const char *spec, struct sockaddr_storage *addr) {
  if (spec == NULL) spec = "";
  char host[64] = "127.0.0.1";
  const char *port_s = spec;
  if (spec[0] == '[') {
    const char *e = strchr(spec, ']');
    if (e == NULL || e[1] != ':' || (size_t)(e - spec - 1) >= sizeof host) goto bad;
    snprintf(host, sizeof host, "%.*s", (int)(e - spec - 1), spec + 1);
    port_s = e + 2;
  } else if (strrchr(spec, ':')) {
    const char *colon = strrchr(spec, ':');
    if ((size_t)(colon - spec) >= sizeof host) goto bad;
    snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
    port_s = colon + 1;
  }
  if (strcmp(host, "localhost") == 0 || host[0] == '\0') snprintf(host, sizeof host, "127.0.0.1");
  char *end = NULL;
  errno = 0;
  long port = strtol(port_s, &end, 10);
  if (errno || end == port_s || *end || port < 0 || port > 65535) goto bad;
  memset(addr, 0, sizeof *addr);
  if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)addr) == 0) return RH_OK;
  if (uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)addr) == 0) return RH_OK;
bad:
  return rh_error_set(RH_EUSAGE, "--listen %s: expected HOST:PORT with a numeric address, e.g. 127.0.0.1:8080",
                      spec);
}

int rh__http_check_listen(const char *spec) {
  struct sockaddr_storage addr;
  return parse_listen(spec, &addr);
}

int rh__http_start(rh_srv *s) {
  struct sockaddr_storage addr;
  int rc = parse_listen(s->o.listen, &addr);
  if (rc != RH_OK) return rc;
  h2o_config_init(&s->h2o_conf);
  s->h2o_conf.server_name = h2o_iovec_init(H2O_STRLIT("ronghe"));
  s->h2o_conf.max_request_entity_size = 1 << 20;
  h2o_hostconf_t *host = h2o_config_register_host(&s->h2o_conf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
  h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
  rh_handler *h = (rh_handler *)h2o_create_handler(path, sizeof *h);
  h->super.on_req = on_req;
  h->srv = s;
  h2o_context_init(&s->h2o_ctx, &s->loop, &s->h2o_conf);
  s->accept_ctx.ctx = &s->h2o_ctx;
  s->accept_ctx.hosts = s->h2o_conf.hosts;
  s->h2o_on = 1;
  uv_tcp_init(&s->loop, &s->listener);
  s->listener.data = s;
  s->listener_on = 1;
  rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&addr, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&s->listener, 128, on_accept);
  if (rc != 0) return rh_error_set(RH_EUSAGE, "cannot listen on %s: %s", s->o.listen, uv_strerror(rc));
  struct sockaddr_storage bound;
  int len = sizeof bound;
  s->port = 0;
  if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &len) == 0) {
    char ip[64] = "?";
    if (bound.ss_family == AF_INET6) {
      uv_ip6_name((struct sockaddr_in6 *)&bound, ip, sizeof ip);
      s->port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
      snprintf(s->listen_url, sizeof s->listen_url, "http://[%s]:%d", ip, s->port);
    } else {
      uv_ip4_name((struct sockaddr_in *)&bound, ip, sizeof ip);
      s->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
      snprintf(s->listen_url, sizeof s->listen_url, "http://%s:%d", ip, s->port);
    }
  }
  return RH_OK;
}

void rh__http_stop(rh_srv *s) {
  if (s->listener_on) {
    uv_close((uv_handle_t *)&s->listener, NULL);
    s->listener_on = 0;
  }
  /* Only the flag: HTTP/1 then answers without keep-alive.  The full
  ** h2o_context_request_shutdown would arm HTTP/2's GOAWAY timer, which must
  ** not be pending when the context is disposed a moment later. */
  if (s->h2o_on) s->h2o_ctx.shutdown_requested = 1;
}

/* Ends the connections that are left once every answer is written: a read
** shutdown makes each look closed by its client, so h2o closes it and frees
** its state the ordinary way (keep-alive connections idle in a read). */
void rh__http_close_idle(rh_srv *s) {
  for (rh_conn *c = s->conns; c; c = c->next) {
    uv_os_fd_t fd;
    if (c->shut || uv_is_closing((uv_handle_t *)&c->tcp) || uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0)
      continue;
    shutdown(fd, SHUT_RD);
    c->shut = 1;
  }
}

static void on_conn_forced_closed(uv_handle_t *h) {
  rh_conn *c = (rh_conn *)h;
  conn_unlink(c);
  free(c);
}

void rh__http_dispose(rh_srv *s) {
  if (s->listener_on) rh__http_stop(s);
  if (!s->h2o_on) return;
  s->h2o_on = 0;
  if (s->nconns == 0) {
    /* Only with no connection left: h2o asserts its timeouts are empty. */
    h2o_context_dispose(&s->h2o_ctx);
    h2o_config_dispose(&s->h2o_conf);
    return;
  }
  /* A client kept a connection idle past the grace period.  The process is
  ** exiting: close the sockets and leave h2o's per-connection state. */
  rh__serve_log(s, "closing %d idle connection%s", s->nconns, s->nconns == 1 ? "" : "s");
  for (rh_conn *c = s->conns; c; c = c->next)
    if (!uv_is_closing((uv_handle_t *)&c->tcp)) uv_close((uv_handle_t *)&c->tcp, on_conn_forced_closed);
}
