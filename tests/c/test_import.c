/*
** rh_import_csv: CSV parsing (quotes, CRLF, BOM, GB18030), every kind of
** rejection with its FILE:LINE: column: message, and all-or-nothing.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "import.h"
#include "rh.h"
#include "test.h"
#include "util.h"

static sqlite3 *g_db;
static char g_dbpath[64];
static char g_csv[64];
static char *g_report; /* the last import's report */
static rh_import_result g_res;

static int setup(void) {
  int fd;
  strcpy(g_dbpath, "/tmp/rh_test_import_XXXXXX");
  fd = mkstemp(g_dbpath);
  if (fd < 0) return -1;
  close(fd);
  strcpy(g_csv, "/tmp/rh_test_import_csv_XXXXXX");
  fd = mkstemp(g_csv);
  if (fd < 0) return -1;
  close(fd);
  if (rh_db_open(&g_db, g_dbpath, RH_DB_RW | RH_DB_CREATE) != RH_OK) {
    fprintf(stderr, "open: %s\n", rh_error_last());
    return -1;
  }
  if (rh_db_migrate(g_db, NULL, NULL) != RH_OK) {
    fprintf(stderr, "migrate: %s\n", rh_error_last());
    return -1;
  }
  return 0;
}

static void teardown(void) {
  char p[80];
  rh_db_close(g_db);
  g_db = NULL;
  unlink(g_dbpath);
  snprintf(p, sizeof p, "%s-wal", g_dbpath);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", g_dbpath);
  unlink(p);
  unlink(g_csv);
  free(g_report);
  g_report = NULL;
}

static int write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) return -1;
  size_t w = fwrite(data, 1, n, f);
  return (fclose(f) == 0 && w == n) ? 0 : -1;
}

/* Writes the bytes to g_csv and imports them; the report lands in g_report. */
static int import_n(const char *table, const char *csv, size_t n, const char *enc, long max) {
  size_t rlen = 0;
  free(g_report);
  g_report = NULL;
  if (write_file(g_csv, csv, n) != 0) return -100;
  FILE *rep = open_memstream(&g_report, &rlen);
  rh_import_opts o = {enc, rep, max};
  int rc = rh_import_csv(g_db, table, g_csv, &o, &g_res);
  fclose(rep);
  return rc;
}

static int import(const char *table, const char *csv) {
  return import_n(table, csv, strlen(csv), NULL, 0);
}

/* 1 if the report has the line "<csv path><suffix...>" (suffix may be partial). */
static int reported(const char *suffix) {
  char want[512];
  snprintf(want, sizeof want, "%s%s", g_csv, suffix);
  if (g_report && strstr(g_report, want)) return 1;
  fprintf(stderr, "report lacks \"%s\"; it is:\n%s", want, g_report ? g_report : "(none)\n");
  return 0;
}

