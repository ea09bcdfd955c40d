/*
** CSV import: stream a file through libcsv, validate every value against the
** table's SQL declaration (PRAGMA table_info, foreign_key_list, index_list)
** and the rh_column metadata, and insert the rows inside one transaction that
** is rolled back if anything was rejected.
**
** Memory stays bounded by the longest record: the file is read in 64 KiB
** chunks and only the current record's fields are kept.  Rows are inserted as
** soon as they pass, so a later row's reference to an earlier row of the same
** file, or a duplicate of it, is found by the same lookups that search the
** existing rows.
**
** Line numbers: libcsv does not count lines, so the input is fed to it in
** segments that end at each CR or LF.  A segment lies on one physical line and
** can end at most one record (a record ends only at an unquoted CR/LF, which
** is a segment's last byte).  If the parser is between records when a segment
** starts, any record beginning in that segment begins on the current line.
*/
#include "import.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "rh.h"
#include "util.h"

/* libcsv's parser state between records (ROW_NOT_BEGUN in libcsv.c; the
** struct is public but the state names are not). */
#define CSV_ROW_NOT_BEGUN 0

#define IMP_CHUNK 65536
#define IMP_SHOW 60 /* bytes of a value quoted in a message */

enum { T_INT, T_REAL, T_TEXT };
enum { K_NONE, K_DATE, K_MONTH, K_MONEY, K_FLAG, K_ENUM, K_RANGE };

typedef struct {
  char *name;
  int type, required, kind;
  char *arg;      /* K_ENUM: "A|B|C" */
  int64_t lo, hi; /* K_RANGE bounds, inclusive */
  int field;      /* index of the CSV field that holds it; -1 if absent */
} imp_col;

/* A lookup run for each row: does the parent exist (foreign key), or is the
** key already taken (primary key or UNIQUE)? */
typedef struct {
  int n;
  int *cols;    /* indexes into imp.cols */
  char *label;  /* fk: parent table; key: "a,b" (the key's columns) */
  char *plabel; /* fk: the parent's column(s), for the message */
  sqlite3_stmt *st;
} imp_probe;

/* The current row's value of one column; s/n is the text as written. */
typedef struct {
  const char *s;
  size_t n;
  int null, ok;
  int64_t i;
  double d;
} imp_val;

typedef struct {
  sqlite3 *db;
  const char *table, *path;
  FILE *report;
  long max_reported;

  imp_col *cols;
  int ncols;
  imp_probe *fks, *keys;
  int nfks, nkeys;
  sqlite3_stmt *ins;
  imp_val *vals; /* by column */

  int nhdr; /* fields in the header; -1 until it has been read */
  int *hdr; /* header field -> column */

  /* the record being parsed: field k is rec.data[off[k]], len[k] bytes,
  ** followed by a NUL (strtod needs one) */
  rh_buf rec;
  size_t *off, *len;
  size_t fcap;
  long nfields;

  struct csv_parser csv;
  int csv_ready;
  long line, rec_line; /* current physical line; line the record began on */
  int last_cr;         /* the previous segment ended with CR (a CRLF pair counts once) */
  unsigned char bom[3];
  int nbom, bom_done;

  long rows, rejected, problems;
  int savepoint; /* inside the caller's transaction: use a savepoint */
  int stop;      /* stop feeding the parser (fatal error or bad header) */
  int rc;        /* fatal error found inside a libcsv callback */
} imp;

/* ---- messages ---------------------------------------------------------- */

/* One problem: prints "FILE:LINE: column: why" unless over the limit. */
__attribute__((format(printf, 4, 5))) static void problem(imp *im, long line, const char *col,
                                                          const char *fmt, ...) {
  im->problems++;
  if (im->report == NULL || im->problems > im->max_reported) return;
  fprintf(im->report, "%s:%ld: ", im->path, line);
  if (col) fprintf(im->report, "%s: ", col);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(im->report, fmt, ap);
  va_end(ap);
  fputc('\n', im->report);
}

/* Copies valid UTF-8 text for a message: cut at IMP_SHOW bytes on a character
** boundary, control characters as '?', so one problem stays one line. */
static const char *show(char out[IMP_SHOW + 8], const char *s, size_t n) {
  size_t k = n;
  if (k > IMP_SHOW) {
    k = IMP_SHOW;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
  }
  for (size_t i = 0; i < k; i++) {
    unsigned char c = (unsigned char)s[i];
    out[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
  }
  if (k < n) {
    memcpy(out + k, "...", 3);
    k += 3;
  }
  out[k] = '\0';
  return out;
}

/* ---- value syntax ------------------------------------------------------ */

/* [+-]digits, within int64.  0 ok, -1 not an integer, -2 out of range. */
static int parse_int(int64_t *out, const char *s, size_t n) {
  size_t i = 0;
  int neg = 0, big = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i == n) return -1;
  uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    unsigned d = (unsigned)(s[i] - '0');
    if (big || v > (limit - d) / 10)
      big = 1; /* keep scanning: syntax errors win */
    else
      v = v * 10 + d;
  }
  if (big) return -2;
  *out = neg ? (v > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)v) : (int64_t)v;
  return 0;
}

