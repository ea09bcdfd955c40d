/*
** The worker's evaluation loop (host.run): one pass over a group's subjects,
** each subject's inputs merged from their cursors, each rule called under its
** budget, and one packed record per subject sent to the supervisor.
**
** It is the per-result path of the engine, so it lives in C: in Lua the
** bookkeeping around a rule call (gathering inputs, checking the outcome,
** filling the reason, packing) cost several times the rule itself.  The
** sandbox and the meaning of everything are unchanged: worker.lua builds the
** rule views, parameters and cursors and hands them over (see handle_eval).
**
** A record: i64 subject id, s4 outcomes (one digit per rule of the group,
** rh_outcome codes), s4 detail (a JSON array of [reason, values] per rule;
** [reason] when there are no values).
** A P frame: u32 count, records.  Frames end on a subject boundary, so a
** crash loses whole subjects only.
*/
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "ldb.h"
#include "proto.h"
#include "rh.h"
#include "vm.h"
#include "worker.h"

#define MAX_REASON 4000     /* bytes of a reason, as worker.lua's MAX_REASON */
#define FLUSH_RECORDS 256
#define FLUSH_NS (50u * 1000000u)
#define OC_ERROR 5


typedef struct {
  int i_st, i_name, i_row; /* stack slots: statement, input name, current row */
  int list;
  int has_row, has_key;
  int64_t key;
} wcur;

typedef struct {
  int rule_no;
  int i_check, i_p, i_proxy, i_mt, i_allowed, i_err, i_spec;
  const char *file, *id, *kind, *subject, *fault; /* anchored on the stack */
  int line;
  int64_t fault_id;
  wcur *cur;
  int ncur;
} wrule;

/* Reasons that repeat ("不是规模以上企业", "专业对口实习0人,少于2人") and
** values objects that repeat ({"above_scale":0}) are stored once per run:
** the second time a text is seen it gets an id (a counter of the task), an S
** frame tells the supervisor the text (rh_run_reason, keyed by the task's
** serial number, which the rows carry as src), and records carry the small
** id instead.  On the bench workload that halves the bytes a run writes. */
#define INTERN_MIN 8          /* shorter texts are cheaper written out */
#define INTERN_MAX 65536      /* distinct texts remembered per task */

typedef struct {
  uint64_t h;
  char *text;   /* NULL: free slot */
  size_t len;
  int64_t id;   /* 0 until seen twice */
} rentry;

/* Buffers owned by a userdata on the stack, so an error raised through the
** loop (out of memory in Lua) cannot leak them. */
typedef struct {
  rh_buf out, reason, vals, strs;
  rentry *tab;
  size_t cap, n;
  uint32_t nstrs, next_local;
} wbufs;

static int wbufs_gc(lua_State *L) {
  wbufs *b = lua_touserdata(L, 1);
  rh_buf_free(&b->out);
  rh_buf_free(&b->reason);
  rh_buf_free(&b->vals);
  rh_buf_free(&b->strs);
  for (size_t i = 0; i < b->cap; i++) free(b->tab[i].text);
  free(b->tab);
  return 0;
}

typedef struct {
  lua_State *L;
  rh_vm *vm;
  wrule *rules;
  int nrules;
  int i_ctx_raw, i_ctx, i_out_mt, i_index_key, i_msgh;
  int64_t instr, ms, mem, input_ms;
  int flush_each;
  int64_t src;   /* the task's serial number (E frame); 0: no interning */
  wbufs *b;
  uint32_t nrec;
  uint64_t last_flush;
  lua_Integer count;
} wloop;

static void oom(lua_State *L) { luaL_error(L, "out of memory"); }

/* ---- reasons ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s[0..n) (as Lua's utf8 library
** accepts: no overlongs, no surrogates, at most U+10FFFF), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  unsigned cp, min;
  if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

/* Every reason leaves the worker as valid UTF-8 of at most MAX_REASON bytes
** (plus "…"), cut on a character boundary; invalid bytes become "?".  Appends
** the JSON string for s[0..n) to out. */
static int put_reason(rh_buf *out, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  int cut = 0;
  if (n > MAX_REASON) {
    n = MAX_REASON;
    while (n > 0 && (u[n] & 0xC0) == 0x80) n--;
    cut = 1;
  }
  if (!cut && rh_utf8_valid(s, n)) return rh_buf_json_str(out, s, n);
  rh_buf t = RH_BUF_INIT;
  int rc = RH_OK;
  for (size_t i = 0; i < n && rc == RH_OK;) {
    size_t k = utf8_seq(u + i, n - i);
    if (k == 0) {
      rc = rh_buf_put(&t, "?", 1);
      i++;
    } else {
      rc = rh_buf_put(&t, s + i, k);
      i += k;
    }
  }
  if (rc == RH_OK && cut) rc = rh_buf_adds(&t, "\xE2\x80\xA6"); /* … */
  if (rc == RH_OK) rc = rh_buf_json_str(out, t.data ? t.data : "", t.len);
  rh_buf_free(&t);
  return rc;
}

