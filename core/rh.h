/*
** ronghe: a rules engine for 产教融合 policies (Lua rules over SQLite data).
** Public C API shared by the binary, the tests and the Lua module.
**
** Conventions (after libgit2): functions return 0 (RH_OK) or a negative RH_E*
** code; the message is kept per thread and read with rh_error_last().  An
** output parameter comes first and is set to NULL on entry.  Every rh_x_new
** has a NULL-safe rh_x_free.  Library code never calls exit().
*/
#ifndef RH_H
#define RH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RH_OK        0
#define RH_ERROR    -1   /* anything not listed below */
#define RH_EUSAGE   -2   /* bad command-line or API usage */
#define RH_ENOTFOUND -3  /* no such table, run, subject, file */
#define RH_EDATA    -4   /* input data rejected (import) */
#define RH_ELOAD    -5   /* rule scripts failed to load */
#define RH_EDB      -6   /* SQLite failed (busy, full, corrupt, ...) */
#define RH_ENOMEM   -7
#define RH_EWORKER  -8   /* a worker process could not be started or talked to */

/* The message of the last error on this thread ("" if none). */
const char *rh_error_last(void);
/* The code of the last error on this thread (RH_OK if none). */
int rh_error_code(void);
/* Sets the last error; returns code so callers can `return rh_error_set(...)`. */
int rh_error_set(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rh_error_clear(void);

#endif