static int64_t count(const char *sql) {
  sqlite3_stmt *st = NULL;
  int64_t v = -1;
  if (sqlite3_prepare_v2(g_db, sql, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(g_db));
    return -2;
  }
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* The text of the first column of the first row (static buffer; "(null)"). */
static const char *text(const char *sql) {
  static rh_buf b = RH_BUF_INIT;
  sqlite3_stmt *st = NULL;
  rh_buf_reset(&b);
  rh_buf_adds(&b, "(no row)");
  if (sqlite3_prepare_v2(g_db, sql, -1, &st, NULL) != SQLITE_OK) return sqlite3_errmsg(g_db);
  if (sqlite3_step(st) == SQLITE_ROW) {
    rh_buf_reset(&b);
    if (sqlite3_column_type(st, 0) == SQLITE_NULL)
      rh_buf_adds(&b, "(null)");
    else
      rh_buf_add(&b, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
  }
  sqlite3_finalize(st);
  return b.data;
}

/* A small data set the other tables can refer to. */
static int base_data(void) {
  if (import("enterprise", "id,name\n1,甲公司\n2,乙公司\n")) return -1;
  if (import("school", "id,name,type\n1,职业学院,HIGHER_VOC\n")) return -1;
  if (import("student", "id,school_id,status\n1,1,ACTIVE\n")) return -1;
  if (import("post", "id,enterprise_id,name,labor_intensity_level\n1,1,装配,2\n")) return -1;
  if (import("internship",
             "id,student_id,enterprise_id,post_id,type,independent_work,start_date,end_date,"
             "via_intermediary,special_arrangement_filed,fees_charged\n"
             "1,1,1,1,POST,1,2023-03-01,2023-06-30,0,0,0\n"))
    return -1;
  return 0;
}

TEST_IMPL(plan_target_defaults) {
  ASSERT_OK(setup());
  ASSERT_EQ(8, count("SELECT count(*) FROM plan_target"));
  ASSERT_EQ(3, count("SELECT target FROM plan_target WHERE kind='DEMO_ENTERPRISE'"));
  ASSERT_STR_EQ("2023-12-31",
                text("SELECT deadline FROM plan_target WHERE kind='EXPERIENCE_CENTER'"));
  ASSERT_STR_EQ("(null)", text("SELECT deadline FROM plan_target WHERE kind='ALLIANCE'"));
  ASSERT_STR_EQ("(null)", text("SELECT deadline FROM plan_target WHERE kind='INDUSTRY_BLOCK'"));
  ASSERT_EQ(0, count("SELECT count(*) FROM enterprise"));
  ASSERT_STR_EQ("初级工|中级工|高级工|技师|高级技师",
                text("SELECT arg FROM rh_column WHERE tbl='mentor' AND col='skill_level'"));
  /* every metadata row names a real column */
  ASSERT_EQ(0, count("SELECT count(*) FROM rh_column c WHERE NOT EXISTS"
                     " (SELECT 1 FROM pragma_table_info(c.tbl) p WHERE p.name = c.col)"));
  teardown();
  return 0;
}

TEST_IMPL(quoted_fields_crlf) {
  ASSERT_OK(setup());
  const char *csv =
      "id,name,uscc\r\n"
      "1,\"Acme, Inc.\",X1\r\n"
      "2,\"multi\r\nline \"\"quoted\"\"\",\r\n"
      "3,plain,\r\n";
  ASSERT_OK(import("enterprise", csv));
  ASSERT_EQ(3, g_res.rows);
  ASSERT_EQ(0, g_res.rejected);
  ASSERT_STR_EQ("Acme, Inc.", text("SELECT name FROM enterprise WHERE id=1"));
  ASSERT_STR_EQ("multi\r\nline \"quoted\"", text("SELECT name FROM enterprise WHERE id=2"));
  ASSERT_STR_EQ("(null)", text("SELECT uscc FROM enterprise WHERE id=2"));
  ASSERT_STR_EQ("plain", text("SELECT name FROM enterprise WHERE id=3"));

  /* LINE is where the record starts, counting the lines inside quotes */
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\n10,\"a\nb\nc\"\n11,x,extra\n12,\n"));
  ASSERT(reported(":5: 3 fields, but the header has 2\n"));
  ASSERT(reported(":6: name: required\n"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\r\n10,\"a\r\nb\r\nc\"\r\n\r\n11,\r\n"));
  ASSERT(reported(":6: name: required\n"));
  ASSERT_EQ(3, count("SELECT count(*) FROM enterprise"));
  /* a CRLF split by the 64 KiB read chunks still counts as one line break */
  rh_buf b = RH_BUF_INIT;
  rh_buf_adds(&b, "id,name\r\n30,");
  while (b.len < 65535) rh_buf_add(&b, "n", 1);
  rh_buf_adds(&b, "\r\n31,\r\n");
  ASSERT_EQ('\r', b.data[65535]);
  ASSERT_EQ(RH_EDATA, import_n("enterprise", b.data, b.len, NULL, 0));
  rh_buf_free(&b);
  ASSERT(reported(":3: name: required\n"));
  /* old Mac line ends */
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\r30,x\r31,\r"));
  ASSERT(reported(":3: name: required\n"));
  /* columns in any order, a subset, a last line without newline */
  ASSERT_OK(import("enterprise", "name,is_leading,id\nlast,1,20"));
  ASSERT_EQ(1, count("SELECT is_leading FROM enterprise WHERE id=20"));
  teardown();
  return 0;
}