static int is_name_char(unsigned char c) {
  return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The usual values table: a few string keys with numbers, strings or
** booleans.  Read in one traversal and kept in C, it serves both the reason
** ({name}) and the JSON without a Lua call or a string made per key; any
** other table takes the general path (rh_vm_json), which writes the same
** bytes. */
#define SMALL_VALS 16

typedef struct {
  const char *k, *s; /* key; string value (both alive: the table holds them) */
  size_t kn, sn;
  int t;             /* LUA_TNUMBER, LUA_TSTRING, LUA_TBOOLEAN */
  int isint;
  lua_Integer i;
  lua_Number d;
} sval;

/* Collects the table at vi into a[]; returns the count, or -1 if the table
** is not such a small, flat, string-keyed one. */
static int collect_small(lua_State *L, int vi, sval *a) {
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, vi)) {
    int vt = lua_type(L, -1);
    if (n == SMALL_VALS || lua_type(L, -2) != LUA_TSTRING ||
        (vt != LUA_TNUMBER && vt != LUA_TSTRING && vt != LUA_TBOOLEAN)) {
      lua_pop(L, 2);
      return -1;
    }
    sval *v = &a[n++];
    v->k = lua_tolstring(L, -2, &v->kn);
    v->t = vt;
    v->s = NULL;
    v->sn = 0;
    v->isint = 0;
    if (vt == LUA_TNUMBER) {
      v->isint = lua_isinteger(L, -1);
      if (v->isint) v->i = lua_tointeger(L, -1);
      else v->d = lua_tonumber(L, -1);
    } else if (vt == LUA_TSTRING) {
      v->s = lua_tolstring(L, -1, &v->sn);
    } else {
      v->i = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
  }
  return n;
}

static int sval_cmp(const void *x, const void *y) {
  const sval *a = x, *b = y;
  size_t n = a->kn < b->kn ? a->kn : b->kn;
  int c = memcmp(a->k, b->k, n);
  return c ? c : (a->kn > b->kn) - (a->kn < b->kn);
}

/* Decimal text of v into buf (at least 24 bytes); returns its length.  Two
** digits a step: every values object and many reasons carry a few numbers. */
static size_t int_text(char *buf, lua_Integer v) {
  static const char d2[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                           "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                           "8081828384858687888990919293949596979899";
  char tmp[24];
  size_t n = sizeof tmp;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  while (u >= 100) {
    unsigned r = (unsigned)(u % 100);
    u /= 100;
    tmp[--n] = d2[2 * r + 1];
    tmp[--n] = d2[2 * r];
  }
  if (u >= 10) {
    tmp[--n] = d2[2 * u + 1];
    tmp[--n] = d2[2 * u];
  } else {
    tmp[--n] = (char)('0' + u);
  }
  size_t k = 0;
  if (v < 0) buf[k++] = '-';
  memcpy(buf + k, tmp + n, sizeof tmp - n);
  return k + sizeof tmp - n;
}

/* The JSON object of a[0..n) (sorted here), as rh_vm_json writes it; -1
** when a string needs the general path (invalid UTF-8). */
static int small_json(sval *a, int n, rh_buf *b) {
  for (int i = 1; i < n; i++) /* a handful of keys: insertion sort */
    for (int j = i; j > 0 && sval_cmp(&a[j - 1], &a[j]) > 0; j--) {
      sval t = a[j];
      a[j] = a[j - 1];
      a[j - 1] = t;
    }
  if (rh_buf_put(b, "{", 1) != RH_OK) return RH_ENOMEM;
  for (int j = 0; j < n; j++) {
    sval *v = &a[j];
    char num[64];
    if (!rh_utf8_valid(v->k, v->kn) || (v->t == LUA_TSTRING && !rh_utf8_valid(v->s, v->sn)))
      return -1;
    if ((j && rh_buf_put(b, ",", 1) != RH_OK) || rh_buf_json_str(b, v->k, v->kn) != RH_OK ||
        rh_buf_put(b, ":", 1) != RH_OK)
      return RH_ENOMEM;
    int rc;
    if (v->t == LUA_TSTRING) {
      rc = rh_buf_json_str(b, v->s, v->sn);
    } else if (v->t == LUA_TBOOLEAN) {
      rc = rh_buf_adds(b, v->i ? "true" : "false");
    } else if (v->isint) {
      rc = rh_buf_put(b, num, int_text(num, v->i));
    } else if (!isfinite(v->d)) {
      rc = rh_buf_adds(b, "null");
    } else {
      rc = rh_buf_put(b, num, (size_t)snprintf(num, sizeof num, "%.14g", (double)v->d));
    }
    if (rc != RH_OK) return RH_ENOMEM;
  }
  return rh_buf_put(b, "}", 1);
}

/* Fills {name} in the reason at index ri from values (vi, 0 = none) or the
** context, into out.  Raw reads only: no metamethod of the rule's runs here,
** outside its budget.  The expansion is bounded (("{a}"):rep(5000) with a
** 1 MiB value must not build 5 GiB): values are cut once MAX_REASON bytes
** are out, as the reason is cut at that length anyway. */
static int fill(wloop *w, int ri, int vi, const sval *sv, int nsv, rh_buf *out) {
  lua_State *L = w->L;
  size_t n;
  const char *s = lua_tolstring(L, ri, &n);
  long room = MAX_REASON + 1;
  size_t pos = 0;
  rh_buf_reset(out);
  while (pos < n) {
    const char *o = memchr(s + pos, '{', n - pos);
    size_t a = o ? (size_t)(o - s) : n, e = a + 1;
    while (e < n && is_name_char((unsigned char)s[e])) e++;
    if (o == NULL || e == a + 1 || e >= n || s[e] != '}') {
      /* no placeholder starting here: copy through this '{' and go on */
      size_t upto = o ? a + 1 : n;
      if (rh_buf_put(out, s + pos, upto - pos) != RH_OK) return RH_ENOMEM;
      room -= (long)(upto - pos);
      pos = upto;
      continue;
    }
    if (rh_buf_put(out, s + pos, a - pos) != RH_OK) return RH_ENOMEM;
    room -= (long)(a - pos);
    const char *k = s + a + 1;
    size_t kn = e - a - 1;
    char num[64];
    const char *v = NULL;
    size_t vn = 0;
    int t = LUA_TNIL;
    const sval *hit = NULL;
    for (int j = 0; j < nsv && hit == NULL; j++)
      if (sv[j].kn == kn && memcmp(sv[j].k, k, kn) == 0) hit = &sv[j];
    if (hit) {
      /* from the collected values: no Lua call */
      if (hit->t == LUA_TSTRING) v = hit->s, vn = hit->sn;
      else if (hit->t == LUA_TBOOLEAN) v = hit->i ? "true" : "false", vn = strlen(v);
      else if (hit->isint) v = num, vn = int_text(num, hit->i);
      else v = num, vn = (size_t)snprintf(num, sizeof num, "%.14g", (double)hit->d);
      lua_pushnil(L); /* popped below like a looked-up value */
      t = -1;
    } else if (vi && nsv < 0) {
      lua_pushlstring(L, k, kn);
      t = lua_rawget(L, vi);
      if (t == LUA_TNIL) lua_pop(L, 1);
    }
    if (t == LUA_TNIL) {
      lua_pushlstring(L, k, kn);
      t = lua_rawget(L, w->i_ctx_raw);
    }
    switch (t) {
      case -1: break;
      case LUA_TNUMBER:
        if (lua_isinteger(L, -1)) vn = (size_t)snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, -1));
        else vn = (size_t)snprintf(num, sizeof num, "%.14g", (double)lua_tonumber(L, -1));
        v = num;
        break;
      case LUA_TSTRING: v = lua_tolstring(L, -1, &vn); break;
      case LUA_TBOOLEAN:
        v = lua_toboolean(L, -1) ? "true" : "false";
        vn = strlen(v);
        break;
      default: /* nil, tables and the like stay as written */
        v = s + a;
        vn = e - a + 1;
    }
    if (room <= 0) vn = 0;
    else if ((long)vn > room) vn = (size_t)room;
    int rc = rh_buf_put(out, v, vn);
    lua_pop(L, 1);
    if (rc != RH_OK) return RH_ENOMEM;
    room -= (long)vn;
    pos = e + 1;
  }
  return RH_OK;
}

