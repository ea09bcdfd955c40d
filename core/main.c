/*
** ronghe: the command line (see ../shared/domain/interfaces.md and `ronghe help`).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "eval.h"
#include "import.h"
#include "ldb.h"
#include "lint.h"
#include "output.h"
#include "rh.h"
#include "serve.h"
#include "diff.h"
#include "replay.h"
#include "report.h"
#include "ruletest.h"
#include "worker.h"

#define EXIT_OK 0
#define EXIT_SOME 1   /* check: problems; eval: a rule raised ERROR; import: rows rejected */
#define EXIT_USAGE 2  /* bad usage, unreadable database, rules that do not load */

typedef struct {
  const char *name, *args, *summary, *details;
} command_help;

static const command_help commands[] = {
  {"init", "[--db PATH]", "create the database or migrate it to the current schema",
   "Creates every table of the data model (and the engine's run tables), or applies the\n"
   "migrations a database lacks. Never drops rows; running it twice changes nothing.\n"},
  {"import", "TABLE FILE.csv [--db PATH] [--encoding utf-8|gb18030]",
   "append a CSV file's rows to a table, all or nothing",
   "The first line names the columns (any order, any subset). UTF-8 with or without BOM;\n"
   "--encoding gb18030 for files saved by Chinese Excel. One bad row rejects the whole file:\n"
   "every problem is printed as FILE:LINE: column: why and the database is unchanged.\n"
   "Exit 0 imported, 1 rejected, 2 bad usage or database error.\n"},
  {"check", "[--rules DIR] [--db PATH]", "load and validate every rule script",
   "Loads each rule file in a worker and prints file:line: message per problem, one root\n"
   "cause each. Once the files load, also: input SQL that does not compile (unknown table or\n"
   "column, at its line), parameters read but not declared or declared but never read,\n"
   "parameter periods that overlap or leave a gap, rules without cite, subjects that are not\n"
   "tables and policies that cannot roll up their rules. The schema is the database's when\n"
   "it exists, else the data model's. Exit 1 if any problem.\n"},
  {"eval", "[--db PATH] [--rules DIR] [options]", "evaluate rules, store the run, print the results",
   "  --as-of YYYY-MM-DD   the date the evaluation speaks for (default: today)\n"
   "  --year YYYY          the year for yearly rules (default: the year of --as-of)\n"
   "  --policy NAME        restrict to policies (repeatable)\n"
   "  --rule ID            restrict to rules (repeatable; no decisions then)\n"
   "  --subject KIND:ID    restrict to subjects and those that roll up to them (repeatable)\n"
   "  --param NAME=VALUE   evaluate with this parameter value instead of the rules' own\n"
   "  --format text|jsonl|csv   output (default: text on a terminal, jsonl otherwise)\n"
   "  --out FILE           write the output there instead of stdout\n"
   "  --quiet              print one summary line instead of the results\n"
   "  --jobs N             worker processes (default: one per CPU, at most 8)\n"
   "  --budget N           instructions per call into a rule (default 100000000)\n"
   "  --time-ms N          wall-clock limit per call into a rule (default 1000)\n"
   "  --mem-mb N           memory per call into a rule, MiB (default 64)\n"
   "  --watchdog-ms N      a worker silent this long is killed (default 3000)\n"
   "  --input-ms N         limit of one step of a rule's input query (default 60000)\n"
   "  --schedule NAME      tag the stored run with a schedule name (serve does this)\n"
   "Exit 0 done; 1 done but some rule raised an error (outcome ERROR); 2 bad usage,\n"
   "unreadable database or rules that do not load (nothing written).\n"},
  {"explain", "SUBJECT [--db PATH] [--rules DIR] [--as-of DATE] [--year YYYY]",
   "the full reasoning for one subject, e.g. enterprise:42",
   "Evaluates every rule for the subject and the subjects that roll up to it (its posts,\n"
   "internships, ...) and prints each outcome with its reason, the values compared and the\n"
   "clause cited. Nothing is stored.\n"},
  {"runs", "[--db PATH] [--limit N]", "list past runs, newest first", ""},
  {"serve", "[--db PATH] [--rules DIR] [--config FILE] [--listen HOST:PORT] [--log FILE] [--jobs N]",
   "run the schedules and the HTTP API (JSON) until SIGTERM",
   "One process, one event loop; rule code runs only in child processes.\n"
   "  --config FILE        one more rule file, e.g. with the schedule \"NAME\" { cron = ... } blocks\n"
   "  --listen HOST:PORT   where the API listens (default 127.0.0.1:8080; port 0 = any free port)\n"
   "  --log FILE           append the log there instead of stderr\n"
   "  --jobs N             worker processes per scheduled run (default: one per CPU, at most 8)\n"
   "Schedules use 5-field cron expressions in local time; a slot missed while the service\n"
   "was down runs once at start.  Rule edits (a watch on --rules, or SIGHUP) are checked\n"
   "before they replace the serving rules; a failed reload keeps the old ones and shows\n"
   "the problems at GET /rules.  SIGTERM/SIGINT stop it: a running evaluation is\n"
   "abandoned and stores nothing.  Endpoints: /health /rules /runs /runs/N\n"
   "/runs/N/decisions /runs/N/results /subjects/KIND:ID /evaluate/KIND:ID\n"
   "POST /evaluate /schedules POST /reload.\n"},
  {"show", "RUN [--db PATH] [--format text|jsonl|csv] [--out FILE]", "print one stored run", ""},
  {"test", "[--rules DIR] [--tests DIR] [--verbose] [NAME...]",
   "run the rule tests and report which rules and clauses none exercises",
   "Each case in the test files (RULES/tests/*.lua, see rules/README.md) gives a few rows per\n"
   "table, an as-of date and the outcomes or decisions it expects. It is evaluated on a fresh\n"
   "temporary database; nothing is stored. A failing case prints expected vs actual with the\n"
   "reason text. Then coverage: the rule ids, policies and cited clauses no case exercises.\n"
   "  --tests DIR          the test files (default RULES/tests)\n"
   "  --verbose            also list the passing cases and the clauses that are tested\n"
   "  NAME...              run only the cases whose name contains one of these\n"
   "Exit 0 every case passed; 1 some case failed; 2 the rules or tests do not load.\n"},
  {"diff", "[--rules NEW] [--against OLD | --against-run RUN] [--param NAME=VALUE] [options]",
   "which subjects change, and why, between two rule sets",
   "Evaluates both rule sets over the same database, as-of date and year (nothing is stored)\n"
   "and lists every subject whose decision or rule outcome changes, old -> new, with both\n"
   "reasons; then, per policy, how many subjects gain or lose the positive answer.\n"
   "  --rules DIR          the new rule set (default ./rules)\n"
   "  --against DIR        the old rule set (default: the new one, to try --param)\n"
   "  --against-run RUN    the old rule set is the one stored with run RUN; its as-of date,\n"
   "                       year and --param values are the defaults\n"
   "  --param NAME=VALUE   try a parameter value on the new side without editing any file\n"
   "  --as-of, --year, --policy, --rule, --subject, --jobs   as for eval\n"
   "  --format text|jsonl  (default text)\n"
   "Exit 0 nothing changes; 1 changes listed; 2 bad usage or rules that do not load.\n"},
  {"replay", "RUN [--db PATH] [--out FILE]", "re-evaluate a stored run with its own rule texts",
   "Restores the rule files stored with the run (content-addressed in the database),\n"
   "evaluates them again with the run's as-of date, year, filters and parameters (nothing\n"
   "is stored) and compares the JSON Lines of both runs byte for byte, except the run id\n"
   "and timestamps. Data changed since the run shows up as differences.\n"
   "  --out FILE           also write the replayed run's JSON Lines there\n"
   "Exit 0 identical; 1 differences (listed); 2 bad usage, unknown run, texts not stored.\n"},
  {"report", "RUN --format csv|xlsx|html [--db PATH] [--out FILE]",
   "a stored run as a report for the bureau",
   "One row per subject and policy: the decision, the failed criteria and the reasons with\n"
   "the clauses cited (from the subject's own results and those that roll up to it).\n"
   "  csv    UTF-8 with a byte-order mark (Excel shows Chinese text), RFC 4180 quoting\n"
   "  xlsx   a workbook with decisions, a summary per policy and plan targets (needs --out)\n"
   "  html   one self-contained page: summary per policy, plan targets as a chart, details\n"
   "Exit 0 written; 1 no such run; 2 bad usage.\n"},
  {"help", "[COMMAND]", "describe the commands", ""},
  {NULL, NULL, NULL, NULL}};

