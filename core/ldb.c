#include "ldb.h"

#include <lauxlib.h>
#include <string.h>
#include <uv.h>

#include "db.h"
#include "rh.h"
#include "worker.h"

#define CONN_MT "rh.Conn"
#define STMT_MT "rh.Stmt"

/* Plain, deterministic SQL functions a rule input may call.  Anything else
** (load_extension, fts3_tokenizer, readfile, random, ...) is refused. */
static const char *const allowed_functions[] = {
  "abs", "avg", "count", "max", "min", "sum", "total", "group_concat", "coalesce", "ifnull",
  "iif", "nullif", "length", "lower", "upper", "substr", "substring", "trim", "ltrim",
  "rtrim", "replace", "instr", "printf", "format", "round", "typeof", "date", "time",
  "datetime", "julianday", "strftime", "unixepoch", "like", "glob", "hex", "quote", "char",
  "unicode", "sign", "ceil", "ceiling", "floor", "trunc", "likely", "unlikely", "cast",
  "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
  "first_value", "last_value", "nth_value", "json", "json_extract", "json_array",
  "json_object", "json_array_length", "json_type", "json_valid", "json_each", "json_group_array",
  "json_group_object", "max", "min", "exists", "mod", "pow", "power", "sqrt", NULL};

int rh_ldb_authorizer(void *ud, int action, const char *a, const char *b, const char *c,
                      const char *d) {
  (void)ud; (void)b; (void)c; (void)d;
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_READ:
      /* Rules read data tables; the schema table and engine internals too
      ** (harmless), but never another attached file: none can be attached. */
      return SQLITE_OK;
    case SQLITE_FUNCTION:
      for (const char *const *f = allowed_functions; *f; f++)
        if (b && sqlite3_stricmp(*f, b) == 0) return SQLITE_OK;
      return SQLITE_DENY;
    default:
      /* ATTACH, PRAGMA, writes, transactions, temp objects: none of them. */
      return SQLITE_DENY;
  }
}

typedef struct {
  sqlite3 *db;
  uint64_t deadline_ns;
} rh_lconn;

typedef struct {
  sqlite3_stmt *st;
  rh_lconn *conn;     /* not owned; the conn userdata is kept in a uservalue */
  int ncol;
  long long rows, max_rows;
} rh_lstmt;

/* Interrupts a query that runs past its deadline: a rule input cannot hold a
** worker forever, and the supervisor's watchdog is the backstop. */
static int conn_progress(void *ud) {
  rh_lconn *c = ud;
  (*rh_worker_heartbeat)++;
  return c->deadline_ns != 0 && uv_hrtime() > c->deadline_ns;
}

int rh_ldb_open_ro(sqlite3 **out, const char *path) {
  int rc = rh_db_open(out, path, RH_DB_RO);
  if (rc != RH_OK) return rc;
  sqlite3_limit(*out, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(*out, SQLITE_LIMIT_SQL_LENGTH, 100000);
  sqlite3_limit(*out, SQLITE_LIMIT_LENGTH, 16 * 1024 * 1024);
  sqlite3_set_authorizer(*out, rh_ldb_authorizer, NULL);
  return RH_OK;
}

static int conn_open(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  rh_lconn *c = lua_newuserdatauv(L, sizeof *c, 0);
  c->db = NULL; /* closed state before anything can fail */
  c->deadline_ns = 0;
  luaL_setmetatable(L, CONN_MT);
  if (rh_ldb_open_ro(&c->db, path) != RH_OK) {
    lua_pushnil(L);
    lua_pushstring(L, rh_error_last());
    return 2;
  }
  sqlite3_progress_handler(c->db, 10000, conn_progress, c);
  return 1;
}

static rh_lconn *check_conn(lua_State *L, int i) {
  rh_lconn *c = luaL_checkudata(L, i, CONN_MT);
  if (c->db == NULL) luaL_error(L, "database connection is closed");
  return c;
}

static int conn_gc(lua_State *L) {
  rh_lconn *c = luaL_checkudata(L, 1, CONN_MT);
  if (c->db) {
    rh_db_close(c->db);
    c->db = NULL;
  }
  return 0;
}

/* conn:prepare(sql [, max_rows]) -> stmt | nil, message */
static int conn_prepare(lua_State *L) {
  rh_lconn *c = check_conn(L, 1);
  size_t n;
  const char *sql = luaL_checklstring(L, 2, &n);
  lua_Integer max_rows = luaL_optinteger(L, 3, 0);
  rh_lstmt *s = lua_newuserdatauv(L, sizeof *s, 2);
  memset(s, 0, sizeof *s);
  luaL_setmetatable(L, STMT_MT);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1); /* keep the connection alive as long as the statement */
  const char *tail = NULL;
  if (sqlite3_prepare_v3(c->db, sql, (int)n, SQLITE_PREPARE_PERSISTENT, &s->st, &tail) !=
      SQLITE_OK) {
    lua_pushnil(L);
    lua_pushstring(L, sqlite3_errmsg(c->db));
    return 2;
  }
  if (s->st == NULL) {
    lua_pushnil(L);
    lua_pushstring(L, "the input holds no SQL statement");
    return 2;
  }
  /* One statement per input: anything after the first must be blank. */
  if (tail && *tail) {
    sqlite3_stmt *extra = NULL;
    const char *t2 = NULL;
    int rc = sqlite3_prepare_v2(c->db, tail, -1, &extra, &t2);
    int more = rc != SQLITE_OK || extra != NULL;
    sqlite3_finalize(extra);
    if (more) {
      sqlite3_finalize(s->st);
      s->st = NULL;
      lua_pushnil(L);
      lua_pushstring(L, "an input must be a single SQL statement");
      return 2;
    }
  }
  if (!sqlite3_stmt_readonly(s->st)) {
    sqlite3_finalize(s->st);
    s->st = NULL;
    lua_pushnil(L);
    lua_pushstring(L, "an input must only read");
    return 2;
  }
  s->conn = c;
  s->ncol = sqlite3_column_count(s->st);
  s->max_rows = max_rows > 0 ? max_rows : 0;
  /* Column names as Lua strings, made once: every row reuses them. */
  lua_createtable(L, s->ncol, 0);
  for (int i = 0; i < s->ncol; i++) {
    lua_pushstring(L, sqlite3_column_name(s->st, i));
    lua_rawseti(L, -2, i + 1);
  }
  lua_setiuservalue(L, -2, 2);
  return 1;
}

