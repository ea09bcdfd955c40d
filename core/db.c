/*
** SQLite connections, migrations and the engine's tables.
*/
#include "db.h"

#include <stdlib.h>
#include <string.h>

#include "rh.h"

typedef struct { const char *name; const char *data; size_t size; } rh_embedded_file;
extern const rh_embedded_file rh_embedded[];

const char *rh_embedded_get(const char *name, size_t *len) {
  for (const rh_embedded_file *f = rh_embedded; f->name; f++) {
    if (strcmp(f->name, name) == 0) {
      if (len) *len = f->size;
      return f->data;
    }
  }
  return NULL;
}

int rh_db_fail(sqlite3 *db, const char *what) {
  int ec = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
  const char *msg = db ? sqlite3_errmsg(db) : "no connection";
  if ((ec & 0xff) == SQLITE_BUSY || (ec & 0xff) == SQLITE_LOCKED)
    return rh_error_set(RH_EDB, "%s: the database is locked by another process (%s)", what, msg);
  if ((ec & 0xff) == SQLITE_FULL)
    return rh_error_set(RH_EDB, "%s: the disk is full (%s); nothing was written", what, msg);
  return rh_error_set(RH_EDB, "%s: %s", what, msg);
}

int rh_db_exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    int rc = rh_db_fail(db, err ? err : "sql");
    sqlite3_free(err);
    return rc;
  }
  return RH_OK;
}