/* A decimal number: [+-] digits [. digits] [e [+-] digits], at least one
** mantissa digit.  *decimals gets the count of fraction digits without
** trailing zeros, *exp whether there was an exponent.  s must be NUL-
** terminated at n.  0 ok, -1 not a number, -2 out of range. */
static int parse_real(double *out, int *decimals, int *exp, const char *s, size_t n) {
  size_t i = 0, mant = 0;
  *decimals = 0;
  *exp = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) i++;
  while (i < n && s[i] >= '0' && s[i] <= '9') i++, mant++;
  if (i < n && s[i] == '.') {
    i++;
    size_t first = i, last = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      if (s[i] != '0') last = i + 1;
      i++, mant++;
    }
    *decimals = (int)(last - first);
  }
  if (mant == 0) return -1;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    *exp = 1;
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == d) return -1;
  }
  if (i != n) return -1;
  char *end = NULL;
  double v = strtod(s, &end);
  if (end != s + n) return -1; /* a locale with a decimal comma would land here */
  if (!isfinite(v)) return -2;
  *out = v;
  return 0;
}

static int enum_has(const char *list, const char *s, size_t n) {
  const char *p = list;
  for (;;) {
    const char *bar = strchr(p, '|');
    size_t k = bar ? (size_t)(bar - p) : strlen(p);
    if (k == n && memcmp(p, s, n) == 0) return 1;
    if (bar == NULL) return 0;
    p = bar + 1;
  }
}

/* Validates one field into *v; reports and returns 1 if it is rejected. */
static int check_value(imp *im, long line, const imp_col *c, imp_val *v, const char *s, size_t n) {
  char sh[IMP_SHOW + 8];
  v->s = s;
  v->n = n;
  v->null = n == 0;
  v->ok = 0;
  if (n == 0) {
    if (c->required) {
      problem(im, line, c->name, "required");
      return 1;
    }
    v->ok = 1;
    return 0;
  }
  if (!rh_utf8_valid(s, n)) {
    problem(im, line, c->name,
            "not valid UTF-8 (if the file was saved by Chinese Excel, use --encoding gb18030)");
    return 1;
  }
  if (memchr(s, '\0', n) != NULL) {
    problem(im, line, c->name, "contains a NUL character");
    return 1;
  }
  show(sh, s, n);
  int decimals = 0, exp = 0, r;
  switch (c->type) {
    case T_INT:
      r = parse_int(&v->i, s, n);
      if (r == -1) problem(im, line, c->name, "'%s' is not an integer", sh);
      if (r == -2) problem(im, line, c->name, "'%s' is out of the integer range", sh);
      if (r) return 1;
      break;
    case T_REAL:
      r = parse_real(&v->d, &decimals, &exp, s, n);
      if (r == -1) problem(im, line, c->name, "'%s' is not a number", sh);
      if (r == -2) problem(im, line, c->name, "'%s' is out of range", sh);
      if (r) return 1;
      break;
    default:
      break;
  }
  switch (c->kind) {
    case K_DATE: {
      int64_t day;
      if (rh_date_parse(&day, s, n) != 0) {
        problem(im, line, c->name, "'%s' is not a valid date (YYYY-MM-DD)", sh);
        return 1;
      }
      break;
    }
    case K_MONTH:
      if (!rh_month_valid(s, n)) {
        problem(im, line, c->name, "'%s' is not a valid month (YYYY-MM)", sh);
        return 1;
      }
      break;
    case K_MONEY:
      /* money is written as plain decimals so that cents are exact */
      if (exp) {
        problem(im, line, c->name, "'%s' is not an amount of money (write e.g. 1234.50)", sh);
        return 1;
      }
      if (decimals > 2) {
        problem(im, line, c->name, "'%s' has more than 2 decimals (money is in yuan and fen)", sh);
        return 1;
      }
      break;
    case K_FLAG:
      if (v->i != 0 && v->i != 1) {
        problem(im, line, c->name, "'%s' is not a flag (0 or 1)", sh);
        return 1;
      }
      break;
    case K_ENUM:
      if (!enum_has(c->arg, s, n)) {
        problem(im, line, c->name, "'%s' is not one of %s", sh, c->arg);
        return 1;
      }
      break;
    case K_RANGE:
      if (v->i < c->lo || v->i > c->hi) {
        problem(im, line, c->name, "'%s' is out of range %" PRId64 "-%" PRId64, sh, c->lo, c->hi);
        return 1;
      }
      break;
    default:
      break;
  }
  v->ok = 1;
  return 0;
}

/* ---- table description -------------------------------------------------- */

/* Appends s as a quoted SQL identifier (names come from the schema, but quote anyway). */
static int add_ident(rh_buf *b, const char *s) {
  int rc = rh_buf_add(b, "\"", 1);
  for (; rc == RH_OK && *s; s++) rc = *s == '"' ? rh_buf_add(b, "\"\"", 2) : rh_buf_add(b, s, 1);
  return rc == RH_OK ? rh_buf_add(b, "\"", 1) : rc;
}

static int col_index(const imp *im, const char *name) {
  for (int i = 0; i < im->ncols; i++)
    if (strcmp(im->cols[i].name, name) == 0) return i;
  return -1;
}