/* ---- one rule on one subject --------------------------------------------- */

static void set_error(wloop *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *m = lua_pushvfstring(w->L, fmt, ap);
  va_end(ap);
  rh_buf_reset(&w->b->reason);
  if (rh_buf_adds(&w->b->reason, m) != RH_OK) oom(w->L);
  lua_pop(w->L, 1);
  rh_buf_reset(&w->b->vals);
}

/* Calls the rule's check on its view; leaves the reason in b->reason and the
** values JSON in b->vals (empty = none); returns the outcome code. */
static int judge(wloop *w, wrule *r) {
  lua_State *L = w->L;
  int top = lua_gettop(L);
  rh_buf_reset(&w->b->vals);
  lua_pushvalue(L, r->i_check);
  lua_pushvalue(L, r->i_proxy);
  lua_pushvalue(L, r->i_p);
  lua_pushvalue(L, w->i_ctx);
  int st = rh_vm_limited_call(w->vm, 3, 1, w->instr, w->ms, (size_t)w->mem, w->i_msgh);
  int code = OC_ERROR;
  if (st != RH_VM_OK) {
    const char *m = lua_tostring(L, -1);
    if (st == RH_VM_MEMORY) set_error(w, "%s:%d: %s", r->file, r->line, m ? m : "memory");
    else set_error(w, "%s", m ? m : "error");
    lua_settop(L, top);
    return code;
  }
  int res = lua_gettop(L);
  int is_out = 0;
  if (lua_getmetatable(L, res)) {
    is_out = lua_rawequal(L, -1, w->i_out_mt);
    lua_pop(L, 1);
  }
  if (!is_out) {
    set_error(w, "%s:%d: rule %s: check returned %s, not an outcome (use pass, fail, na or unknown)",
              r->file, r->line, r->id, luaL_typename(L, res));
    lua_settop(L, top);
    return code;
  }
  lua_rawgeti(L, res, 1); /* name */
  lua_rawgeti(L, res, 2); /* reason */
  lua_rawgeti(L, res, 3); /* values */
  int iname = res + 1, ireason = res + 2, ivals = res + 3;
  lua_pushvalue(L, iname);
  int allowed = lua_rawget(L, r->i_allowed) == LUA_TNUMBER ? (int)lua_tointeger(L, -1) : 0;
  lua_pop(L, 1);
  if (!allowed) {
    const char *nm = lua_type(L, iname) == LUA_TSTRING ? lua_tostring(L, iname) : "?";
    set_error(w, "%s:%d: rule %s of kind %s cannot return %s", r->file, r->line, r->id, r->kind, nm);
  } else if (!lua_isnil(L, ivals) && lua_type(L, ivals) != LUA_TTABLE) {
    set_error(w, "%s:%d: rule %s: values must be a table, not %s", r->file, r->line, r->id,
              luaL_typename(L, ivals));
  } else if (!lua_isnil(L, ireason) && lua_type(L, ireason) != LUA_TSTRING) {
    set_error(w, "%s:%d: rule %s: the reason must be a string, not %s", r->file, r->line, r->id,
              luaL_typename(L, ireason));
  } else {
    int vi = lua_istable(L, ivals) ? ivals : 0;
    sval a[SMALL_VALS];
    int na = vi ? collect_small(L, vi, a) : 0; /* -1: the general path */
    if (lua_isnil(L, ireason)) rh_buf_reset(&w->b->reason);
    else if (fill(w, ireason, vi, a, na, &w->b->reason) != RH_OK) oom(L);
    code = allowed;
    int done = na == 0;
    if (na > 0) {
      int rc = small_json(a, na, &w->b->vals);
      if (rc == RH_ENOMEM) oom(L);
      done = rc == RH_OK;
      if (!done) rh_buf_reset(&w->b->vals);
    }
    if (vi && !done) {
      lua_pushnil(L);
      if (lua_next(L, vi)) {
        lua_pop(L, 2);
        char err[256];
        if (rh_vm_json(L, vi, &w->b->vals, err, sizeof err) != RH_OK) {
          code = OC_ERROR;
          set_error(w, "%s:%d: rule %s: %s", r->file, r->line, r->id, err);
        }
      }
    }
  }
  lua_settop(L, top);
  return code;
}

