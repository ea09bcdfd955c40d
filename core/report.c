/*
** `ronghe report` (see report.h).
**
** The report is read from one stored run: its policies (rh_run_policy), rules
** (rh_run_rule), decisions and the FAIL / UNKNOWN / ERROR results behind
** them.  A decision on an enterprise may rest on results of its internships
** or posts; those are found through the <subject>_id column of their table,
** exactly as the decision was made (eval.c, decide_policy).
*/
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "db.h"
#include "output.h"
#include "rh.h"
#include "util.h"

/* ---- what a report holds ---------------------------------------------------------- */

typedef struct {
  int64_t id;
  char *name;        /* the subject's name, or "" */
  int decision;      /* 1 positive, 2 negative, 3 NEEDS_DATA */
  char *failed, *unknown;
  rh_buf criteria;   /* "CJE-07 标题; ..." */
  rh_buf reasons;    /* one line per FAIL / UNKNOWN / ERROR result */
} rep_row;

typedef struct {
  int no;
  char *policy, *subject, *answers;
  int yearly;
  rep_row *rows;
  int nrows;
  long count[4];     /* by decision */
} rep_policy;

typedef struct {
  char *rule, *title, *cite, *reason;
  int outcome;
  double count, target;
  int has_count, has_target;
  char *deadline;
} rep_target;

typedef struct {
  int64_t run;
  char as_of[16], version[72], started[40];
  int year;
  long subjects, results, decisions, errors;
  rep_policy *pol;
  int npol;
  rep_target *tgt;
  int ntgt;
  /* rules of the run: no -> id, title, cite */
  struct { int no; char *id, *title, *cite, *subject; } *rules;
  int nrules;
} report;

static char *sdup(const unsigned char *s) { return strdup(s ? (const char *)s : ""); }

static void report_free(report *r) {
  for (int i = 0; i < r->npol; i++) {
    rep_policy *p = &r->pol[i];
    for (int k = 0; k < p->nrows; k++) {
      free(p->rows[k].name);
      free(p->rows[k].failed);
      free(p->rows[k].unknown);
      rh_buf_free(&p->rows[k].criteria);
      rh_buf_free(&p->rows[k].reasons);
    }
    free(p->rows);
    free(p->policy);
    free(p->subject);
    free(p->answers);
  }
  free(r->pol);
  for (int i = 0; i < r->ntgt; i++) {
    free(r->tgt[i].rule);
    free(r->tgt[i].title);
    free(r->tgt[i].cite);
    free(r->tgt[i].reason);
    free(r->tgt[i].deadline);
  }
  free(r->tgt);
  for (int i = 0; i < r->nrules; i++) {
    free(r->rules[i].id);
    free(r->rules[i].title);
    free(r->rules[i].cite);
    free(r->rules[i].subject);
  }
  free(r->rules);
}

static const char *rule_title(const report *r, const char *id) {
  for (int i = 0; i < r->nrules; i++)
    if (strcmp(r->rules[i].id, id) == 0) return r->rules[i].title;
  return "";
}

static int in_csv_list(const char *list, const char *id) {
  size_t n = strlen(id);
  for (const char *p = list; p && *p;) {
    const char *e = strchr(p, ',');
    size_t k = e ? (size_t)(e - p) : strlen(p);
    if (k == n && memcmp(p, id, n) == 0) return 1;
    p = e ? e + 1 : NULL;
  }
  return 0;
}

static const char *outcome_zh(int oc) {
  switch (oc) {
    case 2: return "不通过";
    case 4: return "数据不足";
    case 5: return "规则出错";
    default: return rh_outcome_name(oc);
  }
}

static const char *decision_zh(int d, const char *answers) {
  int elig = strcmp(answers, "eligibility") == 0;
  if (d == 1) return elig ? "符合" : "合规";
  if (d == 2) return elig ? "不符合" : "不合规";
  return "待补数据";
}