static void usage_all(FILE *f) {
  fprintf(f, "ronghe %s: policy rules (Lua) over SQLite data\n\nusage: ronghe COMMAND [options]\n\n",
          RH_VERSION);
  for (const command_help *c = commands; c->name; c++) fprintf(f, "  %-8s %s\n", c->name, c->summary);
  fprintf(f,
          "\nEvery command takes --db PATH (default ./ronghe.db); commands that read rules take\n"
          "--rules DIR (default ./rules). `ronghe help COMMAND` or `ronghe COMMAND --help` for more.\n");
}

static int usage_cmd(const char *name, FILE *f) {
  for (const command_help *c = commands; c->name; c++)
    if (strcmp(c->name, name) == 0) {
      fprintf(f, "usage: ronghe %s %s\n\n%s.\n%s%s", c->name, c->args, c->summary,
              *c->details ? "\n" : "", c->details);
      return EXIT_OK;
    }
  fprintf(stderr, "ronghe: unknown command '%s'\n", name);
  usage_all(stderr);
  return EXIT_USAGE;
}

static int fail(int code, const char *cmd) {
  fprintf(stderr, "ronghe %s: %s\n", cmd, rh_error_last());
  return code;
}

/* Options shared by the commands; each command reads what it needs. */
typedef struct {
  const char *db, *rules, *as_of, *format, *out, *encoding;
  const char *schedule, *listen, *config, *log;
  const char *against, *against_run, *tests;
  int year, quiet, jobs, limit, help, verbose;
  long long budget;
  long time_ms, mem_mb, watchdog_ms, input_ms;
  const char *policies[64], *rule_ids[64], *subjects[256], *params[64];
  int npolicies, nrules, nsubjects, nparams;
  const char *pos[8];
  int npos;
} cli;