/* ---- inputs -------------------------------------------------------------- */

/* Moves cursor c one row on.  An error ends the cursor and becomes the
** rule's input error: an ERROR for each of its subjects from now on. */
static int next_protected(lua_State *L) {
  int64_t key;
  int has_key;
  int rc = rh_ldb_next(L, 1, lua_tointeger(L, 2), &key, &has_key);
  if (rc < 0) return lua_error(L);
  if (rc == 0) return 0;
  lua_pushinteger(L, key);
  lua_pushboolean(L, has_key);
  return 3; /* row, key, has_key */
}

static void advance(wloop *w, wrule *r, wcur *c) {
  lua_State *L = w->L;
  /* Protected: a row too big for the worker's memory (or any error while it
  ** is built) is the rule's input error, not the end of the whole group. */
  lua_pushcfunction(L, next_protected);
  lua_pushvalue(L, c->i_st);
  lua_pushinteger(L, (lua_Integer)w->input_ms);
  int rc = lua_pcall(L, 2, 3, 0) != LUA_OK ? -1 : lua_isnil(L, -3) ? 0 : 1;
  if (rc == 1) {
    c->has_key = lua_toboolean(L, -1);
    c->key = (int64_t)lua_tointeger(L, -2);
    lua_pop(L, 2);
    lua_replace(L, c->i_row);
    c->has_row = 1;
    return;
  }
  if (rc == 0) lua_pop(L, 3);
  if (rc < 0) {
    if (lua_isnil(L, r->i_err)) {
      lua_pushfstring(L, "%s:%d: rule %s: input '%s': %s", r->file, r->line, r->id,
                      lua_tostring(L, c->i_name), lua_tostring(L, -1));
      lua_replace(L, r->i_err);
    }
    lua_pop(L, 1);
  }
  c->has_row = c->has_key = 0;
  lua_pushnil(L);
  lua_replace(L, c->i_row);
}

/* Puts the rule's inputs for subject id into its view; returns the cursor
** of an input that has several rows for it (not declared a list), or NULL. */
static wcur *gather(wloop *w, wrule *r, int64_t id) {
  lua_State *L = w->L;
  wcur *dup = NULL;
  for (int i = 0; i < r->ncur; i++) {
    wcur *c = &r->cur[i];
    lua_pushvalue(L, c->i_name);
    if (c->list) {
      lua_createtable(L, 0, 0);
      lua_Integer n = 0;
      while (c->has_row) {
        if (c->has_key && c->key >= id) {
          if (c->key != id) break;
          lua_pushvalue(L, c->i_row);
          lua_rawseti(L, -2, ++n);
        }
        advance(w, r, c);
      }
    } else {
      while (c->has_row && (!c->has_key || c->key < id)) advance(w, r, c);
      if (c->has_row && c->key == id) {
        lua_pushvalue(L, c->i_row);
        advance(w, r, c);
        if (c->has_row && c->has_key && c->key == id) {
          if (dup == NULL) dup = c;
          while (c->has_row && c->has_key && c->key == id) advance(w, r, c);
        }
      } else {
        lua_pushnil(L);
      }
    }
    lua_rawset(L, r->i_proxy);
  }
  return dup;
}

