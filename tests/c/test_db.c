/*
** Database set-up: migrations are idempotent and keep rows, the pragmas the
** engine relies on are in force, and engine tables appear in any database.
*/
#include <stdlib.h>
#include <unistd.h>

#include "db.h"
#include "rh.h"
#include "test.h"
#include "util.h"

static char path[64];

static void fresh(void) {
  snprintf(path, sizeof path, "/tmp/rh-test-db-%d.db", (int)getpid());
  unlink(path);
}

static int64_t one_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  int64_t v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

TEST_IMPL(migrate_is_idempotent_and_keeps_rows) {
  sqlite3 *db = NULL;
  int from = -1, to = -1;
  fresh();
  ASSERT_OK(rh_db_open(&db, path, RH_DB_RW | RH_DB_CREATE));
  ASSERT_OK(rh_db_migrate(db, &from, &to));
  ASSERT_EQ(0, from);
  ASSERT_EQ(rh_db_latest_version(), to);
  ASSERT_EQ(to, one_int(db, "PRAGMA user_version"));
  ASSERT_OK(rh_db_exec(db, "INSERT INTO enterprise(id, name) VALUES (1, 'a'), (2, 'b')"));
  ASSERT_OK(rh_db_migrate(db, &from, &to));
  ASSERT_EQ(to, from);
  ASSERT_EQ(2, one_int(db, "SELECT count(*) FROM enterprise"));
  ASSERT_EQ(8, one_int(db, "SELECT count(*) FROM plan_target"));
  rh_db_close(db);
  unlink(path);
  return 0;
}

TEST_IMPL(pragmas_in_force) {
  sqlite3 *db = NULL;
  fresh();
  ASSERT_OK(rh_db_open(&db, path, RH_DB_RW | RH_DB_CREATE));
  sqlite3_stmt *st = NULL;
  ASSERT_EQ(SQLITE_OK, sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL));
  ASSERT_EQ(SQLITE_ROW, sqlite3_step(st));
  ASSERT_STR_EQ("wal", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  ASSERT_EQ(1, one_int(db, "PRAGMA foreign_keys"));
  rh_db_close(db);
  unlink(path);
  return 0;
}

TEST_IMPL(newer_schema_is_refused) {
  sqlite3 *db = NULL;
  fresh();
  ASSERT_OK(rh_db_open(&db, path, RH_DB_RW | RH_DB_CREATE));
  ASSERT_OK(rh_db_exec(db, "PRAGMA user_version=9999"));
  ASSERT_EQ(RH_EDB, rh_db_migrate(db, NULL, NULL));
  ASSERT_CONTAINS(rh_error_last(), "newer");
  rh_db_close(db);
  unlink(path);
  return 0;
}

TEST_IMPL(engine_tables_in_any_database) {
  sqlite3 *db = NULL;
  fresh();
  ASSERT_OK(rh_db_open(&db, path, RH_DB_RW | RH_DB_CREATE));
  ASSERT_OK(rh_db_exec(db, "CREATE TABLE firms(id INTEGER PRIMARY KEY, x INTEGER)"));
  ASSERT_OK(rh_db_ensure_engine(db));
  ASSERT_OK(rh_db_ensure_engine(db));
  ASSERT(rh_db_table_exists(db, "rh_run"));
  ASSERT(rh_db_table_exists(db, "rh_results"));
  ASSERT(!rh_db_table_exists(db, "enterprise"));
  ASSERT_EQ(0, one_int(db, "PRAGMA user_version"));
  rh_db_close(db);
  unlink(path);
  return 0;
}

TEST_IMPL(not_a_database) {
  sqlite3 *db = NULL;
  fresh();
  FILE *f = fopen(path, "w");
  ASSERT(f != NULL);
  fputs("this is not a database, just text that is long enough to have a header........", f);
  fclose(f);
  ASSERT_EQ(RH_EDB, rh_db_open(&db, path, RH_DB_RW));
  ASSERT(db == NULL);
  ASSERT_CONTAINS(rh_error_last(), path);
  unlink(path);
  return 0;
}