static int parse_long(const char *opt, const char *v, long long lo, long long hi, long long *out) {
  char *end = NULL;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (errno || end == v || *end || x < lo || x > hi)
    return rh_error_set(RH_EUSAGE, "%s %s: expected a whole number from %lld to %lld", opt, v, lo, hi);
  *out = x;
  return RH_OK;
}

static int parse_cli(cli *c, int argc, char **argv) {
  memset(c, 0, sizeof *c);
  c->db = "ronghe.db";
  c->rules = "rules";
  c->jobs = 0; /* eval: one per CPU; serve: 1 (see rh_eval_opts.jobs) */
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    long long n;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      c->help = 1;
      continue;
    }
    if (strcmp(a, "--quiet") == 0) { c->quiet = 1; continue; }
    if (strcmp(a, "--verbose") == 0) { c->verbose = 1; continue; }
    if (a[0] == '-' && a[1] == '-') {
      if (i + 1 >= argc) return rh_error_set(RH_EUSAGE, "%s needs a value", a);
      const char *v = argv[++i];
      if (strcmp(a, "--db") == 0) c->db = v;
      else if (strcmp(a, "--rules") == 0) c->rules = v;
      else if (strcmp(a, "--as-of") == 0) c->as_of = v;
      else if (strcmp(a, "--format") == 0) c->format = v;
      else if (strcmp(a, "--out") == 0) c->out = v;
      else if (strcmp(a, "--encoding") == 0) c->encoding = v;
      else if (strcmp(a, "--schedule") == 0) c->schedule = v;
      else if (strcmp(a, "--listen") == 0) c->listen = v;
      else if (strcmp(a, "--config") == 0) c->config = v;
      else if (strcmp(a, "--log") == 0) c->log = v;
      else if (strcmp(a, "--against") == 0) c->against = v;
      else if (strcmp(a, "--against-run") == 0) c->against_run = v;
      else if (strcmp(a, "--tests") == 0) c->tests = v;
      else if (strcmp(a, "--year") == 0) {
        if (parse_long(a, v, 1900, 9999, &n)) return RH_EUSAGE;
        c->year = (int)n;
      } else if (strcmp(a, "--jobs") == 0) {
        if (parse_long(a, v, 1, 64, &n)) return RH_EUSAGE;
        c->jobs = (int)n;
      } else if (strcmp(a, "--limit") == 0) {
        if (parse_long(a, v, 1, 1000000, &n)) return RH_EUSAGE;
        c->limit = (int)n;
      } else if (strcmp(a, "--budget") == 0) {
        if (parse_long(a, v, 1000, 1000000000000LL, &n)) return RH_EUSAGE;
        c->budget = n;
      } else if (strcmp(a, "--time-ms") == 0) {
        if (parse_long(a, v, 10, 3600000, &n)) return RH_EUSAGE;
        c->time_ms = (long)n;
      } else if (strcmp(a, "--mem-mb") == 0) {
        if (parse_long(a, v, 1, 65536, &n)) return RH_EUSAGE;
        c->mem_mb = (long)n;
      } else if (strcmp(a, "--input-ms") == 0) {
        if (parse_long(a, v, 100, 86400000, &n)) return RH_EUSAGE;
        c->input_ms = (long)n;
      } else if (strcmp(a, "--watchdog-ms") == 0) {
        if (parse_long(a, v, 100, 3600000, &n)) return RH_EUSAGE;
        c->watchdog_ms = (long)n;
      } else if (strcmp(a, "--policy") == 0) {
        if (c->npolicies == 64) return rh_error_set(RH_EUSAGE, "too many --policy");
        c->policies[c->npolicies++] = v;
      } else if (strcmp(a, "--rule") == 0) {
        if (c->nrules == 64) return rh_error_set(RH_EUSAGE, "too many --rule");
        c->rule_ids[c->nrules++] = v;
      } else if (strcmp(a, "--param") == 0) {
        if (c->nparams == 64) return rh_error_set(RH_EUSAGE, "too many --param");
        c->params[c->nparams++] = v;
      } else if (strcmp(a, "--subject") == 0) {
        if (c->nsubjects == 256) return rh_error_set(RH_EUSAGE, "too many --subject");
        c->subjects[c->nsubjects++] = v;
      } else {
        return rh_error_set(RH_EUSAGE, "unknown option %s (see ronghe help %s)", a, argv[1]);
      }
      continue;
    }
    if (c->npos == 8) return rh_error_set(RH_EUSAGE, "too many arguments");
    c->pos[c->npos++] = a;
  }
  return RH_OK;
}

