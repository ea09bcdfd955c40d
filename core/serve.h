/*
** `ronghe serve`: one process, one libuv loop, no rule code.
**
** The loop owns the HTTP listener (h2o, libuv backend), the schedule timer,
** a watch on the rules folder, SIGHUP/SIGTERM/SIGINT, and the pipes of the
** child processes that do the real work: `ronghe check` and
** `ronghe __catalog` validate a new rule set, `ronghe eval` stores a
** scheduled run, `ronghe explain` answers an on-demand evaluation.  Every
** child runs in a snapshot folder, a private copy of the rule files taken
** when they were validated, so an edit never reaches a run already going.
*/
#ifndef RH_SERVE_H
#define RH_SERVE_H

#include <stddef.h>

typedef struct {
  const char *db_path;    /* must exist (ronghe init) */
  const char *rules_dir;
  const char *config;     /* extra rule file, e.g. the schedules; NULL = none */
  const char *listen;     /* HOST:PORT; NULL = 127.0.0.1:8080; port 0 = any free port */
  const char *log_path;   /* NULL = stderr */
  int jobs;               /* worker processes per scheduled run */
} rh_serve_opts;

/* Runs the service until SIGTERM/SIGINT.  Returns the process exit code:
** 0 after a clean stop, 2 when it cannot start (bad options, database
** missing, the rule set does not load, the port is taken). */
int rh_serve_run(const rh_serve_opts *o);

/* `ronghe __catalog --rules DIR [--config FILE]`: loads the rule set in a
** worker and prints its rules, policies and schedules as JSON Lines; exit 0,
** 1 if the rules have problems (printed as {"type":"error"} lines), 2 on bad
** usage.  Serve reads schedules this way without running Lua itself. */
int rh_catalog_main(int argc, char **argv);

/* ---- shared by catalog_cmd.c, serve.c and http.c (not a public API) ---- */

/* Copies DIR/ *.lua (regular files, no dot files) and, if not NULL, the
** config file (named config_name there) into dest, which must not exist.
** Fails if a rule file has the config's name. */
int rh__serve_stage(const char *dest, const char *rules_dir, const char *config,
                    const char *config_name);
/* rm -rf path; only ever called on folders this process made. */
void rh__serve_rmtree(const char *path);
/* The name a --config file takes inside a staged folder (always *.lua), or
** "" when the file already is one of the rule files.  out has n bytes. */
void rh__serve_config_name(char *out, size_t n, const char *rules_dir, const char *config);

#endif
