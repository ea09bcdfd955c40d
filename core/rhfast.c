/*
** C fast paths for the hottest functions of the rh library (rhlib.lua): rh.fen
** and the ratio products and comparisons.  Rules call them for nearly every
** subject, and in Lua each call costs more than the rest of a simple rule (a
** Lua call, math.type calls, a cache lookup): on the bench workload four of
** them took 11% of a worker.
**
** Each C function takes the cases that rhlib.lua's own fast path takes
** (integers and floats in its ranges, a ratio seen before), with the same
** arithmetic, and hands anything else to the Lua function it replaces, so
** results and errors stay those of rhlib.lua.  rhlib_spec.lua runs once on
** each (RHLIB_FAST), and rhfast_spec.lua compares the two on many inputs.
*/
#include "rhfast.h"

#include <lauxlib.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* rhlib.lua's bounds: integer yuan up to maxint // 100; floats with
** (x*100)^2 below 2^80; ratio factors below 2^40, num in [-2^22, 2^22) and
** den in [1, 2^23), where no product can overflow. */
#define FEN_MAX (INT64_MAX / 100)
#define MEMO_MAX 512

/* Upvalues of every fast function: 1 the Lua function it stands for, 2 the
** shared memo (a userdata: n entries; user values: the table from a ratio
** argument to its packed num/den or false, and rhlib's ratio_of). */
typedef struct {
  int n;
} memo;

/* Anything the fast path does not take: the Lua function, called with the
** same arguments.  Its errors name the caller's line (error level 2 from the
** Lua function would name this C function, which has no line). */
static int slow(lua_State *L) {
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  if (lua_pcall(L, n, LUA_MULTRET, 0) != LUA_OK) {
    const char *m = lua_tostring(L, -1);
    if (lua_type(L, -1) == LUA_TSTRING && strncmp(m, "rh.", 3) == 0) {
      luaL_where(L, 1);
      lua_insert(L, -2);
      lua_concat(L, 2);
    }
    return lua_error(L);
  }
  return lua_gettop(L);
}

/* The ratio at idx as num/den in the fast range, from the memo (filled by
** rhlib's ratio_of the first time a string or number is seen). */
static int ratio_at(lua_State *L, int idx, lua_Integer *num, lua_Integer *den) {
  int t = lua_type(L, idx);
  if (t != LUA_TSTRING && t != LUA_TNUMBER) return 0; /* tables may change: rhlib reads them */
  if (t == LUA_TNUMBER && lua_tonumber(L, idx) != lua_tonumber(L, idx)) return 0; /* NaN: no key */
  memo *m = lua_touserdata(L, lua_upvalueindex(2));
  lua_getiuservalue(L, lua_upvalueindex(2), 1);
  lua_pushvalue(L, idx);
  int vt = lua_rawget(L, -2);
  if (vt == LUA_TNIL) {
    lua_pop(L, 1);
    lua_getiuservalue(L, lua_upvalueindex(2), 2); /* ratio_of(x) -> r | nil, msg */
    lua_pushvalue(L, idx);
    lua_call(L, 1, 1);
    int ok = 0;
    lua_Integer nu = 0, de = 0;
    if (lua_istable(L, -1)) {
      int a = lua_getfield(L, -1, "num"), b = lua_getfield(L, -2, "den");
      if (a == LUA_TNUMBER && b == LUA_TNUMBER && lua_isinteger(L, -2) && lua_isinteger(L, -1)) {
        nu = lua_tointeger(L, -2);
        de = lua_tointeger(L, -1);
        ok = nu >= -(1 << 22) && nu < (1 << 22) && de >= 1 && de < (1 << 23);
      }
      lua_pop(L, 2);
    }
    lua_pop(L, 1);
    if (m->n >= MEMO_MAX) { /* bounded, as rhlib's own cache: start a new one */
      lua_pop(L, 1);
      lua_newtable(L);
      lua_pushvalue(L, -1);
      lua_setiuservalue(L, lua_upvalueindex(2), 1);
      m->n = 0;
    }
    lua_pushvalue(L, idx);
    if (ok) lua_pushinteger(L, (nu + (1 << 22)) << 23 | de);
    else lua_pushboolean(L, 0);
    lua_rawset(L, -3);
    m->n++;
    lua_pop(L, 1);
    if (!ok) return 0;
    *num = nu;
    *den = de;
    return 1;
  }
  int ok = vt == LUA_TNUMBER;
  if (ok) {
    lua_Integer p = lua_tointeger(L, -1);
    *den = p & ((1 << 23) - 1);
    *num = (p >> 23) - (1 << 22);
  }
  lua_pop(L, 2);
  return ok;
}