/* The reasons of every decision of policy p: one query over the results
** that can make a decision (FAIL, UNKNOWN, ERROR) of the policy's rules,
** ordered by the deciding subject, merged with the decisions. */
static int load_reasons(sqlite3 *db, const report *r, rep_policy *p, const char *rules_csv) {
  rh_buf sql = RH_BUF_INIT;
  int parts = 0, rc = RH_OK;
  char col[80];
  snprintf(col, sizeof col, "%s_id", p->subject);
  rh_buf_adds(&sql, "SELECT sid, rule_no, subject_id, outcome, reason FROM (");
  for (int i = 0; i < r->nrules; i++) {
    if (!in_csv_list(rules_csv, r->rules[i].id)) continue;
    const char *rs = r->rules[i].subject;
    if (strcmp(rs, p->subject) == 0) {
      rh_buf_printf(&sql, "%sSELECT subject_id AS sid, rule_no, subject_id, outcome, reason FROM rh_result_rows "
                    "WHERE run_id=?1 AND rule_no=%d AND outcome <> 1 AND outcome <> 3 AND outcome IN (2,4,5)",
                    parts++ ? " UNION ALL " : "", r->rules[i].no);
    } else if (rh_ident_ok(rs) && rh_db_has_column(db, rs, col)) {
      rh_buf_printf(&sql, "%sSELECT t.\"%s\" AS sid, x.rule_no, x.subject_id, x.outcome, x.reason "
                    "FROM rh_result_rows x JOIN \"%s\" t ON t.id = x.subject_id WHERE x.run_id=?1 AND x.rule_no=%d "
                    "AND x.outcome <> 1 AND x.outcome <> 3 AND x.outcome IN (2,4,5)",
                    parts++ ? " UNION ALL " : "", col, rs, r->rules[i].no);
    }
  }
  rh_buf_adds(&sql, ") ORDER BY sid, rule_no, subject_id");
  if (parts == 0) goto done;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) != SQLITE_OK) {
    rc = rh_db_fail(db, "reading the reasons");
    goto done;
  }
  sqlite3_bind_int64(st, 1, r->run);
  int k = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    int64_t sid = sqlite3_column_int64(st, 0);
    while (k < p->nrows && p->rows[k].id < sid) k++;
    if (k >= p->nrows) break;
    if (p->rows[k].id != sid) continue;
    int no = sqlite3_column_int(st, 1), oc = sqlite3_column_int(st, 3);
    const char *id = "?", *cite = "", *rsub = p->subject;
    for (int i = 0; i < r->nrules; i++)
      if (r->rules[i].no == no) {
        id = r->rules[i].id;
        cite = r->rules[i].cite;
        rsub = r->rules[i].subject;
      }
    rh_buf *b = &p->rows[k].reasons;
    if (b->len) rh_buf_adds(b, "\n");
    rh_buf_printf(b, "%s", id);
    if (oc != 2) rh_buf_printf(b, "(%s)", outcome_zh(oc));
    if (strcmp(rsub, p->subject) != 0) rh_buf_printf(b, " %s:%lld", rsub, (long long)sqlite3_column_int64(st, 2));
    const char *reason = (const char *)sqlite3_column_text(st, 4);
    rh_buf_printf(b, ": %s", reason ? reason : "");
    if (*cite) rh_buf_printf(b, " [%s]", cite);
  }
  sqlite3_finalize(st);
done:
  rh_buf_free(&sql);
  return rc;
}

