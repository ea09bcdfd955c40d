/*
** Static checks of a rule set for `ronghe check` (see lint.h).
**
** Rule files are Lua that only workers may run, so everything here reads
** text: a tokenizer that knows Lua's strings, long brackets and comments
** finds each `rule "ID" { ... }` block, its params and its check, and the
** local functions the check reaches by name.  That is enough to see
** `p.NAME` and `p.at("NAME", ...)` without executing anything.  The catalog
** (what the worker reported after loading) says what each rule declares.
*/
#include "lint.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "ldb.h"
#include "rh.h"
#include "util.h"

/* ---- messages ------------------------------------------------------------ */

typedef struct {
  char *file;
  int line;
  char *text; /* the whole "file:line: message" */
} lint_msg;

typedef struct {
  lint_msg *v;
  int n, cap;
  int oom;
} lint_out;

static void say(lint_out *o, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void say(lint_out *o, const char *file, int line, const char *fmt, ...) {
  rh_buf b = RH_BUF_INIT;
  va_list ap;
  char tmp[2048];
  va_start(ap, fmt);
  vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (rh_buf_printf(&b, "%s:%d: %s", file, line, tmp) != RH_OK) goto oom;
  /* The same text twice (a shared helper or parameter table seen from
  ** several rules) is one root cause: print it once. */
  for (int i = 0; i < o->n; i++)
    if (strcmp(o->v[i].text, b.data) == 0) {
      rh_buf_free(&b);
      return;
    }
  if (o->n == o->cap) {
    int cap = o->cap ? o->cap * 2 : 16;
    lint_msg *q = realloc(o->v, (size_t)cap * sizeof *q);
    if (q == NULL) goto oom;
    o->v = q;
    o->cap = cap;
  }
  o->v[o->n].file = strdup(file);
  o->v[o->n].line = line;
  o->v[o->n].text = b.data;
  if (o->v[o->n].file == NULL) {
    rh_buf_free(&b);
    goto oom;
  }
  o->n++;
  return;
oom:
  o->oom = 1;
}

static int msg_cmp(const void *a, const void *b) {
  const lint_msg *x = a, *y = b;
  int c = strcmp(x->file, y->file);
  if (c) return c;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  return strcmp(x->text, y->text);
}

/* ---- a Lua tokenizer ----------------------------------------------------- */

enum { TK_NAME, TK_STRING, TK_NUMBER, TK_OP };

typedef struct {
  int kind;
  const char *p; /* the token's text; for strings, the content between the delimiters */
  size_t n;
  int line;
} tok;

typedef struct {
  const char *path;
  tok *t;
  int n, cap;
  /* local functions by name: `local function f` and `local f = function` */
  struct { const tok *name; int fn; } *helpers; /* fn: index of the `function` token */
  int nhelpers;
  int *fn_end;   /* per token: for `function`, the index of its `end` (else -1) */
} lua_file;

static int tok_is(const tok *t, int kind, const char *s) {
  size_t n = strlen(s);
  return t->kind == kind && t->n == n && memcmp(t->p, s, n) == 0;
}
static int is_op(const tok *t, const char *s) { return tok_is(t, TK_OP, s); }
static int is_kw(const tok *t, const char *s) { return tok_is(t, TK_NAME, s); }
static int tok_eq(const tok *t, const char *s, size_t n) { return t->n == n && memcmp(t->p, s, n) == 0; }

static int push_tok(lua_file *f, int kind, const char *p, size_t n, int line) {
  if (f->n == f->cap) {
    int cap = f->cap ? f->cap * 2 : 1024;
    tok *q = realloc(f->t, (size_t)cap * sizeof *q);
    if (q == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
    f->t = q;
    f->cap = cap;
  }
  f->t[f->n++] = (tok){kind, p, n, line};
  return RH_OK;
}

/* Level of a long bracket at s ("[[", "[==[") or -1; *len gets its length. */
static int long_open(const char *s, const char *end, size_t *len) {
  if (s >= end || *s != '[') return -1;
  const char *q = s + 1;
  int lvl = 0;
  while (q < end && *q == '=') q++, lvl++;
  if (q < end && *q == '[') {
    *len = (size_t)(q - s) + 1;
    return lvl;
  }
  return -1;
}

/* Finds the closing bracket of level lvl from s; returns the position just
** after it (or end) and stores where the content stops. */
static const char *long_close(const char *s, const char *end, int lvl, const char **stop, int *line) {
  for (const char *q = s; q < end; q++) {
    if (*q == '\n') (*line)++;
    if (*q != ']') continue;
    const char *r = q + 1;
    int k = 0;
    while (r < end && *r == '=') r++, k++;
    if (k == lvl && r < end && *r == ']') {
      *stop = q;
      return r + 1;
    }
  }
  *stop = end;
  return end;
}

static int is_name_start(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

static int tokenize(lua_file *f, const char *s, size_t len) {
  const char *p = s, *end = s + len;
  int line = 1, rc = RH_OK;
  /* A first line starting with '#' is skipped by Lua's loader. */
  if (p < end && *p == '#')
    while (p < end && *p != '\n') p++;
  while (p < end && rc == RH_OK) {
    char c = *p;
    if (c == '\n') {
      line++;
      p++;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      p++;
      continue;
    }
    if (c == '-' && p + 1 < end && p[1] == '-') {
      size_t ol;
      int lvl = long_open(p + 2, end, &ol);
      if (lvl >= 0) {
        const char *stop;
        p = long_close(p + 2 + ol, end, lvl, &stop, &line);
      } else {
        while (p < end && *p != '\n') p++;
      }
      continue;
    }
    size_t ol;
    int lvl = long_open(p, end, &ol);
    if (lvl >= 0) {
      int at = line;
      const char *body = p + ol, *stop;
      if (body < end && *body == '\r') body++;
      if (body < end && *body == '\n') {
        body++;
        line++;
      }
      p = long_close(body, end, lvl, &stop, &line);
      rc = push_tok(f, TK_STRING, body, (size_t)(stop - body), at);
      continue;
    }
    if (c == '"' || c == '\'') {
      const char *q = p + 1;
      int at = line;
      while (q < end && *q != c && *q != '\n') {
        if (*q == '\\' && q + 1 < end) {
          if (q[1] == '\n') line++;
          q++;
        }
        q++;
      }
      rc = push_tok(f, TK_STRING, p + 1, (size_t)(q - p - 1), at);
      p = q < end && *q == c ? q + 1 : q;
      continue;
    }
    if ((c >= '0' && c <= '9') || (c == '.' && p + 1 < end && p[1] >= '0' && p[1] <= '9')) {
      const char *q = p;
      while (q < end && (is_name_char(*q) || *q == '.' ||
                         ((*q == '+' || *q == '-') && (q[-1] == 'e' || q[-1] == 'E' || q[-1] == 'p' ||
                                                       q[-1] == 'P'))))
        q++;
      rc = push_tok(f, TK_NUMBER, p, (size_t)(q - p), line);
      p = q;
      continue;
    }
    if (is_name_start(c)) {
      const char *q = p;
      while (q < end && is_name_char(*q)) q++;
      rc = push_tok(f, TK_NAME, p, (size_t)(q - p), line);
      p = q;
      continue;
    }
    static const char *const ops[] = {"...", "..", "==", "~=", "<=", ">=", "//", "::", "<<", ">>", NULL};
    size_t n = 1;
    for (const char *const *o = ops; *o; o++) {
      size_t k = strlen(*o);
      if ((size_t)(end - p) >= k && memcmp(p, *o, k) == 0) {
        n = k;
        break;
      }
    }
    rc = push_tok(f, TK_OP, p, n, line);
    p += n;
  }
  /* Empty sentinels: the checks look a few tokens ahead without bounds
  ** tests, and an empty token matches nothing. */
  for (int i = 0; i < 8 && rc == RH_OK; i++) rc = push_tok(f, TK_OP, end, 0, line);
  return rc;
}

/* Matches every `function` with its `end`: blocks open with function, if,
** do (also the one of while and for) and repeat, and close with end or
** until.  Unbalanced text (the file did load, so this is rare) leaves -1. */
static int match_blocks(lua_file *f) {
  f->fn_end = malloc((size_t)(f->n + 1) * sizeof *f->fn_end);
  int *stack = malloc((size_t)(f->n + 1) * sizeof *stack);
  if (f->fn_end == NULL || stack == NULL) {
    free(stack);
    return rh_error_set(RH_ENOMEM, "out of memory");
  }
  int sp = 0;
  for (int i = 0; i < f->n; i++) {
    const tok *t = &f->t[i];
    f->fn_end[i] = -1;
    if (t->kind != TK_NAME) continue;
    if (is_kw(t, "function") || is_kw(t, "if") || is_kw(t, "do") || is_kw(t, "repeat")) {
      stack[sp++] = i;
    } else if ((is_kw(t, "end") || is_kw(t, "until")) && sp > 0) {
      int open = stack[--sp];
      if (is_kw(&f->t[open], "function")) f->fn_end[open] = i;
    }
  }
  free(stack);
  return RH_OK;
}

static int find_helpers(lua_file *f) {
  f->helpers = calloc((size_t)f->n + 1, sizeof *f->helpers);
  if (f->helpers == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  for (int i = 0; i + 2 < f->n; i++) {
    if (!is_kw(&f->t[i], "local")) continue;
    if (is_kw(&f->t[i + 1], "function") && f->t[i + 2].kind == TK_NAME) {
      f->helpers[f->nhelpers].name = &f->t[i + 2];
      f->helpers[f->nhelpers++].fn = i + 1;
    } else if (f->t[i + 1].kind == TK_NAME && i + 3 < f->n && is_op(&f->t[i + 2], "=") &&
               is_kw(&f->t[i + 3], "function")) {
      f->helpers[f->nhelpers].name = &f->t[i + 1];
      f->helpers[f->nhelpers++].fn = i + 3;
    }
  }
  return RH_OK;
}

static void lua_file_free(lua_file *f) {
  free(f->t);
  free(f->helpers);
  free(f->fn_end);
  memset(f, 0, sizeof *f);
}

/* Index of the token that closes the bracket opened at i ((, {, [), or -1. */
static int close_of(const lua_file *f, int i) {
  int depth = 0;
  for (int k = i; k < f->n; k++) {
    const tok *t = &f->t[k];
    if (t->kind != TK_OP) continue;
    if (is_op(t, "(") || is_op(t, "{") || is_op(t, "[")) depth++;
    else if (is_op(t, ")") || is_op(t, "}") || is_op(t, "]")) {
      if (--depth == 0) return k;
    }
  }
  return -1;
}

/* The last token of the expression starting at i inside a table constructor
** that closes at stop: up to the next ',' or ';' outside brackets and
** functions. */
static int expr_end(const lua_file *f, int i, int stop) {
  int k = i;
  while (k < stop) {
    const tok *t = &f->t[k];
    if (t->kind == TK_OP && (is_op(t, ",") || is_op(t, ";"))) return k - 1;
    if (t->kind == TK_OP && (is_op(t, "(") || is_op(t, "{") || is_op(t, "["))) {
      int c = close_of(f, k);
      if (c < 0 || c > stop) return stop - 1;
      k = c + 1;
      continue;
    }
    if (is_kw(t, "function") && f->fn_end[k] > 0) {
      k = f->fn_end[k] + 1;
      continue;
    }
    k++;
  }
  return stop - 1;
}

/* One `rule "ID" { ... }` block and the parts of it the checks need. */
typedef struct {
  int open, close;          /* the braces of the spec table */
  int params_open;          /* '{' of params = { ... }, or -1 */
  int check_first, check_last; /* the check expression, or -1 */
} rule_block;

static int find_rule_block(const lua_file *f, const char *id, int line, rule_block *out) {
  int best = -1, best_dist = 0;
  for (int i = 0; i + 2 < f->n; i++) {
    if (!is_kw(&f->t[i], "rule")) continue;
    int k = i + 1;
    if (is_op(&f->t[k], "(")) k++;
    if (f->t[k].kind != TK_STRING || !tok_eq(&f->t[k], id, strlen(id))) continue;
    int dist = abs(f->t[i].line - line);
    if (best < 0 || dist < best_dist) {
      best = i;
      best_dist = dist;
    }
  }
  if (best < 0) return 0;
  int k = best + 2;
  while (k < f->n && (is_op(&f->t[k], "(") || is_op(&f->t[k], ")") || f->t[k].kind == TK_STRING)) k++;
  if (k >= f->n || !is_op(&f->t[k], "{")) return 0;
  out->open = k;
  out->close = close_of(f, k);
  out->params_open = out->check_first = out->check_last = -1;
  if (out->close < 0) return 0;
  for (int j = k + 1; j < out->close;) {
    const tok *t = &f->t[j];
    if (t->kind == TK_NAME && j + 1 < out->close && is_op(&f->t[j + 1], "=")) {
      int last = expr_end(f, j + 2, out->close);
      if (is_kw(t, "params") && is_op(&f->t[j + 2], "{")) out->params_open = j + 2;
      if (is_kw(t, "check")) {
        out->check_first = j + 2;
        out->check_last = last;
      }
      j = last + 2;
      continue;
    }
    j = expr_end(f, j, out->close) + 2;
  }
  return 1;
}

/* In a params = { NAME = ..., } table: the token of NAME (or -1). */
static int param_key(const lua_file *f, int open, const char *name) {
  int close = close_of(f, open);
  if (close < 0) return -1;
  for (int j = open + 1; j < close;) {
    if (f->t[j].kind == TK_NAME && j + 1 < close && is_op(&f->t[j + 1], "=")) {
      if (tok_eq(&f->t[j], name, strlen(name))) return j;
      j = expr_end(f, j + 2, close) + 2;
      continue;
    }
    if (f->t[j].kind == TK_OP && is_op(&f->t[j], "[") && j + 3 < close && f->t[j + 1].kind == TK_STRING &&
        is_op(&f->t[j + 2], "]")) {
      if (tok_eq(&f->t[j + 1], name, strlen(name))) return j + 1;
    }
    j = expr_end(f, j, close) + 2;
  }
  return -1;
}

/* The line to blame for a parameter's periods: a local table named in
** params (`REGIME = REGIME`) is where they are written. */
static int periods_line(const lua_file *f, int key, int fallback) {
  if (key < 0) return fallback;
  int v = key + 2;
  if (v < f->n && f->t[v].kind == TK_NAME && !is_kw(&f->t[v], "function")) {
    for (int i = 0; i + 2 < f->n && i < key; i++)
      if (is_kw(&f->t[i], "local") && tok_eq(&f->t[i + 1], f->t[v].p, f->t[v].n) && is_op(&f->t[i + 2], "="))
        return f->t[i + 1].line;
  }
  return f->t[key].line;
}

/* ---- parameters ----------------------------------------------------------- */

typedef struct {
  int *fns;        /* `function` token indexes in scope */
  int nfns;
  char *seen;      /* per token: already in scope */
  int first, last; /* the check expression */
} scope;

static void scope_add_fn(scope *sc, const lua_file *f, int fn) {
  if (sc->seen[fn] || f->fn_end[fn] < 0) return;
  sc->seen[fn] = 1;
  sc->fns[sc->nfns++] = fn;
}

/* Adds every function defined in [a, b] and every local function named
** there. */
static void scope_scan(scope *sc, const lua_file *f, int a, int b) {
  for (int k = a; k <= b && k < f->n; k++) {
    const tok *t = &f->t[k];
    if (is_kw(t, "function")) {
      scope_add_fn(sc, f, k);
      continue;
    }
    if (t->kind != TK_NAME) continue;
    if (k > 0 && (is_op(&f->t[k - 1], ".") || is_op(&f->t[k - 1], ":"))) continue;
    for (int h = 0; h < f->nhelpers; h++)
      if (tok_eq(f->helpers[h].name, t->p, t->n)) scope_add_fn(sc, f, f->helpers[h].fn);
  }
}

/* The check expression and, transitively, every function it reaches by
** name: a worklist over sc->fns, so a long chain of helpers costs no C
** stack. */
static void scope_fill(scope *sc, const lua_file *f) {
  scope_scan(sc, f, sc->first, sc->last);
  for (int i = 0; i < sc->nfns; i++) scope_scan(sc, f, sc->fns[i] + 1, f->fn_end[sc->fns[i]]);
}

typedef struct {
  const tok *name;
  int where;  /* token index */
} use;

/* The parameter-list name of a function that receives the parameters: the
** check's second argument, or `p` by convention in helpers. */
static int takes_params(const lua_file *f, int fn, const char *pname, size_t pn) {
  int k = fn + 1;
  while (k < f->n && !is_op(&f->t[k], "(")) k++;
  int close = k < f->n ? close_of(f, k) : -1;
  for (int j = k + 1; close > 0 && j < close; j++)
    if (f->t[j].kind == TK_NAME && (tok_eq(&f->t[j], pname, pn) || is_kw(&f->t[j], "p"))) return j;
  return -1;
}

/* Collects, over the functions in scope that receive parameters as P:
** P.NAME, P.at("NAME", ...) and P["NAME"]; *dynamic is set when P is read
** with a name only known at run time (P.at(name, ...), P[k], pcall(P.at, ...)). */
static int collect_uses(const lua_file *f, const scope *sc, const char *pname, use **out, int *nout,
                        int *dynamic) {
  char *done = calloc((size_t)f->n + 1, 1);
  use *v = NULL;
  int n = 0, cap = 0;
  if (done == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  *dynamic = 0;
  for (int i = 0; i < sc->nfns; i++) {
    int fn = sc->fns[i];
    int pi = takes_params(f, fn, pname, strlen(pname));
    if (pi < 0) continue;
    const tok *P = &f->t[pi];
    for (int k = pi + 1; k < f->fn_end[fn]; k++) {
      const tok *t = &f->t[k];
      if (done[k] || t->kind != TK_NAME || !tok_eq(t, P->p, P->n)) continue;
      if (is_op(&f->t[k - 1], ".") || is_op(&f->t[k - 1], ":")) continue;
      done[k] = 1;
      const tok *nx = &f->t[k + 1];
      const tok *nm = NULL;
      int at = -1;
      if (is_op(nx, ".") && f->t[k + 2].kind == TK_NAME) {
        if (is_kw(&f->t[k + 2], "at")) {
          if (is_op(&f->t[k + 3], "(") && f->t[k + 4].kind == TK_STRING) {
            nm = &f->t[k + 4];
            at = k + 4;
          } else {
            *dynamic = 1;
          }
        } else {
          nm = &f->t[k + 2];
          at = k + 2;
        }
      } else if (is_op(nx, "[")) {
        if (f->t[k + 2].kind == TK_STRING && is_op(&f->t[k + 3], "]")) {
          nm = &f->t[k + 2];
          at = k + 2;
        } else {
          *dynamic = 1;
        }
      }
      if (nm == NULL) continue;
      if (n == cap) {
        cap = cap ? cap * 2 : 16;
        use *q = realloc(v, (size_t)cap * sizeof *q);
        if (q == NULL) {
          free(v);
          free(done);
          return rh_error_set(RH_ENOMEM, "out of memory");
        }
        v = q;
      }
      v[n++] = (use){nm, at};
    }
  }
  free(done);
  *out = v;
  *nout = n;
  return RH_OK;
}

/* Does NAME appear in scope as a field name (x.NAME) or a string ("NAME")? */
static int mentioned(const lua_file *f, const scope *sc, const char *name) {
  size_t n = strlen(name);
  for (int i = 0; i <= sc->nfns; i++) {
    int a = i < sc->nfns ? sc->fns[i] : sc->first;
    int b = i < sc->nfns ? f->fn_end[sc->fns[i]] : sc->last;
    for (int k = a; k <= b && k < f->n; k++) {
      const tok *t = &f->t[k];
      if (!tok_eq(t, name, n)) continue;
      if (t->kind == TK_STRING) return 1;
      if (t->kind == TK_NAME && k > 0 && is_op(&f->t[k - 1], ".")) return 1;
    }
  }
  return 0;
}

static const rh_param_info *declared(const rh_rule_info *r, const char *p, size_t n) {
  for (int i = 0; i < r->nparams; i++)
    if (strlen(r->params[i].name) == n && memcmp(r->params[i].name, p, n) == 0) return &r->params[i];
  return NULL;
}

static int lint_params(lint_out *o, const lua_file *f, const rh_rule_info *r) {
  rule_block rb;
  if (!find_rule_block(f, r->id, r->line, &rb) || rb.check_first < 0) return RH_OK;
  /* The check's own name for its parameters: function(s, p, ctx). */
  char pname[64] = "p";
  if (is_kw(&f->t[rb.check_first], "function")) {
    int k = rb.check_first + 1, commas = 0;
    if (k < f->n && is_op(&f->t[k], "(")) {
      for (k++; k < f->n && !is_op(&f->t[k], ")"); k++) {
        if (is_op(&f->t[k], ",")) commas++;
        else if (commas == 1 && f->t[k].kind == TK_NAME && f->t[k].n < sizeof pname)
          snprintf(pname, sizeof pname, "%.*s", (int)f->t[k].n, f->t[k].p);
      }
    }
  }
  scope sc = {NULL, 0, NULL, rb.check_first, rb.check_last};
  sc.fns = malloc((size_t)(f->n + 1) * sizeof *sc.fns);
  sc.seen = calloc((size_t)f->n + 1, 1);
  use *uses = NULL;
  int nuses = 0, dynamic = 0, rc = RH_OK;
  if (sc.fns == NULL || sc.seen == NULL) {
    rc = rh_error_set(RH_ENOMEM, "out of memory");
    goto done;
  }
  scope_fill(&sc, f);
  if ((rc = collect_uses(f, &sc, pname, &uses, &nuses, &dynamic)) != RH_OK) goto done;
  for (int i = 0; i < nuses; i++) {
    const tok *nm = uses[i].name;
    int first = 1;
    for (int j = 0; j < i; j++)
      if (uses[j].name->n == nm->n && memcmp(uses[j].name->p, nm->p, nm->n) == 0) first = 0;
    if (!first || declared(r, nm->p, nm->n)) continue;
    say(o, f->path, nm->line,
        "rule %s uses parameter %.*s, which its params do not declare (add it with its periods, or fix "
        "the name)",
        r->id, (int)nm->n, nm->p);
  }
  /* Unused: only when every read names its parameter in the text. */
  for (int i = 0; i < r->nparams && !dynamic; i++) {
    if (mentioned(f, &sc, r->params[i].name)) continue;
    int key = rb.params_open >= 0 ? param_key(f, rb.params_open, r->params[i].name) : -1;
    say(o, f->path, key >= 0 ? f->t[key].line : r->line,
        "rule %s declares parameter %s, but its check never uses it (remove it, or use p.%s)", r->id,
        r->params[i].name, r->params[i].name);
  }
done:
  free(uses);
  free(sc.fns);
  free(sc.seen);
  return rc;
}

/* ---- parameter periods ----------------------------------------------------- */

typedef struct {
  const char *from, *to; /* to "" = open: runs until the next period starts */
  int64_t dfrom, dto;
} period;

static int period_cmp(const void *a, const void *b) {
  const period *x = a, *y = b;
  return (x->dfrom > y->dfrom) - (x->dfrom < y->dfrom);
}

/* A period with an end overlaps the next one when that one starts on or
** before the end, and leaves a gap when it starts more than a day later.  An
** open period followed by a later one is superseded by it (the value in
** force is the one with the latest start), which is how a change is
** written. */
static void lint_periods(lint_out *o, const lua_file *f, const rh_rule_info *r, const rh_param_info *pi) {
  if (pi->nperiods < 2) return;
  period *v = calloc((size_t)pi->nperiods, sizeof *v);
  if (v == NULL) {
    o->oom = 1;
    return;
  }
  int n = 0;
  for (int i = 0; i < pi->nperiods; i++) {
    const char *from = pi->periods[i].from, *to = pi->periods[i].to ? pi->periods[i].to : "";
    if (rh_date_parse(&v[n].dfrom, from, strlen(from)) != 0) continue;
    v[n].dto = INT64_MAX;
    if (*to && rh_date_parse(&v[n].dto, to, strlen(to)) != 0) continue;
    v[n].from = from;
    v[n].to = to;
    n++;
  }
  qsort(v, (size_t)n, sizeof *v, period_cmp);
  int line = r->line;
  if (f) {
    rule_block rb;
    if (find_rule_block(f, r->id, r->line, &rb) && rb.params_open >= 0)
      line = periods_line(f, param_key(f, rb.params_open, pi->name), r->line);
  }
  const char *path = f ? f->path : r->file;
  for (int i = 0; i + 1 < n; i++) {
    const period *a = &v[i], *b = &v[i + 1];
    char day[11];
    if (a->dfrom == b->dfrom) {
      say(o, path, line, "parameter %s has two periods starting on %s: which value applies is ambiguous",
          pi->name, a->from);
    } else if (*a->to && b->dfrom <= a->dto) {
      say(o, path, line, "parameter %s: the period %s..%s overlaps the period starting %s", pi->name,
          a->from, a->to, b->from);
    } else if (*a->to && b->dfrom > a->dto + 1) {
      char last[11];
      rh_date_format(day, a->dto + 1);
      rh_date_format(last, b->dfrom - 1);
      say(o, path, line, "parameter %s has no value from %s to %s (gap between the period ending %s and "
          "the one starting %s)", pi->name, day, last, a->to, b->from);
    }
  }
  free(v);
}

/* ---- schema ---------------------------------------------------------------- */

/* The line of the offending name of an SQL error inside the file: the SQL
** text is found in the file (it usually is a literal [[...]]), then the
** name SQLite complains about inside it. */
static int sql_line(const rh_rule_file *rf, const char *sql, const char *err, int fallback) {
  if (rf == NULL || rf->text == NULL || sql == NULL || *sql == '\0') return fallback;
  const char *at = strstr(rf->text, sql);
  if (at == NULL) return fallback;
  int line = 1;
  for (const char *q = rf->text; q < at; q++) line += *q == '\n';
  const char *colon = strrchr(err, ':');
  if (colon && colon[1] == ' ' && colon[2]) {
    const char *name = colon + 2;
    const char *dot = strrchr(name, '.'); /* "no such column: t.x" -> look for "x" */
    if (dot && dot[1]) name = dot + 1;
    size_t nl = strlen(name);
    for (const char *q = sql; (q = strstr(q, name)) != NULL; q++) {
      int before = q == sql || !is_name_char(q[-1]);
      int after = !is_name_char(q[nl]);
      if (before && after) {
        for (const char *z = sql; z < q; z++) line += *z == '\n';
        return line;
      }
    }
  }
  /* No name to point at: the first line of the SQL that has text. */
  for (const char *q = sql; *q == ' ' || *q == '\n' || *q == '\t' || *q == '\r'; q++) line += *q == '\n';
  return line;
}

static const rh_rule_file *file_of(const rh_ruleset *rs, const char *path) {
  for (int i = 0; i < rs->nfiles; i++)
    if (strcmp(rs->files[i].path, path) == 0) return &rs->files[i];
  return NULL;
}

static void lint_schema(lint_out *o, const rh_ruleset *rs, sqlite3 *db, const char *what) {
  for (int i = 0; i < rs->nrules; i++) {
    const rh_rule_info *r = &rs->rules[i];
    if (strcmp(r->subject, "city") != 0 && !rh_db_table_exists(db, r->subject)) {
      say(o, r->file, r->line, "rule %s: subject '%s' is not a table of %s", r->id, r->subject, what);
      continue; /* its inputs would only repeat the same cause */
    }
    for (int k = 0; k < r->ninputs; k++) {
      sqlite3_stmt *st = NULL;
      /* Prepared under the same authorizer as in a worker: a denied
      ** function or a write is reported here, before any run. */
      sqlite3_set_authorizer(db, rh_ldb_authorizer, NULL);
      int prc = sqlite3_prepare_v2(db, r->inputs[k].sql, -1, &st, NULL);
      sqlite3_set_authorizer(db, NULL, NULL);
      if (prc != SQLITE_OK) {
        const char *err = sqlite3_errmsg(db);
        say(o, r->file, sql_line(file_of(rs, r->file), r->inputs[k].sql, err, r->line),
            "rule %s: input '%s': %s", r->id, r->inputs[k].name, err);
      }
      sqlite3_finalize(st);
    }
  }
  for (int i = 0; i < rs->npolicies; i++) {
    const rh_policy_info *p = &rs->policies[i];
    char col[80];
    snprintf(col, sizeof col, "%s_id", p->subject);
    if (!rh_db_table_exists(db, p->subject)) {
      say(o, p->file, p->line, "policy %s: subject '%s' is not a table of %s", p->name, p->subject, what);
      continue;
    }
    for (int k = 0; k < rs->nrules; k++) {
      const rh_rule_info *r = &rs->rules[k];
      int named = 0;
      for (int j = 0; j < p->nrules; j++) named |= strcmp(p->rules[j], r->id) == 0;
      if (!named || strcmp(r->subject, p->subject) == 0) continue;
      if (!rh_db_table_exists(db, r->subject)) continue; /* said above */
      if (strcmp(r->subject, "city") == 0 || !rh_db_has_column(db, r->subject, col))
        say(o, p->file, p->line, "policy %s: rule %s judges %s, which has no %s column to roll up to %s",
            p->name, r->id, r->subject, col, p->subject);
    }
  }
}

/* ---- the whole check ------------------------------------------------------- */

int rh_lint(int *problems, const rh_ruleset *rs, const char *db_path, FILE *out) {
  *problems = 0;
  lint_out o = {NULL, 0, 0, 0};
  sqlite3 *db = NULL;
  lua_file *files = calloc((size_t)rs->nfiles + 1, sizeof *files);
  int rc = RH_OK;
  if (files == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  for (int i = 0; i < rs->nfiles && rc == RH_OK; i++) {
    const rh_rule_file *rf = &rs->files[i];
    files[i].path = rf->path;
    if (rf->text == NULL) continue;
    if ((rc = tokenize(&files[i], rf->text, rf->len)) == RH_OK && (rc = match_blocks(&files[i])) == RH_OK)
      rc = find_helpers(&files[i]);
  }
  if (rc != RH_OK) goto done;

  for (int i = 0; i < rs->nrules && rc == RH_OK; i++) {
    const rh_rule_info *r = &rs->rules[i];
    const lua_file *f = NULL;
    for (int k = 0; k < rs->nfiles; k++)
      if (files[k].t && strcmp(files[k].path, r->file) == 0) f = &files[k];
    if (r->cite[0] == '\0')
      say(&o, r->file, r->line, "rule %s has no cite: name the clause or article it implements", r->id);
    if (f) rc = lint_params(&o, f, r);
    for (int k = 0; k < r->nparams; k++) lint_periods(&o, f, r, &r->params[k]);
  }
  if (rc != RH_OK) goto done;

  /* The schema: the database when it exists, else the data model itself. */
  const char *what = "the database";
  if (db_path && access(db_path, F_OK) == 0) {
    if ((rc = rh_db_open(&db, db_path, RH_DB_RO)) != RH_OK) goto done;
  } else {
    what = "the data model";
    if ((rc = rh_db_open(&db, ":memory:", RH_DB_RW | RH_DB_CREATE)) != RH_OK ||
        (rc = rh_db_migrate(db, NULL, NULL)) != RH_OK)
      goto done;
  }
  lint_schema(&o, rs, db, what);

done:
  if (o.oom && rc == RH_OK) rc = rh_error_set(RH_ENOMEM, "out of memory");
  if (rc == RH_OK) {
    if (o.n > 0) qsort(o.v, (size_t)o.n, sizeof *o.v, msg_cmp);
    for (int i = 0; i < o.n; i++) fprintf(out, "%s\n", o.v[i].text);
    *problems = o.n;
  }
  for (int i = 0; i < o.n; i++) {
    free(o.v[i].file);
    free(o.v[i].text);
  }
  free(o.v);
  for (int i = 0; i < rs->nfiles; i++) lua_file_free(&files[i]);
  free(files);
  rh_db_close(db);
  return rc;
}
