/*
** The worker process: `ronghe __worker` reads frames on stdin, evaluates rule
** code in its sandboxed Lua state and answers on stdout.  Rule code runs only
** here, never in the supervising process (see eval.c).
*/
#ifndef RH_WORKER_H
#define RH_WORKER_H

#include <stdint.h>

/* Shared with the supervisor through an inherited memfd (fd 3): what the
** worker is doing right now, so a crash or hang is pinned on exactly one
** rule and subject without a message per subject. */
typedef struct {
  volatile int64_t rule_no;    /* -1 when idle */
  volatile int64_t subject_id;
  volatile uint64_t seq;       /* bumped per subject: the watchdog's heartbeat */
} rh_worker_slot;

#define RH_WORKER_SLOT_FD 3

/* Entry point of `ronghe __worker [--mem-mb N]`; returns the exit status. */
int rh_worker_main(int argc, char **argv);

#endif
