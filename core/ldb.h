/*
** Read-only SQLite for the worker's Lua host: connections under an authorizer
** (reads and plain functions only), one statement per input, rows as tables.
*/
#ifndef RH_LDB_H
#define RH_LDB_H

#include <lua.h>
#include <sqlite3.h>

/* Registers the metatables and returns the `db` table of functions on the
** stack: db.open(path) -> conn.  [-0, +1, m] */
int rh_ldb_open_lib(lua_State *L);
/* The authorizer used for every rule input; exposed for tests and `check`. */
int rh_ldb_authorizer(void *ud, int action, const char *a, const char *b, const char *c,
                      const char *d);
/* Opens path read-only with the rule-input authorizer and limits. */
int rh_ldb_open_ro(sqlite3 **out, const char *path);

#endif
