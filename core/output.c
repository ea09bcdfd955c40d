/*
** Printing stored runs: JSON Lines (the contract of interfaces.md), CSV and
** plain text for people.  Everything is read back from the database, so
** `eval` and `show RUN` print the same thing for the same run.
*/
#include "output.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "rh.h"
#include "util.h"

static const char *const outcome_names[] = {"?", "PASS", "FAIL", "N/A", "UNKNOWN", "ERROR",
                                            "MET", "NOT_MET", "ACHIEVED", "NOT_ACHIEVED"};

const char *rh_outcome_name(int code) {
  return code >= 1 && code <= 9 ? outcome_names[code] : "?";
}

const char *rh_decision_name(int code, const char *answers) {
  int elig = answers && strcmp(answers, "eligibility") == 0;
  switch (code) {
    case 1: return elig ? "ELIGIBLE" : "COMPLIANT";
    case 2: return elig ? "INELIGIBLE" : "NON_COMPLIANT";
    default: return "NEEDS_DATA";
  }
}

int rh_format_parse(rh_format *out, const char *s) {
  if (strcmp(s, "text") == 0) *out = RH_FMT_TEXT;
  else if (strcmp(s, "jsonl") == 0) *out = RH_FMT_JSONL;
  else if (strcmp(s, "csv") == 0) *out = RH_FMT_CSV;
  else return rh_error_set(RH_EUSAGE, "--format %s: expected text, jsonl or csv", s);
  return RH_OK;
}

static const char *col_text(sqlite3_stmt *st, int i) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  return s ? s : "";
}

/* ---- JSON Lines ---------------------------------------------------------- */

static void js(rh_buf *b, const char *s) { rh_buf_json_str(b, s, strlen(s)); }

/* Appends a column as a JSON value of its own SQLite type. */
static void jcol(rh_buf *b, sqlite3_stmt *st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: rh_buf_printf(b, "%lld", (long long)sqlite3_column_int64(st, i)); break;
    case SQLITE_FLOAT: rh_buf_printf(b, "%.14g", sqlite3_column_double(st, i)); break;
    case SQLITE_NULL: rh_buf_adds(b, "null"); break;
    default: js(b, col_text(st, i));
  }
}

static void jlist(rh_buf *b, const char *csv) {
  rh_buf_adds(b, "[");
  const char *p = csv;
  int first = 1;
  while (p && *p) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (!first) rh_buf_adds(b, ",");
    rh_buf_json_str(b, p, n);
    first = 0;
    p = e ? e + 1 : NULL;
  }
  rh_buf_adds(b, "]");
}

static void subject_str(char *out, size_t n, const char *kind, int64_t id) {
  if (strcmp(kind, "city") == 0) snprintf(out, n, "city");
  else snprintf(out, n, "%s:%lld", kind, (long long)id);
}

typedef struct {
  int64_t id;
  char as_of[16];
  int year;
  char version[72];
  char started[40], finished[40];
  char schedule[128];
  long subjects, results, decisions, errors;
  int64_t first, last;  /* rowid range of its results */
} run_row;