static int load_report(sqlite3 *db, int64_t run, report *r) {
  memset(r, 0, sizeof *r);
  r->run = run;
  sqlite3_stmt *st = NULL;
  int rc = RH_OK;
  if (!rh_db_table_exists(db, "rh_run")) return rh_error_set(RH_ENOTFOUND, "no runs in this database yet");
  if (sqlite3_prepare_v2(db, "SELECT as_of, year, rules_version, started_at, n_subjects, n_results, n_decisions, "
                         "n_errors FROM rh_run WHERE id=?1", -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(db, "reading the run");
  sqlite3_bind_int64(st, 1, run);
  if (sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_finalize(st);
    return rh_error_set(RH_ENOTFOUND, "no run %lld in this database", (long long)run);
  }
  snprintf(r->as_of, sizeof r->as_of, "%s", (const char *)sqlite3_column_text(st, 0));
  r->year = sqlite3_column_int(st, 1);
  snprintf(r->version, sizeof r->version, "%s", (const char *)sqlite3_column_text(st, 2));
  snprintf(r->started, sizeof r->started, "%s", (const char *)sqlite3_column_text(st, 3));
  r->subjects = (long)sqlite3_column_int64(st, 4);
  r->results = (long)sqlite3_column_int64(st, 5);
  r->decisions = (long)sqlite3_column_int64(st, 6);
  r->errors = (long)sqlite3_column_int64(st, 7);
  sqlite3_finalize(st);

  /* rules */
  if (sqlite3_prepare_v2(db, "SELECT no, rule, coalesce(title,''), coalesce(cite,''), subject FROM rh_run_rule "
                         "WHERE run_id=?1 ORDER BY no", -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(db, "reading the rules");
  sqlite3_bind_int64(st, 1, run);
  while (sqlite3_step(st) == SQLITE_ROW) {
    void *q = realloc(r->rules, (size_t)(r->nrules + 1) * sizeof *r->rules);
    if (q == NULL) {
      rc = rh_error_set(RH_ENOMEM, "out of memory");
      break;
    }
    r->rules = q;
    r->rules[r->nrules].no = sqlite3_column_int(st, 0);
    r->rules[r->nrules].id = sdup(sqlite3_column_text(st, 1));
    r->rules[r->nrules].title = sdup(sqlite3_column_text(st, 2));
    r->rules[r->nrules].cite = sdup(sqlite3_column_text(st, 3));
    r->rules[r->nrules].subject = sdup(sqlite3_column_text(st, 4));
    r->nrules++;
  }
  sqlite3_finalize(st);
  if (rc != RH_OK) return rc;

  /* policies, their decisions and reasons */
  if (sqlite3_prepare_v2(db, "SELECT no, policy, subject, answers, yearly, rules FROM rh_run_policy "
                         "WHERE run_id=?1 ORDER BY no", -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(db, "reading the policies");
  sqlite3_bind_int64(st, 1, run);
  while (rc == RH_OK && sqlite3_step(st) == SQLITE_ROW) {
    void *q = realloc(r->pol, (size_t)(r->npol + 1) * sizeof *r->pol);
    if (q == NULL) {
      rc = rh_error_set(RH_ENOMEM, "out of memory");
      break;
    }
    r->pol = q;
    rep_policy *p = &r->pol[r->npol++];
    memset(p, 0, sizeof *p);
    p->no = sqlite3_column_int(st, 0);
    p->policy = sdup(sqlite3_column_text(st, 1));
    p->subject = sdup(sqlite3_column_text(st, 2));
    p->answers = sdup(sqlite3_column_text(st, 3));
    p->yearly = sqlite3_column_int(st, 4);
    char *rules_csv = sdup(sqlite3_column_text(st, 5));
    int named = rh_ident_ok(p->subject) && rh_db_has_column(db, p->subject, "name");
    char sql[512];
    if (named)
      snprintf(sql, sizeof sql, "SELECT d.subject_id, d.decision, d.failed, d.unknown, coalesce(t.name,'') FROM "
               "rh_decision d LEFT JOIN \"%s\" t ON t.id = d.subject_id WHERE d.run_id=?1 AND d.policy_no=?2 "
               "ORDER BY d.subject_id", p->subject);
    else
      snprintf(sql, sizeof sql, "SELECT subject_id, decision, failed, unknown, '' FROM rh_decision "
               "WHERE run_id=?1 AND policy_no=?2 ORDER BY subject_id");
    sqlite3_stmt *d = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &d, NULL) != SQLITE_OK) {
      free(rules_csv);
      rc = rh_db_fail(db, "reading the decisions");
      break;
    }
    sqlite3_bind_int64(d, 1, run);
    sqlite3_bind_int(d, 2, p->no);
    int cap = 0;
    while (sqlite3_step(d) == SQLITE_ROW) {
      if (p->nrows == cap) {
        cap = cap ? cap * 2 : 64;
        rep_row *q2 = realloc(p->rows, (size_t)cap * sizeof *q2);
        if (q2 == NULL) {
          rc = rh_error_set(RH_ENOMEM, "out of memory");
          break;
        }
        p->rows = q2;
      }
      rep_row *row = &p->rows[p->nrows++];
      memset(row, 0, sizeof *row);
      row->id = sqlite3_column_int64(d, 0);
      row->decision = sqlite3_column_int(d, 1);
      row->failed = sdup(sqlite3_column_text(d, 2));
      row->unknown = sdup(sqlite3_column_text(d, 3));
      row->name = sdup(sqlite3_column_text(d, 4));
      if (row->decision >= 1 && row->decision <= 3) p->count[row->decision]++;
      for (const char *s = row->failed; *s;) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char id[128];
        snprintf(id, sizeof id, "%.*s", (int)n, s);
        const char *title = rule_title(r, id);
        rh_buf_printf(&row->criteria, "%s%s%s%s", row->criteria.len ? "\n" : "", id, *title ? " " : "", title);
        s = e ? e + 1 : s + n;
      }
      if (row->criteria.data == NULL) rh_buf_add(&row->criteria, "", 0);
      if (row->reasons.data == NULL) rh_buf_add(&row->reasons, "", 0);
    }
    sqlite3_finalize(d);
    if (rc == RH_OK) rc = load_reasons(db, r, p, rules_csv);
    free(rules_csv);
  }
  sqlite3_finalize(st);
  if (rc != RH_OK) return rc;

  /* plan targets */
  if (sqlite3_prepare_v2(db,
                         "SELECT rr.rule, coalesce(rr.title,''), coalesce(rr.cite,''), x.outcome, coalesce(x.reason,''), "
                         "json_extract(x.vals,'$.count'), json_extract(x.vals,'$.target'), "
                         "json_extract(x.vals,'$.deadline') FROM rh_result_rows x JOIN rh_run_rule rr "
                         "ON rr.run_id = x.run_id AND rr.no = x.rule_no WHERE x.run_id=?1 AND rr.kind='target' "
                         "ORDER BY rr.no",
                         -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(db, "reading the targets");
  sqlite3_bind_int64(st, 1, run);
  while (sqlite3_step(st) == SQLITE_ROW) {
    void *q = realloc(r->tgt, (size_t)(r->ntgt + 1) * sizeof *r->tgt);
    if (q == NULL) {
      rc = rh_error_set(RH_ENOMEM, "out of memory");
      break;
    }
    r->tgt = q;
    rep_target *t = &r->tgt[r->ntgt++];
    memset(t, 0, sizeof *t);
    t->rule = sdup(sqlite3_column_text(st, 0));
    t->title = sdup(sqlite3_column_text(st, 1));
    t->cite = sdup(sqlite3_column_text(st, 2));
    t->outcome = sqlite3_column_int(st, 3);
    t->reason = sdup(sqlite3_column_text(st, 4));
    t->has_count = sqlite3_column_type(st, 5) == SQLITE_INTEGER || sqlite3_column_type(st, 5) == SQLITE_FLOAT;
    t->count = sqlite3_column_double(st, 5);
    t->has_target = sqlite3_column_type(st, 6) == SQLITE_INTEGER || sqlite3_column_type(st, 6) == SQLITE_FLOAT;
    t->target = sqlite3_column_double(st, 6);
    t->deadline = sdup(sqlite3_column_text(st, 7));
  }
  sqlite3_finalize(st);
  return rc;
}

static void subject_text(char *out, size_t n, const rep_policy *p, int64_t id) {
  snprintf(out, n, "%s:%lld", p->subject, (long long)id);
}

/* ---- CSV ---------------------------------------------------------------------------- */

int rh_report_csv_field(rh_buf *b, const char *s) {
  int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
  /* A number such as -5 is not a formula; anything else starting so is
  ** neutralized, since the cells hold text from imported data. */
  if (formula && (s[0] == '-' || s[0] == '+')) {
    char *end = NULL;
    strtod(s, &end);
    if (end && *end == '\0' && end != s) formula = 0;
  }
  int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
  int rc = RH_OK;
  if (quote) rc = rh_buf_adds(b, "\"");
  if (formula && rc == RH_OK) rc = rh_buf_adds(b, "'");
  for (const char *p = s; *p && rc == RH_OK; p++) {
    if (quote && *p == '"') rc = rh_buf_adds(b, "\"");
    if (rc == RH_OK) rc = rh_buf_add(b, p, 1);
  }
  if (quote && rc == RH_OK) rc = rh_buf_adds(b, "\"");
  return rc;
}

/* Multi-line cells keep CRLF line breaks inside quotes, like Excel writes. */
static void csv_cell(rh_buf *b, const char *s, int last) {
  rh_buf t = RH_BUF_INIT;
  for (const char *p = s; *p; p++) {
    if (*p == '\n' && (p == s || p[-1] != '\r')) rh_buf_adds(&t, "\r\n");
    else rh_buf_add(&t, p, 1);
  }
  rh_report_csv_field(b, t.data ? t.data : "");
  rh_buf_free(&t);
  rh_buf_adds(b, last ? "\r\n" : ",");
}

static int write_csv(const report *r, FILE *out) {
  rh_buf b = RH_BUF_INIT;
  int rc = RH_OK;
  rh_buf_adds(&b, "\xEF\xBB\xBF"); /* BOM: Excel then reads the file as UTF-8 */
  const char *head[] = {"运行", "政策", "对象", "名称", "年度", "结论", "结论代码", "未通过的条件", "待补数据的条件",
                        "理由与依据", NULL};
  for (int i = 0; head[i]; i++) csv_cell(&b, head[i], head[i + 1] == NULL);
  char run[32], year[16], subj[128];
  snprintf(run, sizeof run, "%lld", (long long)r->run);
  snprintf(year, sizeof year, "%d", r->year);
  for (int i = 0; i < r->npol && rc == RH_OK; i++) {
    const rep_policy *p = &r->pol[i];
    for (int k = 0; k < p->nrows && rc == RH_OK; k++) {
      const rep_row *row = &p->rows[k];
      subject_text(subj, sizeof subj, p, row->id);
      csv_cell(&b, run, 0);
      csv_cell(&b, p->policy, 0);
      csv_cell(&b, subj, 0);
      csv_cell(&b, row->name, 0);
      csv_cell(&b, p->yearly ? year : "", 0);
      csv_cell(&b, decision_zh(row->decision, p->answers), 0);
      csv_cell(&b, rh_decision_name(row->decision, p->answers), 0);
      csv_cell(&b, row->criteria.data, 0);
      csv_cell(&b, row->unknown, 0);
      csv_cell(&b, row->reasons.data, 1);
      if (b.len > 65536) {
        if (fwrite(b.data, 1, b.len, out) != b.len) rc = rh_error_set(RH_ERROR, "write error");
        rh_buf_reset(&b);
      }
    }
  }
  if (rc == RH_OK && b.len && fwrite(b.data, 1, b.len, out) != b.len) rc = rh_error_set(RH_ERROR, "write error");
  rh_buf_free(&b);
  return rc;
}

/* ---- XLSX ----------------------------------------------------------------------------- */

static int write_xlsx(const report *r, const char *path) {
  lxw_workbook *wb = workbook_new(path);
  if (wb == NULL) return rh_error_set(RH_ERROR, "%s: cannot create the workbook", path);
  lxw_format *head = workbook_add_format(wb);
  format_set_bold(head);
  format_set_bg_color(head, 0x1F4E79);
  format_set_font_color(head, LXW_COLOR_WHITE);
  format_set_text_wrap(head);
  format_set_align(head, LXW_ALIGN_VERTICAL_CENTER);
  lxw_format *wrap = workbook_add_format(wb);
  format_set_text_wrap(wrap);
  format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);
  lxw_format *bad = workbook_add_format(wb);
  format_set_font_color(bad, 0xC00000);
  format_set_bold(bad);
  format_set_align(bad, LXW_ALIGN_VERTICAL_TOP);
  lxw_format *good = workbook_add_format(wb);
  format_set_font_color(good, 0x2E7D32);
  format_set_align(good, LXW_ALIGN_VERTICAL_TOP);
  lxw_format *warn = workbook_add_format(wb);
  format_set_font_color(warn, 0xB26A00);
  format_set_align(warn, LXW_ALIGN_VERTICAL_TOP);
  lxw_format *top = workbook_add_format(wb);
  format_set_align(top, LXW_ALIGN_VERTICAL_TOP);

  lxw_worksheet *ws = workbook_add_worksheet(wb, "结论明细");
  const char *cols[] = {"运行", "政策", "对象", "名称", "年度", "结论", "结论代码", "未通过的条件", "待补数据的条件",
                        "理由与依据"};
  const double widths[] = {6, 26, 16, 30, 6, 10, 16, 36, 20, 90};
  for (int c = 0; c < 10; c++) {
    worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], c >= 7 ? wrap : top);
    worksheet_write_string(ws, 0, (lxw_col_t)c, cols[c], head);
  }
  worksheet_freeze_panes(ws, 1, 0);
  lxw_row_t row = 1;
  char subj[128];
  for (int i = 0; i < r->npol; i++) {
    const rep_policy *p = &r->pol[i];
    for (int k = 0; k < p->nrows; k++, row++) {
      const rep_row *x = &p->rows[k];
      subject_text(subj, sizeof subj, p, x->id);
      lxw_format *df = x->decision == 1 ? good : x->decision == 2 ? bad : warn;
      worksheet_write_number(ws, row, 0, (double)r->run, top);
      worksheet_write_string(ws, row, 1, p->policy, top);
      worksheet_write_string(ws, row, 2, subj, top);
      worksheet_write_string(ws, row, 3, x->name, top);
      if (p->yearly) worksheet_write_number(ws, row, 4, r->year, top);
      worksheet_write_string(ws, row, 5, decision_zh(x->decision, p->answers), df);
      worksheet_write_string(ws, row, 6, rh_decision_name(x->decision, p->answers), df);
      worksheet_write_string(ws, row, 7, x->criteria.data, wrap);
      worksheet_write_string(ws, row, 8, x->unknown, wrap);
      worksheet_write_string(ws, row, 9, x->reasons.data, wrap);
    }
  }
  if (row > 1) worksheet_autofilter(ws, 0, 0, row - 1, 9);

  lxw_worksheet *sum = workbook_add_worksheet(wb, "政策汇总");
  const char *scols[] = {"政策", "对象", "符合/合规", "不符合/不合规", "待补数据", "合计"};
  for (int c = 0; c < 6; c++) {
    worksheet_set_column(sum, (lxw_col_t)c, (lxw_col_t)c, c < 2 ? 28 : 14, NULL);
    worksheet_write_string(sum, 0, (lxw_col_t)c, scols[c], head);
  }
  for (int i = 0; i < r->npol; i++) {
    const rep_policy *p = &r->pol[i];
    worksheet_write_string(sum, (lxw_row_t)(i + 1), 0, p->policy, NULL);
    worksheet_write_string(sum, (lxw_row_t)(i + 1), 1, p->subject, NULL);
    for (int d = 1; d <= 3; d++) worksheet_write_number(sum, (lxw_row_t)(i + 1), (lxw_col_t)(d + 1), (double)p->count[d], NULL);
    worksheet_write_number(sum, (lxw_row_t)(i + 1), 5, (double)(p->count[1] + p->count[2] + p->count[3]), NULL);
  }
  lxw_row_t info = (lxw_row_t)(r->npol + 2);
  char line[256];
  snprintf(line, sizeof line, "运行 %lld · 评估日 %s · 年度 %d · 规则版本 %.12s", (long long)r->run, r->as_of, r->year,
           r->version);
  worksheet_write_string(sum, info, 0, line, NULL);

  if (r->ntgt > 0) {
    lxw_worksheet *tg = workbook_add_worksheet(wb, "规划目标");
    const char *tcols[] = {"目标", "规则", "已建成", "目标数", "期限", "结果", "说明", "依据"};
    const double tw[] = {40, 24, 10, 10, 12, 12, 80, 30};
    for (int c = 0; c < 8; c++) {
      worksheet_set_column(tg, (lxw_col_t)c, (lxw_col_t)c, tw[c], c == 6 ? wrap : top);
      worksheet_write_string(tg, 0, (lxw_col_t)c, tcols[c], head);
    }
    for (int i = 0; i < r->ntgt; i++) {
      const rep_target *t = &r->tgt[i];
      lxw_row_t y = (lxw_row_t)(i + 1);
      worksheet_write_string(tg, y, 0, t->title, top);
      worksheet_write_string(tg, y, 1, t->rule, top);
      if (t->has_count) worksheet_write_number(tg, y, 2, t->count, top);
      if (t->has_target) worksheet_write_number(tg, y, 3, t->target, top);
      worksheet_write_string(tg, y, 4, t->deadline, top);
      worksheet_write_string(tg, y, 5, t->outcome == 8 ? "已达成" : t->outcome == 9 ? "未达成" : "待核实",
                             t->outcome == 8 ? good : t->outcome == 9 ? bad : warn);
      worksheet_write_string(tg, y, 6, t->reason, wrap);
      worksheet_write_string(tg, y, 7, t->cite, wrap);
    }
  }
  lxw_error e = workbook_close(wb);
  if (e != LXW_NO_ERROR) return rh_error_set(RH_ERROR, "%s: %s", path, lxw_strerror(e));
  return RH_OK;
}

/* ---- HTML ------------------------------------------------------------------------------- */

static void h(rh_buf *b, const char *s) {
  for (const char *p = s; *p; p++) {
    switch (*p) {
      case '&': rh_buf_adds(b, "&amp;"); break;
      case '<': rh_buf_adds(b, "&lt;"); break;
      case '>': rh_buf_adds(b, "&gt;"); break;
      case '"': rh_buf_adds(b, "&quot;"); break;
      case '\'': rh_buf_adds(b, "&#39;"); break;
      case '\n': rh_buf_adds(b, "<br>"); break;
      default: rh_buf_add(b, p, 1);
    }
  }
}

static const char *CSS =
  "*{box-sizing:border-box}"
  "body{margin:0;background:#f3f5f8;color:#1f2933;font:15px/1.6 'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC',"
  "'PingFang SC','Microsoft YaHei',sans-serif}"
  "header{background:#17416b;color:#fff;padding:28px 48px 22px}"
  "header h1{margin:0 0 6px;font-size:26px;font-weight:700;letter-spacing:1px}"
  "header .meta{opacity:.85;font-size:14px}"
  "main{padding:24px 48px 48px;max-width:1280px}"
  "section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:20px 24px;margin:0 0 24px}"
  "h2{margin:0 0 14px;font-size:19px;color:#17416b;border-left:4px solid #17416b;padding-left:10px}"
  "h3{margin:22px 0 8px;font-size:16px;color:#243b53}"
  "table{border-collapse:collapse;width:100%}"
  "th{background:#eef2f7;color:#334e68;text-align:left;font-weight:600;padding:8px 10px;border-bottom:2px solid #d9e2ec}"
  "td{padding:8px 10px;border-bottom:1px solid #e4e7eb;vertical-align:top}"
  "td.n{text-align:right;font-variant-numeric:tabular-nums}"
  ".badge{display:inline-block;padding:1px 10px;border-radius:11px;font-size:13px;font-weight:600;white-space:nowrap}"
  ".d1{background:#e3f4e8;color:#1e7b3a}.d2{background:#fde8e8;color:#b42318}.d3{background:#fff4de;color:#a15c00}"
  ".muted{color:#7b8794;font-size:13px}"
  ".reason{font-size:13px;color:#3e4c59}"
  ".cards{display:flex;gap:16px;flex-wrap:wrap;margin-bottom:8px}"
  ".card{flex:1;min-width:150px;background:#f7f9fc;border-radius:6px;padding:12px 16px}"
  ".card b{display:block;font-size:24px;color:#17416b}"
  "footer{color:#7b8794;font-size:12px;padding:0 48px 32px}";

/* One horizontal bar split by decisions: positive, negative, needs data. */
static void svg_split_bar(rh_buf *b, const long c[4], int width) {
  long total = c[1] + c[2] + c[3];
  rh_buf_printf(b, "<svg width=\"%d\" height=\"18\" viewBox=\"0 0 %d 18\" role=\"img\">", width, width);
  rh_buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"18\" rx=\"3\" fill=\"#e4e7eb\"/>", width);
  double x = 0;
  const char *fill[4] = {"", "#3aa757", "#d64545", "#f0a202"};
  for (int d = 1; d <= 3 && total > 0; d++) {
    double w = (double)width * (double)c[d] / (double)total;
    if (w <= 0) continue;
    rh_buf_printf(b, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>", x, w, fill[d]);
    x += w;
  }
  rh_buf_adds(b, "</svg>");
}

/* The plan targets: count against target, one bar each. */
static void svg_targets(rh_buf *b, const report *r) {
  const int label_w = 420, bar_w = 470, row_h = 38, top = 28;
  int height = top + row_h * r->ntgt + 10;
  double max = 1;
  for (int i = 0; i < r->ntgt; i++) {
    if (r->tgt[i].has_target && r->tgt[i].target > max) max = r->tgt[i].target;
    if (r->tgt[i].has_count && r->tgt[i].count > max) max = r->tgt[i].count;
  }
  int width = label_w + bar_w + 170;
  rh_buf_printf(b, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                "aria-label=\"规划目标进度\" font-family=\"'Noto Sans CJK SC','Noto Sans SC',sans-serif\">",
                width, height, width, height);
  /* scale: ticks at whole numbers */
  int step = max > 10 ? (int)(max / 5) : 1;
  for (int v = 0; v <= (int)max; v += step) {
    double x = label_w + bar_w * v / max;
    rh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e7eb\"/>", x, top - 6, x,
                  height - 6);
    rh_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"#7b8794\" text-anchor=\"middle\">%d</text>",
                  x, top - 10, v);
  }
  for (int i = 0; i < r->ntgt; i++) {
    const rep_target *t = &r->tgt[i];
    int y = top + i * row_h;
    const char *col = t->outcome == 8 ? "#3aa757" : t->outcome == 9 ? "#d64545" : "#f0a202";
    const char *lab = t->outcome == 8 ? "已达成" : t->outcome == 9 ? "未达成" : "待核实";
    rh_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#1f2933\" text-anchor=\"end\">", label_w - 12,
                  y + 19);
    h(b, *t->title ? t->title : t->rule);
    rh_buf_adds(b, "</text>");
    rh_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"22\" rx=\"3\" fill=\"#f0f3f7\"/>", label_w, y + 4,
                  bar_w);
    if (t->has_count && t->count > 0)
      rh_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"22\" rx=\"3\" fill=\"%s\"/>", label_w, y + 4,
                    bar_w * t->count / max, col);
    if (t->has_target) {
      double x = label_w + bar_w * t->target / max;
      rh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#17416b\" stroke-width=\"3\"/>", x,
                    y + 1, x, y + 29);
    }
    rh_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#1f2933\">", label_w + bar_w + 12, y + 19);
    if (t->has_count && t->has_target) rh_buf_printf(b, "%g / %g ", t->count, t->target);
    rh_buf_printf(b, "<tspan fill=\"%s\" font-weight=\"700\">%s</tspan></text>", col, lab);
  }
  rh_buf_adds(b, "</svg>");
}