static int need_pos(const cli *c, int n, const char *cmd) {
  if (c->npos != n) {
    rh_error_set(RH_EUSAGE, "expected %d argument%s (see ronghe help %s)", n, n == 1 ? "" : "s", cmd);
    return -1;
  }
  return 0;
}

static int cmd_init(const cli *c) {
  sqlite3 *db = NULL;
  int from = 0, to = 0;
  if (need_pos(c, 0, "init") || rh_db_open(&db, c->db, RH_DB_RW | RH_DB_CREATE) != RH_OK)
    return fail(EXIT_USAGE, "init");
  int rc = rh_db_migrate(db, &from, &to);
  rh_db_close(db);
  if (rc != RH_OK) return fail(EXIT_USAGE, "init");
  if (from == to) printf("%s: schema version %d, up to date\n", c->db, to);
  else printf("%s: schema version %d -> %d\n", c->db, from, to);
  return EXIT_OK;
}

static int cmd_import(const cli *c) {
  sqlite3 *db = NULL;
  if (need_pos(c, 2, "import")) return fail(EXIT_USAGE, "import");
  if (rh_db_open(&db, c->db, RH_DB_RW) != RH_OK) return fail(EXIT_USAGE, "import");
  rh_import_opts o = {c->encoding, stderr, 100};
  rh_import_result r = {0, 0};
  int rc = rh_import_csv(db, c->pos[0], c->pos[1], &o, &r);
  rh_db_close(db);
  if (rc == RH_EDATA) {
    fprintf(stderr, "ronghe import: %s: rejected (%ld row%s with problems); %s unchanged\n",
            c->pos[1], r.rejected, r.rejected == 1 ? "" : "s", c->pos[0]);
    return EXIT_SOME;
  }
  if (rc != RH_OK) return fail(EXIT_USAGE, "import");
  printf("%s: %ld row%s imported into %s\n", c->pos[1], r.rows, r.rows == 1 ? "" : "s", c->pos[0]);
  return EXIT_OK;
}