static int load_run(sqlite3 *db, int64_t run, run_row *r) {
  sqlite3_stmt *st = NULL;
  memset(r, 0, sizeof *r);
  if (!rh_db_table_exists(db, "rh_run"))
    return rh_error_set(RH_ENOTFOUND, "no runs in this database yet");
  if (sqlite3_prepare_v2(db,
                         "SELECT id,as_of,year,rules_version,started_at,finished_at,schedule,"
                         "n_subjects,n_results,n_decisions,n_errors,coalesce(first_result,0),"
                         "coalesce(last_result,-1) FROM rh_run WHERE id=?1",
                         -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(db, "reading the run");
  sqlite3_bind_int64(st, 1, run);
  int rc = RH_OK;
  if (sqlite3_step(st) == SQLITE_ROW) {
    r->id = sqlite3_column_int64(st, 0);
    snprintf(r->as_of, sizeof r->as_of, "%s", col_text(st, 1));
    r->year = sqlite3_column_int(st, 2);
    snprintf(r->version, sizeof r->version, "%s", col_text(st, 3));
    snprintf(r->started, sizeof r->started, "%s", col_text(st, 4));
    snprintf(r->finished, sizeof r->finished, "%s", col_text(st, 5));
    snprintf(r->schedule, sizeof r->schedule, "%s", col_text(st, 6));
    r->subjects = (long)sqlite3_column_int64(st, 7);
    r->results = (long)sqlite3_column_int64(st, 8);
    r->decisions = (long)sqlite3_column_int64(st, 9);
    r->errors = (long)sqlite3_column_int64(st, 10);
    r->first = sqlite3_column_int64(st, 11);
    r->last = sqlite3_column_int64(st, 12);
  } else {
    rc = rh_error_set(RH_ENOTFOUND, "no run %lld in this database", (long long)run);
  }
  sqlite3_finalize(st);
  return rc;
}

static void bind_run(sqlite3_stmt *st, const run_row *run) {
  sqlite3_bind_int64(st, 1, run->id);
  sqlite3_bind_int64(st, 2, run->first);
  sqlite3_bind_int64(st, 3, run->last);
}

static const char *SQL_RESULTS =
  "SELECT rr.rule, rr.subject, r.subject_id, r.outcome, r.reason, coalesce(r.vals,'{}'), rr.cite, "
  "rr.kind, rr.yearly, json_extract(r.vals,'$.count'), json_extract(r.vals,'$.target'), "
  "json_extract(r.vals,'$.deadline') "
  "FROM rh_result_rows r JOIN rh_run_rule rr ON rr.run_id=r.run_id AND rr.no=r.rule_no "
  "WHERE r.rid BETWEEN ?2 AND ?3 AND r.run_id=?1 ORDER BY r.rule_no, r.subject_id";

static const char *SQL_DECISIONS =
  "SELECT p.policy, p.subject, d.subject_id, d.decision, p.answers, d.failed, d.unknown, p.yearly "
  "FROM rh_decision d JOIN rh_run_policy p ON p.run_id=d.run_id AND p.no=d.policy_no "
  "WHERE d.run_id=?1 ORDER BY d.policy_no, d.subject_id";

static int emit(FILE *out, rh_buf *b) {
  if (fwrite(b->data, 1, b->len, out) != b->len) return rh_error_set(RH_ERROR, "write error");
  rh_buf_reset(b);
  return RH_OK;
}

static int print_jsonl(sqlite3 *db, const run_row *run, FILE *out) {
  rh_buf b = RH_BUF_INIT;
  int rc = RH_OK;
  rh_buf_printf(&b, "{\"type\":\"run\",\"run\":%lld,\"as_of\":", (long long)run->id);
  js(&b, run->as_of);
  rh_buf_printf(&b, ",\"year\":%d,\"rules_version\":", run->year);
  js(&b, run->version);
  rh_buf_adds(&b, ",\"started_at\":");
  js(&b, run->started);
  rh_buf_adds(&b, ",\"finished_at\":");
  js(&b, run->finished);
  if (run->schedule[0]) {
    rh_buf_adds(&b, ",\"schedule\":");
    js(&b, run->schedule);
  }
  rh_buf_printf(&b, ",\"subjects\":%ld,\"results\":%ld,\"decisions\":%ld,\"errors\":%ld}\n",
                run->subjects, run->results, run->decisions, run->errors);
  if ((rc = emit(out, &b)) != RH_OK) goto done;

  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, SQL_RESULTS, -1, &st, NULL) != SQLITE_OK) {
    rc = rh_db_fail(db, "reading results");
    goto done;
  }
  bind_run(st, run);
  char subj[128];
  while (rc == RH_OK && sqlite3_step(st) == SQLITE_ROW) {
    const char *kind = col_text(st, 7);
    int target = strcmp(kind, "target") == 0;
    subject_str(subj, sizeof subj, col_text(st, 1), sqlite3_column_int64(st, 2));
    rh_buf_printf(&b, "{\"type\":\"%s\",\"rule\":", target ? "target"
                  : strcmp(kind, "indicator") == 0 ? "indicator" : "result");
    js(&b, col_text(st, 0));
    rh_buf_adds(&b, ",\"subject\":");
    js(&b, subj);
    rh_buf_adds(&b, ",\"outcome\":");
    js(&b, rh_outcome_name(sqlite3_column_int(st, 3)));
    if (target) {
      rh_buf_adds(&b, ",\"count\":");
      jcol(&b, st, 9);
      rh_buf_adds(&b, ",\"target\":");
      jcol(&b, st, 10);
      rh_buf_adds(&b, ",\"deadline\":");
      jcol(&b, st, 11);
    }
    rh_buf_adds(&b, ",\"reason\":");
    js(&b, col_text(st, 4));
    rh_buf_adds(&b, ",\"values\":");
    rh_buf_adds(&b, col_text(st, 5));
    rh_buf_adds(&b, ",\"cite\":");
    js(&b, col_text(st, 6));
    if (sqlite3_column_int(st, 8)) rh_buf_printf(&b, ",\"year\":%d", run->year);
    rh_buf_adds(&b, "}\n");
    rc = emit(out, &b);
  }
  sqlite3_finalize(st);
  if (rc != RH_OK) goto done;

  if (sqlite3_prepare_v2(db, SQL_DECISIONS, -1, &st, NULL) != SQLITE_OK) {
    rc = rh_db_fail(db, "reading decisions");
    goto done;
  }
  sqlite3_bind_int64(st, 1, run->id);
  while (rc == RH_OK && sqlite3_step(st) == SQLITE_ROW) {
    subject_str(subj, sizeof subj, col_text(st, 1), sqlite3_column_int64(st, 2));
    rh_buf_adds(&b, "{\"type\":\"decision\",\"policy\":");
    js(&b, col_text(st, 0));
    rh_buf_adds(&b, ",\"subject\":");
    js(&b, subj);
    rh_buf_adds(&b, ",\"decision\":");
    js(&b, rh_decision_name(sqlite3_column_int(st, 3), col_text(st, 4)));
    rh_buf_adds(&b, ",\"failed\":");
    jlist(&b, col_text(st, 5));
    rh_buf_adds(&b, ",\"unknown\":");
    jlist(&b, col_text(st, 6));
    if (sqlite3_column_int(st, 7)) rh_buf_printf(&b, ",\"year\":%d", run->year);
    rh_buf_adds(&b, "}\n");
    rc = emit(out, &b);
  }
  sqlite3_finalize(st);
done:
  rh_buf_free(&b);
  return rc;
}