static int prepare(imp *im, sqlite3_stmt **st, const char *sql) {
  *st = NULL;
  if (sqlite3_prepare_v3(im->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
    return rh_db_fail(im->db, "import: prepare");
  return RH_OK;
}

/* Appends a probe; `cols` (n indexes) is taken over. */
static int add_probe(imp *im, imp_probe **arr, int *cnt, int *cols, int n, const char *label,
                     const char *plabel, const char *sql) {
  imp_probe *p = realloc(*arr, (size_t)(*cnt + 1) * sizeof **arr);
  if (p == NULL) {
    free(cols);
    return rh_error_set(RH_ENOMEM, "out of memory");
  }
  *arr = p;
  p = &p[(*cnt)++];
  memset(p, 0, sizeof *p);
  p->n = n;
  p->cols = cols;
  p->label = strdup(label);
  p->plabel = plabel ? strdup(plabel) : NULL;
  if (p->label == NULL || (plabel && p->plabel == NULL))
    return rh_error_set(RH_ENOMEM, "out of memory");
  return prepare(im, &p->st, sql);
}

static int load_columns(imp *im) {
  sqlite3_stmt *st = NULL;
  int rc = prepare(im, &st,
                   "SELECT name, upper(type), \"notnull\" AND dflt_value IS NULL, pk"
                   " FROM pragma_table_info(?1) ORDER BY cid");
  int npk = 0, ipk = -1, r;
  if (rc) goto done;
  sqlite3_bind_text(st, 1, im->table, -1, SQLITE_STATIC);
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    imp_col *c = realloc(im->cols, (size_t)(im->ncols + 1) * sizeof *c);
    if (c == NULL) {
      rc = rh_error_set(RH_ENOMEM, "out of memory");
      goto done;
    }
    im->cols = c;
    c = &c[im->ncols++];
    memset(c, 0, sizeof *c);
    c->field = -1;
    c->name = strdup((const char *)sqlite3_column_text(st, 0));
    if (c->name == NULL) {
      rc = rh_error_set(RH_ENOMEM, "out of memory");
      goto done;
    }
    const char *t = (const char *)sqlite3_column_text(st, 1);
    t = t ? t : "";
    /* SQLite's affinity rules, in their order */
    if (strstr(t, "INT"))
      c->type = T_INT;
    else if (strstr(t, "CHAR") || strstr(t, "CLOB") || strstr(t, "TEXT"))
      c->type = T_TEXT;
    else if (strstr(t, "REAL") || strstr(t, "FLOA") || strstr(t, "DOUB"))
      c->type = T_REAL;
    else
      c->type = T_TEXT;
    c->required = sqlite3_column_int(st, 2);
    if (sqlite3_column_int(st, 3) > 0) {
      npk++;
      if (strcmp(t, "INTEGER") == 0) ipk = im->ncols - 1;
    }
  }
  if (r != SQLITE_DONE) {
    rc = rh_db_fail(im->db, "import: table_info");
    goto done;
  }
  if (npk == 1 && ipk >= 0) {
    /* INTEGER PRIMARY KEY is the rowid: index_list does not show it */
    int *cols = malloc(sizeof *cols);
    rh_buf sql = RH_BUF_INIT;
    if (cols == NULL) {
      rc = rh_error_set(RH_ENOMEM, "out of memory");
      goto done;
    }
    cols[0] = ipk;
    rc = rh_buf_adds(&sql, "SELECT 1 FROM ");
    if (!rc) rc = add_ident(&sql, im->table);
    if (!rc) rc = rh_buf_adds(&sql, " WHERE ");
    if (!rc) rc = add_ident(&sql, im->cols[ipk].name);
    if (!rc) rc = rh_buf_adds(&sql, " = ?1");
    if (!rc)
      rc = add_probe(im, &im->keys, &im->nkeys, cols, 1, im->cols[ipk].name, NULL, sql.data);
    else
      free(cols);
    rh_buf_free(&sql);
    if (rc) goto done;
  }
done:
  sqlite3_finalize(st);
  return rc;
}

static int load_kinds(imp *im) {
  static const struct {
    const char *name;
    int kind;
  } kinds[] = {{"date", K_DATE}, {"month", K_MONTH}, {"money", K_MONEY},
               {"flag", K_FLAG}, {"enum", K_ENUM},   {"range", K_RANGE}};
  sqlite3_stmt *st = NULL;
  int rc = RH_OK, r;
  if (!rh_db_table_exists(im->db, "rh_column")) return RH_OK; /* no metadata: SQL types only */
  rc = prepare(im, &st, "SELECT col, kind, arg FROM rh_column WHERE tbl = ?1");
  if (rc) goto done;
  sqlite3_bind_text(st, 1, im->table, -1, SQLITE_STATIC);
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *col = (const char *)sqlite3_column_text(st, 0);
    const char *kind = (const char *)sqlite3_column_text(st, 1);
    const char *arg = (const char *)sqlite3_column_text(st, 2);
    int ci = col ? col_index(im, col) : -1, k = K_NONE;
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
      if (strcmp(kind, kinds[i].name) == 0) k = kinds[i].kind;
    if (ci < 0 || k == K_NONE) {
      rc = rh_error_set(RH_ERROR, "rh_column: bad entry for %s.%s (%s)", im->table, col ? col : "?",
                        kind ? kind : "?");
      goto done;
    }
    imp_col *c = &im->cols[ci];
    c->kind = k;
    if ((k == K_FLAG || k == K_RANGE) && c->type != T_INT) {
      rc = rh_error_set(RH_ERROR, "rh_column: %s.%s is not an INTEGER column", im->table, col);
      goto done;
    }
    if (k == K_ENUM) {
      c->arg = strdup(arg ? arg : "");
      if (c->arg == NULL) {
        rc = rh_error_set(RH_ENOMEM, "out of memory");
        goto done;
      }
    }
    if (k == K_RANGE) {
      char *end = NULL;
      c->lo = strtoll(arg ? arg : "", &end, 10);
      if (end == NULL || *end != '-' || end == arg) {
        rc = rh_error_set(RH_ERROR, "rh_column: bad range '%s' for %s.%s", arg ? arg : "",
                          im->table, col);
        goto done;
      }
      const char *h = end + 1;
      c->hi = strtoll(h, &end, 10);
      if (*end != '\0' || end == h) {
        rc = rh_error_set(RH_ERROR, "rh_column: bad range '%s' for %s.%s", arg, im->table, col);
        goto done;
      }
    }
  }
  if (r != SQLITE_DONE) rc = rh_db_fail(im->db, "import: rh_column");
done:
  sqlite3_finalize(st);
  return rc;
}

