/*
** The ronghe Lua C module: the same engine as the binary, for busted specs and
** scripts.  Rule code still runs only in worker processes (the `ronghe`
** binary, found through RONGHE_EXE or the path this module was built with).
**
**   local ronghe = require "ronghe"
**   ronghe.init(db)                          -> true | nil, message
**   ronghe.import(db, table, csv[, enc])     -> rows | nil, message
**   ronghe.eval{ db=, rules=, as_of=, year=, policies={}, rules_only={},
**                subjects={}, jobs=, budget=, time_ms=, mem_mb=, watchdog_ms= }
**                                            -> { run=, subjects=, results=, decisions=, errors=, seconds= }
**                                               | nil, message, code
**   ronghe.embedded(name)                    -> text of a compiled-in file (rhlib.lua, ...)
**   ronghe.rhlib_fast(rh, internals)         puts the worker's C fast paths into an rhlib
**   ronghe.exec(db, sql) / ronghe.rows(db, sql)  fixtures and checks for tests
*/
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "eval.h"
#include "import.h"
#include "rh.h"
#include "rhfast.h"

#ifndef RH_DEFAULT_EXE
#define RH_DEFAULT_EXE "ronghe"
#endif

static int push_error(lua_State *L) {
  lua_pushnil(L);
  lua_pushstring(L, rh_error_last());
  lua_pushinteger(L, rh_error_code());
  return 3;
}

static int l_init(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  sqlite3 *db = NULL;
  if (rh_db_open(&db, path, RH_DB_RW | RH_DB_CREATE) != RH_OK) return push_error(L);
  int rc = rh_db_migrate(db, NULL, NULL);
  rh_db_close(db);
  if (rc != RH_OK) return push_error(L);
  lua_pushboolean(L, 1);
  return 1;
}

static int l_import(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  const char *table = luaL_checkstring(L, 2);
  const char *csv = luaL_checkstring(L, 3);
  const char *enc = luaL_optstring(L, 4, NULL);
  sqlite3 *db = NULL;
  if (rh_db_open(&db, path, RH_DB_RW) != RH_OK) return push_error(L);
  FILE *rep = tmpfile();
  rh_import_opts o = {enc, rep, 100};
  rh_import_result r = {0, 0};
  int rc = rh_import_csv(db, table, csv, &o, &r);
  rh_db_close(db);
  if (rc == RH_OK) {
    if (rep) fclose(rep);
    lua_pushinteger(L, r.rows);
    return 1;
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  if (rep) {
    char line[4096];
    rewind(rep);
    while (fgets(line, sizeof line, rep)) luaL_addstring(&b, line);
    fclose(rep);
  }
  lua_pushnil(L);
  lua_pushstring(L, rc == RH_EDATA ? "rejected" : rh_error_last());
  luaL_pushresult(&b);
  return 3;
}

static const char **string_list(lua_State *L, int t, const char *field, int *n) {
  *n = 0;
  lua_getfield(L, t, field);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return NULL;
  }
  luaL_checktype(L, -1, LUA_TTABLE);
  int len = (int)luaL_len(L, -1);
  /* A userdata holds the array so it is freed with the call's stack. */
  const char **v = lua_newuserdatauv(L, sizeof(char *) * (size_t)(len + 1), 0);
  lua_insert(L, -2);
  for (int i = 1; i <= len; i++) {
    lua_rawgeti(L, -1, i);
    v[i - 1] = luaL_checkstring(L, -1);
    lua_pop(L, 1); /* the string stays alive: it is in the caller's table */
  }
  lua_pop(L, 1);
  *n = len;
  return v;
}

static long opt_field(lua_State *L, int t, const char *name, long def) {
  lua_getfield(L, t, name);
  long v = (long)luaL_optinteger(L, -1, def);
  lua_pop(L, 1);
  return v;
}

static const char *opt_str(lua_State *L, int t, const char *name, const char *def) {
  lua_getfield(L, t, name);
  const char *v = luaL_optstring(L, -1, def);
  lua_pop(L, 1); /* strings from the caller's table stay alive */
  return v;
}