/* ---- CSV ----------------------------------------------------------------- */

static void csv_field(rh_buf *b, const char *s, int last) {
  if (strpbrk(s, ",\"\r\n") != NULL) {
    rh_buf_adds(b, "\"");
    for (const char *p = s; *p; p++) {
      if (*p == '"') rh_buf_adds(b, "\"");
      rh_buf_add(b, p, 1);
    }
    rh_buf_adds(b, "\"");
  } else {
    rh_buf_adds(b, s);
  }
  rh_buf_adds(b, last ? "\r\n" : ",");
}

static int print_csv(sqlite3 *db, const run_row *run, FILE *out) {
  rh_buf b = RH_BUF_INIT;
  int rc = RH_OK;
  rh_buf_adds(&b, "type,run,rule,policy,subject,year,outcome,decision,failed,unknown,reason,cite,values\r\n");
  char subj[128], year[16], runs[32];
  snprintf(runs, sizeof runs, "%lld", (long long)run->id);
  snprintf(year, sizeof year, "%d", run->year);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, SQL_RESULTS, -1, &st, NULL) != SQLITE_OK) {
    rc = rh_db_fail(db, "reading results");
    goto done;
  }
  bind_run(st, run);
  while (rc == RH_OK && sqlite3_step(st) == SQLITE_ROW) {
    const char *kind = col_text(st, 7);
    subject_str(subj, sizeof subj, col_text(st, 1), sqlite3_column_int64(st, 2));
    csv_field(&b, strcmp(kind, "result") == 0 ? "result" : kind, 0);
    csv_field(&b, runs, 0);
    csv_field(&b, col_text(st, 0), 0);
    csv_field(&b, "", 0);
    csv_field(&b, subj, 0);
    csv_field(&b, sqlite3_column_int(st, 8) ? year : "", 0);
    csv_field(&b, rh_outcome_name(sqlite3_column_int(st, 3)), 0);
    csv_field(&b, "", 0);
    csv_field(&b, "", 0);
    csv_field(&b, "", 0);
    csv_field(&b, col_text(st, 4), 0);
    csv_field(&b, col_text(st, 6), 0);
    csv_field(&b, col_text(st, 5), 1);
    rc = emit(out, &b);
  }
  sqlite3_finalize(st);
  if (rc != RH_OK) goto done;
  if (sqlite3_prepare_v2(db, SQL_DECISIONS, -1, &st, NULL) != SQLITE_OK) {
    rc = rh_db_fail(db, "reading decisions");
    goto done;
  }
  sqlite3_bind_int64(st, 1, run->id);
  while (rc == RH_OK && sqlite3_step(st) == SQLITE_ROW) {
    subject_str(subj, sizeof subj, col_text(st, 1), sqlite3_column_int64(st, 2));
    csv_field(&b, "decision", 0);
    csv_field(&b, runs, 0);
    csv_field(&b, "", 0);
    csv_field(&b, col_text(st, 0), 0);
    csv_field(&b, subj, 0);
    csv_field(&b, sqlite3_column_int(st, 7) ? year : "", 0);
    csv_field(&b, "", 0);
    csv_field(&b, rh_decision_name(sqlite3_column_int(st, 3), col_text(st, 4)), 0);
    csv_field(&b, col_text(st, 5), 0);
    csv_field(&b, col_text(st, 6), 0);
    csv_field(&b, "", 0);
    csv_field(&b, "", 0);
    csv_field(&b, "", 1);
    rc = emit(out, &b);
  }
  sqlite3_finalize(st);