static int load_fks(imp *im) {
  sqlite3_stmt *st = NULL;
  int rc = prepare(im, &st,
                   "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1)"
                   " ORDER BY id, seq");
  int r = SQLITE_DONE;
  if (rc) goto done;
  sqlite3_bind_text(st, 1, im->table, -1, SQLITE_STATIC);
  r = sqlite3_step(st);
  while (r == SQLITE_ROW) {
    /* one foreign key: consecutive rows with the same id */
    int id = sqlite3_column_int(st, 0), n = 0;
    int *cols = NULL;
    rh_buf sql = RH_BUF_INIT, plabel = RH_BUF_INIT;
    char *parent = strdup((const char *)sqlite3_column_text(st, 1));
    rc = parent ? rh_buf_adds(&sql, "SELECT 1 FROM ") : rh_error_set(RH_ENOMEM, "out of memory");
    if (!rc) rc = add_ident(&sql, parent);
    if (!rc) rc = rh_buf_adds(&sql, " WHERE ");
    while (!rc && r == SQLITE_ROW && sqlite3_column_int(st, 0) == id) {
      const char *from = (const char *)sqlite3_column_text(st, 2);
      const char *to = (const char *)sqlite3_column_text(st, 3);
      to = to ? to : "rowid"; /* REFERENCES t without a column: t's primary key */
      int ci = col_index(im, from);
      int *nc = realloc(cols, (size_t)(n + 1) * sizeof *cols);
      if (nc == NULL) {
        rc = rh_error_set(RH_ENOMEM, "out of memory");
        break;
      }
      cols = nc;
      if (ci < 0) {
        rc = rh_error_set(RH_ERROR, "import: %s.%s: foreign key on no column", im->table, from);
        break;
      }
      cols[n] = ci;
      if (n) rc = rh_buf_adds(&sql, " AND ");
      if (!rc) rc = add_ident(&sql, to);
      if (!rc) rc = rh_buf_printf(&sql, " = ?%d", n + 1);
      if (!rc && n) rc = rh_buf_adds(&plabel, ", ");
      if (!rc) rc = rh_buf_adds(&plabel, to);
      n++;
      r = sqlite3_step(st);
    }
    if (!rc) {
      rc = add_probe(im, &im->fks, &im->nfks, cols, n, parent, plabel.data, sql.data);
      cols = NULL;
    }
    free(cols);
    free(parent);
    rh_buf_free(&sql);
    rh_buf_free(&plabel);
    if (rc) goto done;
  }
  if (r != SQLITE_DONE) rc = rh_db_fail(im->db, "import: foreign_key_list");
done:
  sqlite3_finalize(st);
  return rc;
}

static int load_keys(imp *im) {
  sqlite3_stmt *idx = NULL, *info = NULL;
  int rc =
      prepare(im, &idx, "SELECT name FROM pragma_index_list(?1) WHERE \"unique\" AND NOT partial");
  if (!rc) rc = prepare(im, &info, "SELECT name FROM pragma_index_info(?1) ORDER BY seqno");
  int r = SQLITE_DONE;
  if (rc) goto done;
  sqlite3_bind_text(idx, 1, im->table, -1, SQLITE_STATIC);
  while (!rc && (r = sqlite3_step(idx)) == SQLITE_ROW) {
    int *cols = NULL, n = 0, usable = 1, ri;
    rh_buf sql = RH_BUF_INIT, label = RH_BUF_INIT;
    sqlite3_bind_text(info, 1, (const char *)sqlite3_column_text(idx, 0), -1, SQLITE_TRANSIENT);
    rc = rh_buf_adds(&sql, "SELECT 1 FROM ");
    if (!rc) rc = add_ident(&sql, im->table);
    if (!rc) rc = rh_buf_adds(&sql, " WHERE ");
    while (!rc && (ri = sqlite3_step(info)) == SQLITE_ROW) {
      const char *name = (const char *)sqlite3_column_text(info, 0);
      int ci = name ? col_index(im, name) : -1;
      if (ci < 0) {
        usable = 0;
        continue;
      } /* an expression index: leave it to SQLite */
      int *nc = realloc(cols, (size_t)(n + 1) * sizeof *cols);
      if (nc == NULL) {
        rc = rh_error_set(RH_ENOMEM, "out of memory");
        break;
      }
      cols = nc;
      cols[n] = ci;
      if (n) rc = rh_buf_adds(&sql, " AND ");
      if (!rc) rc = add_ident(&sql, name);
      if (!rc) rc = rh_buf_printf(&sql, " = ?%d", n + 1);
      if (!rc && n) rc = rh_buf_adds(&label, ",");
      if (!rc) rc = rh_buf_adds(&label, name);
      n++;
    }
    sqlite3_reset(info);
    if (!rc && usable && n > 0) {
      rc = add_probe(im, &im->keys, &im->nkeys, cols, n, label.data, NULL, sql.data);
      cols = NULL;
    }
    free(cols);
    rh_buf_free(&sql);
    rh_buf_free(&label);
  }
  if (!rc && r != SQLITE_DONE) rc = rh_db_fail(im->db, "import: index_list");
done:
  sqlite3_finalize(idx);
  sqlite3_finalize(info);
  return rc;
}