/* conn:deadline(ms): interrupt queries after ms milliseconds from now (0 = none). */
static int conn_deadline(lua_State *L) {
  rh_lconn *c = check_conn(L, 1);
  lua_Integer ms = luaL_checkinteger(L, 2);
  c->deadline_ns = ms > 0 ? uv_hrtime() + (uint64_t)ms * 1000000u : 0;
  return 0;
}

static rh_lstmt *check_stmt(lua_State *L, int i) {
  rh_lstmt *s = luaL_checkudata(L, i, STMT_MT);
  if (s->st == NULL) luaL_error(L, "statement is closed");
  return s;
}

static int stmt_gc(lua_State *L) {
  rh_lstmt *s = luaL_checkudata(L, 1, STMT_MT);
  if (s->st) {
    sqlite3_finalize(s->st);
    s->st = NULL;
  }
  return 0;
}

/* stmt:bind(t): binds :name parameters from t; a parameter t lacks is an error. */
static int stmt_bind(lua_State *L) {
  rh_lstmt *s = check_stmt(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  sqlite3_reset(s->st);
  sqlite3_clear_bindings(s->st);
  s->rows = 0;
  int n = sqlite3_bind_parameter_count(s->st);
  for (int i = 1; i <= n; i++) {
    const char *name = sqlite3_bind_parameter_name(s->st, i);
    if (name == NULL || (name[0] != ':' && name[0] != '@' && name[0] != '$'))
      return luaL_error(L, "input uses a positional parameter; use :as_of, :year, ...");
    lua_getfield(L, 2, name + 1);
    int rc;
    switch (lua_type(L, -1)) {
      case LUA_TNUMBER:
        rc = lua_isinteger(L, -1) ? sqlite3_bind_int64(s->st, i, lua_tointeger(L, -1))
                                  : sqlite3_bind_double(s->st, i, lua_tonumber(L, -1));
        break;
      case LUA_TSTRING: {
        size_t len;
        const char *v = lua_tolstring(L, -1, &len);
        rc = sqlite3_bind_text(s->st, i, v, (int)len, SQLITE_TRANSIENT);
        break;
      }
      case LUA_TNIL:
        return luaL_error(L, "input uses unknown parameter %s", name);
      default:
        rc = sqlite3_bind_null(s->st, i);
    }
    lua_pop(L, 1);
    if (rc != SQLITE_OK) return luaL_error(L, "bind %s: %s", name, sqlite3_errstr(rc));
  }
  return 0;
}

void rh_ldb_push_col(lua_State *L, sqlite3_stmt *st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: lua_pushinteger(L, sqlite3_column_int64(st, i)); break;
    case SQLITE_FLOAT: lua_pushnumber(L, sqlite3_column_double(st, i)); break;
    case SQLITE_NULL: lua_pushnil(L); break;
    default: {
      const char *p = (const char *)sqlite3_column_blob(st, i);
      lua_pushlstring(L, p ? p : "", (size_t)sqlite3_column_bytes(st, i));
    }
  }
}