done:
  if (rc == RH_OK && b.len) rc = emit(out, &b);
  rh_buf_free(&b);
  return rc;
}

/* ---- text ---------------------------------------------------------------- */

static const char *SQL_TEXT =
  /* Subjects that policies decide on come first (most policies first), the
  ** subjects that only roll up after them, the city last. */
  "WITH kinds AS (SELECT subject AS kind,"
  "  CASE WHEN subject = 'city' THEN 1000000000 ELSE min(no) - 100000 * sum(pol) END AS rank FROM ("
  "  SELECT subject, no, 0 AS pol FROM rh_run_rule WHERE run_id=?1"
  "  UNION ALL SELECT subject, 100000, 1 FROM rh_run_policy WHERE run_id=?1) GROUP BY subject) "
  "SELECT x.kind, x.sid, x.sec, x.name, x.code, x.answers, x.failed, x.unknown, x.reason, "
  "x.cite, x.vals, x.yearly FROM ("
  " SELECT p.subject AS kind, d.subject_id AS sid, 0 AS sec, d.policy_no AS no, p.policy AS name,"
  "  d.decision AS code, p.answers AS answers, d.failed AS failed, d.unknown AS unknown,"
  "  NULL AS reason, NULL AS cite, NULL AS vals, p.yearly AS yearly"
  " FROM rh_decision d JOIN rh_run_policy p ON p.run_id=d.run_id AND p.no=d.policy_no"
  " WHERE d.run_id=?1"
  " UNION ALL"
  " SELECT rr.subject, r.subject_id, 1, r.rule_no, rr.rule, r.outcome, rr.kind, NULL, NULL,"
  "  r.reason, rr.cite, r.vals, rr.yearly"
  " FROM rh_result_rows r JOIN rh_run_rule rr ON rr.run_id=r.run_id AND rr.no=r.rule_no"
  " WHERE r.rid BETWEEN ?2 AND ?3 AND r.run_id=?1"
  ") x LEFT JOIN kinds k ON k.kind = x.kind "
  "ORDER BY coalesce(k.rank, 1000000000), x.kind, x.sid, x.sec, x.no";