/* ---- rows ---------------------------------------------------------------- */

static void bind_val(sqlite3_stmt *st, int i, const imp_col *c, const imp_val *v) {
  if (v->null)
    sqlite3_bind_null(st, i);
  else if (c->type == T_INT)
    sqlite3_bind_int64(st, i, v->i);
  else if (c->type == T_REAL)
    sqlite3_bind_double(st, i, v->d);
  else
    sqlite3_bind_text(st, i, v->s, (int)v->n, SQLITE_STATIC); /* rebound for every row */
}

/* Runs a probe on the current row: 1 a row matches, 0 none, -1 not
** applicable (some column null or invalid), or RH_EDB. */
static int run_probe(imp *im, imp_probe *p) {
  for (int k = 0; k < p->n; k++) {
    const imp_val *v = &im->vals[p->cols[k]];
    if (v->null || !v->ok) return -1;
  }
  for (int k = 0; k < p->n; k++)
    bind_val(p->st, k + 1, &im->cols[p->cols[k]], &im->vals[p->cols[k]]);
  int r = sqlite3_step(p->st);
  int found = r == SQLITE_ROW;
  if (r != SQLITE_ROW && r != SQLITE_DONE) found = rh_db_fail(im->db, "import: lookup");
  sqlite3_reset(p->st);
  sqlite3_clear_bindings(p->st);
  return found;
}

/* The probe's values as written, for a message: "7" or "(1, 2023-01-01)". */
static void probe_values(const imp *im, const imp_probe *p, char *out, size_t cap) {
  size_t k = 0;
  char sh[IMP_SHOW + 8];
  out[0] = '\0';
  for (int i = 0; i < p->n && k < cap; i++) {
    const imp_val *v = &im->vals[p->cols[i]];
    int w = snprintf(out + k, cap - k, "%s%s%s%s", i == 0 && p->n > 1 ? "(" : "", i ? ", " : "",
                     show(sh, v->s, v->n), i == p->n - 1 && p->n > 1 ? ")" : "");
    if (w < 0) break;
    k += (size_t)w;
  }
}

static int fatal(imp *im, int rc) {
  im->rc = rc;
  im->stop = 1;
  return rc;
}

static void do_row(imp *im) {
  long line = im->rec_line;
  int bad = 0;
  char vals[4 * IMP_SHOW + 32];
  im->rows++;
  if (im->nfields != im->nhdr) {
    problem(im, line, NULL, "%ld field%s, but the header has %d", im->nfields,
            im->nfields == 1 ? "" : "s", im->nhdr);
    im->rejected++;
    return;
  }
  for (int j = 0; j < im->nhdr; j++) {
    int c = im->hdr[j];
    bad |= check_value(im, line, &im->cols[c], &im->vals[c], im->rec.data + im->off[j], im->len[j]);
  }
  for (int i = 0; i < im->nfks; i++) {
    imp_probe *p = &im->fks[i];
    int r = run_probe(im, p);
    if (r < -1) {
      fatal(im, r);
      return;
    }
    if (r == 0) {
      probe_values(im, p, vals, sizeof vals);
      if (p->n == 1)
        problem(im, line, im->cols[p->cols[0]].name, "no %s with %s %s", p->label, p->plabel, vals);
      else
        problem(im, line, NULL, "no %s with (%s) = %s", p->label, p->plabel, vals);
      bad = 1;
    }
  }
  for (int i = 0; i < im->nkeys; i++) {
    imp_probe *p = &im->keys[i];
    int r = run_probe(im, p);
    if (r < -1) {
      fatal(im, r);
      return;
    }
    if (r == 1) {
      probe_values(im, p, vals, sizeof vals);
      if (p->n == 1)
        problem(im, line, p->label, "duplicate %s %s (already in table %s or earlier in this file)",
                p->label, vals, im->table);
      else
        problem(im, line, p->label,
                "duplicate key %s (already in table %s or earlier in this file)", vals, im->table);
      bad = 1;
    }
  }
  if (bad) {
    im->rejected++;
    return;
  }
  /* Valid rows go in even after a problem elsewhere: later rows are checked
  ** against them, and the rollback removes them all. */
  for (int j = 0; j < im->nhdr; j++)
    bind_val(im->ins, j + 1, &im->cols[im->hdr[j]], &im->vals[im->hdr[j]]);
  int r = sqlite3_step(im->ins);
  if (r != SQLITE_DONE) {
    if ((r & 0xff) == SQLITE_CONSTRAINT) {
      problem(im, line, NULL, "rejected by the database: %s", sqlite3_errmsg(im->db));
      im->rejected++;
    } else {
      char what[256];
      snprintf(what, sizeof what, "%s:%ld: cannot insert into %s", im->path, line, im->table);
      fatal(im, rh_db_fail(im->db, what));
    }
  }
  sqlite3_reset(im->ins);
  sqlite3_clear_bindings(im->ins);
}