/* The city: one subject; each input is its whole result (list) or first row. */
static void gather_all(wloop *w, wrule *r) {
  lua_State *L = w->L;
  for (int i = 0; i < r->ncur; i++) {
    wcur *c = &r->cur[i];
    lua_pushvalue(L, c->i_name);
    if (c->list) {
      lua_createtable(L, 0, 0);
      lua_Integer n = 0;
      while (c->has_row) {
        lua_pushvalue(L, c->i_row);
        lua_rawseti(L, -2, ++n);
        advance(w, r, c);
      }
    } else {
      lua_pushvalue(L, c->i_row);
    }
    lua_rawset(L, r->i_proxy);
  }
}

/* ---- the subject's row ---------------------------------------------------- */

/* A rule reads its subject's columns from the subject statement's current
** row; no row table is built per subject (most columns are never read).
** The view's __index is a row cache shared by the group's rules, whose own
** __index is row_index below: a column read once in the pass is "hot", and
** from then on it is put into the cache as each subject starts, so that
** s.employees is a table lookup for the Lua VM instead of a call into C (a
** C call from the VM costs several times the lookup).  pairs(s) sees only
** the view itself (the inputs), as before.
**
** valid is set only while a subject is being evaluated; a view kept past
** the pass (in a rule's upvalue) reads nil rather than a row that is gone:
** the cache is emptied when the pass ends, also by an error (the rowview is
** a to-be-closed value of host.run). */
#define MAX_HOT 64

typedef struct {
  int valid;
  sqlite3_stmt **st; /* in the statement userdata (upvalue 3), NULL once closed */
  int nhot, ncols;
  int hot[MAX_HOT];  /* column index of each hot column; names in upvalue 4 */
  unsigned char is_hot[]; /* by column index */
} rowview;

/* upvalues: the rowview, column name -> index, the statement userdata (kept
** alive here; once closed or past its rows it answers nil), the hot names */
static int row_index(lua_State *L) {
  rowview *rv = lua_touserdata(L, lua_upvalueindex(1));
  if (!rv->valid) return 0;
  sqlite3_stmt *st = *rv->st;
  if (st == NULL || sqlite3_data_count(st) == 0) return 0;
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNUMBER) return 0;
  int ci = (int)lua_tointeger(L, -1);
  if (ci >= 0 && ci < rv->ncols && !rv->is_hot[ci] && rv->nhot < MAX_HOT) {
    rv->is_hot[ci] = 1;
    rv->hot[rv->nhot++] = ci;
    lua_pushvalue(L, 2);
    lua_rawseti(L, lua_upvalueindex(4), rv->nhot);
  }
  rh_ldb_push_col(L, st, ci);
  return 1;
}

/* Puts the hot columns of the current row into the cache (at ci), or
** empties it (clear). */
static void fill_cache(lua_State *L, rowview *rv, int ci, int hot_names, int clear) {
  sqlite3_stmt *st = *rv->st;
  for (int j = 0; j < rv->nhot; j++) {
    lua_rawgeti(L, hot_names, j + 1);
    if (clear || st == NULL) lua_pushnil(L);
    else rh_ldb_push_col(L, st, rv->hot[j]);
    lua_rawset(L, ci);
  }
}

/* __close of the rowview: the pass is over, normally or by an error. */
static int rowview_close(lua_State *L) {
  rowview *rv = lua_touserdata(L, 1);
  rv->valid = 0;
  lua_getiuservalue(L, 1, 1); /* the cache */
  lua_getiuservalue(L, 1, 2); /* the hot names */
  if (lua_istable(L, -1) && lua_istable(L, -2)) fill_cache(L, rv, lua_absindex(L, -2), lua_absindex(L, -1), 1);
  return 0;
}

/* ---- records and frames -------------------------------------------------- */

static void put_u32_at(rh_buf *b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; i++) b->data[at + (size_t)i] = (char)(v >> (8 * i));
}

/* Eight bytes a step (a multiply-xorshift mix); equal texts are compared
** byte for byte anyway, so the hash only has to spread. */
static uint64_t text_hash(const char *s, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15u ^ n;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDu;
    h ^= h >> 32;
  }
  uint64_t t = 0;
  memcpy(&t, s + i, n - i);
  h = (h ^ t) * 0xC4CEB9FE1A85EC53u;
  return h ^ (h >> 29);
}

