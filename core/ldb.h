/*
** Read-only SQLite for the worker's Lua host: connections under an authorizer
** (reads and plain functions only), one statement per input, rows as tables.
*/
#ifndef RH_LDB_H
#define RH_LDB_H

#include <lua.h>
#include <sqlite3.h>
#include <stdint.h>

/* Registers the metatables and returns the `db` table of functions on the
** stack: db.open(path) -> conn.  [-0, +1, m] */
int rh_ldb_open_lib(lua_State *L);
/* The authorizer used for every rule input; exposed for tests and `check`. */
int rh_ldb_authorizer(void *ud, int action, const char *a, const char *b, const char *c,
                      const char *d);
/* Opens path read-only with the rule-input authorizer and limits. */
int rh_ldb_open_ro(sqlite3 **out, const char *path);

/* Steps the statement userdata at idx, as stmt:next does, for the worker's
** evaluation loop.  ms > 0 limits this one step.  Returns 1 with the row
** table pushed (*key = its first column; *has_key = 0 when that is not an
** integer), 0 at the end (nothing pushed), -1 with a message pushed. */
int rh_ldb_next(lua_State *L, int idx, int64_t ms, int64_t *key, int *has_key);

/* The statement userdata at idx: its sqlite3_stmt (NULL once closed). */
sqlite3_stmt *rh_ldb_stmt(lua_State *L, int idx);
/* Column i of st's current row as a subject id: an integer, or a float with
** an integral value (as math.tointeger would take it).  0 when it is not one. */
int rh_ldb_key(sqlite3_stmt *st, int i, int64_t *key);
/* Where the statement userdata at idx keeps its sqlite3_stmt (NULL once
** closed): stable while the userdata lives, read without a type check. */
sqlite3_stmt **rh_ldb_stmt_slot(lua_State *L, int idx);
/* Pushes its column names (stmt:columns()). */
void rh_ldb_push_columns(lua_State *L, int idx);
/* Pushes column i of st's current row as stmt:next would put it in a row. */
void rh_ldb_push_col(lua_State *L, sqlite3_stmt *st, int i);

#endif