TEST_IMPL(bom_and_empty) {
  ASSERT_OK(setup());
  ASSERT_OK(import("enterprise", "\xEF\xBB\xBFid,name\n1,x\n"));
  ASSERT_EQ(1, count("SELECT count(*) FROM enterprise"));
  ASSERT_OK(import("enterprise", ""));
  ASSERT_EQ(0, g_res.rows);
  ASSERT_OK(import("enterprise", "\xEF\xBB\xBF"));
  ASSERT_OK(import("enterprise", "id,name\n"));
  ASSERT_EQ(0, g_res.rows);
  ASSERT_OK(import("enterprise", "id,name\r\n\r\n"));
  ASSERT_EQ(1, count("SELECT count(*) FROM enterprise"));
  teardown();
  return 0;
}

TEST_IMPL(gb18030) {
  ASSERT_OK(setup());
  /* 陕西省 in GB18030 */
  const char *csv = "id,name,reg_province\n1,x,\xc9\xc2\xce\xf7\xca\xa1\n";
  ASSERT_EQ(RH_EDATA, import("enterprise", csv));
  ASSERT(
      reported(":2: reg_province: not valid UTF-8 (if the file was saved by Chinese Excel, use "
               "--encoding gb18030)\n"));
  ASSERT_OK(import_n("enterprise", csv, strlen(csv), "gb18030", 0));
  ASSERT_STR_EQ("陕西省", text("SELECT reg_province FROM enterprise WHERE id=1"));

  /* many rows, so that characters straddle the 64 KiB read chunks */
  rh_buf b = RH_BUF_INIT;
  rh_buf_adds(&b, "id,name\n");
  for (int i = 2; i < 30000; i++) rh_buf_printf(&b, "%d,\xc9\xc2\xce\xf7%d\xca\xa1\n", i, i % 7);
  ASSERT_OK(import_n("enterprise", b.data, b.len, "gb18030", 0));
  rh_buf_free(&b);
  ASSERT_EQ(30000 - 1, count("SELECT count(*) FROM enterprise"));
  ASSERT_STR_EQ("陕西4省", text("SELECT name FROM enterprise WHERE id=29999"));
  ASSERT_EQ(0,
            count("SELECT count(*) FROM enterprise WHERE name NOT GLOB '陕西[0-6]省' AND id > 1"));

  /* bytes that are not GB18030 */
  const char bad[] = "id,name\n90000,ok\n90001,\x81\x20\n";
  ASSERT_EQ(RH_EDATA, import_n("enterprise", bad, sizeof bad - 1, "gb18030", 0));
  ASSERT(reported(":3: not valid GB18030"));
  ASSERT_EQ(RH_EUSAGE, import_n("enterprise", csv, strlen(csv), "latin1", 0));
  teardown();
  return 0;
}

TEST_IMPL(one_bad_row_in_5000) {
  ASSERT_OK(setup());
  rh_buf b = RH_BUF_INIT;
  rh_buf_adds(&b, "id,name,is_leading,uscc\n");
  for (int i = 1; i <= 5000; i++)
    rh_buf_printf(&b, "%d,企业%d,%d,\"9161%014d\"\n", i, i, i == 2717 ? 2 : i % 2, i);
  ASSERT_EQ(RH_EDATA, import_n("enterprise", b.data, b.len, NULL, 0));
  ASSERT_EQ(5000, g_res.rows);
  ASSERT_EQ(1, g_res.rejected);
  ASSERT(reported(":2718: is_leading: '2' is not a flag (0 or 1)\n"));
  ASSERT(strchr(g_report, '\n') == g_report + strlen(g_report) - 1); /* that one line only */
  ASSERT_CONTAINS(rh_error_last(), "nothing was imported");
  ASSERT_EQ(0, count("SELECT count(*) FROM enterprise"));

  /* the same file without the bad value goes in whole */
  rh_buf_reset(&b);
  rh_buf_adds(&b, "id,name,is_leading,uscc\n");
  for (int i = 1; i <= 5000; i++) rh_buf_printf(&b, "%d,企业%d,%d,\"9161%014d\"\n", i, i, i % 2, i);
  ASSERT_OK(import_n("enterprise", b.data, b.len, NULL, 0));
  rh_buf_free(&b);
  ASSERT_EQ(5000, count("SELECT count(*) FROM enterprise"));
  ASSERT_EQ(2500, count("SELECT sum(is_leading) FROM enterprise"));
  ASSERT_STR_EQ("916100000000002717", text("SELECT uscc FROM enterprise WHERE id=2717"));
  teardown();
  return 0;
}