static void opts_from_cli(rh_eval_opts *o, const cli *c) {
  rh_eval_opts_init(o);
  o->db_path = c->db;
  o->rules_dir = c->rules;
  o->as_of = c->as_of;
  o->year = c->year;
  o->policies = (const char **)c->policies;
  o->npolicies = c->npolicies;
  o->rules = (const char **)c->rule_ids;
  o->nrules = c->nrules;
  o->subjects = (const char **)c->subjects;
  o->nsubjects = c->nsubjects;
  o->params = (const char **)c->params;
  o->nparams = c->nparams;
  o->jobs = c->jobs;
  if (c->budget) o->instructions = c->budget;
  if (c->time_ms) o->time_ms = c->time_ms;
  if (c->mem_mb) o->mem_mb = c->mem_mb;
  if (c->watchdog_ms) o->watchdog_ms = c->watchdog_ms;
  if (c->input_ms) o->input_ms = c->input_ms;
  o->schedule = c->schedule;
}

static int cmd_check(const cli *c) {
  rh_eval_opts o;
  opts_from_cli(&o, c);
  rh_ruleset *rs = NULL;
  if (need_pos(c, 0, "check")) return fail(EXIT_USAGE, "check");
  int rc = rh_eval_load(&rs, &o);
  if (rc != RH_OK && rc != RH_ELOAD) return fail(EXIT_USAGE, "check");
  int problems = 0;
  for (int i = 0; i < rs->nerrors; i++, problems++) printf("%s\n", rs->errors[i]);
  if (rc == RH_OK) {
    /* Static checks (lint.h) only once everything loads: one root cause at a time. */
    int n = 0;
    if (rh_lint(&n, rs, c->db, stdout) != RH_OK) {
      rh_ruleset_free(rs);
      return fail(EXIT_USAGE, "check");
    }
    problems += n;
  }
  if (problems == 0)
    printf("%s: %d rule%s, %d polic%s, no problems (rules %.12s)\n", c->rules, rs->nrules,
           rs->nrules == 1 ? "" : "s", rs->npolicies, rs->npolicies == 1 ? "y" : "ies", rs->version);
  rh_ruleset_free(rs);
  return problems ? EXIT_SOME : EXIT_OK;
}

/* --out FILE is written as FILE.tmp and renamed by close_out once complete,
** so a reader never sees half a report. */
static FILE *open_out(const char *path) {
  if (path == NULL) return stdout;
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (f == NULL) rh_error_set(RH_EUSAGE, "--out %s: %s", path, strerror(errno));
  return f;
}

