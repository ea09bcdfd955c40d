/*
** Internals of `ronghe serve` shared by serve.c (loop, children, snapshots,
** schedules, signals) and http.c (the JSON API on h2o).  Not a public API:
** everything here lives and dies with one serve process.
*/
#ifndef RH_HTTP_H
#define RH_HTTP_H

#include <h2o.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <uv.h>

#include "cron.h"
#include "serve.h"
#include "util.h"

typedef struct rh_srv rh_srv;

/* A validated copy of the rule files.  Children run with it as their
** working folder; it is deleted when it is neither current nor used. */
typedef struct rh_snap {
  char *dir;             /* <root>/<sha12> */
  char version[65];      /* sha256 of the rule set, as stored with runs */
  int refs;              /* 1 while current + 1 per child using it */
  char loaded_at[32];
  json_t *rules, *policies, *schedules; /* arrays read from __catalog */
  struct rh_snap *next;
} rh_snap;

typedef enum { RH_CHILD_CHECK, RH_CHILD_CATALOG, RH_CHILD_EVAL, RH_CHILD_EXPLAIN } rh_child_kind;

typedef struct rh_child rh_child;
/* Called once, when the process has exited and both pipes are drained. */
typedef void (*rh_child_cb)(rh_child *c);

struct rh_child {
  uv_process_t proc;
  uv_pipe_t out, err;
  rh_srv *srv;
  rh_child_kind kind;
  rh_snap *snap;          /* held (refs) while the child lives */
  int handles;            /* open uv handles; freed when 0 */
  int exited, out_eof, err_eof, reported, killed, stop_killed;
  int64_t status;
  int term_signal;
  uint64_t started_ms, exited_ms, deadline_ms, term_ms;
  rh_buf out_buf, err_buf;
  size_t max_out;
  int truncated;
  rh_child_cb done;
  void *ud;               /* the callback's own data */
  int idx;
  char sched[128];        /* RH_CHILD_EVAL: schedule name */
  char slot[40], prev_slot[40], state_key[160];
  rh_child *next;
};

/* A schedule from the catalog, kept across reloads by name. */
typedef struct rh_sched {
  char *name, *cron_text, *as_of, *file;
  int line, year, on_import;
  char **policies, **rules;
  int npolicies, nrules;
  rh_cron cron;
  int has_cron;
  time_t next;            /* next cron slot; 0 = none */
  time_t pending;         /* due slot waiting for the database lock */
  int pending_import;     /* an import to act on, waiting for the lock */
  int seen;               /* mark used while applying a new catalog */
  struct rh_sched *next_s;
} rh_sched;

/* A claimed slot waiting for another schedule's run to finish: runs write
** one at a time (the database has one writer), so they queue, not fail. */
typedef struct rh_queued {
  char sched[128], key[160], slot[40], prev[40], why[64];
  time_t slot_time;
  struct rh_queued *next;
} rh_queued;

typedef struct rh_conn {
  uv_tcp_t tcp;
  rh_srv *srv;
  int shut;               /* reading shut down at stop */
  struct rh_conn *prev, *next;
} rh_conn;

struct rh_srv {
  uv_loop_t loop;
  rh_serve_opts o;
  char exe[PATH_MAX];
  char db_abs[PATH_MAX], rules_abs[PATH_MAX], config_abs[PATH_MAX];
  char rules_base[256];   /* the rules folder's name inside a snapshot */
  char config_name[256];  /* the config's name inside a snapshot ("" = none) */
  char config_dir[PATH_MAX], config_file[256];
  char root[PATH_MAX];    /* private folder holding the snapshots */
  char host[64];
  FILE *log;
  sqlite3 *ro, *rw;       /* reads for the API; the schedule-state table */

  rh_snap *cur, *snaps;
  rh_child *children;
  int nchildren_alive;    /* allocated children not yet freed */
  int nexplain;
  rh_sched *scheds;
  rh_queued *queue;

  /* reload */
  int reloading, reload_again;
  unsigned stage_no;
  char stage_dir[PATH_MAX + 32];
  char stage_version[65];
  char reload_why[64];
  json_t *errors;         /* "file:line: message" of the last failed reload */
  char last_reload_at[32];
  int last_reload_ok;

  /* handles owned by the server (closed in srv_close_handles) */
  uv_signal_t sig_term, sig_int, sig_hup;
  uv_fs_event_t watch_rules, watch_config;
  int watch_rules_on, watch_config_on;
  uv_timer_t debounce, sched_timer, house;
  uv_tcp_t listener;
  int listener_on;
  int port;
  char listen_url[128];    /* http://HOST:PORT actually bound */

  /* h2o */
  h2o_globalconf_t h2o_conf;
  h2o_context_t h2o_ctx;
  h2o_accept_ctx_t accept_ctx;
  int h2o_on;
  rh_conn *conns;
  int nconns;
  int pending_reqs;       /* requests answered later (evaluate) */

  /* clock: the wall clock, or RONGHE_SERVE_NOW plus elapsed time (tests) */
  int fake_clock;
  double fake_base;
  uint64_t fake_hr0;

  /* data imports (on_import schedules) */
  long long data_version;
  char import_fp[65];
  uint64_t import_check_ms;

  int started, stopping, exit_code, signal_count;
  uint64_t start_ms, stop_ms, drain_ms;
  double start_wall;      /* wall-clock start (real clock): older claims of our pid are not ours */
};

/* ---- serve.c, for http.c ---- */
void rh__serve_log(rh_srv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
double rh__serve_now(rh_srv *s);
uint64_t rh__serve_ms(void);
/* Local date of t, YYYY-MM-DD. */
void rh__serve_date(char out[11], time_t t);
/* Local time of t as ISO 8601 with offset, e.g. 2024-01-08T06:00:00+08:00. */
void rh__serve_local_iso(char out[40], time_t t);
/* Spawns `ronghe ARGS...` with cwd as its working folder; args[0] is
** replaced by the binary.  With snap, the child holds that snapshot until it
** is done (its folder is not deleted under it).  Output beyond max_out bytes
** is dropped (c->truncated); timeout_ms > 0 kills it with SIGKILL then. */
int rh__serve_spawn(rh_srv *s, rh_child **out, rh_child_kind kind, char **args, const char *cwd,
                    rh_snap *snap, size_t max_out, uint64_t timeout_ms, rh_child_cb done, void *ud);
void rh__serve_reload(rh_srv *s, const char *why);
int rh__serve_running(rh_srv *s, const char *sched, rh_child **which);

/* ---- http.c, for serve.c ---- */
int rh__http_check_listen(const char *spec); /* --listen is well formed */
int rh__http_start(rh_srv *s);      /* binds and listens; logs nothing */
void rh__http_stop(rh_srv *s);      /* stops accepting; keeps open connections */
void rh__http_close_idle(rh_srv *s); /* at stop, once every answer is out */
void rh__http_dispose(rh_srv *s);   /* after the loop has stopped */
/* A JSON string for arbitrary bytes (invalid UTF-8 becomes U+FFFD). */
json_t *rh__json_str(const char *s);

#endif