static int write_html(const report *r, FILE *out) {
  rh_buf b = RH_BUF_INIT;
  char now[32], subj[128];
  rh_now_iso(now);
  rh_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
  rh_buf_printf(&b, "<title>产教融合政策评估报告 · 运行 %lld</title><style>%s</style></head><body>\n", (long long)r->run,
                CSS);
  rh_buf_printf(&b, "<header><h1>产教融合政策评估报告</h1><div class=\"meta\">运行 %lld · 评估日 %s · 年度 %d · "
                "规则版本 %.12s · 运行于 ", (long long)r->run, r->as_of, r->year, r->version);
  h(&b, r->started);
  rh_buf_adds(&b, "</div></header>\n<main>\n");

  /* overview */
  rh_buf_adds(&b, "<section><h2>概况</h2><div class=\"cards\">");
  rh_buf_printf(&b, "<div class=\"card\"><b>%ld</b>评估对象</div><div class=\"card\"><b>%ld</b>规则结果</div>"
                "<div class=\"card\"><b>%ld</b>政策结论</div><div class=\"card\"><b>%ld</b>规则出错</div>",
                r->subjects, r->results, r->decisions, r->errors);
  rh_buf_adds(&b, "</div></section>\n");

  /* summary per policy */
  rh_buf_adds(&b, "<section><h2>各政策结论汇总</h2><table><thead><tr><th>政策</th><th>对象</th>"
              "<th class=\"n\">符合/合规</th><th class=\"n\">不符合/不合规</th><th class=\"n\">待补数据</th>"
              "<th class=\"n\">合计</th><th>分布</th></tr></thead><tbody>");
  for (int i = 0; i < r->npol; i++) {
    const rep_policy *p = &r->pol[i];
    rh_buf_adds(&b, "<tr><td><b>");
    h(&b, p->policy);
    rh_buf_adds(&b, "</b>");
    if (p->yearly) rh_buf_printf(&b, " <span class=\"muted\">(%d年度)</span>", r->year);
    rh_buf_adds(&b, "</td><td>");
    h(&b, p->subject);
    rh_buf_printf(&b, "</td><td class=\"n\">%ld</td><td class=\"n\">%ld</td><td class=\"n\">%ld</td>"
                  "<td class=\"n\">%ld</td><td>", p->count[1], p->count[2], p->count[3],
                  p->count[1] + p->count[2] + p->count[3]);
    svg_split_bar(&b, p->count, 240);
    rh_buf_adds(&b, "</td></tr>");
  }
  rh_buf_adds(&b, "</tbody></table><p class=\"muted\">绿色:符合/合规 · 红色:不符合/不合规 · 橙色:待补数据"
              "(有条件缺少数据或规则出错)。</p></section>\n");

  /* plan targets */
  if (r->ntgt > 0) {
    rh_buf_adds(&b, "<section><h2>规划目标进度</h2>");
    svg_targets(&b, r);
    rh_buf_adds(&b, "<p class=\"muted\">条形为已建成数量,深蓝竖线为目标数;颜色表示结果(绿:已达成,红:未达成,橙:待核实)。</p>"
                "<table><thead><tr><th>目标</th><th>结果</th><th>说明</th><th>依据</th></tr></thead><tbody>");
    for (int i = 0; i < r->ntgt; i++) {
      const rep_target *t = &r->tgt[i];
      int d = t->outcome == 8 ? 1 : t->outcome == 9 ? 2 : 3;
      rh_buf_adds(&b, "<tr><td>");
      h(&b, *t->title ? t->title : t->rule);
      rh_buf_printf(&b, "<div class=\"muted\">%s</div></td><td><span class=\"badge d%d\">%s</span></td><td class=\"reason\">",
                    t->rule, d, d == 1 ? "已达成" : d == 2 ? "未达成" : "待核实");
      h(&b, t->reason);
      rh_buf_adds(&b, "</td><td class=\"muted\">");
      h(&b, t->cite);
      rh_buf_adds(&b, "</td></tr>");
    }
    rh_buf_adds(&b, "</tbody></table></section>\n");
  }

  /* details: negative first, then needs data, then positive */
  rh_buf_adds(&b, "<section><h2>结论明细</h2>");
  for (int i = 0; i < r->npol; i++) {
    const rep_policy *p = &r->pol[i];
    rh_buf_adds(&b, "<h3>");
    h(&b, p->policy);
    rh_buf_printf(&b, " <span class=\"muted\">%ld 个对象</span></h3>", (long)p->nrows);
    if (p->nrows == 0) {
      rh_buf_adds(&b, "<p class=\"muted\">无</p>");
      continue;
    }
    rh_buf_adds(&b, "<table><thead><tr><th style=\"width:150px\">对象</th><th style=\"width:220px\">名称</th>"
                "<th style=\"width:110px\">结论</th><th>未通过的条件与理由</th></tr></thead><tbody>");
    static const int order[3] = {2, 3, 1};
    for (int o = 0; o < 3; o++)
      for (int k = 0; k < p->nrows; k++) {
        const rep_row *x = &p->rows[k];
        if (x->decision != order[o]) continue;
        subject_text(subj, sizeof subj, p, x->id);
        rh_buf_adds(&b, "<tr><td>");
        h(&b, subj);
        rh_buf_adds(&b, "</td><td>");
        h(&b, x->name);
        rh_buf_printf(&b, "</td><td><span class=\"badge d%d\">%s</span></td><td class=\"reason\">", x->decision,
                      decision_zh(x->decision, p->answers));
        if (x->reasons.len) {
          /* one line per result: the rule (and its subject) in bold, then why */
          for (const char *ln = x->reasons.data; ln && *ln;) {
            const char *nl = strchr(ln, '\n');
            size_t n = nl ? (size_t)(nl - ln) : strlen(ln);
            char *one = strndup(ln, n);
            char *colon = one ? strstr(one, ": ") : NULL;
            if (one && colon) {
              *colon = '\0';
              rh_buf_adds(&b, "<div><b>");
              h(&b, one);
              rh_buf_adds(&b, "</b> ");
              h(&b, colon + 2);
              rh_buf_adds(&b, "</div>");
            } else if (one) {
              rh_buf_adds(&b, "<div>");
              h(&b, one);
              rh_buf_adds(&b, "</div>");
            }
            free(one);
            ln = nl ? nl + 1 : NULL;
          }
        } else if (*x->unknown) {
          rh_buf_adds(&b, "待补数据: ");
          h(&b, x->unknown);
        }
        rh_buf_adds(&b, "</td></tr>");
      }
    rh_buf_adds(&b, "</tbody></table>");
  }
  rh_buf_adds(&b, "</section>\n</main>\n");
  rh_buf_printf(&b, "<footer>由 ronghe %s 生成于 %s · 运行 %lld 的结论与理由均来自数据库中保存的运行记录;"
                "可用 <code>ronghe replay %lld</code> 以原规则文本复核。</footer>\n</body></html>\n",
                RH_VERSION, now, (long long)r->run, (long long)r->run);
  int rc = RH_OK;
  if (b.data == NULL) rc = rh_error_set(RH_ENOMEM, "out of memory");
  else if (fwrite(b.data, 1, b.len, out) != b.len) rc = rh_error_set(RH_ERROR, "write error");
  rh_buf_free(&b);
  return rc;
}

