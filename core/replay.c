/*
** `ronghe replay` (see replay.h).
**
** Every run names its rule files (rh_run_file: path, sha256) and their texts
** are kept once per content (rh_source).  A replay writes those texts into a
** temporary folder under their base names (so the rule set's version, which
** hashes base names and texts, is the run's own), evaluates them with the
** run's as-of date, year, filters and parameters inside a transaction that
** is rolled back, and compares the JSON Lines of both runs.
**
** Rule code sees its file only as a chunk name, so the one thing that can
** differ is where the files lie: an ERROR reason names "DIR/file.lua:12".
** The replay's text gets each temporary path replaced by the run's recorded
** path before the comparison.
*/
#include "replay.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "eval.h"
#include "output.h"
#include "rh.h"
#include "util.h"

static const char *base_name(const char *path) {
  const char *b = strrchr(path, '/');
  return b ? b + 1 : path;
}

static int write_file(const char *path, const void *p, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return rh_error_set(RH_ERROR, "%s: %s", path, strerror(errno));
  int rc = RH_OK;
  for (size_t off = 0; off < n;) {
    ssize_t w = write(fd, (const char *)p + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      rc = rh_error_set(RH_ERROR, "%s: %s", path, strerror(errno));
      break;
    }
    off += (size_t)w;
  }
  if (close(fd) != 0 && rc == RH_OK) rc = rh_error_set(RH_ERROR, "%s: %s", path, strerror(errno));
  return rc;
}

int rh_replay_restore(const char *db_path, int64_t run, const char *dir) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int rc = rh_db_open(&db, db_path, RH_DB_RO), n = 0;
  if (rc != RH_OK) return rc;
  if (!rh_db_table_exists(db, "rh_run_file") ||
      sqlite3_prepare_v2(db,
                         "SELECT f.path, f.sha256, s.content FROM rh_run_file f "
                         "LEFT JOIN rh_source s ON s.sha256 = f.sha256 WHERE f.run_id=?1 ORDER BY f.path",
                         -1, &st, NULL) != SQLITE_OK) {
    rc = rh_error_set(RH_ENOTFOUND, "run %lld: no rule texts are stored in this database", (long long)run);
    goto done;
  }
  sqlite3_bind_int64(st, 1, run);
  while (rc == RH_OK && sqlite3_step(st) == SQLITE_ROW) {
    const char *path = (const char *)sqlite3_column_text(st, 0);
    const char *sha = (const char *)sqlite3_column_text(st, 1);
    const void *text = sqlite3_column_blob(st, 2);
    size_t len = (size_t)sqlite3_column_bytes(st, 2);
    if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
      rc = rh_error_set(RH_ENOTFOUND, "run %lld: the text of %s (sha256 %.12s) is not stored", (long long)run,
                        path, sha);
      break;
    }
    char check[65];
    rh_sha256_hex(check, text ? text : "", len);
    if (strcmp(check, sha) != 0) {
      rc = rh_error_set(RH_EDB, "run %lld: the stored text of %s does not match its sha256", (long long)run, path);
      break;
    }
    const char *b = base_name(path);
    size_t bl = strlen(b);
    if (bl < 5 || b[0] == '.' || strchr(b, '/') || strcmp(b + bl - 4, ".lua") != 0) {
      rc = rh_error_set(RH_EDB, "run %lld: unexpected rule file name %s", (long long)run, path);
      break;
    }
    char to[4200];
    snprintf(to, sizeof to, "%s/%s", dir, b);
    if (access(to, F_OK) == 0) {
      rc = rh_error_set(RH_ERROR, "run %lld: two rule files are named %s", (long long)run, b);
      break;
    }
    rc = write_file(to, text ? text : "", len);
    n++;
  }
  if (rc == RH_OK && n == 0)
    rc = rh_error_set(RH_ENOTFOUND, "run %lld: no rule texts are stored for it (no such run, or a run "
                      "made before ronghe kept rule texts)", (long long)run);
done:
  sqlite3_finalize(st);
  rh_db_close(db);
  return rc;
}

void rh_replay_remove(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      char p[4200];
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      unlink(p);
    }
    closedir(d);
  }
  rmdir(dir);
}

/* ---- comparing JSON Lines ------------------------------------------------------ */

typedef struct {
  char *key;   /* type, rule/policy, subject */
  char *line;
} jline;

typedef struct {
  jline *v;
  int n;
} jlines;

static int jline_cmp(const void *a, const void *b) {
  const jline *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : strcmp(x->line, y->line);
}

/* The header line without what is different by nature: the run id and when
** it ran. */
static void normalize_header(char *line) {
  char *p = strstr(line, "\"run\":");
  if (p) {
    char *q = p + 6;
    while (*q >= '0' && *q <= '9') q++;
    if (*q == ',') q++;
    memmove(p, q, strlen(q) + 1);
  }
  const char *fields[] = {"\"started_at\":\"", "\"finished_at\":\"", NULL};
  for (const char **f = fields; *f; f++) {
    p = strstr(line, *f);
    if (!p) continue;
    p += strlen(*f);
    char *q = strchr(p, '"');
    if (q) memmove(p, q, strlen(q) + 1);
  }
}