/* |x| < 2^40, as rhlib tests it: x + 2^40 in [0, 2^41). */
static int small40(lua_Integer x) { return ((uint64_t)x + 0x10000000000u) >> 41 == 0; }

/* Lua's integer floor division, for d > 0 */
static lua_Integer floordiv(lua_Integer a, lua_Integer d) {
  lua_Integer q = a / d;
  return (a % d != 0 && a < 0) ? q - 1 : q;
}

static int fast_fen(lua_State *L) {
  switch (lua_type(L, 1)) {
    case LUA_TNUMBER:
      if (lua_isinteger(L, 1)) {
        lua_Integer x = lua_tointeger(L, 1);
        if (x <= FEN_MAX && x >= -FEN_MAX) {
          lua_pushinteger(L, x * 100);
          return 1;
        }
      } else {
        double y = lua_tonumber(L, 1) * 100;
        if (y * y < 0x1p80) {
          double r = floor(y + 0.5);
          double off = y - r;
          if (off * off < 0.24) {
            lua_pushinteger(L, (lua_Integer)r);
            return 1;
          }
        }
      }
      break;
    case LUA_TNIL:
    case LUA_TNONE:
      lua_pushnil(L);
      return 1;
  }
  return slow(L);
}

static int fast_ceil_mul(lua_State *L) {
  lua_Integer num, den;
  if (lua_isinteger(L, 1) && small40(lua_tointeger(L, 1)) && ratio_at(L, 2, &num, &den)) {
    lua_pushinteger(L, -floordiv(-(lua_tointeger(L, 1) * num), den));
    return 1;
  }
  return slow(L);
}

static int fast_floor_mul(lua_State *L) {
  lua_Integer num, den;
  if (lua_isinteger(L, 1) && small40(lua_tointeger(L, 1)) && ratio_at(L, 2, &num, &den)) {
    lua_pushinteger(L, floordiv(lua_tointeger(L, 1) * num, den));
    return 1;
  }
  return slow(L);
}

/* n * r rounded half away from zero, as rhlib's round_mul */
static int fast_round_mul(lua_State *L) {
  lua_Integer num, den;
  if (lua_isinteger(L, 1) && small40(lua_tointeger(L, 1)) && ratio_at(L, 2, &num, &den)) {
    lua_Integer p = lua_tointeger(L, 1) * num;
    lua_Integer ap = p < 0 ? -p : p, q = ap / den, rem = ap % den;
    if (rem >= den - rem) q++;
    lua_pushinteger(L, p < 0 ? -q : q);
    return 1;
  }
  return slow(L);
}

/* a ? r*b, as a*den ? b*num (den > 0); op: 0 >=, 1 <=, 2 >, 3 < */
static int compare(lua_State *L, int op) {
  lua_Integer num, den;
  if (lua_isinteger(L, 1) && lua_isinteger(L, 2) && small40(lua_tointeger(L, 1)) &&
      small40(lua_tointeger(L, 2)) && ratio_at(L, 3, &num, &den)) {
    lua_Integer x = lua_tointeger(L, 1) * den, y = lua_tointeger(L, 2) * num;
    lua_pushboolean(L, op == 0 ? x >= y : op == 1 ? x <= y : op == 2 ? x > y : x < y);
    return 1;
  }
  return slow(L);
}

static int fast_at_least(lua_State *L) { return compare(L, 0); }
static int fast_at_most(lua_State *L) { return compare(L, 1); }
static int fast_more_than(lua_State *L) { return compare(L, 2); }
static int fast_less_than(lua_State *L) { return compare(L, 3); }

int rh_rhlib_fast(lua_State *L) {
  static const luaL_Reg fast[] = {
    {"fen", fast_fen},           {"ceil_mul", fast_ceil_mul},   {"floor_mul", fast_floor_mul},
    {"round_mul", fast_round_mul}, {"at_least", fast_at_least}, {"at_most", fast_at_most},
    {"more_than", fast_more_than}, {"less_than", fast_less_than}, {NULL, NULL}};
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  memo *m = lua_newuserdatauv(L, sizeof *m, 2); /* 3 */
  m->n = 0;
  lua_newtable(L);
  lua_setiuservalue(L, 3, 1);
  if (lua_getfield(L, 2, "ratio_of") != LUA_TFUNCTION) return luaL_error(L, "rhlib internals: no ratio_of");
  lua_setiuservalue(L, 3, 2);
  for (const luaL_Reg *f = fast; f->name; f++) {
    if (lua_getfield(L, 1, f->name) != LUA_TFUNCTION) return luaL_error(L, "rhlib has no function %s", f->name);
    lua_pushvalue(L, 3);
    lua_pushcclosure(L, f->func, 2);
    lua_setfield(L, 1, f->name);
  }
  return 0;
}