/* The id of a reason text seen before (after queueing its S entry the first
** time it repeats), or 0: write the text itself. */
static int64_t intern(wloop *w, const char *s, size_t n) {
  wbufs *b = w->b;
  if (w->src <= 0 || n < INTERN_MIN || n > MAX_REASON) return 0;
  if (b->cap == 0) {
    b->tab = calloc(1024, sizeof *b->tab);
    if (b->tab == NULL) return 0;
    b->cap = 1024;
  }
  uint64_t h = text_hash(s, n);
  size_t i = (size_t)h & (b->cap - 1);
  while (b->tab[i].text && !(b->tab[i].h == h && b->tab[i].len == n && memcmp(b->tab[i].text, s, n) == 0))
    i = (i + 1) & (b->cap - 1);
  rentry *e = &b->tab[i];
  if (e->text == NULL) {
    /* only valid UTF-8 is kept: other texts are written out (put_reason) */
    if (b->n >= INTERN_MAX || !rh_utf8_valid(s, n)) return 0;
    if (2 * (b->n + 1) > b->cap) { /* grow: keep it at most half full */
      size_t cap = b->cap * 2;
      rentry *t = calloc(cap, sizeof *t);
      if (t == NULL) return 0;
      for (size_t j = 0; j < b->cap; j++) {
        if (!b->tab[j].text) continue;
        size_t k = (size_t)b->tab[j].h & (cap - 1);
        while (t[k].text) k = (k + 1) & (cap - 1);
        t[k] = b->tab[j];
      }
      free(b->tab);
      b->tab = t;
      b->cap = cap;
      return intern(w, s, n); /* once: now there is room */
    }
    e->text = malloc(n);
    if (e->text == NULL) return 0;
    memcpy(e->text, s, n);
    e->len = n;
    e->h = h;
    e->id = 0;
    b->n++;
    return 0;
  }
  if (e->id == 0) {
    if (b->next_local >= INT32_MAX) return 0;
    e->id = (int64_t)++b->next_local; /* per task: the rows carry the task (src) */
    if (b->strs.len == 0 && rh_buf_put(&b->strs, "\0\0\0\0", 4) != RH_OK) oom(w->L);
    if (rh_fr_i64(&b->strs, e->id) != RH_OK || rh_fr_str(&b->strs, s, n) != RH_OK) oom(w->L);
    b->nstrs++;
  }
  return e->id;
}

static void flush(wloop *w) {
  rh_buf *o = &w->b->out;
  if (w->nrec == 0) return;
  rh_buf *t = &w->b->strs;
  if (w->b->nstrs > 0) { /* the texts first: the records refer to them */
    put_u32_at(t, 0, w->b->nstrs);
    if (rh__worker_send('S', t->data, t->len) != RH_OK) luaL_error(w->L, "%s", rh_error_last());
    rh_buf_reset(t);
    w->b->nstrs = 0;
  }
  put_u32_at(o, 0, w->nrec);
  if (rh__worker_send('P', o->data, o->len) != RH_OK) luaL_error(w->L, "%s", rh_error_last());
  rh_buf_reset(o);
  w->nrec = 0;
  w->last_flush = uv_hrtime();
}

/* Writes a reason (as a JSON string) or a values object (JSON already): its
** id when the text repeats, else the text, or null when there is none. */
static int put_text(wloop *w, rh_buf *o, const rh_buf *t, int is_reason) {
  if (t->len == 0) return rh_buf_adds(o, "null");
  int64_t id = intern(w, t->data, t->len);
  char num[24];
  if (id) return rh_buf_put(o, num, int_text(num, (lua_Integer)id));
  return is_reason ? put_reason(o, t->data, t->len) : rh_buf_put(o, t->data, t->len);
}

/* Evaluates every rule of the group on subject id: its row is the table at
** row_idx (the city), or the subject statement's current row (row_idx 0). */
static void one(wloop *w, int64_t id, int row_idx, int city) {
  lua_State *L = w->L;
  rh_buf *o = &w->b->out;
  char outcomes[64];
  if (o->len == 0 && rh_buf_put(o, "\0\0\0\0", 4) != RH_OK) oom(L);
  if (rh_fr_i64(o, id) != RH_OK || rh_fr_u32(o, (uint32_t)w->nrules) != RH_OK) oom(L);
  size_t oc_at = o->len;
  if (rh_buf_put(o, outcomes, (size_t)w->nrules) != RH_OK) oom(L);
  size_t det_at = o->len;
  if (rh_buf_put(o, "\0\0\0\0[", 5) != RH_OK) oom(L);
  for (int k = 0; k < w->nrules; k++) {
    wrule *r = &w->rules[k];
    rh__worker_slot_set(r->rule_no, id);
    if (r->fault && r->fault_id == id) rh__worker_fault(r->fault);
    if (row_idx) { /* reads of the view fall back to this row (mt.__index) */
      lua_pushvalue(L, w->i_index_key);
      lua_pushvalue(L, row_idx);
      lua_rawset(L, r->i_mt);
    }
    wcur *dup = city ? (gather_all(w, r), NULL) : gather(w, r, id);
    int code;
    if (!lua_isnil(L, r->i_err)) {
      code = OC_ERROR;
      set_error(w, "%s", lua_tostring(L, r->i_err));
    } else if (dup) {
      code = OC_ERROR;
      set_error(w,
                "%s:%d: rule %s: input '%s' returned several rows for %s %I; declare it with list [[...]]",
                r->file, r->line, r->id, lua_tostring(L, dup->i_name), r->subject, (lua_Integer)id);
    } else {
      code = judge(w, r);
    }
    o->data[oc_at + (size_t)k] = (char)('0' + code);
    /* [reason, values], or [reason] without values (read back as null) */
    int rc = rh_buf_put(o, k ? ",[" : "[", k ? 2 : 1);
    if (rc == RH_OK) rc = put_text(w, o, &w->b->reason, 1);
    if (rc == RH_OK && w->b->vals.len > 0) {
      rc = rh_buf_put(o, ",", 1);
      if (rc == RH_OK) rc = put_text(w, o, &w->b->vals, 0);
    }
    if (rc == RH_OK) rc = rh_buf_put(o, "]", 1);
    if (rc != RH_OK) oom(L);
    w->count++;
  }
  if (rh_buf_put(o, "]", 1) != RH_OK) oom(L);
  put_u32_at(o, det_at, (uint32_t)(o->len - det_at - 4));
  w->nrec++;
  if (w->flush_each || w->nrec >= FLUSH_RECORDS || uv_hrtime() - w->last_flush > FLUSH_NS) flush(w);
}

