/*
** The supervisor of an evaluation (see eval.h).
**
** One libuv loop owns everything: the worker processes (uv_spawn with a pipe
** each way and a shared slot, see worker.h), a tick timer that draws progress
** and acts as the watchdog, and SIGINT/SIGTERM.  Only this process writes the
** database, inside one transaction per run: a run that is interrupted, killed
** or fails leaves nothing behind, and earlier runs are untouched.
*/
#include "eval.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <uv.h>

#include "db.h"
#include "rh.h"
#include "util.h"
#include "worker.h"

#define NO_LOW INT64_MIN
#define NO_HIGH INT64_MAX

enum { OC_PASS = 1, OC_FAIL = 2, OC_NA = 3, OC_UNKNOWN = 4, OC_ERROR = 5 };

void rh_eval_opts_init(rh_eval_opts *o) {
  memset(o, 0, sizeof *o);
  o->db_path = "ronghe.db";
  o->rules_dir = "rules";
  o->jobs = 1;
  o->mem_mb = 64;
  o->worker_mem_mb = 1024;
  o->instructions = 100000000; /* about half a second of plain Lua */
  o->time_ms = 1000;
  o->watchdog_ms = 3000;
  o->input_ms = 60000;
  o->keep = 1;
}

/* ---- plan ---------------------------------------------------------------- */

typedef struct {
  int64_t *v;
  int n, cap;
} id_set; /* sorted, unique after finish */

/* A task: a group of rules that judge the same table, over the subjects
** with after < id < before (and in ids, if set), evaluated by one worker in
** one pass over that table. */
typedef struct rh_task {
  int nrules;
  int rule_nos[64];
  const id_set *ids;   /* NULL = every subject */
  int64_t after, before;
  int64_t last;        /* last subject fully received: resume point */
  int crashes;
  int grp;             /* its rule list's number in rh_run_group (at dispatch) */
  uint32_t src;        /* its serial number at dispatch: rh_result_pack.src */
  int64_t cost;        /* planned: subjects times rules, to hand out big tasks first */
} rh_task;

