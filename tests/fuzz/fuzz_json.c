/*
** libFuzzer target: rh_vm_json (the encoder of a rule's `values`) on Lua
** values built from the input by a tiny stack machine:
**   0 nil  1 true  2 false  3 integer (8 bytes)  4 float (8 bytes, any bits:
**   NaN, inf, -0)  5 string (length byte, bytes)  6 new table  7 t[k] = v
**   (pops v, k; t is the value below them)  8 t[#t+1] = v  9 copy of an
**   earlier slot (shared tables, cycles)  10 a C function  11 a full
**   userdata  12 a light userdata  13 t[integer key] = v
** The value on top at the end is encoded.
**
** Checked besides ASan/UBSan: the encoder either fails with a message or
** returns valid UTF-8 JSON (checked by a strict parser below), and encoding
** the same value twice gives the same bytes.
*/
#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rh.h"
#include "util.h"
#include "vm.h"

static rh_vm *g_vm;

/* ---- a strict JSON checker (RFC 8259 grammar, no extensions) ---- */
static const char *ws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}
static const char *value(const char *p, int depth);
static const char *string(const char *p) {
  if (*p++ != '"') return NULL;
  while (*p != '"') {
    unsigned char c = (unsigned char)*p;
    if (c == 0 || c < 0x20) return NULL;
    if (c == '\\') {
      p++;
      if (*p == 'u') {
        for (int i = 1; i <= 4; i++)
          if (!strchr("0123456789abcdefABCDEF", p[i]) || p[i] == 0) return NULL;
        p += 5;
        continue;
      }
      if (!strchr("\"\\/bfnrt", *p) || *p == 0) return NULL;
    }
    p++;
  }
  return p + 1;
}
static const char *number(const char *p) {
  if (*p == '-') p++;
  if (*p == '0') p++;
  else if (*p >= '1' && *p <= '9') while (*p >= '0' && *p <= '9') p++;
  else return NULL;
  if (*p == '.') {
    p++;
    if (!(*p >= '0' && *p <= '9')) return NULL;
    while (*p >= '0' && *p <= '9') p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!(*p >= '0' && *p <= '9')) return NULL;
    while (*p >= '0' && *p <= '9') p++;
  }
  return p;
}
static const char *value(const char *p, int depth) {
  if (depth > 64) return NULL;
  p = ws(p);
  if (*p == '{' || *p == '[') {
    char close = *p == '{' ? '}' : ']';
    int obj = *p == '{';
    p = ws(p + 1);
    if (*p == close) return p + 1;
    for (;;) {
      if (obj) {
        p = string(ws(p));
        if (p == NULL) return NULL;
        p = ws(p);
        if (*p++ != ':') return NULL;
      }
      p = value(p, depth + 1);
      if (p == NULL) return NULL;
      p = ws(p);
      if (*p == ',') { p++; continue; }
      if (*p == close) return p + 1;
      return NULL;
    }
  }
  if (*p == '"') return string(p);
  if (strncmp(p, "true", 4) == 0) return p + 4;
  if (strncmp(p, "false", 5) == 0) return p + 5;
  if (strncmp(p, "null", 4) == 0) return p + 4;
  return number(p);
}

typedef struct {
  const uint8_t *d;
  size_t n;
} input;

static int dummy(lua_State *L) { (void)L; return 0; }

/* Runs under lua_pcall: building may raise (memory), and so may the encoder. */
static int build_and_encode(lua_State *L) {
  input *in = lua_touserdata(L, 1);
  lua_settop(L, 0);
  size_t i = 0;
  while (i < in->n && lua_gettop(L) < 200) {
    luaL_checkstack(L, 4, "fuzz_json"); /* the API only promises LUA_MINSTACK slots */
    uint8_t op = in->d[i++] % 14;
    int top = lua_gettop(L);
    switch (op) {
      case 0: lua_pushnil(L); break;
      case 1: lua_pushboolean(L, 1); break;
      case 2: lua_pushboolean(L, 0); break;
      case 3:
      case 4: {
        uint64_t v = 0;
        for (int k = 0; k < 8; k++) v = v << 8 | (i < in->n ? in->d[i++] : 0);
        if (op == 3) lua_pushinteger(L, (lua_Integer)v);
        else {
          double x;
          memcpy(&x, &v, sizeof x);
          lua_pushnumber(L, x);
        }
        break;
      }
      case 5: {
        size_t len = i < in->n ? in->d[i++] : 0;
        if (len > in->n - i) len = in->n - i;
        lua_pushlstring(L, (const char *)in->d + i, len);
        i += len;
        break;
      }
      case 6: lua_newtable(L); break;
      case 7:
        if (top >= 3 && lua_istable(L, top - 2) && !lua_isnil(L, top - 1) &&
            !(lua_type(L, top - 1) == LUA_TNUMBER && lua_tonumber(L, top - 1) != lua_tonumber(L, top - 1)))
          lua_rawset(L, top - 2);
        break;
      case 8:
        if (top >= 2 && lua_istable(L, top - 1)) lua_rawseti(L, top - 1, (lua_Integer)lua_rawlen(L, top - 1) + 1);
        break;
      case 9:
        if (top >= 1) lua_pushvalue(L, 1 + (i < in->n ? in->d[i++] : 0) % top);
        break;
      case 10: lua_pushcfunction(L, dummy); break;
      case 11: lua_newuserdatauv(L, 8, 0); break;
      case 12: lua_pushlightuserdata(L, (void *)in); break;
      case 13:
        if (top >= 2 && lua_istable(L, top - 1)) {
          lua_Integer k = (lua_Integer)(int8_t)(i < in->n ? in->d[i++] : 0);
          lua_rawseti(L, top - 1, k);
        }
        break;
    }
  }
  if (lua_gettop(L) == 0) return 0;
  int v = lua_gettop(L);
  rh_buf a = RH_BUF_INIT, b = RH_BUF_INIT;
  char err[256], err2[256];
  int ra = rh_vm_json(L, v, &a, err, sizeof err);
  int rb = rh_vm_json(L, v, &b, err2, sizeof err2);
  if (ra != rb) abort();
  if (ra == RH_OK) {
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
      fprintf(stderr, "two encodings differ:\n%s\n%s\n", a.data, b.data);
      abort();
    }
    if (!rh_utf8_valid(a.data, a.len) || strlen(a.data) != a.len) abort();
    const char *end = value(a.data, 0);
    if (end == NULL || *ws(end) != '\0') {
      fprintf(stderr, "not JSON: %.300s\n", a.data);
      abort();
    }
  } else if (err[0] == '\0') {
    abort(); /* a failure always says why */
  }
  rh_buf_free(&a);
  rh_buf_free(&b);
  return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (rh_vm_new(&g_vm, 64u << 20) != RH_OK) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_State *L = g_vm->L;
  input in = {data, size};
  lua_settop(L, 0);
  lua_pushcfunction(L, build_and_encode);
  lua_pushlightuserdata(L, &in);
  lua_pcall(L, 1, 0, 0); /* a memory error while building is fine */
  lua_settop(L, 0);
  lua_gc(L, LUA_GCCOLLECT);
  return 0;
}
