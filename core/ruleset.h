/*
** A rule set as the supervisor sees it: the files' texts and their hash (it
** never runs them), and the catalog a worker reports after loading them.
*/
#ifndef RH_RULESET_H
#define RH_RULESET_H

#include <stddef.h>

#include "proto.h"

typedef struct {
  char *path;       /* as shown to users: DIR/name.lua */
  char *text;
  size_t len;
  char sha256[65];
} rh_rule_file;

typedef struct {
  char *name, *sql;
  int list;
} rh_input_info;

typedef struct {
  char *name;
  int nperiods;
  struct { char *from, *to, *value, *source; } *periods;
} rh_param_info;

typedef struct {
  char *id, *subject, *kind, *title, *cite, *file;
  int yearly, warn, line;
  int ninputs;
  rh_input_info *inputs;
  int nparams;
  rh_param_info *params;
} rh_rule_info;

typedef struct {
  char *name, *subject, *answers, *title, *file;
  int yearly, line;
  int nrules;
  char **rules;
} rh_policy_info;

typedef struct {
  char *name, *cron, *as_of, *file;   /* as_of: "today" or YYYY-MM-DD */
  int line, year, on_import;          /* year 0 = the year of as_of */
  int npolicies, nrules;
  char **policies, **rules;           /* empty = everything */
} rh_schedule_info;

typedef struct {
  char *dir;
  int nfiles;
  rh_rule_file *files;
  char version[65];   /* sha256 over (path, text) of every file, in order */
  /* filled from the worker's catalog */
  int nrules;
  rh_rule_info *rules;
  int npolicies;
  rh_policy_info *policies;
  int nschedules;
  rh_schedule_info *schedules;
  int nerrors;
  char **errors;      /* "file:line: message" */
} rh_ruleset;

/* Reads DIR/NAME.lua files (not sub-folders), sorted by name.  A folder without any
** rule file is an error. */
int rh_ruleset_read(rh_ruleset **out, const char *dir);
void rh_ruleset_free(rh_ruleset *rs);
/* Adds one more file (e.g. serve's --config with schedules) after the rule
** files; it is part of the version hash like any rule file. */
int rh_ruleset_add_file(rh_ruleset *rs, const char *path);
/* Appends the L frame that loads this rule set into a worker. */
/* overrides: "NAME=VALUE" strings (--param), novr of them. */
int rh_ruleset_load_frame(const rh_ruleset *rs, rh_buf *b, uint64_t mem, uint64_t instr,
                          uint64_t ms, uint64_t load_instr, const char *const *overrides,
                          int novr);
/* Parses a worker's C frame into rs (replacing any earlier catalog). */
int rh_ruleset_parse_catalog(rh_ruleset *rs, const void *payload, size_t n);
/* Index of the rule (id, subject) or -1; subject NULL matches any. */
int rh_ruleset_find_rule(const rh_ruleset *rs, const char *id, const char *subject);
int rh_ruleset_find_policy(const rh_ruleset *rs, const char *name);

#endif