/* ---- outcomes ------------------------------------------------------------ */

/* pass(reason, values) and its siblings: {name, reason, values} marked by the
** outcome metatable (judge reads it raw).  Every rule call makes one, so it
** is made here in one C call rather than a Lua function calling setmetatable.
** upvalues: the outcome's name, the metatable. */
static int outcome_new(lua_State *L) {
  lua_settop(L, 2);
  lua_createtable(L, 3, 0);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_rawseti(L, 3, 1);
  lua_pushvalue(L, 1);
  lua_rawseti(L, 3, 2);
  lua_pushvalue(L, 2);
  lua_rawseti(L, 3, 3);
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_setmetatable(L, 3);
  return 1;
}

/* host.outcome(name, mt) -> the constructor of that outcome */
int rh__host_outcome(lua_State *L) {
  luaL_checktype(L, 1, LUA_TSTRING);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  lua_pushcclosure(L, outcome_new, 2);
  return 1;
}

/* ---- host.run ------------------------------------------------------------- */

static const char *field_str(lua_State *L, int t, const char *k) {
  lua_getfield(L, t, k); /* stays on the stack: anchors the string */
  return lua_tostring(L, -1);
}

static lua_Integer field_int(lua_State *L, int t, const char *k) {
  lua_getfield(L, t, k);
  lua_Integer v = lua_tointeger(L, -1);
  lua_pop(L, 1);
  return v;
}

static int field_slot(lua_State *L, int t, const char *k) {
  lua_getfield(L, t, k);
  return lua_gettop(L);
}