/* ok: keep the file; otherwise remove the partial one.  Returns RH_OK when
** the output is complete and in place. */
static int close_out(FILE *f, const char *path, int ok) {
  if (f == NULL || f == stdout) return ok ? RH_OK : RH_ERROR;
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int bad = fclose(f) != 0;
  if (!ok || bad || rename(tmp, path) != 0) {
    unlink(tmp);
    return ok ? rh_error_set(RH_ERROR, "--out %s: cannot write the file", path) : RH_ERROR;
  }
  return RH_OK;
}

static int cmd_eval(const cli *c) {
  rh_eval_opts o;
  opts_from_cli(&o, c);
  /* text for a person at a terminal; JSON Lines for files and pipes */
  rh_format fmt = isatty(1) && c->out == NULL ? RH_FMT_TEXT : RH_FMT_JSONL;
  if (c->format && rh_format_parse(&fmt, c->format) != RH_OK) return fail(EXIT_USAGE, "eval");
  if (need_pos(c, 0, "eval")) return fail(EXIT_USAGE, "eval");
  o.progress = isatty(2) && !c->quiet;
  if (access(c->db, F_OK) != 0) {
    rh_error_set(RH_ENOTFOUND, "%s: no such database (create it with: ronghe init --db %s)", c->db, c->db);
    return fail(EXIT_USAGE, "eval");
  }
  /* The output file is opened first: a path that cannot be written is bad
  ** usage, found before anything is evaluated or stored. */
  FILE *out = c->quiet ? NULL : open_out(c->out);
  if (!c->quiet && out == NULL) return fail(EXIT_USAGE, "eval");
  rh_eval_stats st;
  int rc = rh_eval_run(&o, &st, NULL, NULL);
  if (rc != RH_OK) {
    close_out(out, c->out, 0);
    return fail(EXIT_USAGE, "eval");
  }
  if (c->quiet) {
    printf("run %lld: %ld subjects, %ld results, %ld decisions, %ld errors, %.3f s\n",
           (long long)st.run_id, st.subjects, st.results, st.decisions, st.errors, st.seconds);
  } else {
    sqlite3 *db = NULL;
    rc = rh_db_open(&db, c->db, RH_DB_RO);
    if (rc == RH_OK) rc = rh_output_run(db, st.run_id, fmt, out, c->verbose);
    rh_db_close(db);
    if (close_out(out, c->out, rc == RH_OK) != RH_OK) return fail(EXIT_USAGE, "eval");
  }
  if (st.errors > 0)
    fprintf(stderr, "ronghe eval: run %lld stored; %ld result%s with outcome ERROR\n",
            (long long)st.run_id, st.errors, st.errors == 1 ? "" : "s");
  return st.errors > 0 ? EXIT_SOME : EXIT_OK;
}

typedef struct {
  rh_format fmt;
  FILE *out;
} explain_ctx;

static int explain_print(void *db, int64_t run_id, void *ud) {
  explain_ctx *x = ud;
  return rh_output_run(db, run_id, x->fmt, x->out, 1);
}

static int cmd_explain(const cli *c) {
  rh_eval_opts o;
  opts_from_cli(&o, c);
  if (need_pos(c, 1, "explain")) return fail(EXIT_USAGE, "explain");
  const char *subj[1] = {c->pos[0]};
  o.subjects = subj;
  o.nsubjects = 1;
  o.keep = 0;
  explain_ctx x = {RH_FMT_TEXT, stdout};
  if (c->format && rh_format_parse(&x.fmt, c->format) != RH_OK) return fail(EXIT_USAGE, "explain");
  if (access(c->db, F_OK) != 0) {
    rh_error_set(RH_ENOTFOUND, "%s: no such database", c->db);
    return fail(EXIT_USAGE, "explain");
  }
  rh_eval_stats st;
  if (rh_eval_run(&o, &st, explain_print, &x) != RH_OK) return fail(EXIT_USAGE, "explain");
  if (st.results == 0) {
    fprintf(stderr, "ronghe explain: no rule judges %s (is the id right?)\n", c->pos[0]);
    return EXIT_SOME;
  }
  return st.errors ? EXIT_SOME : EXIT_OK;
}

