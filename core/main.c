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
#include "output.h"
#include "rh.h"
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
   "Loads each rule file in a worker and prints file:line: message per problem. When the\n"
   "database exists, also checks that subject tables exist, that every input's SQL compiles\n"
   "against the schema, and that policies can roll up their rules. Exit 1 if any problem.\n"},
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
   "  --jobs N             worker processes (default 1)\n"
   "  --budget N           instructions per call into a rule (default 100000000)\n"
   "  --time-ms N          wall-clock limit per call into a rule (default 1000)\n"
   "  --mem-mb N           memory per call into a rule, MiB (default 64)\n"
   "  --watchdog-ms N      a worker silent this long is killed (default 3000)\n"
   "Exit 0 done; 1 done but some rule raised an error (outcome ERROR); 2 bad usage,\n"
   "unreadable database or rules that do not load (nothing written).\n"},
  {"explain", "SUBJECT [--db PATH] [--rules DIR] [--as-of DATE] [--year YYYY]",
   "the full reasoning for one subject, e.g. enterprise:42",
   "Evaluates every rule for the subject and the subjects that roll up to it (its posts,\n"
   "internships, ...) and prints each outcome with its reason, the values compared and the\n"
   "clause cited. Nothing is stored.\n"},
  {"runs", "[--db PATH] [--limit N]", "list past runs, newest first", ""},
  {"show", "RUN [--db PATH] [--format text|jsonl|csv] [--out FILE]", "print one stored run", ""},
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
  int year, quiet, jobs, limit, help, verbose;
  long long budget;
  long time_ms, mem_mb, watchdog_ms;
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
  c->jobs = 1;
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
}

/* Static checks that need the database: tables, columns, input SQL. */
static int check_against_db(const rh_ruleset *rs, const char *path, FILE *out) {
  sqlite3 *db = NULL;
  int problems = 0;
  if (access(path, F_OK) != 0 || rh_db_open(&db, path, RH_DB_RO) != RH_OK) return 0;
  for (int i = 0; i < rs->nrules; i++) {
    const rh_rule_info *r = &rs->rules[i];
    if (r->cite[0] == '\0') {
      fprintf(out, "%s:%d: rule %s has no cite: name the clause it implements\n", r->file, r->line, r->id);
      problems++;
    }
    if (strcmp(r->subject, "city") != 0 && !rh_db_table_exists(db, r->subject)) {
      fprintf(out, "%s:%d: rule %s: subject '%s' is not a table of the database\n", r->file,
              r->line, r->id, r->subject);
      problems++;
      continue;
    }
    for (int k = 0; k < r->ninputs; k++) {
      sqlite3_stmt *st = NULL;
      /* Prepared under the same authorizer as in a worker: a denied
      ** function or a write is reported here, before any run. */
      sqlite3_set_authorizer(db, rh_ldb_authorizer, NULL);
      int prc = sqlite3_prepare_v2(db, r->inputs[k].sql, -1, &st, NULL);
      sqlite3_set_authorizer(db, NULL, NULL);
      if (prc != SQLITE_OK) {
        fprintf(out, "%s:%d: rule %s: input '%s': %s\n", r->file, r->line, r->id,
                r->inputs[k].name, sqlite3_errmsg(db));
        problems++;
      }
      sqlite3_finalize(st);
    }
  }
  for (int i = 0; i < rs->npolicies; i++) {
    const rh_policy_info *p = &rs->policies[i];
    char col[80];
    snprintf(col, sizeof col, "%s_id", p->subject);
    if (!rh_db_table_exists(db, p->subject)) {
      fprintf(out, "%s:%d: policy %s: subject '%s' is not a table of the database\n", p->file,
              p->line, p->name, p->subject);
      problems++;
      continue;
    }
    for (int k = 0; k < rs->nrules; k++) {
      const rh_rule_info *r = &rs->rules[k];
      int named = 0;
      for (int j = 0; j < p->nrules; j++) named |= strcmp(p->rules[j], r->id) == 0;
      if (!named || strcmp(r->subject, p->subject) == 0) continue;
      if (strcmp(r->subject, "city") == 0 || !rh_db_has_column(db, r->subject, col)) {
        fprintf(out, "%s:%d: policy %s: rule %s judges %s, which has no %s column to roll up to %s\n",
                p->file, p->line, p->name, r->id, r->subject, col, p->subject);
        problems++;
      }
    }
  }
  rh_db_close(db);
  return problems;
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
  if (rc == RH_OK) problems += check_against_db(rs, c->db, stdout);
  if (problems == 0)
    printf("%s: %d rule%s, %d polic%s, no problems (rules %.12s)\n", c->rules, rs->nrules,
           rs->nrules == 1 ? "" : "s", rs->npolicies, rs->npolicies == 1 ? "y" : "ies", rs->version);
  rh_ruleset_free(rs);
  return problems ? EXIT_SOME : EXIT_OK;
}

static FILE *open_out(const char *path) {
  if (path == NULL) return stdout;
  FILE *f = fopen(path, "w");
  if (f == NULL) rh_error_set(RH_EUSAGE, "--out %s: %s", path, strerror(errno));
  return f;
}

static int cmd_eval(const cli *c) {
  rh_eval_opts o;
  opts_from_cli(&o, c);
  rh_format fmt = isatty(1) || c->out ? RH_FMT_TEXT : RH_FMT_JSONL;
  if (!isatty(1) && c->out == NULL) fmt = RH_FMT_JSONL;
  if (c->out && !c->format) fmt = RH_FMT_JSONL;
  if (c->format && rh_format_parse(&fmt, c->format) != RH_OK) return fail(EXIT_USAGE, "eval");
  if (need_pos(c, 0, "eval")) return fail(EXIT_USAGE, "eval");
  o.progress = isatty(2) && !c->quiet;
  if (access(c->db, F_OK) != 0) {
    rh_error_set(RH_ENOTFOUND, "%s: no such database (create it with: ronghe init --db %s)", c->db, c->db);
    return fail(EXIT_USAGE, "eval");
  }
  rh_eval_stats st;
  int rc = rh_eval_run(&o, &st, NULL, NULL);
  if (rc != RH_OK) return fail(EXIT_USAGE, "eval");
  if (c->quiet) {
    printf("run %lld: %ld subjects, %ld results, %ld decisions, %ld errors, %.3f s\n",
           (long long)st.run_id, st.subjects, st.results, st.decisions, st.errors, st.seconds);
  } else {
    sqlite3 *db = NULL;
    FILE *out = open_out(c->out);
    if (out == NULL) return fail(EXIT_USAGE, "eval");
    if (rh_db_open(&db, c->db, RH_DB_RO) != RH_OK ||
        rh_output_run(db, st.run_id, fmt, out, c->verbose) != RH_OK) {
      rh_db_close(db);
      if (out != stdout) fclose(out);
      return fail(EXIT_USAGE, "eval");
    }
    rh_db_close(db);
    if (out != stdout && fclose(out) != 0) {
      rh_error_set(RH_ERROR, "--out %s: write failed", c->out);
      return fail(EXIT_USAGE, "eval");
    }
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
  if (out && out != stdout) fclose(out);
  rh_db_close(db);
  return rc == RH_OK ? EXIT_OK : fail(rc == RH_ENOTFOUND ? EXIT_SOME : EXIT_USAGE, "show");
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "__worker") == 0) return rh_worker_main(argc, argv);
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
  return usage_cmd(cmd, stderr);
}