/* A run holds the write lock for its whole length: a second connection
** (serve starting, show, report) must find the engine tables current and
** go on without writing, at once rather than after the busy timeout. */
TEST_IMPL(engine_check_does_not_write_when_current) {
  sqlite3 *a = NULL, *b = NULL;
  fresh();
  ASSERT_OK(rh_db_open(&a, path, RH_DB_RW | RH_DB_CREATE));
  ASSERT_OK(rh_db_migrate(a, NULL, NULL));
  ASSERT_OK(rh_db_exec(a, "BEGIN IMMEDIATE; INSERT INTO enterprise(id, name) VALUES (9, 'busy');"));
  ASSERT_OK(rh_db_open(&b, path, RH_DB_RW));
  sqlite3_busy_timeout(b, 0); /* a write attempt would fail with SQLITE_BUSY at once */
  ASSERT_OK(rh_db_ensure_engine(b));
  /* an engine object missing: the check must want to write (and so wait) */
  ASSERT_OK(rh_db_exec(a, "DROP VIEW rh_decisions; COMMIT;"));
  ASSERT_OK(rh_db_exec(a, "BEGIN IMMEDIATE;"));
  ASSERT(rh_db_ensure_engine(b) != RH_OK);
  ASSERT_OK(rh_db_exec(a, "COMMIT;"));
  ASSERT_OK(rh_db_ensure_engine(b));
  ASSERT_EQ(1, one_int(b, "SELECT count(*) FROM sqlite_master WHERE name = 'rh_decisions'"));
  rh_db_close(b);
  rh_db_close(a);
  unlink(path);
  return 0;
}

/* Runs stored by a ronghe from before packed results (one rh_result row per
** rule and subject, and the views of that time) read back through
** rh_result_rows, on a read-only connection before any new eval, and after
** an eval has brought the engine tables up to date. */
TEST_IMPL(runs_stored_before_packing_stay_readable) {
  sqlite3 *db = NULL;
  fresh();
  ASSERT_OK(rh_db_open(&db, path, RH_DB_RW | RH_DB_CREATE));
  ASSERT_OK(rh_db_exec(db,
                       "CREATE TABLE rh_run(id INTEGER PRIMARY KEY, as_of TEXT NOT NULL, year INTEGER NOT NULL,"
                       " rules_version TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,"
                       " schedule TEXT, filters TEXT, n_subjects INTEGER NOT NULL, n_results INTEGER NOT NULL,"
                       " n_decisions INTEGER NOT NULL, n_errors INTEGER NOT NULL, first_result INTEGER,"
                       " last_result INTEGER);"
                       "CREATE TABLE rh_result(run_id INTEGER NOT NULL, rule_no INTEGER NOT NULL,"
                       " subject_id INTEGER NOT NULL, outcome INTEGER NOT NULL, reason TEXT, vals TEXT);"
                       "CREATE VIEW rh_results AS SELECT run_id, reason FROM rh_result;"
                       "INSERT INTO rh_run VALUES(1,'2023-06-30',2023,'v','s','f',NULL,NULL,2,2,0,0,1,2);"
                       "INSERT INTO rh_result VALUES(1,0,7,2,'old reason','{\"a\":1}'),(1,0,8,1,'fine',NULL);"));
  rh_db_close(db);
  ASSERT_OK(rh_db_open(&db, path, RH_DB_RO));
  ASSERT_EQ(2, one_int(db, "SELECT count(*) FROM rh_result_rows WHERE run_id = 1 AND rid BETWEEN 1 AND 2"));
  ASSERT_EQ(2, one_int(db, "SELECT outcome FROM rh_result_rows WHERE subject_id = 7"));
  rh_db_close(db);
  ASSERT_OK(rh_db_open(&db, path, RH_DB_RW));
  ASSERT_OK(rh_db_migrate(db, NULL, NULL));
  ASSERT_EQ(0, one_int(db, "SELECT count(*) FROM temp.sqlite_master WHERE name = 'rh_result_rows'"));
  ASSERT_EQ(1, one_int(db, "SELECT count(*) FROM main.sqlite_master WHERE name = 'rh_result_rows'"));
  ASSERT_EQ(2, one_int(db, "SELECT count(*) FROM rh_result_rows WHERE run_id = 1"));
  ASSERT_EQ(1, one_int(db, "SELECT count(*) FROM rh_result_rows WHERE reason = 'old reason'"));
  rh_db_close(db);
  unlink(path);
  return 0;
}

TEST_IMPL(dates) {
  int64_t d;
  char buf[11];
  ASSERT_OK(rh_date_parse(&d, "2024-02-29", 10));
  rh_date_format(buf, d);
  ASSERT_STR_EQ("2024-02-29", buf);
  ASSERT_EQ(-1, rh_date_parse(&d, "2023-02-29", 10));
  ASSERT_EQ(-1, rh_date_parse(&d, "2023-13-01", 10));
  ASSERT_EQ(-1, rh_date_parse(&d, "2023-1-01", 9));
  ASSERT_OK(rh_date_parse(&d, "1970-01-01", 10));
  ASSERT_EQ(0, d);
  return 0;
}

TEST_MAIN(TEST_ENTRY(migrate_is_idempotent_and_keeps_rows) TEST_ENTRY(pragmas_in_force)
          TEST_ENTRY(newer_schema_is_refused) TEST_ENTRY(engine_tables_in_any_database)
          TEST_ENTRY(not_a_database) TEST_ENTRY(engine_check_does_not_write_when_current)
          TEST_ENTRY(runs_stored_before_packing_stay_readable)
          TEST_ENTRY(dates))