/* ---- entry ----------------------------------------------------------------------------- */

int rh_report_format_parse(rh_report_format *out, const char *s) {
  if (strcmp(s, "csv") == 0) *out = RH_REPORT_CSV;
  else if (strcmp(s, "xlsx") == 0) *out = RH_REPORT_XLSX;
  else if (strcmp(s, "html") == 0) *out = RH_REPORT_HTML;
  else return rh_error_set(RH_EUSAGE, "--format %s: expected csv, xlsx or html", s);
  return RH_OK;
}

int rh_report_write(sqlite3 *db, int64_t run, rh_report_format fmt, const char *path) {
  if (fmt == RH_REPORT_XLSX && path == NULL)
    return rh_error_set(RH_EUSAGE, "an xlsx report needs --out FILE.xlsx");
  report r;
  int rc = load_report(db, run, &r);
  if (rc != RH_OK) {
    report_free(&r);
    return rc;
  }
  if (fmt == RH_REPORT_XLSX) {
    rc = write_xlsx(&r, path);
  } else {
    FILE *out = stdout;
    if (path && (out = fopen(path, "wb")) == NULL) {
      rc = rh_error_set(RH_EUSAGE, "--out %s: %s", path, strerror(errno));
    } else {
      rc = fmt == RH_REPORT_CSV ? write_csv(&r, out) : write_html(&r, out);
      if (out != stdout) {
        if (fclose(out) != 0 && rc == RH_OK) rc = rh_error_set(RH_ERROR, "--out %s: write failed", path);
      } else if (fflush(out) != 0 && rc == RH_OK) {
        rc = rh_error_set(RH_ERROR, "write error");
      }
    }
  }
  report_free(&r);
  return rc;
}