/* host.run(subjects, rules, ctx_raw, ctx, opts) -> number of results
**   subjects  the statement over the subject table (ids first, in order), or
**             false for the city (one subject, id 0; inputs taken whole)
**   rules     {rule_no, check, p, proxy, mt, allowed (name -> code), cursors
**             ({st, name, list}), input_error, file, line, id, kind, subject,
**             fault, fault_id} per rule of the group, cursors not yet stepped
**   ctx_raw   the context table ({name} in reasons); ctx its read-only view
**   opts      {instr, ms, mem, input_ms, flush_each, out_mt} */
int rh__host_run(lua_State *L) {
  int city = !lua_toboolean(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTABLE);
  luaL_checktype(L, 5, LUA_TTABLE);
  lua_settop(L, 5);
  wloop w;
  memset(&w, 0, sizeof w);
  w.L = L;
  w.vm = rh_vm_of(L);
  w.i_ctx_raw = 3;
  w.i_ctx = 4;
  w.i_out_mt = field_slot(L, 5, "out_mt");
  lua_pushliteral(L, "__index");
  w.i_index_key = lua_gettop(L);
  rh_vm_push_msgh(L);
  w.i_msgh = lua_gettop(L);
  w.instr = field_int(L, 5, "instr");
  w.ms = field_int(L, 5, "ms");
  w.mem = field_int(L, 5, "mem");
  w.input_ms = field_int(L, 5, "input_ms");
  w.src = field_int(L, 5, "src");
  if (w.src < 0) w.src = 0;
  lua_getfield(L, 5, "flush_each");
  w.flush_each = lua_toboolean(L, -1);
  lua_pop(L, 1);
  w.b = lua_newuserdatauv(L, sizeof *w.b, 0);
  memset(w.b, 0, sizeof *w.b);
  if (luaL_newmetatable(L, "rh.wbufs")) {
    lua_pushcfunction(L, wbufs_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
  if (n < 1 || n > 64) return luaL_error(L, "a group has 1 to 64 rules, not %I", n);
  w.nrules = (int)n;
  w.rules = lua_newuserdatauv(L, sizeof(wrule) * (size_t)n, 0);
  memset(w.rules, 0, sizeof(wrule) * (size_t)n);
  for (int i = 0; i < w.nrules; i++) {
    wrule *r = &w.rules[i];
    luaL_checkstack(L, 32, "rule group");
    lua_rawgeti(L, 2, i + 1);
    int spec = r->i_spec = lua_gettop(L);
    luaL_checktype(L, spec, LUA_TTABLE);
    r->rule_no = (int)field_int(L, spec, "rule_no");
    r->line = (int)field_int(L, spec, "line");
    r->fault_id = field_int(L, spec, "fault_id");
    r->i_check = field_slot(L, spec, "check");
    r->i_p = field_slot(L, spec, "p");
    r->i_proxy = field_slot(L, spec, "proxy");
    r->i_mt = field_slot(L, spec, "mt");
    r->i_allowed = field_slot(L, spec, "allowed");
    r->i_err = field_slot(L, spec, "input_error");
    luaL_checktype(L, r->i_proxy, LUA_TTABLE);
    luaL_checktype(L, r->i_mt, LUA_TTABLE);
    luaL_checktype(L, r->i_allowed, LUA_TTABLE);
    r->file = field_str(L, spec, "file");
    r->id = field_str(L, spec, "id");
    r->kind = field_str(L, spec, "kind");
    r->subject = field_str(L, spec, "subject");
    r->fault = field_str(L, spec, "fault");
    if (!r->file || !r->id || !r->kind || !r->subject) return luaL_error(L, "incomplete rule spec");
    int curs = field_slot(L, spec, "cursors");
    r->ncur = lua_istable(L, curs) ? (int)lua_rawlen(L, curs) : 0;
    r->cur = lua_newuserdatauv(L, sizeof(wcur) * (size_t)(r->ncur ? r->ncur : 1), 0);
    for (int j = 0; j < r->ncur; j++) {
      wcur *c = &r->cur[j];
      luaL_checkstack(L, 8, "rule inputs");
      lua_rawgeti(L, curs, j + 1);
      int ct = lua_gettop(L);
      c->i_st = field_slot(L, ct, "st");
      c->i_name = field_slot(L, ct, "name");
      lua_getfield(L, ct, "list");
      c->list = lua_toboolean(L, -1);
      lua_pop(L, 1);
      lua_pushnil(L);
      c->i_row = lua_gettop(L);
      c->has_row = c->has_key = 0;
    }
  }
  for (int i = 0; i < w.nrules; i++)
    for (int j = 0; j < w.rules[i].ncur; j++) {
      wrule *r = &w.rules[i];
      /* While a rule's inputs start, the slot names the rule with no subject:
      ** a worker lost in one of them is blamed on that rule alone. */
      rh__worker_slot_set(r->rule_no, INT64_MIN);
      if (lua_isnil(L, r->i_err)) advance(&w, r, &r->cur[j]);
    }
  w.last_flush = uv_hrtime();
  if (city) {
    lua_createtable(L, 0, 0);
    one(&w, 0, lua_gettop(L), 1);
  } else {
    sqlite3_stmt *sst = rh_ldb_stmt(L, 1);
    if (sst == NULL) return luaL_error(L, "subject statement is closed");
    int ncols = sqlite3_column_count(sst);
    rowview *rv = lua_newuserdatauv(L, sizeof *rv + (size_t)ncols, 2);
    memset(rv, 0, sizeof *rv + (size_t)ncols);
    rv->st = rh_ldb_stmt_slot(L, 1);
    rv->ncols = ncols;
    int i_rv = lua_gettop(L);
    lua_createtable(L, 0, 8); /* the cache */
    int i_cache = lua_gettop(L);
    lua_createtable(L, 8, 0); /* the hot names */
    int i_hot = lua_gettop(L);
    lua_pushvalue(L, i_cache);
    lua_setiuservalue(L, i_rv, 1);
    lua_pushvalue(L, i_hot);
    lua_setiuservalue(L, i_rv, 2);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, rowview_close);
    lua_setfield(L, -2, "__close");
    lua_setmetatable(L, i_rv);
    lua_toclose(L, i_rv);

    lua_newtable(L); /* column name -> index; the first of a repeated name */
    rh_ldb_push_columns(L, 1);
    int nc = (int)lua_rawlen(L, -1);
    for (int i = 1; i <= nc; i++) {
      lua_rawgeti(L, -1, i);
      lua_pushvalue(L, -1);
      if (lua_rawget(L, -4) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushinteger(L, i - 1);
        lua_rawset(L, -4);
      } else {
        lua_pop(L, 2);
      }
    }
    lua_pop(L, 1);
    lua_pushvalue(L, i_rv); /* upvalues: rowview, name -> index, statement, hot names */
    lua_insert(L, -2);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, i_hot);
    lua_pushcclosure(L, row_index, 4);
    lua_createtable(L, 0, 1); /* the cache's metatable */
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, i_cache);
    for (int k = 0; k < w.nrules; k++) {
      lua_pushvalue(L, w.i_index_key);
      lua_pushvalue(L, i_cache);
      lua_rawset(L, w.rules[k].i_mt);
    }
    for (;;) {
      int rc = sqlite3_step(sst);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return luaL_error(L, "sql: %s", sqlite3_errmsg(sqlite3_db_handle(sst)));
      /* the id comes first (worker.lua selects it so), read as the inputs' keys */
      int64_t id;
      if (!rh_ldb_key(sst, 0, &id)) continue;
      rv->valid = 1;
      fill_cache(L, rv, i_cache, i_hot, 0);
      one(&w, id, 0, 0);
      rv->valid = 0;
    }
    lua_closeslot(L, i_rv);
  }
  flush(&w);
  lua_pushinteger(L, w.count);
  return 1;
}