static int cmd_runs(const cli *c) {
  sqlite3 *db = NULL;
  if (need_pos(c, 0, "runs") || rh_db_open(&db, c->db, RH_DB_RO) != RH_OK) return fail(EXIT_USAGE, "runs");
  int rc = rh_output_runs(db, stdout, c->limit);
  rh_db_close(db);
  return rc == RH_OK ? EXIT_OK : fail(EXIT_USAGE, "runs");
}

static int cmd_show(const cli *c) {
  sqlite3 *db = NULL;
  long long run;
  if (need_pos(c, 1, "show") || parse_long("RUN", c->pos[0], 1, INT64_MAX, &run) != RH_OK)
    return fail(EXIT_USAGE, "show");
  rh_format fmt = isatty(1) ? RH_FMT_TEXT : RH_FMT_JSONL;
  if (c->format && rh_format_parse(&fmt, c->format) != RH_OK) return fail(EXIT_USAGE, "show");
  if (rh_db_open(&db, c->db, RH_DB_RO) != RH_OK) return fail(EXIT_USAGE, "show");
  FILE *out = open_out(c->out);
  int rc = out ? rh_output_run(db, run, fmt, out, c->verbose) : RH_EUSAGE;
  if (out && close_out(out, c->out, rc == RH_OK) != RH_OK && rc == RH_OK) rc = RH_ERROR;
  rh_db_close(db);
  return rc == RH_OK ? EXIT_OK : fail(rc == RH_ENOTFOUND ? EXIT_SOME : EXIT_USAGE, "show");
}

static int cmd_test(const cli *c) {
  rh_test_opts o = {c->rules, c->tests, c->pos, c->npos, NULL, c->verbose, stdout};
  rh_test_stats st;
  int rc = rh_ruletest_run(&st, &o);
  if (rc == RH_ELOAD) return fail(EXIT_USAGE, "test");
  if (rc != RH_OK) return fail(EXIT_USAGE, "test");
  return st.failed || st.cases == 0 ? EXIT_SOME : EXIT_OK;
}

static int cmd_diff(const cli *c) {
  rh_diff_opts o;
  memset(&o, 0, sizeof o);
  opts_from_cli(&o.eval, c);
  o.old_dir = c->against;
  long long run = 0;
  if (need_pos(c, 0, "diff")) return fail(EXIT_USAGE, "diff");
  if (c->against && c->against_run) {
    rh_error_set(RH_EUSAGE, "--against and --against-run: choose one old rule set");
    return fail(EXIT_USAGE, "diff");
  }
  if (c->against_run && parse_long("--against-run", c->against_run, 1, INT64_MAX, &run) != RH_OK)
    return fail(EXIT_USAGE, "diff");
  o.against_run = run;
  if (c->format && strcmp(c->format, "jsonl") != 0 && strcmp(c->format, "text") != 0) {
    rh_error_set(RH_EUSAGE, "--format %s: expected text or jsonl", c->format);
    return fail(EXIT_USAGE, "diff");
  }
  o.jsonl = c->format && strcmp(c->format, "jsonl") == 0;
  if (access(c->db, F_OK) != 0) {
    rh_error_set(RH_ENOTFOUND, "%s: no such database", c->db);
    return fail(EXIT_USAGE, "diff");
  }
  rh_diff_stats st;
  if (rh_diff_run(&st, &o) != RH_OK) return fail(EXIT_USAGE, "diff");
  return st.results_changed || st.decisions_changed ? EXIT_SOME : EXIT_OK;
}