/* Maps the header's names to columns and prepares the INSERT.  Any problem
** rejects the file: the rows cannot be read without a good header. */
static void do_header(imp *im) {
  long line = im->rec_line;
  long before = im->problems;
  char sh[IMP_SHOW + 8];
  rh_buf sql = RH_BUF_INIT;
  int rc;
  im->hdr = malloc((size_t)(im->nfields ? im->nfields : 1) * sizeof *im->hdr);
  if (im->hdr == NULL) {
    fatal(im, rh_error_set(RH_ENOMEM, "out of memory"));
    return;
  }
  im->nhdr = (int)im->nfields;
  for (int j = 0; j < im->nhdr; j++) {
    const char *s = im->rec.data + im->off[j];
    size_t n = im->len[j];
    im->hdr[j] = -1;
    if (n == 0) {
      problem(im, line, NULL, "column %d of the header has no name", j + 1);
      continue;
    }
    if (!rh_utf8_valid(s, n) || memchr(s, '\0', n)) {
      problem(im, line, NULL, "column %d of the header: not valid UTF-8", j + 1);
      continue;
    }
    int c = col_index(im, s);
    if (c < 0) {
      problem(im, line, show(sh, s, n), "unknown column in table %s", im->table);
      continue;
    }
    if (im->cols[c].field >= 0) {
      problem(im, line, im->cols[c].name, "duplicate column in the header");
      continue;
    }
    im->cols[c].field = j;
    im->hdr[j] = c;
  }
  for (int c = 0; c < im->ncols; c++) {
    if (im->cols[c].required && im->cols[c].field < 0)
      problem(im, line, im->cols[c].name, "required, but not in the header");
  }
  if (im->problems > before) {
    im->rejected++;
    im->stop = 1;
    return;
  }
  rc = rh_buf_adds(&sql, "INSERT INTO ");
  if (!rc) rc = add_ident(&sql, im->table);
  for (int j = 0; !rc && j < im->nhdr; j++) {
    rc = rh_buf_adds(&sql, j ? ", " : " (");
    if (!rc) rc = add_ident(&sql, im->cols[im->hdr[j]].name);
  }
  for (int j = 0; !rc && j < im->nhdr; j++)
    rc = rh_buf_printf(&sql, "%s?%d", j ? ", " : ") VALUES (", j + 1);
  if (!rc) rc = rh_buf_adds(&sql, ")");
  if (!rc) rc = prepare(im, &im->ins, sql.data);
  rh_buf_free(&sql);
  if (rc) fatal(im, rc);
}

/* ---- libcsv callbacks and feeding ---------------------------------------- */

static void on_field(void *s, size_t n, void *data) {
  imp *im = data;
  if (im->stop) return;
  long k = im->nfields++;
  if (im->nhdr >= 0 && k >= im->nhdr) return; /* a surplus field: counted, not kept */
  if ((size_t)k >= im->fcap) {
    size_t cap = im->fcap ? im->fcap * 2 : 16;
    size_t *o = realloc(im->off, cap * sizeof *o);
    if (o) im->off = o;
    size_t *l = o ? realloc(im->len, cap * sizeof *l) : NULL;
    if (l == NULL) {
      fatal(im, rh_error_set(RH_ENOMEM, "out of memory"));
      return;
    }
    im->len = l;
    im->fcap = cap;
  }
  im->off[k] = im->rec.len;
  im->len[k] = n;
  if (rh_buf_add(&im->rec, s, n) || rh_buf_add(&im->rec, "", 1)) fatal(im, RH_ENOMEM);
}

static void on_record(int c, void *data) {
  imp *im = data;
  (void)c;
  if (!im->stop) {
    if (im->nhdr < 0)
      do_header(im);
    else
      do_row(im);
  }
  im->nfields = 0;
  rh_buf_reset(&im->rec);
}