/* --jobs: 0 means one worker per CPU, at most 8. */
static int jobs_of(const rh_eval_opts *o) {
  if (o->jobs > 0) return o->jobs;
  unsigned n = uv_available_parallelism();
  return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

static rh_task *task_new(const rh_task *like) {
  rh_task *t = malloc(sizeof *t);
  if (t) *t = *like;
  return t;
}

typedef struct rh_sup rh_sup;

#define DEC_BATCH 64
#define PACK_BATCH 32

/* A packed row as it arrived (pointers into the frame). */
typedef struct {
  int64_t id;
  const char *oc;
  size_t on;
  const char *detail;
  size_t dn;
} rec_ref;

typedef struct {
  const char *ids[64];
  int n;
} id_names; /* rule ids of a decision's failed or unknown list */

/* A rule group of the run: the rule list a packed result row carries.  Per
** policy: whether its rules are all in the group (then a row decides the
** subject at once) and where. */
typedef struct {
  int n, rule_nos[64];
  signed char *pol_ok; /* per policy: 0 not yet looked at, 1 decides, 2 other table, 3 incomplete */
  int *pol_pos;        /* per policy, 64 each: positions of its rules in the group */
} rh_group;

/* A policy decided as results arrive (see store_record). */
typedef struct {
  int on, fast, broken;
  int nrules, rule_nos[64];  /* the policy's rules in this run */
  long count;                /* decisions stored so far */
} rh_pol_run;

typedef struct rh_wk {
  uv_process_t proc;
  uv_pipe_t to, from;
  rh_sup *sup;
  int open_handles;
  int exited, eof, finished;
  int64_t exit_status;
  int term_signal;
  int ready;
  int watchdog;
  rh_task *task;
  rh_buf in;
  size_t in_off;
  int slot_fd;
  rh_worker_slot *slot;
  uint64_t seen_seq, progress_ns;
} rh_wk;

struct rh_sup {
  uv_loop_t loop;
  const rh_eval_opts *o;
  rh_ruleset *rs;
  char exe[4096];
  rh_wk **wk;
  int nwk;
  rh_task **queue; /* pending tasks */
  int nqueue, capqueue;
  int busy;
  sqlite3 *db;
  sqlite3_stmt *ins, *ins_grp, *ins_dec, *ins_reason, *ins_dec_batch, *ins_pack_batch;
  int any_row;          /* a packed row was stored: first_rowid is set */
  /* decisions waiting to be stored DEC_BATCH at a time (one statement for
  ** many rows costs a fraction of one per row) */
  struct dec_row { int pol; int64_t id; int decision; size_t failed, unknown; } *dec;
  int ndec;
  rh_buf dec_text; /* the failed and unknown lists of dec[], NUL-separated */
  uint32_t task_serial; /* numbers the tasks sent (rh_result_pack.src) */
  rh_group *groups;
  int ngroups;
  rh_pol_run *pol;
  rh_buf detail;     /* scratch for results made here (errors) */
  int64_t run_id;
  id_set *rule_ids;  /* per rule: subject filter (NULL = all) */
  int *rule_on;      /* per rule: evaluated in this run */
  int fatal;         /* stop: rc holds why */
  int rc;
  char msg[1024];
  long results, errors, tasks_done, tasks_total;
  int64_t first_rowid, last_rowid;
  uv_timer_t tick;
  uv_signal_t sigint, sigterm;
  int interrupted;
  int progress_shown;
  int catalog_seen;     /* the first worker reported its catalog */
  int load_lost;        /* a worker died before it had loaded the rules */
  int load_signal;
};

/* RONGHE_TRACE=1 prints the time of each phase of a run on stderr. */
static void trace(const char *what) {
  static int on = -1;
  static uint64_t t0;
  if (on < 0) {
    const char *e = getenv("RONGHE_TRACE");
    on = e && *e && strcmp(e, "0") != 0;
    t0 = uv_hrtime();
  }
  if (on) fprintf(stderr, "[trace %8.3f s] %s\n", (double)(uv_hrtime() - t0) / 1e9, what);
}

static void sup_fail(rh_sup *s, int rc, const char *msg) {
  if (s->fatal) return;
  s->fatal = 1;
  s->rc = rc;
  snprintf(s->msg, sizeof s->msg, "%s", msg);
}

static int ids_add(id_set *s, int64_t v) {
  if (s->n == s->cap) {
    int cap = s->cap ? s->cap * 2 : 16;
    int64_t *p = realloc(s->v, (size_t)cap * sizeof *p);
    if (p == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
    s->v = p;
    s->cap = cap;
  }
  s->v[s->n++] = v;
  return RH_OK;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static void ids_finish(id_set *s) {
  if (s->n == 0) return;
  qsort(s->v, (size_t)s->n, sizeof *s->v, cmp_i64);
  int k = 1;
  for (int i = 1; i < s->n; i++)
    if (s->v[i] != s->v[k - 1]) s->v[k++] = s->v[i];
  s->n = k;
}

static int ids_has(const id_set *s, int64_t v) {
  return bsearch(&v, s->v, (size_t)s->n, sizeof v, cmp_i64) != NULL;
}

/* ---- workers ------------------------------------------------------------- */

static void wk_maybe_free(rh_wk *w) {
  if (w->open_handles > 0) return;
  if (w->slot) munmap(w->slot, sizeof *w->slot);
  if (w->slot_fd >= 0) close(w->slot_fd);
  rh_buf_free(&w->in);
  free(w);
}

static void on_handle_closed(uv_handle_t *h) {
  rh_wk *w = h->data;
  w->open_handles--;
  wk_maybe_free(w);
}

static void wk_close(rh_wk *w) {
  uv_handle_t *hs[3] = {(uv_handle_t *)&w->proc, (uv_handle_t *)&w->to, (uv_handle_t *)&w->from};
  for (int i = 0; i < 3; i++)
    if (!uv_is_closing(hs[i])) uv_close(hs[i], on_handle_closed);
}

typedef struct {
  uv_write_t req;
  char *data;
} wk_write;

static void on_written(uv_write_t *req, int status) {
  wk_write *ww = (wk_write *)req;
  (void)status; /* a dead worker is noticed by its exit callback */
  free(ww->data);
  free(ww);
}

/* Sends a frame; takes ownership of b's bytes. */
static int wk_send(rh_wk *w, rh_buf *b) {
  wk_write *ww = malloc(sizeof *ww);
  if (ww == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  ww->data = b->data;
  uv_buf_t buf = uv_buf_init(b->data, (unsigned)b->len);
  b->data = NULL;
  b->len = b->cap = 0;
  int rc = uv_write(&ww->req, (uv_stream_t *)&w->to, &buf, 1, on_written);
  if (rc != 0) {
    free(ww->data);
    free(ww);
    return rh_error_set(RH_EWORKER, "cannot write to worker: %s", uv_strerror(rc));
  }
  return RH_OK;
}

static void sup_dispatch(rh_sup *s);
static void wk_finish(rh_wk *w);
static int store_error_rest(rh_sup *s, rh_task *t, const char *reason);
static int store_errors(rh_sup *s, const int *rule_nos, int n, int64_t id, const char *reason);
static int store_record(rh_sup *s, int grp, int64_t id, const char *oc, size_t on, const char *detail,
                        size_t dn);
static int store_records(rh_sup *s, int grp, uint32_t src, const rec_ref *r, int n);
static int grp_for(rh_sup *s, const int *rule_nos, int n);

static void queue_push(rh_sup *s, rh_task *t, int front) {
  if (s->nqueue == s->capqueue) {
    int cap = s->capqueue ? s->capqueue * 2 : 32;
    rh_task **q = realloc(s->queue, (size_t)cap * sizeof *q);
    if (q == NULL) {
      sup_fail(s, RH_ENOMEM, "out of memory");
      free(t);
      return;
    }
    s->queue = q;
    s->capqueue = cap;
  }
  if (front) {
    memmove(s->queue + 1, s->queue, (size_t)s->nqueue * sizeof *s->queue);
    s->queue[0] = t;
  } else {
    s->queue[s->nqueue] = t;
  }
  s->nqueue++;
}

static void task_done(rh_sup *s, rh_wk *w) {
  free(w->task);
  w->task = NULL;
  s->busy--;
  s->tasks_done++;
}

static void handle_frame(rh_wk *w, char type, const char *p, size_t n) {
  rh_sup *s = w->sup;
  rh_rd r;
  rh_rd_init(&r, p, n);
  switch (type) {
    case 'C':
      if (!w->ready && s->rs->nrules == 0 && s->rs->nerrors == 0) {
        if (rh_ruleset_parse_catalog(s->rs, p, n) != RH_OK) sup_fail(s, RH_EWORKER, rh_error_last());
      }
      w->ready = 1;
      s->catalog_seen = 1;
      break;
    case 'P': {
      uint32_t k = rh_rd_u32(&r);
      rec_ref batch[PACK_BATCH];
      int nb = 0;
      for (uint32_t i = 0; i <= k && !r.bad && !s->fatal && w->task; i++) {
        if (i < k) {
          rec_ref *x = &batch[nb++];
          x->id = rh_rd_i64(&r);
          x->oc = rh_rd_str(&r, &x->on);
          x->detail = rh_rd_str(&r, &x->dn);
          if (r.bad) break;
        }
        /* full batches with one statement; the rest of the frame one by one */
        if (nb == PACK_BATCH || (i == k && nb > 0)) {
          int rc = RH_OK;
          if (nb == PACK_BATCH) rc = store_records(s, w->task->grp, w->task->src, batch, nb);
          else
            for (int j = 0; j < nb && rc == RH_OK; j++) rc = store_records(s, w->task->grp, w->task->src, &batch[j], 1);
          if (rc != RH_OK) {
            if (!s->fatal) sup_fail(s, rh_error_code(), rh_error_last());
            break;
          }
          w->task->last = batch[nb - 1].id;
          nb = 0;
        }
      }
      if (r.bad) sup_fail(s, RH_EWORKER, "malformed results from worker");
      break;
    }
    case 'S': { /* reason texts the following records refer to by id */
      uint32_t k = rh_rd_u32(&r);
      for (uint32_t i = 0; i < k && !r.bad && !s->fatal; i++) {
        int64_t id = rh_rd_i64(&r);
        size_t tl;
        const char *text = rh_rd_str(&r, &tl);
        if (r.bad) break;
        if (w->task == NULL) break;
        sqlite3_stmt *st = s->ins_reason;
        sqlite3_bind_int64(st, 1, s->run_id);
        sqlite3_bind_int64(st, 2, w->task->src);
        sqlite3_bind_int64(st, 3, id);
        sqlite3_bind_text(st, 4, text, (int)tl, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) sup_fail(s, rh_db_fail(s->db, "storing a reason"), rh_error_last());
      }
      if (r.bad) sup_fail(s, RH_EWORKER, "malformed reasons from worker");
      break;
    }
    case 'D':
      if (w->task) task_done(s, w);
      break;
    case 'X': {
      size_t ml;
      const char *m = rh_rd_str(&r, &ml);
      if (w->task) {
        char *msg = strndup(m ? m : "worker failed", ml);
        if (store_error_rest(s, w->task, msg) != RH_OK) sup_fail(s, rh_error_code(), rh_error_last());
        free(msg);
        task_done(s, w);
      }
      break;
    }
    default:
      sup_fail(s, RH_EWORKER, "unknown frame from worker");
  }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  rh_wk *w = h->data;
  (void)suggested;
  if (rh_buf_reserve(&w->in, 65536) != RH_OK) {
    buf->base = NULL;
    buf->len = 0;
    return;
  }
  buf->base = w->in.data + w->in.len;
  buf->len = w->in.cap - w->in.len - 1;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
  rh_wk *w = st->data;
  (void)buf;
  if (nread < 0) {
    uv_read_stop(st);
    w->eof = 1;
    wk_finish(w);
    return;
  }
  w->in.len += (size_t)nread;
  /* Parse every complete frame; keep the tail for the next read. */
  while (w->in.len - w->in_off >= 5) {
    const unsigned char *q = (const unsigned char *)w->in.data + w->in_off;
    uint32_t len = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                   (uint32_t)q[3] << 24;
    if (len < 1 || len > (512u << 20)) {
      sup_fail(w->sup, RH_EWORKER, "corrupt frame from worker");
      uv_process_kill(&w->proc, SIGKILL);
      return;
    }
    if (w->in.len - w->in_off < 4 + (size_t)len) break;
    handle_frame(w, (char)q[4], (const char *)q + 5, len - 1);
    w->in_off += 4 + (size_t)len;
  }
  if (w->in_off > 0) {
    memmove(w->in.data, w->in.data + w->in_off, w->in.len - w->in_off);
    w->in.len -= w->in_off;
    w->in_off = 0;
  }
  sup_dispatch(w->sup);
}

static void on_worker_exit(uv_process_t *p, int64_t status, int term_signal) {
  rh_wk *w = p->data;
  w->exited = 1;
  w->exit_status = status;
  w->term_signal = term_signal;
  wk_finish(w);
}

static int sup_spawn(rh_sup *s) {
  rh_wk *w = calloc(1, sizeof *w);
  if (w == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  w->sup = s;
  w->slot_fd = -1;
  /* The slot is a page shared with the worker through an inherited memfd. */
  w->slot_fd = memfd_create("ronghe-slot", MFD_CLOEXEC);
  if (w->slot_fd < 0 || ftruncate(w->slot_fd, sizeof(rh_worker_slot)) != 0) {
    int e = errno;
    wk_maybe_free(w);
    return rh_error_set(RH_EWORKER, "memfd: %s", strerror(e));
  }
  w->slot = mmap(NULL, sizeof(rh_worker_slot), PROT_READ | PROT_WRITE, MAP_SHARED, w->slot_fd, 0);
  if (w->slot == MAP_FAILED) {
    w->slot = NULL;
    wk_maybe_free(w);
    return rh_error_set(RH_EWORKER, "mmap: %s", strerror(errno));
  }
  w->slot->rule_no = -1;
  uv_pipe_init(&s->loop, &w->to, 0);
  uv_pipe_init(&s->loop, &w->from, 0);
  w->to.data = w->from.data = w->proc.data = w;
  w->open_handles = 2;
  char mem[32];
  snprintf(mem, sizeof mem, "%ld", s->o->worker_mem_mb);
  char *args[] = {s->exe, "__worker", "--mem-mb", mem, NULL};
  uv_stdio_container_t stdio[4];
  stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
  stdio[0].data.stream = (uv_stream_t *)&w->to;
  stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[1].data.stream = (uv_stream_t *)&w->from;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  stdio[3].flags = UV_INHERIT_FD;
  stdio[3].data.fd = w->slot_fd;
  uv_process_options_t po;
  memset(&po, 0, sizeof po);
  po.file = s->exe;
  po.args = args;
  po.stdio = stdio;
  po.stdio_count = 4;
  po.exit_cb = on_worker_exit;
  int rc = uv_spawn(&s->loop, &w->proc, &po);
  w->open_handles++; /* the process handle must be closed even if spawn failed */
  if (rc != 0) {
    wk_close(w);
    return rh_error_set(RH_EWORKER, "cannot start worker %s: %s", s->exe, uv_strerror(rc));
  }
  uv_read_start((uv_stream_t *)&w->from, on_alloc, on_read);
  rh_buf b = RH_BUF_INIT;
  rc = rh_ruleset_load_frame(s->rs, &b, (uint64_t)s->o->mem_mb << 20, (uint64_t)s->o->instructions,
                             (uint64_t)s->o->time_ms, (uint64_t)s->o->instructions * 5,
                             s->o->params, s->o->nparams);
  if (rc == RH_OK) rc = wk_send(w, &b);
  rh_buf_free(&b);
  rh_wk **a = realloc(s->wk, (size_t)(s->nwk + 1) * sizeof *a);
  if (a == NULL) {
    uv_process_kill(&w->proc, SIGKILL);
    return rh_error_set(RH_ENOMEM, "out of memory");
  }
  s->wk = a;
  s->wk[s->nwk++] = w;
  return rc;
}

static const char *rule_label(rh_sup *s, int rule_no, char *buf, size_t n) {
  const rh_rule_info *r = &s->rs->rules[rule_no];
  snprintf(buf, n, "%s:%d: rule %s", r->file, r->line, r->id);
  return buf;
}

/* Called when a worker is gone for good: its exit status is known and its
** pipe has given up every byte it wrote.  Only then is it safe to decide
** which subject it was on. */
static void wk_finish(rh_wk *w) {
  rh_sup *s = w->sup;
  if (!w->exited || !w->eof || w->finished) return;
  w->finished = 1;
  if (!w->ready) {
    s->load_lost = 1;
    s->load_signal = w->term_signal;
  }
  for (int i = 0; i < s->nwk; i++)
    if (s->wk[i] == w) {
      s->wk[i] = s->wk[--s->nwk];
      break;
    }
  rh_task *t = w->task;
  if (t && !s->interrupted && !s->fatal) {
    w->task = NULL;
    s->busy--;
    char cause[256], label[512], reason[1024];
    snprintf(reason, sizeof reason, "worker failed");
    if (w->watchdog)
      snprintf(cause, sizeof cause, "no progress for %ld ms: the worker was stopped (watchdog)",
               s->o->watchdog_ms);
    else if (w->term_signal)
      snprintf(cause, sizeof cause, "the worker process crashed (signal %d: %s)", w->term_signal,
               strsignal(w->term_signal));
    else
      snprintf(cause, sizeof cause, "the worker process exited unexpectedly (status %lld)",
               (long long)w->exit_status);
    if (t->nrules > 0) {
      rule_label(s, t->rule_nos[0], label, sizeof label);
      snprintf(reason, sizeof reason, "%s: %s", label, cause);
    }
    int64_t culprit = NO_LOW;
    int culprit_rule = -1;
    if (w->slot && w->slot->rule_no >= 0) {
      for (int k = 0; k < t->nrules; k++)
        if (t->rule_nos[k] == w->slot->rule_no) culprit_rule = t->rule_nos[k];
      culprit = w->slot->subject_id;
    }
    t->crashes++;
    if (culprit_rule >= 0 && culprit == NO_LOW) {
      /* Lost while that rule's inputs ran (e.g. a query stuck in a C
      ** function): the rule gets ERROR for the subjects left, and the other
      ** rules of the group go on without it. */
      rh_task one = *t;
      one.nrules = 1;
      one.rule_nos[0] = culprit_rule;
      rule_label(s, culprit_rule, label, sizeof label);
      snprintf(reason, sizeof reason, "%s: %s while its inputs ran", label, cause);
      if (store_error_rest(s, &one, reason) != RH_OK) sup_fail(s, rh_error_code(), rh_error_last());
      int k = 0;
      for (int j = 0; j < t->nrules; j++)
        if (t->rule_nos[j] != culprit_rule) t->rule_nos[k++] = t->rule_nos[j];
      t->nrules = k;
      t->crashes = 0;
      t->after = t->last;
      if (t->nrules > 0 && !s->fatal) {
        queue_push(s, t, 1);
      } else {
        free(t);
        s->tasks_done++;
      }
    } else if (culprit_rule >= 0 && culprit > t->last && culprit < t->before) {
      rule_label(s, culprit_rule, label, sizeof label);
      snprintf(reason, sizeof reason, "%s: %s", label, cause);
      /* Pin the crash on the rule and subject it happened on, then evaluate
      ** the rest: the subjects between the last one received and the
      ** culprit (their results were lost with the worker), the culprit's
      ** other rules, and the subjects after it. */
      if (store_errors(s, &culprit_rule, 1, culprit, reason) != RH_OK) {
        sup_fail(s, rh_error_code(), rh_error_last());
        free(t);
      } else {
        rh_task *gap = task_new(t), *same = task_new(t);
        if (gap == NULL || same == NULL) {
          free(gap);
          free(same);
          free(t);
          sup_fail(s, RH_ENOMEM, "out of memory");
        } else {
          gap->before = culprit;
          gap->crashes = 0;
          same->after = same->last = culprit - 1;
          same->before = culprit + 1;
          same->nrules = 0;
          for (int k = 0; k < t->nrules; k++)
            if (t->rule_nos[k] != culprit_rule) same->rule_nos[same->nrules++] = t->rule_nos[k];
          t->after = t->last = culprit;
          queue_push(s, t, 1);
          if (same->nrules > 0) {
            queue_push(s, same, 1);
            s->tasks_total++;
          } else {
            free(same);
          }
          queue_push(s, gap, 1);
          s->tasks_total++;
        }
      }
    } else if (t->crashes < 3) {
      t->after = t->last;
      queue_push(s, t, 1);
    } else {
      if (store_error_rest(s, t, reason) != RH_OK) sup_fail(s, rh_error_code(), rh_error_last());
      free(t);
      s->tasks_done++;
    }
  } else if (t) {
    free(t);
    w->task = NULL;
    s->busy--;
  }
  wk_close(w);
  sup_dispatch(s);
}

/* Hands pending tasks to idle, ready workers; starts replacements. */
static void sup_dispatch(rh_sup *s) {
  if (s->fatal || s->interrupted) return;
  int live = 0;
  for (int i = 0; i < s->nwk; i++) live += !s->wk[i]->exited;
  int want = jobs_of(s->o);
  int needed = s->nqueue + s->busy;
  while (live < want && live < needed) {
    if (sup_spawn(s) != RH_OK) {
      sup_fail(s, RH_EWORKER, rh_error_last());
      return;
    }
    live++;
  }
  for (int i = 0; i < s->nwk && s->nqueue > 0; i++) {
    rh_wk *w = s->wk[i];
    if (!w->ready || w->task || w->exited) continue;
    rh_task *t = s->queue[0];
    memmove(s->queue, s->queue + 1, (size_t)(s->nqueue - 1) * sizeof *s->queue);
    s->nqueue--;
    if ((t->grp = grp_for(s, t->rule_nos, t->nrules)) < 0) {
      sup_fail(s, rh_error_code(), rh_error_last());
      free(t);
      return;
    }
    rh_buf b = RH_BUF_INIT;
    int rc = rh_fr_start(&b, 'E');
    rc = rc ? rc : rh_fr_u32(&b, (uint32_t)t->nrules);
    for (int k = 0; k < t->nrules && rc == RH_OK; k++) rc = rh_fr_u32(&b, (uint32_t)t->rule_nos[k]);
    rc = rc ? rc : rh_fr_str(&b, s->o->db_path, strlen(s->o->db_path));
    rc = rc ? rc : rh_fr_str(&b, s->o->as_of, strlen(s->o->as_of));
    rc = rc ? rc : rh_fr_i64(&b, s->o->year);
    rc = rc ? rc : rh_fr_i64(&b, t->after);
    rc = rc ? rc : rh_fr_i64(&b, t->before);
    rc = rc ? rc : rh_fr_u8(&b, 0);
    int n = t->ids ? t->ids->n : 0;
    rc = rc ? rc : rh_fr_u32(&b, (uint32_t)n);
    for (int k = 0; k < n && rc == RH_OK; k++) rc = rh_fr_i64(&b, t->ids->v[k]);
    rc = rc ? rc : rh_fr_u64(&b, (uint64_t)s->o->input_ms);
    t->src = ++s->task_serial;
    rc = rc ? rc : rh_fr_u32(&b, t->src);
    if (rc == RH_OK) {
      rh_fr_end(&b);
      rc = wk_send(w, &b);
    }
    rh_buf_free(&b);
    if (rc != RH_OK) {
      sup_fail(s, rc, rh_error_last());
      free(t);
      return;
    }
    w->task = t;
    s->busy++;
    w->seen_seq = w->slot ? w->slot->seq : 0;
    w->progress_ns = uv_hrtime();
  }
}

static void on_tick(uv_timer_t *tm) {
  rh_sup *s = tm->data;
  uint64_t now = uv_hrtime();
  for (int i = 0; i < s->nwk; i++) {
    rh_wk *w = s->wk[i];
    if (!w->task || w->exited || w->watchdog) continue;
    uint64_t seq = w->slot ? w->slot->seq : 0;
    if (seq != w->seen_seq) {
      w->seen_seq = seq;
      w->progress_ns = now;
    } else if (now - w->progress_ns > (uint64_t)s->o->watchdog_ms * 1000000u) {
      w->watchdog = 1;
      uv_process_kill(&w->proc, SIGKILL);
    }
  }
  if (s->o->progress && s->tasks_total > 0) {
    fprintf(stderr, "\r\033[Kevaluating: %ld/%ld rules done, %ld results", s->tasks_done,
            s->tasks_total, s->results);
    s->progress_shown = 1;
  }
}

static void on_signal(uv_signal_t *h, int signum) {
  rh_sup *s = h->data;
  s->interrupted = signum;
  sup_fail(s, RH_ERROR, "interrupted: nothing was stored");
  for (int i = 0; i < s->nwk; i++)
    if (!s->wk[i]->exited) uv_process_kill(&s->wk[i]->proc, SIGKILL);
}

/* ---- storage ------------------------------------------------------------- */

/* The rule group with exactly this rule list (made, and written to
** rh_run_group, the first time it is needed); -1 on failure. */
static int grp_for(rh_sup *s, const int *rule_nos, int n) {
  for (int g = 0; g < s->ngroups; g++)
    if (s->groups[g].n == n && memcmp(s->groups[g].rule_nos, rule_nos, (size_t)n * sizeof *rule_nos) == 0)
      return g;
  rh_group *ng = realloc(s->groups, (size_t)(s->ngroups + 1) * sizeof *ng);
  if (ng == NULL) return rh_error_set(RH_ENOMEM, "out of memory"), -1;
  s->groups = ng;
  rh_group *g = &ng[s->ngroups];
  memset(g, 0, sizeof *g);
  int np = s->rs->npolicies > 0 ? s->rs->npolicies : 1;
  g->pol_ok = calloc((size_t)np, 1);
  g->pol_pos = calloc((size_t)np * 64, sizeof *g->pol_pos);
  if (g->pol_ok == NULL || g->pol_pos == NULL) {
    free(g->pol_ok);
    free(g->pol_pos);
    return rh_error_set(RH_ENOMEM, "out of memory"), -1;
  }
  g->n = n;
  memcpy(g->rule_nos, rule_nos, (size_t)n * sizeof *rule_nos);
  int id = s->ngroups++;
  for (int k = 0; k < n; k++) {
    sqlite3_stmt *st = s->ins_grp;
    sqlite3_bind_int64(st, 1, s->run_id);
    sqlite3_bind_int(st, 2, id);
    sqlite3_bind_int(st, 3, k);
    sqlite3_bind_int(st, 4, rule_nos[k]);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return rh_db_fail(s->db, "storing a rule group"), -1;
  }
  return id;
}

static void names_add(id_names *a, const char *id);
static int cmp_str(const void *a, const void *b);

/* Appends the sorted, comma-separated ids and a NUL. */
static int names_append(id_names *a, rh_buf *b) {
  qsort(a->ids, (size_t)a->n, sizeof *a->ids, cmp_str);
  for (int i = 0; i < a->n; i++)
    if ((i && rh_buf_add(b, ",", 1) != RH_OK) || rh_buf_adds(b, a->ids[i]) != RH_OK) return RH_ENOMEM;
  return rh_buf_add(b, "", 1); /* the literal's NUL */
}

/* Stores the decisions waiting in s->dec: DEC_BATCH of them with one
** statement, fewer one by one.  A decision stored twice (it cannot happen
** unless a subject was evaluated twice) breaks its policy, which is then
** decided again from the stored rows at the end. */
static int flush_decisions(rh_sup *s) {
  int n = s->ndec;
  if (n == 0) return RH_OK;
  sqlite3_stmt *st = n == DEC_BATCH ? s->ins_dec_batch : s->ins_dec;
  int per = n == DEC_BATCH ? n : 1, rc = SQLITE_DONE;
  for (int first = 0; first < n && (rc == SQLITE_DONE || rc == SQLITE_CONSTRAINT); first += per) {
    for (int k = 0; k < per; k++) {
      const struct dec_row *d = &s->dec[first + k];
      int p = 6 * k;
      sqlite3_bind_int64(st, p + 1, s->run_id);
      sqlite3_bind_int(st, p + 2, d->pol);
      sqlite3_bind_int64(st, p + 3, d->id);
      sqlite3_bind_int(st, p + 4, d->decision);
      sqlite3_bind_text(st, p + 5, s->dec_text.data + d->failed, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, p + 6, s->dec_text.data + d->unknown, -1, SQLITE_STATIC);
    }
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
      rc = SQLITE_CONSTRAINT;
      for (int k = 0; k < per; k++) s->pol[s->dec[first + k].pol].broken = 1;
    }
  }
  s->ndec = 0;
  rh_buf_reset(&s->dec_text);
  if (rc != SQLITE_DONE && rc != SQLITE_CONSTRAINT) return rh_db_fail(s->db, "storing decisions");
  return RH_OK;
}

/* Decides the policies a row of group grp decides: those whose rules are all
** in the group (the usual case: a table's rules are evaluated together).  A
** row with only some of them (a group split around a crashed subject) marks
** the policy broken: it is decided again from the stored rows at the end. */
static int decide_record(rh_sup *s, int grp, int64_t id, const char *oc) {
  rh_group *g = &s->groups[grp];
  const rh_rule_info *first = &s->rs->rules[g->rule_nos[0]];
  for (int pi = 0; pi < s->rs->npolicies; pi++) {
    rh_pol_run *pr = &s->pol[pi];
    if (!pr->fast || pr->broken) continue;
    if (g->pol_ok[pi] == 0) {
      g->pol_ok[pi] = strcmp(s->rs->policies[pi].subject, first->subject) != 0 ? 2 : 1;
      for (int j = 0; j < pr->nrules && g->pol_ok[pi] == 1; j++) {
        int at = -1;
        for (int k = 0; k < g->n && at < 0; k++)
          if (g->rule_nos[k] == pr->rule_nos[j]) at = k;
        if (at < 0) g->pol_ok[pi] = 3;
        g->pol_pos[pi * 64 + j] = at;
      }
    }
    if (g->pol_ok[pi] == 2) continue;
    if (g->pol_ok[pi] == 3) {
      pr->broken = 1;
      continue;
    }
    id_names fa = {{0}, 0}, un = {{0}, 0};
    for (int j = 0; j < pr->nrules; j++) {
      char c = oc[g->pol_pos[pi * 64 + j]];
      const char *rid = s->rs->rules[pr->rule_nos[j]].id;
      if (c == '0' + OC_FAIL) names_add(&fa, rid);
      else if (c == '0' + OC_UNKNOWN || c == '0' + OC_ERROR) names_add(&un, rid);
    }
    if (s->dec == NULL && (s->dec = malloc(DEC_BATCH * sizeof *s->dec)) == NULL)
      return rh_error_set(RH_ENOMEM, "out of memory");
    struct dec_row *d = &s->dec[s->ndec];
    d->pol = pi;
    d->id = id;
    d->decision = fa.n ? 2 : un.n ? 3 : 1;
    d->failed = s->dec_text.len;
    if (names_append(&fa, &s->dec_text) != RH_OK) return rh_error_set(RH_ENOMEM, "out of memory");
    d->unknown = s->dec_text.len;
    if (names_append(&un, &s->dec_text) != RH_OK) return rh_error_set(RH_ENOMEM, "out of memory");
    pr->count++;
    if (++s->ndec == DEC_BATCH) {
      int rc = flush_decisions(s);
      if (rc != RH_OK) return rc;
    }
  }
  return RH_OK;
}

/* Stores one packed row: the results of group grp's rules for subject id. */
/* Stores n packed rows of group grp (pointers into a frame): PACK_BATCH of
** them with one statement, fewer one by one; then decides their subjects. */
static int store_records(rh_sup *s, int grp, uint32_t src, const rec_ref *r, int n) {
  if (grp < 0 || grp >= s->ngroups) return rh_error_set(RH_EWORKER, "malformed results from worker");
  long results = 0, errors = 0;
  for (int i = 0; i < n; i++) {
    if (r[i].on != (size_t)s->groups[grp].n) return rh_error_set(RH_EWORKER, "malformed results from worker");
    for (size_t k = 0; k < r[i].on; k++) {
      char c = r[i].oc[k];
      if (c < '0' || c > '9') return rh_error_set(RH_EWORKER, "malformed results from worker");
      results += c != '0';
      errors += c == '0' + OC_ERROR;
    }
  }
  int per = n == PACK_BATCH ? n : 1;
  sqlite3_stmt *st = n == PACK_BATCH ? s->ins_pack_batch : s->ins;
  for (int first = 0; first < n; first += per) {
    for (int k = 0; k < per; k++) {
      const rec_ref *x = &r[first + k];
      int p = 6 * k;
      sqlite3_bind_int64(st, p + 1, s->run_id);
      sqlite3_bind_int(st, p + 2, grp);
      sqlite3_bind_int64(st, p + 3, x->id);
      sqlite3_bind_text(st, p + 4, x->oc, (int)x->on, SQLITE_STATIC);
      sqlite3_bind_text(st, p + 5, x->detail, (int)x->dn, SQLITE_STATIC);
      sqlite3_bind_int64(st, p + 6, src);
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st); /* the bound bytes belong to the frame */
    if (rc != SQLITE_DONE) return rh_db_fail(s->db, "storing results");
    /* one statement's rows get consecutive rowids: the run's range grows */
    s->last_rowid = sqlite3_last_insert_rowid(s->db);
    if (!s->any_row) s->first_rowid = s->last_rowid - per + 1;
    s->any_row = 1;
  }
  s->results += results;
  s->errors += errors;
  for (int i = 0; i < n; i++) {
    int rc = decide_record(s, grp, r[i].id, r[i].oc);
    if (rc != RH_OK) return rc;
  }
  return RH_OK;
}

static int store_record(rh_sup *s, int grp, int64_t id, const char *oc, size_t on, const char *detail,
                        size_t dn) {
  rec_ref r = {id, oc, on, detail, dn};
  return store_records(s, grp, 0, &r, 1); /* made here: no text ids */
}

/* Stores ERROR with reason for the given rules of subject id. */
static int store_errors(rh_sup *s, const int *rule_nos, int n, int64_t id, const char *reason) {
  int grp = grp_for(s, rule_nos, n);
  if (grp < 0) return rh_error_code();
  char oc[64];
  rh_buf *d = &s->detail;
  rh_buf_reset(d);
  int rc = rh_buf_adds(d, "[");
  for (int k = 0; k < n && rc == RH_OK; k++) {
    oc[k] = '0' + OC_ERROR;
    rc = rh_buf_adds(d, k ? ",[" : "[");
    if (rc == RH_OK) rc = rh_buf_json_str(d, reason, strlen(reason));
    if (rc == RH_OK) rc = rh_buf_adds(d, "]");
  }
  if (rc == RH_OK) rc = rh_buf_adds(d, "]");
  if (rc != RH_OK) return rh_error_set(RH_ENOMEM, "out of memory");
  return store_record(s, grp, id, oc, (size_t)n, d->data, d->len);
}

/* Every subject of the task not yet answered gets ERROR with reason, for
** each rule of the task. */
static int store_error_rest(rh_sup *s, rh_task *t, const char *reason) {
  if (t->nrules == 0) return RH_OK;
  const rh_rule_info *r = &s->rs->rules[t->rule_nos[0]];
  int rc = RH_OK;
  if (strcmp(r->subject, "city") == 0) {
    if (t->last < 0) rc = store_errors(s, t->rule_nos, t->nrules, 0, reason);
    return rc;
  }
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT id FROM \"%s\" WHERE id > ?1 AND id < ?2 ORDER BY id", r->subject);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return RH_OK; /* no such table: nothing to attach errors to */
  sqlite3_bind_int64(st, 1, t->last);
  sqlite3_bind_int64(st, 2, t->before);
  while (rc == RH_OK && sqlite3_step(st) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    if (t->ids && !ids_has(t->ids, id)) continue;
    rc = store_errors(s, t->rule_nos, t->nrules, id, reason);
  }
  sqlite3_finalize(st);
  return rc;
}

/* ---- loading ------------------------------------------------------------- */

static int sup_init(rh_sup *s, const rh_eval_opts *o, rh_ruleset *rs) {
  memset(s, 0, sizeof *s);
  s->o = o;
  s->rs = rs;
  if (o->exe) {
    snprintf(s->exe, sizeof s->exe, "%s", o->exe);
  } else {
    size_t n = sizeof s->exe;
    if (uv_exepath(s->exe, &n) != 0) return rh_error_set(RH_EWORKER, "cannot find the ronghe binary");
  }
  int rc = uv_loop_init(&s->loop);
  if (rc != 0) return rh_error_set(RH_ERROR, "uv_loop_init: %s", uv_strerror(rc));
  uv_timer_init(&s->loop, &s->tick);
  s->tick.data = s;
  uv_timer_start(&s->tick, on_tick, 100, 100);
  uv_signal_init(&s->loop, &s->sigint);
  uv_signal_init(&s->loop, &s->sigterm);
  s->sigint.data = s->sigterm.data = s;
  uv_signal_start(&s->sigint, on_signal, SIGINT);
  uv_signal_start(&s->sigterm, on_signal, SIGTERM);
  return RH_OK;
}

/* Stops every worker (EOF on its input, or SIGKILL when the run failed),
** waits for all handles to close and closes the loop: no handle outlives
** the supervisor. */
static void sup_close(rh_sup *s) {
  for (int i = 0; i < s->nwk; i++) {
    rh_wk *w = s->wk[i];
    if (w->exited) continue;
    if (s->fatal) uv_process_kill(&w->proc, SIGKILL);
    else if (!uv_is_closing((uv_handle_t *)&w->to)) uv_close((uv_handle_t *)&w->to, on_handle_closed);
  }
  while (s->nwk > 0) uv_run(&s->loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&s->tick, NULL);
  uv_close((uv_handle_t *)&s->sigint, NULL);
  uv_close((uv_handle_t *)&s->sigterm, NULL);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&s->loop) != 0) fprintf(stderr, "ronghe: internal: handles left open\n");
  for (int i = 0; i < s->nqueue; i++) free(s->queue[i]);
  free(s->queue);
  free(s->wk);
  if (s->progress_shown) fprintf(stderr, "\r\033[K");
}

/* Spawns the first worker and waits for its catalog. */
static int sup_load(rh_sup *s) {
  if (sup_spawn(s) != RH_OK) {
    sup_fail(s, RH_EWORKER, rh_error_last());
    return s->rc;
  }
  /* Flags on the supervisor, not the worker: a worker that dies is freed
  ** by its close callbacks while this loop runs. */
  while (!s->fatal && !s->catalog_seen && !s->load_lost) uv_run(&s->loop, UV_RUN_ONCE);
  if (s->fatal) return s->rc;
  if (!s->catalog_seen)
    return rh_error_set(RH_EWORKER, "the worker stopped while loading the rules (signal %d)",
                        s->load_signal);
  if (s->rs->nerrors > 0) return rh_error_set(RH_ELOAD, "%d problem(s) in the rules", s->rs->nerrors);
  return RH_OK;
}

int rh_eval_load(rh_ruleset **out, const rh_eval_opts *o) {
  *out = NULL;
  rh_ruleset *rs = NULL;
  int rc = rh_ruleset_read(&rs, o->rules_dir);
  if (rc != RH_OK) return rc;
  rh_sup s;
  if ((rc = sup_init(&s, o, rs)) != RH_OK) {
    rh_ruleset_free(rs);
    return rc;
  }
  rc = sup_load(&s);
  char msg[1024];
  snprintf(msg, sizeof msg, "%s", rc == RH_OK ? "" : (s.fatal ? s.msg : rh_error_last()));
  sup_close(&s);
  if (rc != RH_OK && rc != RH_ELOAD) {
    rh_ruleset_free(rs);
    return rh_error_set(rc, "%s", msg);
  }
  *out = rs;
  return rc == RH_ELOAD ? rh_error_set(RH_ELOAD, "%s", msg) : RH_OK;
}

/* ---- planning ------------------------------------------------------------ */

typedef struct {
  char kind[65];
  int64_t id;
  int city;
} subj_ref;

static int parse_subjects(const rh_eval_opts *o, subj_ref **out) {
  *out = NULL;
  if (o->nsubjects == 0) return RH_OK;
  subj_ref *v = calloc((size_t)o->nsubjects, sizeof *v);
  if (v == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  for (int i = 0; i < o->nsubjects; i++) {
    const char *s = o->subjects[i];
    if (strcmp(s, "city") == 0) {
      v[i].city = 1;
      continue;
    }
    const char *colon = strchr(s, ':');
    char *end = NULL;
    if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof v[i].kind) goto bad;
    memcpy(v[i].kind, s, (size_t)(colon - s));
    if (!rh_ident_ok(v[i].kind)) goto bad;
    errno = 0;
    long long id = strtoll(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end) goto bad;
    v[i].id = id;
    continue;
  bad:
    free(v);
    return rh_error_set(RH_EUSAGE, "--subject %s: expected KIND:ID (e.g. enterprise:42) or city", s);
  }
  *out = v;
  return RH_OK;
}

/* The ids of table `subject` that a --subject filter reaches: the subjects
** named directly, and rows whose <kind>_id column points at one of them. */
static int filter_ids(sqlite3 *db, const char *subject, const subj_ref *refs, int nrefs,
                      id_set *out) {
  int rc = RH_OK;
  for (int i = 0; i < nrefs && rc == RH_OK; i++) {
    if (refs[i].city) continue;
    char col[80];
    if (strcmp(refs[i].kind, subject) == 0)
      snprintf(col, sizeof col, "id"); /* the subject itself, if it exists */
    else
      snprintf(col, sizeof col, "%s_id", refs[i].kind);
    if (!rh_db_has_column(db, subject, col)) continue;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT id FROM \"%s\" WHERE \"%s\" = ?1", subject, col);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return rh_db_fail(db, subject);
    sqlite3_bind_int64(st, 1, refs[i].id);
    while (rc == RH_OK && sqlite3_step(st) == SQLITE_ROW) rc = ids_add(out, sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
  }
  ids_finish(out);
  return rc;
}

static int in_list(const char *v, const char **list, int n) {
  for (int i = 0; i < n; i++)
    if (strcmp(v, list[i]) == 0) return 1;
  return 0;
}

/* ---- decisions ----------------------------------------------------------- */


static void names_add(id_names *a, const char *id) {
  for (int i = 0; i < a->n; i++)
    if (strcmp(a->ids[i], id) == 0) return;
  if (a->n < 64) a->ids[a->n++] = id;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}


/* Decides policy pol_no for every subject in scope.  Only FAIL, UNKNOWN and
** ERROR rows are read: a subject with none of them gets the positive answer. */
static int decide_policy(rh_sup *s, int pol_no, int run_pol_no, const id_set *scope, long *count) {
  const rh_policy_info *p = &s->rs->policies[pol_no];
  rh_buf sql = RH_BUF_INIT;
  char col[80];
  snprintf(col, sizeof col, "%s_id", p->subject);
  int parts = 0, rc = RH_OK;
  /* The run's packed rows (a rowid range) of each rule group that holds some
  ** of this policy's rules: one scan per group (not per rule), only rows
  ** where one of those rules is not PASS or N/A, ordered by the subject the
  ** policy decides (a row of a rolled-up table gives its parent's id). */
  int ng = s->ngroups;
  int *npos = calloc((size_t)ng + 1, sizeof *npos);
  int (*pos)[64] = calloc((size_t)ng + 1, sizeof *pos);
  if (npos == NULL || pos == NULL) {
    free(npos);
    free(pos);
    return rh_error_set(RH_ENOMEM, "out of memory");
  }
  rh_buf_adds(&sql, "SELECT sid, grp, outcomes FROM (");
  for (int g = 0; g < ng; g++) {
    const rh_group *gr = &s->groups[g];
    for (int k = 0; k < gr->n; k++) {
      const rh_rule_info *r = &s->rs->rules[gr->rule_nos[k]];
      if (s->rule_on[gr->rule_nos[k]] && in_list(r->id, (const char **)p->rules, p->nrules))
        pos[g][npos[g]++] = k;
    }
    if (npos[g] == 0) continue;
    const char *subject = s->rs->rules[gr->rule_nos[0]].subject;
    if (parts++) rh_buf_adds(&sql, " UNION ALL ");
    if (strcmp(subject, p->subject) == 0)
      rh_buf_adds(&sql, "SELECT r.subject_id AS sid, r.grp, r.outcomes FROM rh_result_pack r ");
    else
      rh_buf_printf(&sql, "SELECT t.\"%s\" AS sid, r.grp, r.outcomes FROM rh_result_pack r "
                          "JOIN \"%s\" t ON t.id = r.subject_id ", col, subject);
    rh_buf_printf(&sql, "WHERE r.rowid BETWEEN ?2 AND ?3 AND r.run_id=?1 AND r.grp=%d AND (", g);
    for (int j = 0; j < npos[g]; j++)
      rh_buf_printf(&sql, "%ssubstr(r.outcomes, %d, 1) NOT IN ('0','1','3')", j ? " OR " : "", pos[g][j] + 1);
    rh_buf_adds(&sql, ")");
  }
  rh_buf_adds(&sql, ") ORDER BY sid");
  sqlite3_stmt *bad = NULL, *subj = NULL;
  if (parts == 0) goto done;
  if (sqlite3_prepare_v2(s->db, sql.data, -1, &bad, NULL) != SQLITE_OK) {
    rc = rh_db_fail(s->db, p->name);
    goto done;
  }
  sqlite3_bind_int64(bad, 1, s->run_id);
  sqlite3_bind_int64(bad, 2, s->any_row ? s->first_rowid : 1);
  sqlite3_bind_int64(bad, 3, s->any_row ? s->last_rowid : 0);
  char q[256];
  snprintf(q, sizeof q, "SELECT id FROM \"%s\" ORDER BY id", p->subject);
  if (sqlite3_prepare_v2(s->db, q, -1, &subj, NULL) != SQLITE_OK) {
    rc = rh_db_fail(s->db, p->name);
    goto done;
  }
  int have_bad = sqlite3_step(bad) == SQLITE_ROW;
  /* With a subject filter the scope is a short sorted list: walk it rather
  ** than the whole table (one enterprise of a million is answered at once). */
  int k = 0;
  while (rc == RH_OK && (scope ? k < scope->n : sqlite3_step(subj) == SQLITE_ROW)) {
    int64_t id = scope ? scope->v[k++] : sqlite3_column_int64(subj, 0);
    id_names fa = {{0}, 0}, un = {{0}, 0};
    while (have_bad && sqlite3_column_type(bad, 0) != SQLITE_NULL && sqlite3_column_int64(bad, 0) < id)
      have_bad = sqlite3_step(bad) == SQLITE_ROW;
    while (have_bad && sqlite3_column_type(bad, 0) == SQLITE_NULL)
      have_bad = sqlite3_step(bad) == SQLITE_ROW;
    while (have_bad && sqlite3_column_int64(bad, 0) == id) {
      int g = sqlite3_column_int(bad, 1);
      const char *oc = (const char *)sqlite3_column_text(bad, 2);
      int on = sqlite3_column_bytes(bad, 2);
      for (int j = 0; g >= 0 && g < ng && oc && j < npos[g]; j++) {
        int at = pos[g][j];
        if (at >= on) continue;
        const char *rid = s->rs->rules[s->groups[g].rule_nos[at]].id;
        if (oc[at] == '0' + OC_FAIL) names_add(&fa, rid);
        else if (oc[at] == '0' + OC_UNKNOWN || oc[at] == '0' + OC_ERROR) names_add(&un, rid);
      }
      have_bad = sqlite3_step(bad) == SQLITE_ROW;
    }
    /* stored with the batches of decide_record (flush_decisions) */
    if (s->dec == NULL && (s->dec = malloc(DEC_BATCH * sizeof *s->dec)) == NULL) {
      rc = rh_error_set(RH_ENOMEM, "out of memory");
      break;
    }
    struct dec_row *d = &s->dec[s->ndec];
    d->pol = run_pol_no;
    d->id = id;
    d->decision = fa.n ? 2 : un.n ? 3 : 1;
    d->failed = s->dec_text.len;
    if (names_append(&fa, &s->dec_text) != RH_OK) rc = rh_error_set(RH_ENOMEM, "out of memory");
    d->unknown = s->dec_text.len;
    if (rc == RH_OK && names_append(&un, &s->dec_text) != RH_OK) rc = rh_error_set(RH_ENOMEM, "out of memory");
    if (rc == RH_OK && ++s->ndec == DEC_BATCH) rc = flush_decisions(s);
    (*count)++;
  }
  if (rc == RH_OK) rc = flush_decisions(s);
done:
  sqlite3_finalize(bad);
  sqlite3_finalize(subj);
  free(npos);
  free(pos);
  rh_buf_free(&sql);
  return rc;
}

/* ---- tasks --------------------------------------------------------------- */


/* A table is split among workers only in parts of at least this many
** subjects: below that a worker's start costs more than it saves. */
#define MIN_PART 5000
/* Parts per worker for a table big enough: a worker that is slowed down (a
** busy machine) or a table whose rules cost more than others' then leaves
** less of a tail where one worker runs alone. */
#define PARTS_PER_JOB 2

/* Bigger tasks first (longest processing time first): the small ones fill
** the gaps at the end.  Equals in planned order (rules, then ids). */
static int task_cost_cmp(const void *a, const void *b) {
  const rh_task *x = *(rh_task *const *)a, *y = *(rh_task *const *)b;
  if (x->cost != y->cost) return x->cost < y->cost ? 1 : -1;
  if (x->rule_nos[0] != y->rule_nos[0]) return x->rule_nos[0] < y->rule_nos[0] ? -1 : 1;
  return (x->after > y->after) - (x->after < y->after);
}

/* Splits [all ids of table] into n ranges of about equal size; bounds[i] is
** the exclusive upper end of range i (bounds[n-1] = NO_HIGH). */
static int split_ranges(sqlite3 *db, const char *table, int n, int64_t *bounds) {
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
  sqlite3_stmt *st = NULL;
  int64_t count = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return rh_db_fail(db, table);
  if (sqlite3_step(st) == SQLITE_ROW) count = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  snprintf(sql, sizeof sql, "SELECT id FROM \"%s\" ORDER BY id LIMIT 1 OFFSET ?1", table);
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return rh_db_fail(db, table);
  for (int i = 0; i < n - 1; i++) {
    bounds[i] = NO_HIGH;
    sqlite3_bind_int64(st, 1, count * (i + 1) / n);
    if (sqlite3_step(st) == SQLITE_ROW) bounds[i] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  bounds[n - 1] = NO_HIGH;
  return RH_OK;
}

/* One task per subject table (its rules evaluated in one pass), split into
** id ranges when there are more workers than tables to keep them busy. */
static int plan_tasks(rh_sup *s, int filtered) {
  const rh_ruleset *rs = s->rs;
  int *done = calloc((size_t)rs->nrules + 1, sizeof *done);
  if (done == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  int rc = RH_OK, jobs = jobs_of(s->o);
  for (int k = 0; k < rs->nrules && rc == RH_OK; k++) {
    if (!s->rule_on[k] || done[k]) continue;
    rh_task g;
    memset(&g, 0, sizeof g);
    g.after = g.last = NO_LOW;
    g.before = NO_HIGH;
    g.ids = filtered ? &s->rule_ids[k] : NULL;
    for (int j = k; j < rs->nrules && g.nrules < 64; j++) {
      if (!s->rule_on[j] || done[j] || strcmp(rs->rules[j].subject, rs->rules[k].subject) != 0) continue;
      g.rule_nos[g.nrules++] = j;
      done[j] = 1;
    }
    int city = strcmp(rs->rules[k].subject, "city") == 0;
    int parts = filtered || city ? 1 : jobs > 1 ? jobs * PARTS_PER_JOB : 1;
    int64_t bounds[64], count = 1;
    if (parts > 64) parts = 64;
    if (!filtered && !city && jobs > 1) { /* one worker: no split, no order to choose */
      char q[256];
      sqlite3_stmt *st = NULL;
      snprintf(q, sizeof q, "SELECT count(*) FROM \"%s\"", rs->rules[k].subject);
      if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        count = sqlite3_column_int64(st, 0);
      sqlite3_finalize(st);
      if (count / MIN_PART < parts) parts = count / MIN_PART < 1 ? 1 : (int)(count / MIN_PART);
    } else if (filtered) {
      count = g.ids ? g.ids->n : 1;
    }
    g.cost = (count / parts + 1) * g.nrules;
    if (parts > 1 && (rc = split_ranges(s->db, rs->rules[k].subject, parts, bounds)) != RH_OK) break;
    int64_t lo = NO_LOW;
    for (int i = 0; i < parts; i++) {
      rh_task *t = task_new(&g);
      if (t == NULL) {
        rc = rh_error_set(RH_ENOMEM, "out of memory");
        break;
      }
      t->after = t->last = lo;
      t->before = parts > 1 ? bounds[i] : NO_HIGH;
      lo = parts > 1 && bounds[i] != NO_HIGH ? bounds[i] - 1 : lo;
      queue_push(s, t, 0);
      s->tasks_total++;
      if (parts > 1 && bounds[i] == NO_HIGH) break;
    }
  }
  free(done);
  if (rc == RH_OK && s->nqueue > 1) qsort(s->queue, (size_t)s->nqueue, sizeof *s->queue, task_cost_cmp);
  return rc;
}

/* ---- the run ------------------------------------------------------------- */

static int store_run_header(rh_sup *s, const char *started, const rh_eval_opts *o,
                            const int *pol_on) {
  sqlite3 *db = s->db;
  sqlite3_stmt *st = NULL;
  int rc = RH_OK;
  rh_buf filters = RH_BUF_INIT;
  if (o->npolicies || o->nrules || o->nsubjects || o->nparams) {
    const char **lists[4] = {o->policies, o->rules, o->subjects, o->params};
    int ns[4] = {o->npolicies, o->nrules, o->nsubjects, o->nparams};
    const char *keys[4] = {"policy", "rule", "subject", "param"};
    rh_buf_adds(&filters, "{");
    int first = 1;
    for (int k = 0; k < 4; k++) {
      if (!ns[k]) continue;
      rh_buf_printf(&filters, "%s\"%s\":[", first ? "" : ",", keys[k]);
      for (int i = 0; i < ns[k]; i++) {
        if (i) rh_buf_adds(&filters, ",");
        rh_buf_json_str(&filters, lists[k][i], strlen(lists[k][i]));
      }
      rh_buf_adds(&filters, "]");
      first = 0;
    }
    rh_buf_adds(&filters, "}");
  }
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO rh_run(as_of,year,rules_version,started_at,finished_at,schedule,"
                         "filters,n_subjects,n_results,n_decisions,n_errors) "
                         "VALUES(?1,?2,?3,?4,?4,?5,?6,0,0,0,0)",
                         -1, &st, NULL) != SQLITE_OK)
    return rh_db_fail(db, "storing the run");
  sqlite3_bind_text(st, 1, o->as_of, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, o->year);
  sqlite3_bind_text(st, 3, s->rs->version, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, started, -1, SQLITE_STATIC);
  if (o->schedule) sqlite3_bind_text(st, 5, o->schedule, -1, SQLITE_STATIC);
  if (filters.len) sqlite3_bind_text(st, 6, filters.data, (int)filters.len, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE) rc = rh_db_fail(db, "storing the run");
  sqlite3_finalize(st);
  rh_buf_free(&filters);
  if (rc != RH_OK) return rc;
  s->run_id = sqlite3_last_insert_rowid(db);

  /* Rule texts, content-addressed; the run names the files it used. */
  sqlite3_stmt *src = NULL, *rf = NULL;
  if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO rh_source(sha256,content) VALUES(?1,?2)", -1,
                         &src, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT INTO rh_run_file(run_id,path,sha256) VALUES(?1,?2,?3)", -1, &rf,
                         NULL) != SQLITE_OK)
    rc = rh_db_fail(db, "storing rule sources");
  for (int i = 0; i < s->rs->nfiles && rc == RH_OK; i++) {
    const rh_rule_file *f = &s->rs->files[i];
    if (!f->text) continue;
    sqlite3_bind_text(src, 1, f->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_blob(src, 2, f->text, (int)f->len, SQLITE_STATIC);
    if (sqlite3_step(src) != SQLITE_DONE) rc = rh_db_fail(db, "storing rule sources");
    sqlite3_reset(src);
    sqlite3_bind_int64(rf, 1, s->run_id);
    sqlite3_bind_text(rf, 2, f->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(rf, 3, f->sha256, -1, SQLITE_STATIC);
    if (rc == RH_OK && sqlite3_step(rf) != SQLITE_DONE) rc = rh_db_fail(db, "storing rule sources");
    sqlite3_reset(rf);
  }
  sqlite3_finalize(src);
  sqlite3_finalize(rf);
  if (rc != RH_OK) return rc;

  sqlite3_stmt *rr = NULL, *pp = NULL;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO rh_run_rule(run_id,no,rule,subject,kind,yearly,warn,title,cite,"
                         "file,line) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
                         -1, &rr, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "INSERT INTO rh_run_policy(run_id,no,policy,subject,answers,yearly,rules) "
                         "VALUES(?1,?2,?3,?4,?5,?6,?7)",
                         -1, &pp, NULL) != SQLITE_OK)
    rc = rh_db_fail(db, "storing the rule catalog");
  for (int i = 0; i < s->rs->nrules && rc == RH_OK; i++) {
    const rh_rule_info *r = &s->rs->rules[i];
    if (!s->rule_on[i]) continue;
    sqlite3_bind_int64(rr, 1, s->run_id);
    sqlite3_bind_int(rr, 2, i);
    sqlite3_bind_text(rr, 3, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(rr, 4, r->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(rr, 5, r->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int(rr, 6, r->yearly);
    sqlite3_bind_int(rr, 7, r->warn);
    sqlite3_bind_text(rr, 8, r->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(rr, 9, r->cite, -1, SQLITE_STATIC);
    sqlite3_bind_text(rr, 10, r->file, -1, SQLITE_STATIC);
    sqlite3_bind_int(rr, 11, r->line);
    if (sqlite3_step(rr) != SQLITE_DONE) rc = rh_db_fail(db, "storing the rule catalog");
    sqlite3_reset(rr);
  }
  for (int i = 0; i < s->rs->npolicies && rc == RH_OK; i++) {
    const rh_policy_info *p = &s->rs->policies[i];
    if (!pol_on[i]) continue;
    rh_buf ids = RH_BUF_INIT;
    for (int k = 0; k < p->nrules; k++) {
      if (k) rh_buf_adds(&ids, ",");
      rh_buf_adds(&ids, p->rules[k]);
    }
    sqlite3_bind_int64(pp, 1, s->run_id);
    sqlite3_bind_int(pp, 2, i);
    sqlite3_bind_text(pp, 3, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(pp, 4, p->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(pp, 5, p->answers, -1, SQLITE_STATIC);
    sqlite3_bind_int(pp, 6, p->yearly);
    sqlite3_bind_text(pp, 7, ids.data ? ids.data : "", -1, SQLITE_STATIC);
    if (sqlite3_step(pp) != SQLITE_DONE) rc = rh_db_fail(db, "storing the rule catalog");
    sqlite3_reset(pp);
    rh_buf_free(&ids);
  }
  sqlite3_finalize(rr);
  sqlite3_finalize(pp);
  return rc;
}


/* explain (keep == 0): the run is written to TEMP copies of the engine
** tables.  Unqualified names resolve to the temp schema first, so every
** statement below (and the printer) uses them unchanged, while the main
** database is only read: no write lock is taken, and an explanation is
** answered even while a long run holds that lock. */
static int use_scratch_tables(sqlite3 *db) {
  const char *sql = rh_embedded_get("engine.sql", NULL);
  if (sql == NULL) return rh_error_set(RH_ERROR, "engine.sql is missing from this build");
  rh_buf b = RH_BUF_INIT;
  int rc = RH_OK;
  for (const char *p = sql; *p && rc == RH_OK;) {
    static const struct { const char *from, *to; } swaps[] = {
      {"CREATE TABLE IF NOT EXISTS ", "CREATE TEMP TABLE IF NOT EXISTS "},
      {"CREATE VIEW IF NOT EXISTS ", "CREATE TEMP VIEW IF NOT EXISTS "},
      {"INSERT OR IGNORE INTO rh_outcome", "INSERT OR IGNORE INTO temp.rh_outcome"}};
    int hit = 0;
    for (size_t i = 0; i < sizeof swaps / sizeof *swaps && !hit; i++) {
      size_t n = strlen(swaps[i].from);
      if (strncmp(p, swaps[i].from, n) == 0) {
        rc = rh_buf_adds(&b, swaps[i].to);
        p += n;
        hit = 1;
      }
    }
    if (!hit) rc = rh_buf_add(&b, p++, 1);
  }
  /* the stand-in view of an old database (db.c, legacy_views) would hide the run's own */
  if (rc == RH_OK) rc = rh_db_exec(db, "DROP VIEW IF EXISTS temp.rh_result_rows;");
  if (rc == RH_OK) rc = rh_db_exec(db, b.data);
  /* columns ensure_engine adds to older databases */
  if (rc == RH_OK && !rh_db_has_column(db, "rh_run", "first_result"))
    rc = rh_db_exec(db, "ALTER TABLE temp.rh_run ADD COLUMN first_result INTEGER;"
                        "ALTER TABLE temp.rh_run ADD COLUMN last_result INTEGER;");
  rh_buf_free(&b);
  return rc;
}

int rh_eval_run(const rh_eval_opts *oin, rh_eval_stats *stats, rh_eval_print_fn print, void *ud) {
  rh_eval_opts o = *oin;
  char today[11], started[32], year_buf[8];
  int64_t day;
  memset(stats, 0, sizeof *stats);
  uint64_t t0 = uv_hrtime();
  if (o.as_of == NULL) {
    rh_today(today);
    o.as_of = today;
  }
  if (rh_date_parse(&day, o.as_of, strlen(o.as_of)) != 0)
    return rh_error_set(RH_EUSAGE, "--as-of %s: expected a date YYYY-MM-DD", o.as_of);
  if (o.year == 0) {
    memcpy(year_buf, o.as_of, 4);
    year_buf[4] = '\0';
    o.year = atoi(year_buf);
  }
  if (o.year < 1900 || o.year > 9999) return rh_error_set(RH_EUSAGE, "--year %d is out of range", o.year);
  subj_ref *refs = NULL;
  int rc = parse_subjects(&o, &refs);
  if (rc != RH_OK) return rc;

  /* Rules first: a rule set that does not load never touches the database. */
  rh_ruleset *rs = NULL;
  rh_sup s;
  int sup_ready = 0, in_txn = 0;
  int *pol_on = NULL;
  id_set *pol_ids = NULL;
  if ((rc = rh_ruleset_read(&rs, o.rules_dir)) != RH_OK) goto done;
  if ((rc = sup_init(&s, &o, rs)) != RH_OK) goto done;
  sup_ready = 1;
  trace("start");
  if ((rc = sup_load(&s)) != RH_OK) goto done;
  trace("rules loaded");
  /* The other workers start now and load the rules while the database is
  ** opened and the run planned: one takes some 20 ms to be ready, which
  ** would otherwise leave a core idle that long at the end of the run.  A
  ** run over named subjects (a task per table) starts them only if needed. */
  for (int i = 1; refs == NULL && i < jobs_of(&o); i++)
    if (sup_spawn(&s) != RH_OK) {
      rc = rh_error_set(RH_EWORKER, "%s", rh_error_last());
      goto done;
    }

  for (int i = 0; i < o.nparams; i++) {
    const char *eq = strchr(o.params[i], '=');
    size_t n = eq ? (size_t)(eq - o.params[i]) : strlen(o.params[i]);
    int found = 0;
    for (int k = 0; k < rs->nrules && !found; k++)
      for (int j = 0; j < rs->rules[k].nparams && !found; j++)
        found = strlen(rs->rules[k].params[j].name) == n &&
                strncmp(rs->rules[k].params[j].name, o.params[i], n) == 0;
    if (!found) {
      rc = rh_error_set(RH_EUSAGE, "--param %.*s: no rule declares this parameter", (int)n, o.params[i]);
      goto done;
    }
  }
  for (int i = 0; i < o.npolicies; i++)
    if (rh_ruleset_find_policy(rs, o.policies[i]) < 0) {
      rc = rh_error_set(RH_EUSAGE, "--policy %s: no such policy in %s", o.policies[i], o.rules_dir);
      goto done;
    }
  for (int i = 0; i < o.nrules; i++)
    if (rh_ruleset_find_rule(rs, o.rules[i], NULL) < 0) {
      rc = rh_error_set(RH_EUSAGE, "--rule %s: no such rule in %s", o.rules[i], o.rules_dir);
      goto done;
    }

  if ((rc = rh_db_open(&s.db, o.db_path, RH_DB_RW)) != RH_OK) goto done;
  /* One run writes many pages: keep up to 64 MiB of them in memory (the
  ** supervisor stays well under 200 MiB at a million subjects) instead of spilling
  ** half-built b-trees to the WAL and reading them back. */
  rh_db_exec(s.db, "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
  /* ensure_engine writes (INSERT OR IGNORE): only a run that is kept may.
  ** After temp_store: changing it drops every temp table. */
  if ((rc = o.keep ? rh_db_ensure_engine(s.db) : use_scratch_tables(s.db)) != RH_OK) goto done;

  /* Which rules and policies run. */
  s.rule_on = calloc((size_t)rs->nrules + 1, sizeof *s.rule_on);
  s.rule_ids = calloc((size_t)rs->nrules + 1, sizeof *s.rule_ids);
  pol_on = calloc((size_t)rs->npolicies + 1, sizeof *pol_on);
  pol_ids = calloc((size_t)rs->npolicies + 1, sizeof *pol_ids);
  if (!s.rule_on || !s.rule_ids || !pol_on || !pol_ids) {
    rc = rh_error_set(RH_ENOMEM, "out of memory");
    goto done;
  }
  int all = o.npolicies == 0 && o.nrules == 0;
  for (int i = 0; i < rs->npolicies; i++) {
    const rh_policy_info *p = &rs->policies[i];
    if (!(all || in_list(p->name, o.policies, o.npolicies))) continue;
    pol_on[i] = 1;
    for (int k = 0; k < rs->nrules; k++)
      if (in_list(rs->rules[k].id, (const char **)p->rules, p->nrules)) s.rule_on[k] = 1;
  }
  for (int k = 0; k < rs->nrules; k++)
    if (all || in_list(rs->rules[k].id, o.rules, o.nrules)) s.rule_on[k] = 1;

  /* Check what the data must offer: subject tables, roll-up columns. */
  for (int k = 0; k < rs->nrules; k++) {
    const rh_rule_info *r = &rs->rules[k];
    if (!s.rule_on[k] || strcmp(r->subject, "city") == 0) continue;
    if (!rh_db_table_exists(s.db, r->subject)) {
      rc = rh_error_set(RH_EUSAGE, "%s:%d: rule %s: the database has no table '%s'", r->file,
                        r->line, r->id, r->subject);
      goto done;
    }
  }
  for (int i = 0; i < rs->npolicies; i++) {
    const rh_policy_info *p = &rs->policies[i];
    if (!pol_on[i]) continue;
    char col[80];
    snprintf(col, sizeof col, "%s_id", p->subject);
    for (int k = 0; k < rs->nrules; k++) {
      const rh_rule_info *r = &rs->rules[k];
      if (!in_list(r->id, (const char **)p->rules, p->nrules) || strcmp(r->subject, p->subject) == 0)
        continue;
      if (strcmp(r->subject, "city") == 0 || !rh_db_has_column(s.db, r->subject, col)) {
        rc = rh_error_set(RH_EUSAGE,
                          "%s:%d: policy %s decides on %s, but rule %s judges %s, which has no %s "
                          "column to roll up through",
                          p->file, p->line, p->name, p->subject, r->id, r->subject, col);
        goto done;
      }
    }
  }

  /* Subject filters. */
  if (refs) {
    int want_city = 0;
    for (int i = 0; i < o.nsubjects; i++) want_city |= refs[i].city;
    for (int k = 0; k < rs->nrules; k++) {
      if (!s.rule_on[k]) continue;
      const rh_rule_info *r = &rs->rules[k];
      if (strcmp(r->subject, "city") == 0) {
        s.rule_on[k] = want_city;
        continue;
      }
      if ((rc = filter_ids(s.db, r->subject, refs, o.nsubjects, &s.rule_ids[k])) != RH_OK) goto done;
      if (s.rule_ids[k].n == 0) s.rule_on[k] = 0;
    }
    for (int i = 0; i < rs->npolicies; i++) {
      if (!pol_on[i]) continue;
      if ((rc = filter_ids(s.db, rs->policies[i].subject, refs, o.nsubjects, &pol_ids[i])) != RH_OK)
        goto done;
      if (pol_ids[i].n == 0) pol_on[i] = 0;
    }
  }

  rh_now_iso(started);
  if ((rc = rh_db_exec(s.db, o.keep ? "BEGIN IMMEDIATE" : "BEGIN")) != RH_OK) goto done;
  in_txn = 1;
  if ((rc = store_run_header(&s, started, &o, pol_on)) != RH_OK) goto done;
  if (sqlite3_prepare_v3(s.db,
                         "INSERT INTO rh_result_pack(run_id,grp,subject_id,outcomes,detail,src) "
                         "VALUES(?1,?2,?3,?4,?5,?6)",
                         -1, SQLITE_PREPARE_PERSISTENT, &s.ins, NULL) != SQLITE_OK ||
      sqlite3_prepare_v3(s.db, "INSERT INTO rh_run_group(run_id,grp,k,rule_no) VALUES(?1,?2,?3,?4)", -1,
                         SQLITE_PREPARE_PERSISTENT, &s.ins_grp, NULL) != SQLITE_OK ||
      sqlite3_prepare_v3(s.db,
                         "INSERT INTO rh_decision(run_id,policy_no,subject_id,decision,failed,unknown) "
                         "VALUES(?1,?2,?3,?4,?5,?6)",
                         -1, SQLITE_PREPARE_PERSISTENT, &s.ins_dec, NULL) != SQLITE_OK ||
      sqlite3_prepare_v3(s.db, "INSERT OR IGNORE INTO rh_run_reason(run_id,src,id,text) VALUES(?1,?2,?3,?4)", -1,
                         SQLITE_PREPARE_PERSISTENT, &s.ins_reason, NULL) != SQLITE_OK) {
    rc = rh_db_fail(s.db, "preparing result storage");
    goto done;
  }
  {
    rh_buf bq = RH_BUF_INIT;
    rh_buf_adds(&bq, "INSERT INTO rh_decision(run_id,policy_no,subject_id,decision,failed,unknown) VALUES");
    for (int k = 0; k < DEC_BATCH; k++) rh_buf_adds(&bq, k ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)");
    int prc = bq.data ? sqlite3_prepare_v3(s.db, bq.data, -1, SQLITE_PREPARE_PERSISTENT, &s.ins_dec_batch, NULL)
                      : SQLITE_NOMEM;
    rh_buf_reset(&bq);
    rh_buf_adds(&bq, "INSERT INTO rh_result_pack(run_id,grp,subject_id,outcomes,detail,src) VALUES");
    for (int k = 0; k < PACK_BATCH; k++) rh_buf_adds(&bq, k ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)");
    if (prc == SQLITE_OK)
      prc = bq.data ? sqlite3_prepare_v3(s.db, bq.data, -1, SQLITE_PREPARE_PERSISTENT, &s.ins_pack_batch, NULL)
                    : SQLITE_NOMEM;
    rh_buf_free(&bq);
    if (prc != SQLITE_OK) {
      rc = rh_db_fail(s.db, "preparing result storage");
      goto done;
    }
  }
  /* Policies decided as their rows arrive: every rule of the policy judges
  ** the policy's own table (no roll-up).  The others, and any that a split
  ** group breaks, are decided from the stored rows at the end. */
  s.pol = calloc((size_t)rs->npolicies + 1, sizeof *s.pol);
  if (s.pol == NULL) {
    rc = rh_error_set(RH_ENOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < rs->npolicies; i++) {
    const rh_policy_info *p = &rs->policies[i];
    rh_pol_run *pr = &s.pol[i];
    pr->on = pol_on[i];
    pr->fast = pr->on && !getenv("RONGHE_DECIDE_AFTER");
    for (int k = 0; k < rs->nrules && pr->fast; k++) {
      const rh_rule_info *r = &rs->rules[k];
      if (!s.rule_on[k] || !in_list(r->id, (const char **)p->rules, p->nrules)) continue;
      if (strcmp(r->subject, p->subject) != 0 || pr->nrules == 64) pr->fast = 0;
      else pr->rule_nos[pr->nrules++] = k;
    }
    if (pr->nrules == 0) pr->fast = 0;
  }

  if ((rc = plan_tasks(&s, refs != NULL)) != RH_OK) goto done;
  trace("planned");
  sup_dispatch(&s);
  while (!s.fatal && (s.nqueue > 0 || s.busy > 0)) uv_run(&s.loop, UV_RUN_ONCE);
  if (s.fatal) {
    rc = rh_error_set(s.rc, "%s", s.msg);
    goto done;
  }

  if ((rc = flush_decisions(&s)) != RH_OK) goto done;
  trace("results stored");
  long decisions = 0;
  for (int i = 0; i < rs->npolicies && rc == RH_OK; i++) {
    if (!pol_on[i]) continue;
    if (s.pol[i].fast && !s.pol[i].broken) {
      decisions += s.pol[i].count;
      continue;
    }
    if (s.pol[i].count > 0) {
      sqlite3_stmt *del = NULL;
      if (sqlite3_prepare_v2(s.db, "DELETE FROM rh_decision WHERE run_id=?1 AND policy_no=?2", -1, &del,
                             NULL) != SQLITE_OK) {
        rc = rh_db_fail(s.db, "deciding again");
        break;
      }
      sqlite3_bind_int64(del, 1, s.run_id);
      sqlite3_bind_int(del, 2, i);
      if (sqlite3_step(del) != SQLITE_DONE) rc = rh_db_fail(s.db, "deciding again");
      sqlite3_finalize(del);
      if (rc != RH_OK) break;
    }
    rc = decide_policy(&s, i, i, refs ? &pol_ids[i] : NULL, &decisions);
  }
  if (rc != RH_OK) goto done;

  trace("decisions stored");
  /* Subjects judged: every subject in scope of each table the run read. */
  long nsubj = 0;
  for (int k = 0; k < rs->nrules; k++) {
    if (!s.rule_on[k]) continue;
    int first = 1;
    for (int j = 0; j < k; j++)
      if (s.rule_on[j] && strcmp(rs->rules[j].subject, rs->rules[k].subject) == 0) first = 0;
    if (!first) continue;
    if (strcmp(rs->rules[k].subject, "city") == 0) nsubj += 1;
    else if (refs) nsubj += s.rule_ids[k].n;
    else {
      char q[160];
      sqlite3_stmt *st = NULL;
      snprintf(q, sizeof q, "SELECT count(*) FROM \"%s\"", rs->rules[k].subject);
      if (sqlite3_prepare_v2(s.db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        nsubj += (long)sqlite3_column_int64(st, 0);
      sqlite3_finalize(st);
    }
  }
  char finished[32];
  rh_now_iso(finished);
  {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s.db,
                           "UPDATE rh_run SET finished_at=?2, n_subjects=?3, n_results=?4, "
                           "n_decisions=?5, n_errors=?6, first_result=?7, last_result=?8 WHERE id=?1",
                           -1, &st, NULL) != SQLITE_OK) {
      rc = rh_db_fail(s.db, "finishing the run");
      goto done;
    }
    sqlite3_bind_int64(st, 1, s.run_id);
    sqlite3_bind_text(st, 2, finished, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, nsubj);
    sqlite3_bind_int64(st, 4, s.results);
    sqlite3_bind_int64(st, 5, decisions);
    sqlite3_bind_int64(st, 6, s.errors);
    if (s.any_row) {
      sqlite3_bind_int64(st, 7, s.first_rowid);
      sqlite3_bind_int64(st, 8, s.last_rowid);
    }
    if (sqlite3_step(st) != SQLITE_DONE) rc = rh_db_fail(s.db, "finishing the run");
    sqlite3_finalize(st);
    if (rc != RH_OK) goto done;
  }
  stats->run_id = s.run_id;
  stats->subjects = nsubj;
  stats->results = s.results;
  stats->decisions = decisions;
  stats->errors = s.errors;
  if (o.keep) {
    sqlite3_finalize(s.ins);
    sqlite3_finalize(s.ins_grp);
    sqlite3_finalize(s.ins_dec);
    sqlite3_finalize(s.ins_reason);
    sqlite3_finalize(s.ins_dec_batch);
    sqlite3_finalize(s.ins_pack_batch);
    s.ins = s.ins_grp = s.ins_dec = s.ins_reason = s.ins_dec_batch = s.ins_pack_batch = NULL;
    if ((rc = rh_db_exec(s.db, "COMMIT")) != RH_OK) goto done;
    in_txn = 0;
    trace("committed");
  } else if (print) {
    rc = print(s.db, s.run_id, ud);
  }

done:
  if (sup_ready) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", rh_error_last());
    sup_close(&s);
    sqlite3_finalize(s.ins);
    sqlite3_finalize(s.ins_grp);
    sqlite3_finalize(s.ins_dec);
    sqlite3_finalize(s.ins_reason);
    sqlite3_finalize(s.ins_dec_batch);
    sqlite3_finalize(s.ins_pack_batch);
    free(s.dec);
    rh_buf_free(&s.dec_text);
    for (int g = 0; g < s.ngroups; g++) {
      free(s.groups[g].pol_ok);
      free(s.groups[g].pol_pos);
    }
    free(s.groups);
    free(s.pol);
    rh_buf_free(&s.detail);
    if (in_txn) sqlite3_exec(s.db, "ROLLBACK", NULL, NULL, NULL);
    rh_db_close(s.db);
    if (s.rule_ids)
      for (int k = 0; k < rs->nrules; k++) free(s.rule_ids[k].v);
    free(s.rule_ids);
    free(s.rule_on);
    if (pol_ids)
      for (int i = 0; i < rs->npolicies; i++) free(pol_ids[i].v);
    free(pol_ids);
    free(pol_on);
    if (rc != RH_OK) rh_error_set(rc, "%s", msg);
    if (rc == RH_ELOAD && stats) {
      /* keep rs errors visible to the caller through the log */
      FILE *log = o.log ? o.log : stderr;
      for (int i = 0; i < rs->nerrors; i++) fprintf(log, "%s\n", rs->errors[i]);
    }
  }
  rh_ruleset_free(rs);
  free(refs);
  stats->seconds = (double)(uv_hrtime() - t0) / 1e9;
  return rc;
}