static int split_lines(jlines *out, char *text) {
  int n = 0;
  if (text == NULL) text = "";
  for (char *p = text; *p; p++) n += *p == '\n';
  out->v = calloc((size_t)n + 1, sizeof *out->v);
  out->n = 0;
  if (out->v == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  char *save = NULL;
  for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    jline *j = &out->v[out->n++];
    if (out->n == 1) normalize_header(l);
    j->line = l;
    json_error_t err;
    json_t *o = json_loads(l, 0, &err);
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *name = json_string_value(json_object_get(o, "rule"));
    if (name == NULL) name = json_string_value(json_object_get(o, "policy"));
    const char *subj = json_string_value(json_object_get(o, "subject"));
    rh_buf k = RH_BUF_INIT;
    rh_buf_printf(&k, "%s %s %s", type ? type : "?", name ? name : "", subj ? subj : "");
    j->key = k.data;
    json_decref(o);
    if (j->key == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  }
  return RH_OK;
}

static void jlines_free(jlines *a) {
  for (int i = 0; i < a->n; i++) free(a->v[i].key);
  free(a->v);
}

/* Replaces every occurrence of from by to in *text (realloc'd). */
static int replace_all(char **text, size_t *len, const char *from, const char *to) {
  size_t fl = strlen(from), tl = strlen(to);
  if (fl == 0 || strstr(*text, from) == NULL) return RH_OK;
  rh_buf b = RH_BUF_INIT;
  const char *p = *text, *q;
  while ((q = strstr(p, from)) != NULL) {
    rh_buf_add(&b, p, (size_t)(q - p));
    rh_buf_add(&b, to, tl);
    p = q + fl;
  }
  if (rh_buf_adds(&b, p) != RH_OK) {
    rh_buf_free(&b);
    return rh_error_set(RH_ENOMEM, "out of memory");
  }
  free(*text);
  *text = b.data;
  *len = b.len;
  return RH_OK;
}

typedef struct {
  char *text;
  size_t len;
} capture;

static int capture_run(void *db, int64_t run, void *ud) {
  capture *c = ud;
  FILE *f = open_memstream(&c->text, &c->len);
  if (f == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  int rc = rh_output_run(db, run, RH_FMT_JSONL, f, 0);
  if (fclose(f) != 0 && rc == RH_OK) rc = rh_error_set(RH_ENOMEM, "out of memory");
  return rc;
}

int rh_replay_run(rh_replay_stats *stats, const rh_replay_opts *o) {
  memset(stats, 0, sizeof *stats);
  FILE *out = o->out ? o->out : stdout;
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  capture stored = {NULL, 0}, again = {NULL, 0};
  char dir[4096] = "", as_of[16] = "", schedule[256] = "", version[72] = "";
  char *filters_text = NULL;
  json_t *filters = NULL;
  const char *lists[4][256];
  int counts[4] = {0, 0, 0, 0}, year = 0, nfiles = 0;
  jlines a = {NULL, 0}, b = {NULL, 0};
  char **paths = NULL;

  int rc = rh_db_open(&db, o->db_path, RH_DB_RO);
  if (rc != RH_OK) goto done;
  if (!rh_db_table_exists(db, "rh_run") ||
      sqlite3_prepare_v2(db, "SELECT as_of, year, coalesce(schedule,''), filters, rules_version FROM rh_run "
                         "WHERE id=?1", -1, &st, NULL) != SQLITE_OK) {
    rc = rh_error_set(RH_ENOTFOUND, "no run %lld in %s", (long long)o->run, o->db_path);
    goto done;
  }
  sqlite3_bind_int64(st, 1, o->run);
  if (sqlite3_step(st) != SQLITE_ROW) {
    rc = rh_error_set(RH_ENOTFOUND, "no run %lld in %s", (long long)o->run, o->db_path);
    goto done;
  }
  snprintf(as_of, sizeof as_of, "%s", (const char *)sqlite3_column_text(st, 0));
  year = sqlite3_column_int(st, 1);
  snprintf(schedule, sizeof schedule, "%s", (const char *)sqlite3_column_text(st, 2));
  if (sqlite3_column_type(st, 3) == SQLITE_TEXT) filters_text = strdup((const char *)sqlite3_column_text(st, 3));
  snprintf(version, sizeof version, "%s", (const char *)sqlite3_column_text(st, 4));
  sqlite3_finalize(st);
  st = NULL;
  /* The paths the run recorded, to put them back into the replay's text. */
  if (sqlite3_prepare_v2(db, "SELECT path FROM rh_run_file WHERE run_id=?1 ORDER BY path", -1, &st, NULL) ==
      SQLITE_OK) {
    sqlite3_bind_int64(st, 1, o->run);
    while (sqlite3_step(st) == SQLITE_ROW) {
      char **q = realloc(paths, (size_t)(nfiles + 1) * sizeof *q);
      if (q == NULL) {
        rc = rh_error_set(RH_ENOMEM, "out of memory");
        goto done;
      }
      paths = q;
      paths[nfiles++] = strdup((const char *)sqlite3_column_text(st, 0));
    }
  }
  sqlite3_finalize(st);
  st = NULL;
  if ((rc = capture_run(db, o->run, &stored)) != RH_OK) goto done;
  rh_db_close(db);
  db = NULL;

  if (filters_text) {
    json_error_t jerr;
    filters = json_loads(filters_text, 0, &jerr);
    const char *keys[4] = {"policy", "rule", "subject", "param"};
    for (int k = 0; k < 4; k++) {
      size_t i;
      json_t *v;
      json_array_foreach(json_object_get(filters, keys[k]), i, v) if (json_is_string(v) && counts[k] < 256)
          lists[k][counts[k]++] = json_string_value(v);
    }
  }

  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/ronghe-replay.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) {
    rc = rh_error_set(RH_ERROR, "%s: %s", dir, strerror(errno));
    dir[0] = '\0';
    goto done;
  }
  if ((rc = rh_replay_restore(o->db_path, o->run, dir)) != RH_OK) goto done;

  rh_eval_opts eo;
  rh_eval_opts_init(&eo);
  eo.db_path = o->db_path;
  eo.rules_dir = dir;
  eo.as_of = as_of;
  eo.year = year;
  eo.policies = lists[0];
  eo.npolicies = counts[0];
  eo.rules = lists[1];
  eo.nrules = counts[1];
  eo.subjects = lists[2];
  eo.nsubjects = counts[2];
  eo.params = lists[3];
  eo.nparams = counts[3];
  eo.schedule = schedule[0] ? schedule : NULL;
  eo.keep = 0;
  eo.exe = o->exe;
  rh_eval_stats es;
  if ((rc = rh_eval_run(&eo, &es, capture_run, &again)) != RH_OK) goto done;

  for (int i = 0; i < nfiles && rc == RH_OK; i++) {
    char from[4200];
    snprintf(from, sizeof from, "%s/%s", dir, base_name(paths[i]));
    rc = replace_all(&again.text, &again.len, from, paths[i]);
  }
  if (rc != RH_OK) goto done;
  if (o->out_path) {
    FILE *f = fopen(o->out_path, "w");
    if (f == NULL || fwrite(again.text, 1, again.len, f) != again.len) {
      if (f) fclose(f);
      rc = rh_error_set(RH_EUSAGE, "--out %s: %s", o->out_path, strerror(errno));
      goto done;
    }
    if (fclose(f) != 0) {
      rc = rh_error_set(RH_ERROR, "--out %s: write failed", o->out_path);
      goto done;
    }
  }

  if ((rc = split_lines(&a, stored.text)) != RH_OK || (rc = split_lines(&b, again.text)) != RH_OK) goto done;
  stats->lines = a.n > b.n ? a.n : b.n;
  int same = a.n == b.n;
  for (int i = 0; same && i < a.n; i++) same = strcmp(a.v[i].line, b.v[i].line) == 0;
  if (same) {
    fprintf(out, "run %lld replayed with its own rule texts (%d file%s, rules %.12s) as of %s: identical, %d "
            "lines\n", (long long)o->run, nfiles, nfiles == 1 ? "" : "s", version, as_of, a.n);
    goto done;
  }
  /* Differences, matched by (type, rule or policy, subject). */
  qsort(a.v, (size_t)a.n, sizeof *a.v, jline_cmp);
  qsort(b.v, (size_t)b.n, sizeof *b.v, jline_cmp);
  int i = 0, j = 0;
  long shown = 0;
  fprintf(out, "run %lld replayed with its own rule texts (rules %.12s) as of %s: DIFFERENT\n", (long long)o->run,
          version, as_of);
  while (i < a.n || j < b.n) {
    int c = i < a.n && j < b.n ? strcmp(a.v[i].key, b.v[j].key) : i < a.n ? -1 : 1;
    const char *x = c <= 0 ? a.v[i].line : NULL, *y = c >= 0 ? b.v[j].line : NULL;
    if (c <= 0) i++;
    if (c >= 0) j++;
    if (x && y && strcmp(x, y) == 0) continue;
    stats->differences++;
    if (shown++ >= 50) continue;
    fprintf(out, "  stored: %s\n  replay: %s\n", x ? x : "(none)", y ? y : "(none)");
  }
  if (shown > 50) fprintf(out, "  ... and %ld more\n", shown - 50);
  fprintf(out, "%ld line%s differ (the data may have changed since the run)\n", stats->differences,
          stats->differences == 1 ? "" : "s");
  if (stats->differences == 0) stats->differences = 1; /* same lines, other order */

done:
  sqlite3_finalize(st);
  rh_db_close(db);
  if (dir[0]) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", rh_error_last());
    int code = rh_error_code();
    rh_replay_remove(dir);
    if (rc != RH_OK) rh_error_set(code, "%s", msg);
  }
  jlines_free(&a);
  jlines_free(&b);
  free(stored.text);
  free(again.text);
  json_decref(filters);
  free(filters_text);
  for (int k = 0; k < nfiles; k++) free(paths[k]);
  free(paths);
  return rc;
}