/* Feeds decoded UTF-8 to libcsv one line segment at a time (see the top). */
static void feed_segments(imp *im, const char *p, size_t n) {
  while (n > 0 && !im->stop) {
    size_t k = 0;
    while (k < n && p[k] != '\n' && p[k] != '\r') k++;
    size_t seg = k < n ? k + 1 : n;
    if (im->csv.pstate == CSV_ROW_NOT_BEGUN) im->rec_line = im->line;
    /* libcsv grows its field buffer by blk_size at a time: keep that
    ** geometric so a 10 MB field is not 80 000 reallocs */
    size_t have = csv_get_buffer_size(&im->csv);
    if (have > im->csv.blk_size) csv_set_blk_size(&im->csv, have);
    size_t used = csv_parse(&im->csv, p, seg, on_field, on_record, im);
    if (im->stop) return;
    if (used != seg) {
      int e = csv_error(&im->csv);
      if (e == CSV_EPARSE) {
        problem(im, im->line, NULL,
                "malformed CSV: a quote (\") may only open a quoted field, and inside one it must "
                "be doubled");
        im->rejected++;
        im->stop = 1;
      } else {
        fatal(im, rh_error_set(RH_ENOMEM, "%s:%ld: %s", im->path, im->line, csv_strerror(e)));
      }
      return;
    }
    unsigned char last = (unsigned char)p[seg - 1];
    if (last == '\r') {
      im->line++;
      im->last_cr = 1;
    } else if (last == '\n') {
      if (!(seg == 1 && im->last_cr)) im->line++;
      im->last_cr = 0;
    } else {
      im->last_cr = 0;
    }
    p += seg;
    n -= seg;
  }
}

/* Skips a UTF-8 byte order mark at the very start of the decoded text. */
static void feed(imp *im, const char *p, size_t n) {
  static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
  while (!im->bom_done && n > 0) {
    im->bom[im->nbom++] = (unsigned char)*p++;
    n--;
    int differs = memcmp(im->bom, bom, (size_t)im->nbom) != 0;
    if (differs || im->nbom == 3) {
      im->bom_done = 1;
      if (differs) feed_segments(im, (const char *)im->bom, (size_t)im->nbom);
    }
  }
  if (n > 0) feed_segments(im, p, n);
}

static void feed_end(imp *im) {
  if (!im->bom_done && im->nbom > 0) {
    im->bom_done = 1;
    feed_segments(im, (const char *)im->bom, (size_t)im->nbom);
  }
  if (im->stop) return;
  if (csv_fini(&im->csv, on_field, on_record, im) != 0 && !im->stop) {
    problem(im, im->rec_line, NULL,
            "a quoted field is not closed (a \" is missing before the end of the file)");
    im->rejected++;
  }
}

/* Reads the file and feeds it, converting from GB18030 when cd is open. */
static int read_file(imp *im, FILE *f, iconv_t cd) {
  char in[IMP_CHUNK], out[2 * IMP_CHUNK + 16];
  size_t keep = 0; /* bytes of an incomplete GB18030 character carried over */
  for (;;) {
    size_t got = fread(in + keep, 1, sizeof in - keep, f);
    if (ferror(f)) return fatal(im, rh_error_set(RH_ERROR, "%s: read error", im->path));
    int eof = got == 0 || feof(f);
    size_t avail = keep + got;
    if (cd == (iconv_t)-1) {
      feed(im, in, avail);
    } else {
      char *ip = in;
      size_t ileft = avail;
      keep = 0;
      while (ileft > 0 && !im->stop) {
        char *op = out;
        size_t oleft = sizeof out;
        size_t r = iconv(cd, &ip, &ileft, &op, &oleft);
        int e = r == (size_t)-1 ? errno : 0;
        feed(im, out, (size_t)(op - out));
        if (im->stop || e == 0 || e == E2BIG) continue;
        if (e == EINVAL) { /* the chunk ends inside a character */
          memmove(in, ip, ileft);
          keep = ileft;
          break;
        }
        problem(im, im->line, NULL,
                "not valid GB18030 text (is the file UTF-8? then leave out --encoding)");
        im->rejected++;
        im->stop = 1;
      }
      if (eof && keep > 0 && !im->stop) {
        problem(im, im->line, NULL, "the file ends inside a GB18030 character");
        im->rejected++;
        im->stop = 1;
      }
    }
    if (im->stop || eof) break;
  }
  if (!im->stop) feed_end(im);
  return im->rc;
}

/* ---- transaction --------------------------------------------------------- */

static int tx_begin(imp *im) {
  im->savepoint = !sqlite3_get_autocommit(im->db);
  int r = sqlite3_exec(im->db, im->savepoint ? "SAVEPOINT rh_import" : "BEGIN IMMEDIATE", NULL,
                       NULL, NULL);
  if (r == SQLITE_BUSY || r == SQLITE_LOCKED)
    return rh_error_set(RH_EDB, "%s: the database is locked by another process; try again later",
                        im->path);
  if (r != SQLITE_OK) return rh_db_fail(im->db, "import: cannot start a transaction");
  return RH_OK;
}

static void tx_rollback(imp *im) {
  if (im->savepoint)
    sqlite3_exec(im->db, "ROLLBACK TO rh_import; RELEASE rh_import", NULL, NULL, NULL);
  else if (!sqlite3_get_autocommit(im->db)) /* some errors already rolled back */
    sqlite3_exec(im->db, "ROLLBACK", NULL, NULL, NULL);
}

static int tx_commit(imp *im) {
  int r = sqlite3_exec(im->db, im->savepoint ? "RELEASE rh_import" : "COMMIT", NULL, NULL, NULL);
  if (r == SQLITE_OK) return RH_OK;
  int rc;
  if (r == SQLITE_BUSY)
    rc = rh_error_set(RH_EDB, "%s: the database is locked by another process; nothing imported",
                      im->path);
  else if (r == SQLITE_FULL)
    rc = rh_error_set(RH_EDB, "%s: the disk is full; nothing imported", im->path);
  else
    rc = rh_db_fail(im->db, "import: commit failed; nothing imported");
  tx_rollback(im);
  return rc;
}

