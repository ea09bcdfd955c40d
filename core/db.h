/*
** SQLite access shared by the commands: open with the project's pragmas,
** data-model migrations (PRAGMA user_version) and the engine's own tables.
*/
#ifndef RH_DB_H
#define RH_DB_H

#include <sqlite3.h>
#include <stddef.h>

#define RH_DB_RO 1       /* read-only connection (workers) */
#define RH_DB_RW 2       /* read-write */
#define RH_DB_CREATE 4   /* create the file if missing */

/* Opens path with WAL, foreign keys on and a busy timeout.  On failure *out
** is NULL and the message is in rh_error_last(). */
int rh_db_open(sqlite3 **out, const char *path, int flags);
/* NULL-safe; uses sqlite3_close_v2 so stray statements do not leak handles. */
void rh_db_close(sqlite3 *db);

/* Applies the numbered data-model migrations (db/NNNN_*.sql) above the
** database's user_version, each in its own transaction.  *from and *to (may
** be NULL) receive the versions before and after. */
int rh_db_migrate(sqlite3 *db, int *from, int *to);
/* Creates the engine's run/result/decision tables if missing (any database). */
int rh_db_ensure_engine(sqlite3 *db);
/* The newest data-model version this binary knows. */
int rh_db_latest_version(void);

/* Runs SQL without results; on error sets rh_error_last() and returns RH_EDB. */
int rh_db_exec(sqlite3 *db, const char *sql);
/* Sets rh_error_last() from the connection's state, prefixed with `what`;
** returns RH_EDB. */
int rh_db_fail(sqlite3 *db, const char *what);
/* 1 if a table (or view) of that name exists. */
int rh_db_table_exists(sqlite3 *db, const char *name);
/* 1 if table has a column of that name. */
int rh_db_has_column(sqlite3 *db, const char *table, const char *column);
/* 1 if name is a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*, <= 64 bytes). */
int rh_ident_ok(const char *name);

/* Compiled-in files (Lua library, migrations); NULL if unknown. */
const char *rh_embedded_get(const char *name, size_t *len);

#endif