/* stmt:next([ms]) -> key, row | nil.  key is the first column (an integer when
** it holds one), row a fresh table of column name -> value (NULLs absent).
** With ms > 0 this one step is interrupted after ms milliseconds (a rule's
** input cannot hold the worker in SQLite, where no Lua hook runs); the
** connection's own deadline is restored afterwards.  Errors raise
** "sql: message". */
static int stmt_next(lua_State *L) {
  check_stmt(L, 1);
  lua_Integer ms = luaL_optinteger(L, 2, 0);
  int64_t key;
  int has_key;
  int rc = rh_ldb_next(L, 1, ms, &key, &has_key);
  if (rc < 0) return lua_error(L);
  if (rc == 0) {
    lua_pushnil(L);
    return 1;
  }
  sqlite3_stmt *st = ((rh_lstmt *)lua_touserdata(L, 1))->st;
  if (sqlite3_column_count(st) > 0) rh_ldb_push_col(L, st, 0); /* the key as it is, any type */
  else lua_pushnil(L);
  lua_insert(L, -2); /* key row */
  return 2;
}

int rh_ldb_key(sqlite3_stmt *st, int i, int64_t *key) {
  int t = sqlite3_column_type(st, i);
  if (t == SQLITE_INTEGER) {
    *key = sqlite3_column_int64(st, i);
    return 1;
  }
  if (t != SQLITE_FLOAT) return 0;
  double d = sqlite3_column_double(st, i);
  if (!(d >= -9.2e18 && d <= 9.2e18 && d == (double)(int64_t)d)) return 0;
  *key = (int64_t)d;
  return 1;
}

int rh_ldb_next(lua_State *L, int idx, int64_t ms, int64_t *key, int *has_key) {
  rh_lstmt *s = luaL_checkudata(L, idx, STMT_MT);
  if (s->st == NULL) {
    lua_pushliteral(L, "statement is closed");
    return -1;
  }
  uint64_t saved = s->conn->deadline_ns;
  if (ms > 0) s->conn->deadline_ns = uv_hrtime() + (uint64_t)ms * 1000000u;
  int rc = sqlite3_step(s->st);
  s->conn->deadline_ns = saved;
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) {
    if (rc == SQLITE_INTERRUPT) lua_pushliteral(L, "input query ran past its time limit");
    else lua_pushfstring(L, "sql: %s", sqlite3_errmsg(sqlite3_db_handle(s->st)));
    return -1;
  }
  if (s->max_rows && ++s->rows > s->max_rows) {
    lua_pushfstring(L, "input returned more than %I rows", (lua_Integer)s->max_rows);
    return -1;
  }
  *key = 0;
  *has_key = s->ncol > 0 && rh_ldb_key(s->st, 0, key);
  idx = lua_absindex(L, idx);
  lua_getiuservalue(L, idx, 2); /* names */
  lua_createtable(L, 0, s->ncol);
  for (int i = 0; i < s->ncol; i++) {
    if (sqlite3_column_type(s->st, i) == SQLITE_NULL) continue;
    lua_rawgeti(L, -2, i + 1);
    rh_ldb_push_col(L, s->st, i);
    lua_rawset(L, -3);
  }
  lua_remove(L, -2);
  return 1;
}

sqlite3_stmt *rh_ldb_stmt(lua_State *L, int idx) {
  rh_lstmt *s = luaL_checkudata(L, idx, STMT_MT);
  return s->st;
}

sqlite3_stmt **rh_ldb_stmt_slot(lua_State *L, int idx) {
  rh_lstmt *s = luaL_checkudata(L, idx, STMT_MT);
  return &s->st;
}

void rh_ldb_push_columns(lua_State *L, int idx) {
  luaL_checkudata(L, idx, STMT_MT);
  lua_getiuservalue(L, idx, 2);
}

static int stmt_columns(lua_State *L) {
  check_stmt(L, 1);
  lua_getiuservalue(L, 1, 2);
  return 1;
}

static int stmt_reset(lua_State *L) {
  rh_lstmt *s = check_stmt(L, 1);
  sqlite3_reset(s->st);
  s->rows = 0;
  return 0;
}

static const luaL_Reg db_funcs[] = {{"open", conn_open}, {NULL, NULL}};
static const luaL_Reg conn_methods[] = {
  {"prepare", conn_prepare}, {"deadline", conn_deadline}, {"close", conn_gc}, {NULL, NULL}};
static const luaL_Reg stmt_methods[] = {{"bind", stmt_bind}, {"next", stmt_next},
                                        {"columns", stmt_columns}, {"reset", stmt_reset},
                                        {"close", stmt_gc}, {NULL, NULL}};

static void create_meta(lua_State *L, const char *name, const luaL_Reg *methods,
                        lua_CFunction gc) {
  luaL_newmetatable(L, name);     /* mt */
  lua_newtable(L);                /* mt methods */
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index"); /* mt */
  lua_pushcfunction(L, gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, gc);
  lua_setfield(L, -2, "__close");
  lua_pop(L, 1);
}

int rh_ldb_open_lib(lua_State *L) {
  create_meta(L, CONN_MT, conn_methods, conn_gc);
  create_meta(L, STMT_MT, stmt_methods, stmt_gc);
  luaL_newlib(L, db_funcs);
  return 1;
}