/* A subject's display name, when its table has a `name` column. */
static void subject_name(sqlite3 *db, const char *kind, int64_t id, char *out, size_t n) {
  out[0] = '\0';
  if (strcmp(kind, "city") == 0 || !rh_ident_ok(kind) || !rh_db_has_column(db, kind, "name")) return;
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT name FROM \"%s\" WHERE id=?1", kind);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return;
  sqlite3_bind_int64(st, 1, id);
  if (sqlite3_step(st) == SQLITE_ROW) snprintf(out, n, "%s", col_text(st, 0));
  sqlite3_finalize(st);
}

static const char *csv_words(const char *s, char *buf, size_t n) {
  snprintf(buf, n, "%s", s);
  for (char *p = buf; *p; p++)
    if (*p == ',') *p = ' ';
  return buf;
}

static int print_text(sqlite3 *db, const run_row *run, FILE *out, int verbose) {
  fprintf(out, "run %lld · as of %s · year %d · rules %.12s%s%s\n", (long long)run->id, run->as_of,
          run->year, run->version, run->schedule[0] ? " · schedule " : "", run->schedule);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, SQL_TEXT, -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(db, "reading the run");
  bind_run(st, run);
  char cur_kind[80] = "";
  int64_t cur_id = INT64_MIN;
  int has_decision = 0, header_done = 0;
  char name[256], subj[128], words[1024];
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *kind = col_text(st, 0);
    int64_t sid = sqlite3_column_int64(st, 1);
    int sec = sqlite3_column_int(st, 2);
    if (strcmp(kind, cur_kind) != 0 || sid != cur_id) {
      snprintf(cur_kind, sizeof cur_kind, "%s", kind);
      cur_id = sid;
      has_decision = sec == 0;
      header_done = 0;
    }
    int code = sqlite3_column_int(st, 4);
    /* Subjects without a decision of their own (posts, internships) show
    ** only what went wrong: that is what explains their enterprise's answer. */
    if (sec == 1 && !has_decision && !verbose && (code == 1 || code == 3 || code == 6 || code == 8))
      continue;
    if (!header_done) {
      subject_str(subj, sizeof subj, kind, sid);
      subject_name(db, kind, sid, name, sizeof name);
      fprintf(out, "\n%s%s%s\n", subj, name[0] ? "  " : "", name);
      header_done = 1;
    }
    const char *nm = col_text(st, 3);
    if (sec == 0) {
      char label[128];
      snprintf(label, sizeof label, "%s%s", nm, sqlite3_column_int(st, 11) ? "" : "");
      if (sqlite3_column_int(st, 11)) snprintf(label, sizeof label, "%s (%d)", nm, run->year);
      fprintf(out, "  => %-30s %-13s", label, rh_decision_name(code, col_text(st, 5)));
      const char *fa = col_text(st, 6), *un = col_text(st, 7);
      if (*fa) fprintf(out, "  failed: %s", csv_words(fa, words, sizeof words));
      if (*un) fprintf(out, "  needs data: %s", csv_words(un, words, sizeof words));
      fputc('\n', out);
    } else {
      fprintf(out, "     %-12s %-14s %s", rh_outcome_name(code), nm, col_text(st, 8));
      const char *cite = col_text(st, 9);
      if (*cite) fprintf(out, "  [%s]", cite);
      fputc('\n', out);
      if (verbose && sqlite3_column_type(st, 10) != SQLITE_NULL)
        fprintf(out, "     %-12s %-14s values %s\n", "", "", col_text(st, 10));
    }
  }
  sqlite3_finalize(st);

  /* Per policy: how many subjects got each answer. */
  if (sqlite3_prepare_v2(db,
                         "SELECT p.policy, p.answers, p.yearly, sum(d.decision=1), sum(d.decision=2), "
                         "sum(d.decision=3) FROM rh_run_policy p LEFT JOIN rh_decision d ON "
                         "d.run_id=p.run_id AND d.policy_no=p.no WHERE p.run_id=?1 GROUP BY p.no "
                         "ORDER BY p.no",
                         -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(db, "reading the summary");
  sqlite3_bind_int64(st, 1, run->id);
  int any = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (!any) fprintf(out, "\nsummary\n");
    any = 1;
    const char *ans = col_text(st, 1);
    char label[128];
    snprintf(label, sizeof label, "%s", col_text(st, 0));
    if (sqlite3_column_int(st, 2)) snprintf(label, sizeof label, "%s (%d)", col_text(st, 0), run->year);
    fprintf(out, "  %-30s %s %lld · %s %lld · NEEDS_DATA %lld\n", label, rh_decision_name(1, ans),
            (long long)sqlite3_column_int64(st, 3), rh_decision_name(2, ans),
            (long long)sqlite3_column_int64(st, 4), (long long)sqlite3_column_int64(st, 5));
  }
  sqlite3_finalize(st);

  /* Plan targets: count against target, as of their deadline. */
  if (sqlite3_prepare_v2(db,
                         "SELECT rr.rule, r.outcome, json_extract(r.vals,'$.count'), "
                         "json_extract(r.vals,'$.target'), coalesce(json_extract(r.vals,'$.deadline'),'') "
                         "FROM rh_result_rows r JOIN rh_run_rule rr ON rr.run_id=r.run_id AND rr.no=r.rule_no "
                         "WHERE r.rid BETWEEN ?2 AND ?3 AND r.run_id=?1 AND rr.kind='target' "
                         "ORDER BY rr.no",
                         -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(db, "reading the targets");
  bind_run(st, run);
  any = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (!any) fprintf(out, "\nplan targets\n");
    any = 1;
    fprintf(out, "  %-30s %-13s %s/%s%s%s\n", col_text(st, 0), rh_outcome_name(sqlite3_column_int(st, 1)),
            col_text(st, 2), col_text(st, 3), *col_text(st, 4) ? "  by " : "", col_text(st, 4));
  }
  sqlite3_finalize(st);
  fprintf(out, "\n%ld subjects · %ld results · %ld decisions · %ld errors\n", run->subjects,
          run->results, run->decisions, run->errors);
  return RH_OK;
}

int rh_output_run(sqlite3 *db, int64_t run_id, rh_format fmt, FILE *out, int verbose) {
  run_row run;
  int rc = load_run(db, run_id, &run);
  if (rc != RH_OK) return rc;
  switch (fmt) {
    case RH_FMT_JSONL: rc = print_jsonl(db, &run, out); break;
    case RH_FMT_CSV: rc = print_csv(db, &run, out); break;
    default: rc = print_text(db, &run, out, verbose);
  }
  if (rc == RH_OK && fflush(out) != 0) rc = rh_error_set(RH_ERROR, "write error");
  return rc;
}

int rh_output_runs(sqlite3 *db, FILE *out, int limit) {
  if (!rh_db_table_exists(db, "rh_run")) {
    fprintf(out, "no runs yet\n");
    return RH_OK;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT id, as_of, year, substr(rules_version,1,12), started_at, "
                         "coalesce(schedule,''), n_subjects, n_results, n_decisions, n_errors, "
                         "coalesce(filters,'') FROM rh_run ORDER BY id DESC LIMIT ?1",
                         -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(db, "reading runs");
  sqlite3_bind_int(st, 1, limit > 0 ? limit : 50);
  fprintf(out, "%-6s %-10s %-4s %-12s %-24s %8s %9s %9s %6s  %s\n", "run", "as_of", "year", "rules",
          "started (UTC)", "subjects", "results", "decisions", "errors", "schedule / filters");
  while (sqlite3_step(st) == SQLITE_ROW) {
    fprintf(out, "%-6lld %-10s %-4d %-12s %-24s %8lld %9lld %9lld %6lld  %s%s%s\n",
            (long long)sqlite3_column_int64(st, 0), col_text(st, 1), sqlite3_column_int(st, 2),
            col_text(st, 3), col_text(st, 4), (long long)sqlite3_column_int64(st, 6),
            (long long)sqlite3_column_int64(st, 7), (long long)sqlite3_column_int64(st, 8),
            (long long)sqlite3_column_int64(st, 9), col_text(st, 5),
            *col_text(st, 5) && *col_text(st, 10) ? " " : "", col_text(st, 10));
  }
  sqlite3_finalize(st);
  return RH_OK;
}