/* ---- entry point ----------------------------------------------------------- */

static void imp_free(imp *im) {
  for (int i = 0; i < im->ncols; i++) {
    free(im->cols[i].name);
    free(im->cols[i].arg);
  }
  free(im->cols);
  for (int i = 0; i < im->nfks; i++) {
    free(im->fks[i].cols);
    free(im->fks[i].label);
    free(im->fks[i].plabel);
    sqlite3_finalize(im->fks[i].st);
  }
  free(im->fks);
  for (int i = 0; i < im->nkeys; i++) {
    free(im->keys[i].cols);
    free(im->keys[i].label);
    free(im->keys[i].plabel);
    sqlite3_finalize(im->keys[i].st);
  }
  free(im->keys);
  sqlite3_finalize(im->ins);
  free(im->vals);
  free(im->hdr);
  free(im->off);
  free(im->len);
  rh_buf_free(&im->rec);
  if (im->csv_ready) csv_free(&im->csv);
}

int rh_import_csv(sqlite3 *db, const char *table, const char *path, const rh_import_opts *opts,
                  rh_import_result *out) {
  imp im;
  FILE *f = NULL;
  iconv_t cd = (iconv_t)-1;
  int rc = RH_OK, in_tx = 0;
  const char *enc = opts ? opts->encoding : NULL;

  memset(&im, 0, sizeof im);
  if (out) out->rows = out->rejected = 0;
  im.db = db;
  im.table = table;
  im.path = path;
  im.report = opts ? opts->report : NULL;
  im.max_reported = opts && opts->max_reported > 0 ? opts->max_reported : 100;
  im.nhdr = -1;
  im.line = 1;
  rh_buf_reset(&im.rec);

  if (db == NULL || table == NULL || path == NULL) {
    rc = rh_error_set(RH_EUSAGE, "import: database, table and file are required");
    goto done;
  }
  if (strncasecmp(table, "rh_", 3) == 0 || strncasecmp(table, "sqlite_", 7) == 0) {
    rc = rh_error_set(RH_EUSAGE, "%s is an engine table; only data-model tables can be imported",
                      table);
    goto done;
  }
  if (!rh_ident_ok(table) || !rh_db_table_exists(db, table)) {
    rc = rh_error_set(RH_ENOTFOUND, "no table named '%s'", table);
    goto done;
  }
  if (enc && strcasecmp(enc, "utf-8") != 0 && strcasecmp(enc, "utf8") != 0) {
    /* GBK and GB2312 files are GB18030 files too (it is their superset) */
    if (strcasecmp(enc, "gb18030") && strcasecmp(enc, "gbk") && strcasecmp(enc, "gb2312") &&
        strcasecmp(enc, "cp936")) {
      rc = rh_error_set(RH_EUSAGE, "unknown encoding '%s' (use utf-8 or gb18030)", enc);
      goto done;
    }
    cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) {
      rc = rh_error_set(RH_ERROR, "this system cannot convert GB18030 (iconv)");
      goto done;
    }
  }
  if ((rc = load_columns(&im)) || (rc = load_kinds(&im)) || (rc = load_fks(&im)) ||
      (rc = load_keys(&im)))
    goto done;
  im.vals = calloc((size_t)(im.ncols ? im.ncols : 1), sizeof *im.vals);
  if (im.vals == NULL) {
    rc = rh_error_set(RH_ENOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < im.ncols; i++)
    im.vals[i].null = im.vals[i].ok = 1; /* columns not in the file */

  f = fopen(path, "rb");
  if (f == NULL) {
    rc = rh_error_set(errno == ENOENT ? RH_ENOTFOUND : RH_ERROR, "%s: cannot open: %s", path,
                      strerror(errno));
    goto done;
  }
  if (csv_init(&im.csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    rc = rh_error_set(RH_ENOMEM, "out of memory");
    goto done;
  }
  im.csv_ready = 1;
  csv_set_blk_size(&im.csv, IMP_CHUNK);

  if ((rc = tx_begin(&im))) goto done;
  in_tx = 1;
  rc = read_file(&im, f, cd);
  if (rc == RH_OK && im.problems > 0) {
    if (im.report && im.problems > im.max_reported)
      fprintf(im.report, "%s: ... and %ld more problems\n", path, im.problems - im.max_reported);
    rc = rh_error_set(RH_EDATA, "%s: %ld problem%s found; nothing was imported into %s", path,
                      im.problems, im.problems == 1 ? "" : "s", table);
  }

done:
  /* statements go before COMMIT/ROLLBACK so nothing holds the transaction */
  imp_free(&im);
  if (in_tx) {
    if (rc == RH_OK)
      rc = tx_commit(&im);
    else
      tx_rollback(&im);
  }
  if (f) fclose(f);
  if (cd != (iconv_t)-1) iconv_close(cd);
  if (out) {
    out->rows = im.rows;
    out->rejected = im.rejected;
  }
  return rc;
}