/* A database whose runs were all stored by a ronghe older than packed
** results has rh_result but no rh_result_rows, which every reader uses: it
** gets a TEMP view over the old rows (the temp schema is writable even on a
** read-only connection) until an eval adds the real one. */
static void legacy_views(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  int old = 0;
  if (sqlite3_prepare_v2(db,
                         "SELECT (SELECT count(*) FROM main.sqlite_master WHERE name='rh_result' AND type='table') "
                         "AND NOT (SELECT count(*) FROM main.sqlite_master WHERE name='rh_result_rows')",
                         -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    old = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (old)
    sqlite3_exec(db,
                 "CREATE TEMP VIEW IF NOT EXISTS rh_result_rows(rid, run_id, rule_no, subject_id, outcome, reason, "
                 "vals) AS SELECT rowid, run_id, rule_no, subject_id, outcome, reason, vals FROM main.rh_result",
                 NULL, NULL, NULL);
}

int rh_db_open(sqlite3 **out, const char *path, int flags) {
  *out = NULL;
  sqlite3 *db = NULL;
  int oflags = SQLITE_OPEN_NOMUTEX;
  if (flags & RH_DB_RO)
    oflags |= SQLITE_OPEN_READONLY;
  else
    oflags |= SQLITE_OPEN_READWRITE | ((flags & RH_DB_CREATE) ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path, &db, oflags, NULL);
  if (rc != SQLITE_OK) {
    rh_error_set(RH_EDB, "%s: cannot open database: %s", path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return RH_EDB;
  }
  sqlite3_extended_result_codes(db, 1);
  /* A writer holds the lock for one whole run; readers wait rather than fail. */
  sqlite3_busy_timeout(db, 10000);
  /* Reading the schema proves this is a database and not some other file. */
  rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    rh_error_set(RH_EDB, "%s: not a usable SQLite database: %s", path, sqlite3_errmsg(db));
    sqlite3_close_v2(db);
    return RH_EDB;
  }
  if (!(flags & RH_DB_RO)) {
    /* WAL, also for a database another tool made: the workers read while
    ** the supervisor writes a run, and in a rollback journal the writer's
    ** first cache spill would wait for the readers' locks while the readers
    ** wait for the supervisor to drain their pipes (tried: it hangs). */
    if (rh_db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;") != RH_OK) {
      sqlite3_close_v2(db);
      return RH_EDB;
    }
  }
  if (rh_db_exec(db, "PRAGMA foreign_keys=ON;") != RH_OK) {
    sqlite3_close_v2(db);
    return RH_EDB;
  }
  legacy_views(db);
  *out = db;
  return RH_OK;
}

void rh_db_close(sqlite3 *db) {
  if (db) sqlite3_close_v2(db);
}

/* Migrations are the embedded files whose names start with four digits; the
** number is the user_version the database has once the file is applied. */
static int migration_number(const char *name) {
  for (int i = 0; i < 4; i++)
    if (name[i] < '0' || name[i] > '9') return -1;
  if (name[4] != '_') return -1;
  return atoi(name);
}

int rh_db_latest_version(void) {
  int v = 0;
  for (const rh_embedded_file *f = rh_embedded; f->name; f++) {
    int n = migration_number(f->name);
    if (n > v) v = n;
  }
  return v;
}

static int user_version(sqlite3 *db, int *out) {
  sqlite3_stmt *st = NULL;
  *out = 0;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(db, "user_version");
  if (sqlite3_step(st) == SQLITE_ROW) *out = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return RH_OK;
}

int rh_db_migrate(sqlite3 *db, int *from, int *to) {
  int v, rc;
  if ((rc = user_version(db, &v)) != RH_OK) return rc;
  if (from) *from = v;
  int latest = rh_db_latest_version();
  if (v > latest)
    return rh_error_set(RH_EDB, "database schema version %d is newer than this ronghe (%d)", v,
                        latest);
  /* Apply in ascending order; each migration and its version bump commit
  ** together, so an interrupted init leaves the last complete version. */
  for (int next = v + 1; next <= latest; next++) {
    const rh_embedded_file *m = NULL;
    for (const rh_embedded_file *f = rh_embedded; f->name; f++)
      if (migration_number(f->name) == next) m = f;
    if (m == NULL) return rh_error_set(RH_ERROR, "migration %04d is missing from this build", next);
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d;", next);
    if ((rc = rh_db_exec(db, "BEGIN IMMEDIATE")) != RH_OK) return rc;
    if ((rc = rh_db_exec(db, m->data)) != RH_OK || (rc = rh_db_exec(db, pragma)) != RH_OK) {
      char msg[1024];
      snprintf(msg, sizeof msg, "%s", rh_error_last());
      sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
      return rh_error_set(rc, "migration %s: %s", m->name, msg);
    }
    if ((rc = rh_db_exec(db, "COMMIT")) != RH_OK) return rc;
  }
  if (to) *to = latest;
  return rh_db_ensure_engine(db);
}

/* 1 if every table and view engine.sql creates is there (names read from
** engine.sql itself) and rh_outcome is filled: then nothing needs writing,
** and a database busy with a run (its write lock held for minutes) can
** still be opened by serve, show or report. */
static int engine_current(sqlite3 *db, const char *sql) {
  static const char *const heads[] = {"CREATE TABLE IF NOT EXISTS ", "CREATE VIEW IF NOT EXISTS "};
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_master WHERE name=?1", -1, &st, NULL) != SQLITE_OK)
    return 0;
  int ok = 1;
  for (size_t h = 0; h < 2 && ok; h++)
    for (const char *p = strstr(sql, heads[h]); p && ok; p = strstr(p, heads[h])) {
      p += strlen(heads[h]);
      size_t n = 0;
      while (p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9')) n++;
      sqlite3_bind_text(st, 1, p, (int)n, SQLITE_STATIC);
      ok = sqlite3_step(st) == SQLITE_ROW;
      sqlite3_reset(st);
    }
  sqlite3_finalize(st);
  st = NULL;
  if (ok && (sqlite3_prepare_v2(db, "SELECT count(*) = 9 FROM main.rh_outcome", -1, &st, NULL) != SQLITE_OK ||
             sqlite3_step(st) != SQLITE_ROW || !sqlite3_column_int(st, 0)))
    ok = 0;
  sqlite3_finalize(st);
  return ok && rh_db_has_column(db, "rh_run", "first_result");
}

int rh_db_ensure_engine(sqlite3 *db) {
  const char *sql = rh_embedded_get("engine.sql", NULL);
  if (sql == NULL) return rh_error_set(RH_ERROR, "engine.sql is missing from this build");
  /* Views hold no data: one written by an older ronghe (before results were
  ** packed, or before repeated reasons were stored once) is replaced;
  ** engine.sql creates the current one. */
  static const struct { const char *view, *needs; } current[] = {
    {"rh_results", "rh_result_rows"}, {"rh_result_rows", "][1]') = 'integer'"}};
  /* the stand-in for old databases (legacy_views) would hide the real view */
  int rc = rh_db_exec(db, "DROP VIEW IF EXISTS temp.rh_result_rows;");
  for (size_t i = 0; i < sizeof current / sizeof *current && rc == RH_OK; i++) {
    sqlite3_stmt *st = NULL;
    char drop[96];
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_master WHERE type='view' AND name=?1 "
                               "AND instr(sql, ?2) = 0",
                           -1, &st, NULL) != SQLITE_OK)
      return rh_db_fail(db, "checking the engine views");
    sqlite3_bind_text(st, 1, current[i].view, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, current[i].needs, -1, SQLITE_STATIC);
    int old = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    snprintf(drop, sizeof drop, "DROP VIEW main.%s;", current[i].view);
    if (old) rc = rh_db_exec(db, drop);
  }
  if (rc == RH_OK && engine_current(db, sql)) return RH_OK;
  if (rc == RH_OK) rc = rh_db_exec(db, sql);
  /* Columns added to engine tables after their first release: engine.sql
  ** only creates missing tables, so older databases get them here. */
  if (rc == RH_OK && !rh_db_has_column(db, "rh_run", "first_result"))
    rc = rh_db_exec(db, "ALTER TABLE rh_run ADD COLUMN first_result INTEGER;"
                        "ALTER TABLE rh_run ADD COLUMN last_result INTEGER;");
  return rc;
}

int rh_db_table_exists(sqlite3 *db, const char *name) {
  sqlite3_stmt *st = NULL;
  int found = 0;
  if (sqlite3_prepare_v2(db,
                         "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name=?1",
                         -1, &st, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

int rh_db_has_column(sqlite3 *db, const char *table, const char *column) {
  sqlite3_stmt *st = NULL;
  int found = 0;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1) WHERE name=?2", -1, &st,
                         NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, column, -1, SQLITE_TRANSIENT);
  found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

int rh_ident_ok(const char *s) {
  size_t n = 0;
  if (s == NULL || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
    return 0;
  for (; s[n]; n++) {
    char c = s[n];
    if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
      return 0;
  }
  return n <= 64;
}
