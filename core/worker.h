/*
** The worker process: `ronghe __worker` reads frames on stdin, evaluates rule
** code in its sandboxed Lua state and answers on stdout.  Rule code runs only
** here, never in the supervising process (see eval.c).
*/
#ifndef RH_WORKER_H
#define RH_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Shared with the supervisor through an inherited memfd (fd 3): what the
** worker is doing right now, so a crash or hang is pinned on exactly one
** rule and subject without a message per subject. */
typedef struct {
  volatile int64_t rule_no;    /* -1 when idle */
  volatile int64_t subject_id;
  volatile uint64_t seq;       /* bumped per subject: the watchdog's heartbeat */
} rh_worker_slot;

#define RH_WORKER_SLOT_FD 3

/* Bumped while a worker makes progress inside one subject too (every few
** thousand Lua instructions or SQLite steps), so the watchdog only stops a
** worker that is stuck where no hook runs.  Points into the slot. */
extern volatile uint64_t *rh_worker_heartbeat;

/* Entry point of `ronghe __worker [--mem-mb N]`; returns the exit status. */
int rh_worker_main(int argc, char **argv);

/* ---- inside the worker process (worker.c, wloop.c) ---------------------- */
/* Writes one frame to the supervisor (or to memory in process). */
int rh__worker_send(char type, const void *p, size_t n);
/* Publishes the rule and subject being evaluated; bumps the heartbeat. */
void rh__worker_slot_set(int64_t rule_no, int64_t subject_id);
/* RONGHE_FAULT: crash, hang or exit on purpose (tests only). */
void rh__worker_fault(const char *kind);
struct lua_State;
/* host.run: the evaluation loop over a group's subjects (wloop.c). */
int rh__host_run(struct lua_State *L);
/* host.outcome(name, mt): the constructor of one outcome (wloop.c). */
int rh__host_outcome(struct lua_State *L);

/* ---- in process (tests and fuzzers only) ---------------------------------
** The worker's Lua state and handler without the process around it: frames
** are passed in memory.  Rule code then runs in the caller's process, so
** this is never used by the engine itself. */
struct rh_vm;
/* A worker state whose Lua heap never exceeds mem_mb MiB. */
int rh__worker_new(struct rh_vm **out, long mem_mb);
/* Runs the handler on frame[0..n) (header included, as on the pipe) and
** appends every frame it answers to reply.  Returns 1 (go on), 0 (end of
** input: a Q frame or nothing to read) or -1 (handler failed; message in
** rh_error_last()).  Free the state with rh_vm_free. */
int rh__worker_feed(struct rh_vm *vm, const void *frame, size_t n, rh_buf *reply);

#endif