static int cmd_replay(const cli *c) {
  long long run;
  if (need_pos(c, 1, "replay") || parse_long("RUN", c->pos[0], 1, INT64_MAX, &run) != RH_OK)
    return fail(EXIT_USAGE, "replay");
  if (access(c->db, F_OK) != 0) {
    rh_error_set(RH_ENOTFOUND, "%s: no such database", c->db);
    return fail(EXIT_USAGE, "replay");
  }
  rh_replay_opts o = {c->db, run, NULL, c->out, stdout};
  rh_replay_stats st;
  if (rh_replay_run(&st, &o) != RH_OK) return fail(EXIT_USAGE, "replay");
  return st.differences ? EXIT_SOME : EXIT_OK;
}

static int cmd_report(const cli *c) {
  long long run;
  rh_report_format fmt;
  sqlite3 *db = NULL;
  if (need_pos(c, 1, "report") || parse_long("RUN", c->pos[0], 1, INT64_MAX, &run) != RH_OK)
    return fail(EXIT_USAGE, "report");
  if (c->format == NULL) {
    rh_error_set(RH_EUSAGE, "--format csv|xlsx|html is required");
    return fail(EXIT_USAGE, "report");
  }
  if (rh_report_format_parse(&fmt, c->format) != RH_OK) return fail(EXIT_USAGE, "report");
  if (access(c->db, F_OK) != 0) {
    rh_error_set(RH_ENOTFOUND, "%s: no such database", c->db);
    return fail(EXIT_USAGE, "report");
  }
  if (rh_db_open(&db, c->db, RH_DB_RO) != RH_OK) return fail(EXIT_USAGE, "report");
  int rc = rh_report_write(db, run, fmt, c->out);
  rh_db_close(db);
  return rc == RH_OK ? EXIT_OK : fail(rc == RH_ENOTFOUND ? EXIT_SOME : EXIT_USAGE, "report");
}

static int cmd_serve(const cli *c) {
  if (need_pos(c, 0, "serve")) return fail(EXIT_USAGE, "serve");
  rh_serve_opts o = {c->db, c->rules, c->config, c->listen, c->log, c->jobs};
  return rh_serve_run(&o);
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "__worker") == 0) return rh_worker_main(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "__catalog") == 0) return rh_catalog_main(argc, argv);
  if (argc < 2) {
    usage_all(stderr);
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    if (argc >= 3) return usage_cmd(argv[2], stdout);
    usage_all(stdout);
    return EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("ronghe %s\n", RH_VERSION);
    return EXIT_OK;
  }
  cli c;
  int known = 0;
  for (const command_help *h = commands; h->name; h++) known |= strcmp(h->name, cmd) == 0;
  if (!known) return usage_cmd(cmd, stderr);
  if (parse_cli(&c, argc, argv) != RH_OK) return fail(EXIT_USAGE, cmd);
  if (c.help) return usage_cmd(cmd, stdout);
  if (strcmp(cmd, "init") == 0) return cmd_init(&c);
  if (strcmp(cmd, "import") == 0) return cmd_import(&c);
  if (strcmp(cmd, "check") == 0) return cmd_check(&c);
  if (strcmp(cmd, "eval") == 0) return cmd_eval(&c);
  if (strcmp(cmd, "explain") == 0) return cmd_explain(&c);
  if (strcmp(cmd, "runs") == 0) return cmd_runs(&c);
  if (strcmp(cmd, "show") == 0) return cmd_show(&c);
  if (strcmp(cmd, "serve") == 0) return cmd_serve(&c);
  if (strcmp(cmd, "test") == 0) return cmd_test(&c);
  if (strcmp(cmd, "diff") == 0) return cmd_diff(&c);
  if (strcmp(cmd, "replay") == 0) return cmd_replay(&c);
  if (strcmp(cmd, "report") == 0) return cmd_report(&c);
  return usage_cmd(cmd, stderr);
}