static int l_eval(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  rh_eval_opts o;
  rh_eval_opts_init(&o);
  o.db_path = opt_str(L, 1, "db", o.db_path);
  o.rules_dir = opt_str(L, 1, "rules", o.rules_dir);
  o.as_of = opt_str(L, 1, "as_of", NULL);
  o.year = (int)opt_field(L, 1, "year", 0);
  o.jobs = (int)opt_field(L, 1, "jobs", 1);
  o.instructions = opt_field(L, 1, "budget", (long)o.instructions);
  o.time_ms = opt_field(L, 1, "time_ms", o.time_ms);
  o.mem_mb = opt_field(L, 1, "mem_mb", o.mem_mb);
  o.watchdog_ms = opt_field(L, 1, "watchdog_ms", o.watchdog_ms);
  o.policies = string_list(L, 1, "policies", &o.npolicies);
  o.rules = string_list(L, 1, "rules_only", &o.nrules);
  o.subjects = string_list(L, 1, "subjects", &o.nsubjects);
  const char *exe = getenv("RONGHE_EXE");
  o.exe = exe && *exe ? exe : RH_DEFAULT_EXE;
  rh_eval_stats st;
  if (rh_eval_run(&o, &st, NULL, NULL) != RH_OK) return push_error(L);
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, st.run_id);
  lua_setfield(L, -2, "run");
  lua_pushinteger(L, st.subjects);
  lua_setfield(L, -2, "subjects");
  lua_pushinteger(L, st.results);
  lua_setfield(L, -2, "results");
  lua_pushinteger(L, st.decisions);
  lua_setfield(L, -2, "decisions");
  lua_pushinteger(L, st.errors);
  lua_setfield(L, -2, "errors");
  lua_pushnumber(L, st.seconds);
  lua_setfield(L, -2, "seconds");
  return 1;
}

/* ronghe.exec(db, sql): runs SQL on a read-write connection (test fixtures). */
static int l_exec(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  const char *sql = luaL_checkstring(L, 2);
  sqlite3 *db = NULL;
  if (rh_db_open(&db, path, RH_DB_RW) != RH_OK) return push_error(L);
  int rc = rh_db_exec(db, sql);
  rh_db_close(db);
  if (rc != RH_OK) return push_error(L);
  lua_pushboolean(L, 1);
  return 1;
}

/* ronghe.rows(db, sql) -> list of rows (tables keyed by column name). */
static int l_rows(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  const char *sql = luaL_checkstring(L, 2);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  if (rh_db_open(&db, path, RH_DB_RO) != RH_OK) return push_error(L);
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    rh_db_fail(db, "rows");
    rh_db_close(db);
    return push_error(L);
  }
  lua_newtable(L);
  int n = 0, rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    lua_newtable(L);
    for (int i = 0; i < sqlite3_column_count(st); i++) {
      switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER: lua_pushinteger(L, sqlite3_column_int64(st, i)); break;
        case SQLITE_FLOAT: lua_pushnumber(L, sqlite3_column_double(st, i)); break;
        case SQLITE_NULL: continue;
        default: lua_pushstring(L, (const char *)sqlite3_column_text(st, i));
      }
      lua_setfield(L, -2, sqlite3_column_name(st, i));
    }
    lua_rawseti(L, -2, ++n);
  }
  if (rc != SQLITE_DONE) rh_db_fail(db, "rows");
  sqlite3_finalize(st);
  rh_db_close(db);
  if (rc != SQLITE_DONE) return push_error(L);
  return 1;
}

static int l_embedded(lua_State *L) {
  size_t n;
  const char *s = rh_embedded_get(luaL_checkstring(L, 1), &n);
  if (s == NULL) return 0;
  lua_pushlstring(L, s, n);
  return 1;
}

static const luaL_Reg funcs[] = {{"init", l_init}, {"import", l_import}, {"eval", l_eval},
                                 {"embedded", l_embedded}, {"rhlib_fast", rh_rhlib_fast}, {"exec", l_exec}, {"rows", l_rows},
                                 {NULL, NULL}};

int luaopen_ronghe(lua_State *L) {
  luaL_newlib(L, funcs);
  lua_pushstring(L, RH_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
