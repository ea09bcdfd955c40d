/*
** `ronghe diff` (see diff.h).
*/
#include "diff.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "output.h"
#include "replay.h"
#include "rh.h"
#include "util.h"

/* One result or decision of one side. */
typedef struct {
  char *name;     /* rule id or policy */
  char *kind;     /* subject kind ("city" for the city) */
  int64_t id;
  char *what;     /* outcome or decision */
  char *reason;   /* result: reason; decision: failed ids */
  char *unknown;  /* decision: unknown ids */
  int positive;   /* decision: ELIGIBLE or COMPLIANT */
} item;

typedef struct {
  item *v;
  int n, cap;
} items;

typedef struct {
  items results, decisions;
  int oom;
} side;

static char *dup0(const unsigned char *s) { return strdup(s ? (const char *)s : ""); }

static int items_add(items *a, sqlite3_stmt *st, int decision) {
  if (a->n == a->cap) {
    int cap = a->cap ? a->cap * 2 : 256;
    item *q = realloc(a->v, (size_t)cap * sizeof *q);
    if (q == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
    a->v = q;
    a->cap = cap;
  }
  item *it = &a->v[a->n];
  memset(it, 0, sizeof *it);
  const char *subj = (const char *)sqlite3_column_text(st, 1);
  const char *colon = subj ? strchr(subj, ':') : NULL;
  it->name = dup0(sqlite3_column_text(st, 0));
  it->kind = colon ? strndup(subj, (size_t)(colon - subj)) : dup0((const unsigned char *)subj);
  it->id = colon ? strtoll(colon + 1, NULL, 10) : 0;
  it->what = dup0(sqlite3_column_text(st, 2));
  it->reason = dup0(sqlite3_column_text(st, 3));
  it->unknown = decision ? dup0(sqlite3_column_text(st, 4)) : NULL;
  it->positive = decision && (strcmp(it->what, "ELIGIBLE") == 0 || strcmp(it->what, "COMPLIANT") == 0);
  a->n++;
  if (!it->name || !it->kind || !it->what || !it->reason || (decision && !it->unknown))
    return rh_error_set(RH_ENOMEM, "out of memory");
  return RH_OK;
}

static void items_free(items *a) {
  for (int i = 0; i < a->n; i++) {
    free(a->v[i].name);
    free(a->v[i].kind);
    free(a->v[i].what);
    free(a->v[i].reason);
    free(a->v[i].unknown);
  }
  free(a->v);
  memset(a, 0, sizeof *a);
}

/* Subjects sort by kind, then numerically by id. */
static int item_cmp(const void *a, const void *b) {
  const item *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  if (c) return c;
  c = strcmp(x->kind, y->kind);
  if (c) return c;
  return (x->id > y->id) - (x->id < y->id);
}

/* The print callback of each side's evaluation: copies the run's rows out
** of the transaction that is about to be rolled back. */
static int collect(void *dbp, int64_t run, void *ud) {
  sqlite3 *db = dbp;
  side *s = ud;
  sqlite3_stmt *st = NULL;
  int rc = RH_OK;
  if (sqlite3_prepare_v2(db, "SELECT rule, subject, outcome, reason FROM rh_results WHERE run_id=?1", -1, &st,
                         NULL) != SQLITE_OK)
    return rh_db_fail(db, "reading results");
  sqlite3_bind_int64(st, 1, run);
  while (rc == RH_OK && sqlite3_step(st) == SQLITE_ROW) rc = items_add(&s->results, st, 0);
  sqlite3_finalize(st);
  if (rc != RH_OK) return rc;
  if (sqlite3_prepare_v2(db, "SELECT policy, subject, decision, failed, unknown FROM rh_decisions WHERE run_id=?1",
                         -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(db, "reading decisions");
  sqlite3_bind_int64(st, 1, run);
  while (rc == RH_OK && sqlite3_step(st) == SQLITE_ROW) rc = items_add(&s->decisions, st, 1);
  sqlite3_finalize(st);
  if (rc == RH_OK) {
    if (s->results.n) qsort(s->results.v, (size_t)s->results.n, sizeof(item), item_cmp);
    if (s->decisions.n) qsort(s->decisions.v, (size_t)s->decisions.n, sizeof(item), item_cmp);
  }
  return rc;
}

/* ---- changes ---------------------------------------------------------------- */

typedef struct {
  const item *old, *new_; /* either may be NULL: absent on that side */
  int decision;
} change;

static const item *key_of(const change *c) { return c->old ? c->old : c->new_; }

/* Changes sort by subject (kind, id), decisions first, then by name. */
static int change_cmp(const void *a, const void *b) {
  const change *x = a, *y = b;
  const item *p = key_of(x), *q = key_of(y);
  int c = strcmp(p->kind, q->kind);
  if (c) return c;
  if (p->id != q->id) return p->id < q->id ? -1 : 1;
  if (x->decision != y->decision) return y->decision - x->decision;
  return strcmp(p->name, q->name);
}

static int diff_items(const items *o, const items *n, int decision, change **out, int *nout, int *cap) {
  int i = 0, j = 0;
  while (i < o->n || j < n->n) {
    const item *a = i < o->n ? &o->v[i] : NULL, *b = j < n->n ? &n->v[j] : NULL;
    int c = a && b ? item_cmp(a, b) : a ? -1 : 1;
    const item *x = c <= 0 ? a : NULL, *y = c >= 0 ? b : NULL;
    if (c <= 0) i++;
    if (c >= 0) j++;
    if (x && y && strcmp(x->what, y->what) == 0) continue;
    if (*nout == *cap) {
      *cap = *cap ? *cap * 2 : 64;
      change *q = realloc(*out, (size_t)*cap * sizeof *q);
      if (q == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
      *out = q;
    }
    (*out)[(*nout)++] = (change){x, y, decision};
  }
  return RH_OK;
}

/* ---- printing ---------------------------------------------------------------- */

static void subject_label(char *out, size_t n, const item *it) {
  if (strcmp(it->kind, "city") == 0) snprintf(out, n, "city");
  else snprintf(out, n, "%s:%lld", it->kind, (long long)it->id);
}

static void subject_name(sqlite3 *db, const item *it, char *out, size_t n) {
  out[0] = '\0';
  if (db == NULL || !rh_ident_ok(it->kind) || !rh_db_has_column(db, it->kind, "name")) return;
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT name FROM \"%s\" WHERE id=?1", it->kind);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return;
  sqlite3_bind_int64(st, 1, it->id);
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
}

static void js(rh_buf *b, const char *s) {
  if (s) rh_buf_json_str(b, s, strlen(s));
  else rh_buf_adds(b, "null");
}

static void jlist(rh_buf *b, const char *csv) {
  if (csv == NULL) {
    rh_buf_adds(b, "null");
    return;
  }
  rh_buf_adds(b, "[");
  for (const char *p = csv; *p;) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (p != csv) rh_buf_adds(b, ",");
    rh_buf_json_str(b, p, n);
    p = e ? e + 1 : p + n;
  }
  rh_buf_adds(b, "]");
}

static const char *words(const char *csv, char *buf, size_t n) {
  if (csv == NULL || *csv == '\0') return "-";
  snprintf(buf, n, "%s", csv);
  for (char *p = buf; *p; p++)
    if (*p == ',') *p = ' ';
  return buf;
}

typedef struct {
  char policy[128];
  long gains, losses, changed;
} policy_sum;

int rh_diff_run(rh_diff_stats *stats, const rh_diff_opts *o) {
  memset(stats, 0, sizeof *stats);
  FILE *out = o->out ? o->out : stdout;
  side sides[2];
  memset(sides, 0, sizeof sides);
  rh_eval_opts eo[2];
  char tmpdir[4096] = "", old_label[4200], new_label[4200], as_of[16] = "";
  char *run_params_json = NULL;
  const char *run_params[64];
  int nrun_params = 0, rc = RH_OK;
  json_t *filters = NULL;
  change *ch = NULL;
  int nch = 0, capch = 0;
  policy_sum *ps = NULL;
  int nps = 0;
  sqlite3 *db = NULL;
  rh_buf line = RH_BUF_INIT;

  eo[0] = eo[1] = o->eval;
  eo[0].keep = eo[1].keep = 0;
  eo[0].progress = eo[1].progress = 0;
  if (o->eval.as_of == NULL && !o->against_run) {
    /* Both sides speak for the same day, even across midnight. */
    rh_today(as_of);
    eo[0].as_of = eo[1].as_of = as_of;
  }
  if (o->against_run) {
    /* The old side: the texts stored with the run, and its as-of, year and
    ** parameters unless told otherwise. */
    sqlite3_stmt *st = NULL;
    if ((rc = rh_db_open(&db, o->eval.db_path, RH_DB_RO)) != RH_OK) goto done;
    if (!rh_db_table_exists(db, "rh_run") ||
        sqlite3_prepare_v2(db, "SELECT as_of, year, filters, rules_version FROM rh_run WHERE id=?1", -1, &st,
                           NULL) != SQLITE_OK) {
      rc = rh_error_set(RH_ENOTFOUND, "no run %lld in %s", (long long)o->against_run, o->eval.db_path);
      goto done;
    }
    sqlite3_bind_int64(st, 1, o->against_run);
    if (sqlite3_step(st) != SQLITE_ROW) {
      sqlite3_finalize(st);
      rc = rh_error_set(RH_ENOTFOUND, "no run %lld in %s", (long long)o->against_run, o->eval.db_path);
      goto done;
    }
    snprintf(as_of, sizeof as_of, "%s", (const char *)sqlite3_column_text(st, 0));
    int year = sqlite3_column_int(st, 1);
    if (sqlite3_column_type(st, 2) == SQLITE_TEXT)
      run_params_json = strdup((const char *)sqlite3_column_text(st, 2));
    snprintf(old_label, sizeof old_label, "run %lld (rules %.12s)", (long long)o->against_run,
             (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    rh_db_close(db);
    db = NULL;
    if (o->eval.as_of == NULL) {
      eo[0].as_of = eo[1].as_of = as_of;
      if (o->eval.year == 0) eo[0].year = eo[1].year = year;
    }
    if (run_params_json) {
      json_error_t jerr;
      filters = json_loads(run_params_json, 0, &jerr);
      json_t *pl = json_object_get(filters, "param");
      size_t k;
      json_t *v;
      json_array_foreach(pl, k, v) if (json_is_string(v) && nrun_params < 64) run_params[nrun_params++] =
          json_string_value(v);
    }
    eo[0].params = run_params;
    eo[0].nparams = nrun_params;
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/ronghe-diff.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
      rc = rh_error_set(RH_ERROR, "%s: %s", tmpdir, strerror(errno));
      tmpdir[0] = '\0';
      goto done;
    }
    if ((rc = rh_replay_restore(o->eval.db_path, o->against_run, tmpdir)) != RH_OK) goto done;
    eo[0].rules_dir = tmpdir;
  } else if (o->old_dir) {
    eo[0].rules_dir = o->old_dir;
    eo[0].params = NULL;
    eo[0].nparams = 0;
    snprintf(old_label, sizeof old_label, "%s", o->old_dir);
  } else {
    if (o->eval.nparams == 0) {
      rc = rh_error_set(RH_EUSAGE, "nothing to compare: give --against DIR, --against-run RUN or --param NAME=VALUE");
      goto done;
    }
    eo[0].params = NULL;
    eo[0].nparams = 0;
    snprintf(old_label, sizeof old_label, "%s", o->eval.rules_dir);
  }
  {
    rh_buf b = RH_BUF_INIT;
    rh_buf_adds(&b, o->eval.rules_dir);
    for (int i = 0; i < o->eval.nparams; i++) rh_buf_printf(&b, "%s%s", i ? ", " : " with ", o->eval.params[i]);
    snprintf(new_label, sizeof new_label, "%s", b.data ? b.data : "");
    rh_buf_free(&b);
  }

  for (int k = 0; k < 2; k++) {
    rh_eval_stats st;
    rc = rh_eval_run(&eo[k], &st, collect, &sides[k]);
    if (rc != RH_OK) {
      char msg[2048];
      snprintf(msg, sizeof msg, "%s", rh_error_last());
      rc = rh_error_set(rc, "%s rule set (%s): %s", k ? "new" : "old", k ? new_label : old_label, msg);
      goto done;
    }
  }
  if ((rc = diff_items(&sides[0].results, &sides[1].results, 0, &ch, &nch, &capch)) != RH_OK ||
      (rc = diff_items(&sides[0].decisions, &sides[1].decisions, 1, &ch, &nch, &capch)) != RH_OK)
    goto done;
  if (nch) qsort(ch, (size_t)nch, sizeof *ch, change_cmp);

  /* Per policy: every policy of either side, by name. */
  ps = calloc((size_t)(sides[0].decisions.n + sides[1].decisions.n) + 1, sizeof *ps);
  if (ps == NULL) {
    rc = rh_error_set(RH_ENOMEM, "out of memory");
    goto done;
  }
  for (int k = 1; k >= 0; k--)
    for (int i = 0; i < sides[k].decisions.n; i++) {
      const char *p = sides[k].decisions.v[i].name;
      int j = 0;
      while (j < nps && strcmp(ps[j].policy, p) != 0) j++;
      if (j == nps) snprintf(ps[nps++].policy, sizeof ps[0].policy, "%s", p);
    }
  for (int i = 0; i < nch; i++) {
    if (!ch[i].decision) {
      stats->results_changed++;
      continue;
    }
    stats->decisions_changed++;
    const item *k = key_of(&ch[i]);
    int j = 0;
    while (j < nps && strcmp(ps[j].policy, k->name) != 0) j++;
    int was = ch[i].old && ch[i].old->positive, is = ch[i].new_ && ch[i].new_->positive;
    if (j < nps) {
      ps[j].changed++;
      ps[j].gains += !was && is;
      ps[j].losses += was && !is;
    }
    stats->gains += !was && is;
    stats->losses += was && !is;
  }

  rh_db_open(&db, o->eval.db_path, RH_DB_RO); /* for subject names only */
  char subj[128], name[256], w1[1024], w2[1024];
  if (o->jsonl) {
    rh_buf_adds(&line, "{\"type\":\"diff\",\"old\":");
    js(&line, old_label);
    rh_buf_adds(&line, ",\"new\":");
    js(&line, new_label);
    rh_buf_adds(&line, ",\"as_of\":");
    js(&line, eo[1].as_of);
    rh_buf_printf(&line, ",\"results_changed\":%ld,\"decisions_changed\":%ld}\n", stats->results_changed,
                  stats->decisions_changed);
    for (int i = 0; i < nch; i++) {
      const change *c = &ch[i];
      subject_label(subj, sizeof subj, key_of(c));
      rh_buf_printf(&line, "{\"type\":\"%s\",\"%s\":", c->decision ? "decision" : "result",
                    c->decision ? "policy" : "rule");
      js(&line, key_of(c)->name);
      rh_buf_adds(&line, ",\"subject\":");
      js(&line, subj);
      rh_buf_adds(&line, ",\"old\":");
      js(&line, c->old ? c->old->what : NULL);
      rh_buf_adds(&line, ",\"new\":");
      js(&line, c->new_ ? c->new_->what : NULL);
      if (c->decision) {
        rh_buf_adds(&line, ",\"old_failed\":");
        jlist(&line, c->old ? c->old->reason : NULL);
        rh_buf_adds(&line, ",\"new_failed\":");
        jlist(&line, c->new_ ? c->new_->reason : NULL);
        rh_buf_adds(&line, ",\"old_unknown\":");
        jlist(&line, c->old ? c->old->unknown : NULL);
        rh_buf_adds(&line, ",\"new_unknown\":");
        jlist(&line, c->new_ ? c->new_->unknown : NULL);
      } else {
        rh_buf_adds(&line, ",\"old_reason\":");
        js(&line, c->old ? c->old->reason : NULL);
        rh_buf_adds(&line, ",\"new_reason\":");
        js(&line, c->new_ ? c->new_->reason : NULL);
      }
      rh_buf_adds(&line, "}\n");
    }
    for (int j = 0; j < nps; j++) {
      rh_buf_adds(&line, "{\"type\":\"summary\",\"policy\":");
      js(&line, ps[j].policy);
      rh_buf_printf(&line, ",\"gains\":%ld,\"losses\":%ld,\"changed\":%ld}\n", ps[j].gains, ps[j].losses,
                    ps[j].changed);
    }
  } else {
    rh_buf_printf(&line, "old: %s\nnew: %s\nas of %s", old_label, new_label, eo[1].as_of);
    if (eo[1].year) rh_buf_printf(&line, " · year %d", eo[1].year);
    rh_buf_adds(&line, "\n");
    const item *cur = NULL;
    for (int i = 0; i < nch; i++) {
      const change *c = &ch[i];
      const item *k = key_of(c);
      if (cur == NULL || strcmp(cur->kind, k->kind) != 0 || cur->id != k->id) {
        subject_label(subj, sizeof subj, k);
        subject_name(db, k, name, sizeof name);
        rh_buf_printf(&line, "\n%s%s%s\n", subj, name[0] ? "  " : "", name);
        cur = k;
      }
      const char *a = c->old ? c->old->what : "(none)", *b = c->new_ ? c->new_->what : "(none)";
      if (c->decision) {
        rh_buf_printf(&line, "  => %-28s %s -> %s\n", k->name, a, b);
        if (c->old)
          rh_buf_printf(&line, "     old: failed %s; needs data %s\n", words(c->old->reason, w1, sizeof w1),
                        words(c->old->unknown, w2, sizeof w2));
        if (c->new_)
          rh_buf_printf(&line, "     new: failed %s; needs data %s\n", words(c->new_->reason, w1, sizeof w1),
                        words(c->new_->unknown, w2, sizeof w2));
      } else {
        rh_buf_printf(&line, "     %-27s %s -> %s\n", k->name, a, b);
        if (c->old) rh_buf_printf(&line, "     old: %s\n", c->old->reason);
        if (c->new_) rh_buf_printf(&line, "     new: %s\n", c->new_->reason);
      }
    }
    if (nch == 0) rh_buf_adds(&line, "\nno decision or rule outcome changes\n");
    rh_buf_adds(&line, "\nsummary (old -> new)\n");
    rh_buf_printf(&line, "  %-30s %6s %6s %8s\n", "policy", "gains", "losses", "changed");
    for (int j = 0; j < nps; j++)
      rh_buf_printf(&line, "  %-30s %6ld %6ld %8ld\n", ps[j].policy, ps[j].gains, ps[j].losses, ps[j].changed);
    rh_buf_printf(&line, "  rule outcomes changed: %ld", stats->results_changed);
    /* per rule counts, in rule order of appearance */
    int first = 1;
    for (int i = 0; i < nch; i++) {
      if (ch[i].decision) continue;
      const char *r = key_of(&ch[i])->name;
      int seen = 0;
      for (int k = 0; k < i; k++) seen |= !ch[k].decision && strcmp(key_of(&ch[k])->name, r) == 0;
      if (seen) continue;
      long n = 0;
      for (int k = i; k < nch; k++) n += !ch[k].decision && strcmp(key_of(&ch[k])->name, r) == 0;
      rh_buf_printf(&line, "%s%s %ld", first ? " (" : ", ", r, n);
      first = 0;
    }
    rh_buf_adds(&line, first ? "\n" : ")\n");
  }
  if (line.len && fwrite(line.data, 1, line.len, out) != line.len) rc = rh_error_set(RH_ERROR, "write error");
  fflush(out);

done:
  rh_buf_free(&line);
  rh_db_close(db);
  for (int k = 0; k < 2; k++) {
    items_free(&sides[k].results);
    items_free(&sides[k].decisions);
  }
  free(ch);
  free(ps);
  json_decref(filters);
  free(run_params_json);
  if (tmpdir[0]) {
    /* the restored files, then the folder */
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", rh_error_last());
    int code = rh_error_code();
    rh_replay_remove(tmpdir);
    if (rc != RH_OK) rh_error_set(code, "%s", msg);
  }
  return rc;
}