/* Each message, each time with the tables left as they were. */
TEST_IMPL(error_messages) {
  ASSERT_OK(setup());
  ASSERT_OK(base_data());

  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name,bogus\n5,x,y\n"));
  ASSERT(reported(":1: bogus: unknown column in table enterprise\n"));
  ASSERT_EQ(1, g_res.rejected);
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name,id\n5,x,5\n"));
  ASSERT(reported(":1: id: duplicate column in the header\n"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,,name\n5,,x\n"));
  ASSERT(reported(":1: column 2 of the header has no name\n"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id\n5\n"));
  ASSERT(reported(":1: name: required, but not in the header\n"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\n5,\n"));
  ASSERT(reported(":2: name: required\n"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\nabc,x\n"));
  ASSERT(reported(":2: id: 'abc' is not an integer\n"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\n99999999999999999999,x\n"));
  ASSERT(reported(":2: id: '99999999999999999999' is out of the integer range\n"));

  ASSERT_EQ(RH_EDATA,
            import("enterprise_headcount", "enterprise_id,snapshot_date\n1,2023-02-30\n"));
  ASSERT(reported(":2: snapshot_date: '2023-02-30' is not a valid date (YYYY-MM-DD)\n"));
  ASSERT_EQ(RH_EDATA,
            import("enterprise_headcount", "enterprise_id,snapshot_date\n1,2023/01/01\n"));
  ASSERT(reported(":2: snapshot_date: '2023/01/01' is not a valid date (YYYY-MM-DD)\n"));
  ASSERT_OK(import("enterprise_headcount", "enterprise_id,snapshot_date\n1,2024-02-29\n"));

  const char *pay = "internship_id,pay_month,amount,form,direct\n";
  char csv[512];
  snprintf(csv, sizeof csv, "%s1,2023-13,100,MONEY,1\n", pay);
  ASSERT_EQ(RH_EDATA, import("internship_payment", csv));
  ASSERT(reported(":2: pay_month: '2023-13' is not a valid month (YYYY-MM)\n"));
  snprintf(csv, sizeof csv, "%s1,2023-01,100.125,MONEY,1\n", pay);
  ASSERT_EQ(RH_EDATA, import("internship_payment", csv));
  ASSERT(reported(":2: amount: '100.125' has more than 2 decimals"));
  snprintf(csv, sizeof csv, "%s1,2023-01,1e3,MONEY,1\n", pay);
  ASSERT_EQ(RH_EDATA, import("internship_payment", csv));
  ASSERT(reported(":2: amount: '1e3' is not an amount of money"));
  snprintf(csv, sizeof csv, "%s1,2023-01,1x,MONEY,1\n", pay);
  ASSERT_EQ(RH_EDATA, import("internship_payment", csv));
  ASSERT(reported(":2: amount: '1x' is not a number\n"));
  snprintf(csv, sizeof csv, "%s1,2023-01,100,MONEY,2\n", pay);
  ASSERT_EQ(RH_EDATA, import("internship_payment", csv));
  ASSERT(reported(":2: direct: '2' is not a flag (0 or 1)\n"));
  snprintf(csv, sizeof csv, "%s1,2023-01,100,CASH,1\n", pay);
  ASSERT_EQ(RH_EDATA, import("internship_payment", csv));
  ASSERT(reported(":2: form: 'CASH' is not one of MONEY|GOODS|VOUCHER\n"));
  snprintf(csv, sizeof csv, "%s1,2023-01,100,money,1\n", pay);
  ASSERT_EQ(RH_EDATA, import("internship_payment", csv));
  ASSERT(reported(":2: form: 'money' is not one of"));
  ASSERT_EQ(0, count("SELECT count(*) FROM internship_payment"));
  snprintf(csv, sizeof csv,
           "%s1,2023-01,100.5,MONEY,1\n1,2023-02,100.50,GOODS,0\n1,2023-03,0.120,VOUCHER,0\n", pay);
  ASSERT_OK(import("internship_payment", csv));
  ASSERT_EQ(3, count("SELECT count(*) FROM internship_payment"));

  ASSERT_EQ(RH_EDATA,
            import("mentor", "id,kind,skill_level\n1,ENTERPRISE,高级工\n2,SCHOOL,大师\n"));
  ASSERT(reported(":3: skill_level: '大师' is not one of 初级工|中级工|高级工|技师|高级技师\n"));
  ASSERT_EQ(0, count("SELECT count(*) FROM mentor"));
  ASSERT_OK(import("mentor", "id,kind,skill_level\n1,ENTERPRISE,高级工\n"));

  ASSERT_EQ(RH_EDATA, import("post", "id,enterprise_id,name,labor_intensity_level\n2,1,p,5\n"));
  ASSERT(reported(":2: labor_intensity_level: '5' is out of range 1-4\n"));
  ASSERT_EQ(RH_EDATA, import("post", "id,enterprise_id,name,labor_intensity_level\n2,7,p,4\n"));
  ASSERT(reported(":2: enterprise_id: no enterprise with id 7\n"));
  ASSERT_EQ(RH_EDATA, import("internship_insurance",
                             "internship_id,cover_start,cover_end\n9,2023-01-01,2023-12-31\n"));
  ASSERT(reported(":2: internship_id: no internship with id 9\n"));

  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\n10,a\n10,b\n"));
  ASSERT(
      reported(":3: id: duplicate id 10 (already in table enterprise or earlier in this file)\n"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\n1,again\n"));
  ASSERT(reported(":2: id: duplicate id 1"));
  ASSERT_EQ(RH_EDATA,
            import("enterprise_headcount",
                   "enterprise_id,snapshot_date\n1,2023-01-01\n1,2023-01-01\n1,2024-02-29\n"));
  ASSERT(
      reported(":3: enterprise_id,snapshot_date: duplicate key (1, 2023-01-01) (already in table "
               "enterprise_headcount or earlier in this file)\n"));
  ASSERT(reported(":4: enterprise_id,snapshot_date: duplicate key"));
  ASSERT_EQ(1, count("SELECT count(*) FROM enterprise_headcount"));
  ASSERT_EQ(RH_EDATA, import("plan_target", "kind,target\nALLIANCE,2\n"));
  ASSERT(reported(":2: kind: duplicate kind ALLIANCE"));

  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\n11,\xff\xfe\n"));
  ASSERT(
      reported(":2: name: not valid UTF-8 (if the file was saved by Chinese Excel, use --encoding "
               "gb18030)\n"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\n11,\xe9\x99\n"));
  ASSERT(reported(":2: name: not valid UTF-8"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\n12\n13,a,b,c\n"));
  ASSERT(reported(":2: 1 field, but the header has 2\n"));
  ASSERT(reported(":3: 4 fields, but the header has 2\n"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\n14,ab\"c\n"));
  ASSERT(reported(":2: malformed CSV"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\n14,\"ab\"c\n"));
  ASSERT(reported(":2: malformed CSV"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\n14,x\n15,\"abc\nmore\n"));
  ASSERT(reported(":3: a quoted field is not closed"));
  ASSERT_EQ(RH_EDATA,
            import("timesheet", "internship_id,work_date,hours,night_hours\n1,2023-03-01,8h,0\n"));
  ASSERT(reported(":2: hours: '8h' is not a number\n"));

  /* nothing of the above went in */
  ASSERT_EQ(2, count("SELECT count(*) FROM enterprise"));
  ASSERT_EQ(1, count("SELECT count(*) FROM post"));
  ASSERT_EQ(8, count("SELECT count(*) FROM plan_target"));
  ASSERT_EQ(0, count("SELECT count(*) FROM timesheet"));
  teardown();
  return 0;
}

TEST_IMPL(every_row_reported) {
  ASSERT_OK(setup());
  ASSERT_EQ(RH_EDATA, import("enterprise",
                             "id,name,is_leading,venue_category\n"
                             "1,a,2,BAR\n"
                             "2,b,1,PUB\n"
                             "3,c,0,KTV\n"
                             "4,,x,\n"));
  ASSERT_EQ(4, g_res.rows);
  ASSERT_EQ(3, g_res.rejected);
  ASSERT(reported(":2: is_leading: '2' is not a flag (0 or 1)\n"));
  ASSERT(
      reported(":3: venue_category: 'PUB' is not one of "
               "BAR|KTV|NIGHTCLUB|BATHHOUSE|GAME_HALL|INTERNET_CAFE\n"));
  ASSERT(reported(":5: name: required\n"));
  ASSERT(reported(":5: is_leading: 'x' is not an integer\n"));
  ASSERT_EQ(0, count("SELECT count(*) FROM enterprise"));

  rh_buf b = RH_BUF_INIT;
  rh_buf_adds(&b, "id,name\n");
  for (int i = 1; i <= 10; i++) rh_buf_printf(&b, "%d,\n", i);
  ASSERT_EQ(RH_EDATA, import_n("enterprise", b.data, b.len, NULL, 3));
  rh_buf_free(&b);
  ASSERT_EQ(10, g_res.rejected);
  ASSERT(reported(":4: name: required\n"));
  ASSERT(!strstr(g_report, ":5: name"));
  ASSERT(reported(": ... and 7 more problems\n"));
  teardown();
  return 0;
}

TEST_IMPL(reference_in_same_file) {
  ASSERT_OK(setup());
  ASSERT_OK(rh_db_exec(g_db,
                       "CREATE TABLE node(id INTEGER PRIMARY KEY NOT NULL,"
                       " parent_id INTEGER REFERENCES node(id), label TEXT)"));
  ASSERT_OK(import("node", "id,parent_id\n1,\n2,1\n3,2\n"));
  ASSERT_EQ(3, count("SELECT count(*) FROM node"));
  ASSERT_EQ(RH_EDATA, import("node", "id,parent_id\n4,5\n5,\n"));
  ASSERT(reported(":2: parent_id: no node with id 5\n"));
  ASSERT_EQ(3, count("SELECT count(*) FROM node"));
  /* a parent of the same file, and one already in the table */
  ASSERT_OK(import("enterprise", "id,name\n1,x\n"));
  ASSERT_OK(import("node", "label,id,parent_id\nz,5,\ny,4,5\nw,6,3\n"));
  ASSERT_EQ(6, count("SELECT count(*) FROM node"));
  teardown();
  return 0;
}

TEST_IMPL(tables_and_files) {
  ASSERT_OK(setup());
  ASSERT_EQ(RH_ENOTFOUND, import("no_such_table", "id\n1\n"));
  ASSERT_CONTAINS(rh_error_last(), "no_such_table");
  ASSERT_EQ(RH_ENOTFOUND, import("x; DROP TABLE enterprise", "id\n1\n"));
  ASSERT_EQ(RH_EUSAGE, import("rh_column", "tbl,col,kind\nx,y,date\n"));
  ASSERT_EQ(RH_EUSAGE, import("rh_run", "id\n1\n"));
  ASSERT_EQ(RH_EUSAGE, import("sqlite_master", "name\nx\n"));
  rh_import_result r = {7, 7};
  ASSERT_EQ(RH_ENOTFOUND, rh_import_csv(g_db, "enterprise", "/tmp/rh_no_such_dir/x.csv", NULL, &r));
  ASSERT_EQ(0, r.rows);
  ASSERT_CONTAINS(rh_error_last(), "/tmp/rh_no_such_dir/x.csv");
  ASSERT_EQ(1, sqlite3_get_autocommit(g_db));
  teardown();
  return 0;
}

TEST_IMPL(typed_values) {
  ASSERT_OK(setup());
  ASSERT_OK(base_data());
  ASSERT_STR_EQ("integer", text("SELECT typeof(id) FROM internship"));
  ASSERT_STR_EQ("real", text("SELECT typeof(fees_charged) FROM internship"));
  ASSERT_STR_EQ("text", text("SELECT typeof(start_date) FROM internship"));
  ASSERT_STR_EQ("null", text("SELECT typeof(major_matched) FROM internship"));
  ASSERT_OK(import("timesheet", "internship_id,work_date,hours,night_hours\n1,2023-03-01,8,0.5\n"));
  ASSERT_STR_EQ("real", text("SELECT typeof(hours) FROM timesheet"));
  ASSERT_STR_EQ("8.0", text("SELECT hours FROM timesheet"));
  ASSERT_OK(import("enterprise", "id,name,uscc\n3,\"  padded  \",0012\n"));
  ASSERT_STR_EQ("text", text("SELECT typeof(uscc) FROM enterprise WHERE id=3"));
  ASSERT_STR_EQ("0012", text("SELECT uscc FROM enterprise WHERE id=3"));
  ASSERT_STR_EQ("  padded  ", text("SELECT name FROM enterprise WHERE id=3"));
  teardown();
  return 0;
}

TEST_IMPL(ten_mb_line) {
  ASSERT_OK(setup());
  size_t big = 10u << 20;
  char *csv = malloc(big + 64);
  ASSERT(csv != NULL);
  size_t n = (size_t)sprintf(csv, "id,name\n1,\"");
  memset(csv + n, 'x', big);
  n += big;
  n += (size_t)sprintf(csv + n, "\"\n");
  ASSERT_OK(import_n("enterprise", csv, n, NULL, 0));
  free(csv);
  ASSERT_EQ((int64_t)big, count("SELECT length(name) FROM enterprise WHERE id=1"));
  teardown();
  return 0;
}

TEST_IMPL(locked_and_nested) {
  ASSERT_OK(setup());
  sqlite3 *other = NULL;
  ASSERT_OK(rh_db_open(&other, g_dbpath, RH_DB_RW));
  ASSERT_OK(rh_db_exec(other, "BEGIN IMMEDIATE"));
  sqlite3_busy_timeout(g_db, 50);
  ASSERT_EQ(RH_EDB, import("enterprise", "id,name\n1,x\n"));
  ASSERT_CONTAINS(rh_error_last(), "locked");
  ASSERT_OK(rh_db_exec(other, "ROLLBACK"));
  rh_db_close(other);

  /* inside the caller's transaction: a savepoint, the outer work survives */
  ASSERT_OK(rh_db_exec(g_db, "BEGIN"));
  ASSERT_OK(import("enterprise", "id,name\n1,x\n"));
  ASSERT_EQ(RH_EDATA, import("enterprise", "id,name\n2,y\n3,\n"));
  ASSERT_EQ(0, sqlite3_get_autocommit(g_db));
  ASSERT_OK(rh_db_exec(g_db, "COMMIT"));
  ASSERT_EQ(1, count("SELECT count(*) FROM enterprise"));
  teardown();
  return 0;
}

TEST_MAIN(TEST_ENTRY(plan_target_defaults) TEST_ENTRY(quoted_fields_crlf) TEST_ENTRY(bom_and_empty)
              TEST_ENTRY(gb18030) TEST_ENTRY(one_bad_row_in_5000) TEST_ENTRY(error_messages)
                  TEST_ENTRY(every_row_reported) TEST_ENTRY(reference_in_same_file)
                      TEST_ENTRY(tables_and_files) TEST_ENTRY(typed_values) TEST_ENTRY(ten_mb_line)
                          TEST_ENTRY(locked_and_nested))
