/*
** Thread-local last error (libgit2's git_error_last model): the code travels
** in return values, the words travel here.
*/
#include <stdarg.h>
#include <stdio.h>

#include "rh.h"

static _Thread_local char rh__err_msg[1024];
static _Thread_local int rh__err_code;

const char *rh_error_last(void) { return rh__err_msg; }

int rh_error_code(void) { return rh__err_code; }

int rh_error_set(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rh__err_msg, sizeof rh__err_msg, fmt, ap);
  va_end(ap);
  rh__err_code = code;
  return code;
}

void rh_error_clear(void) {
  rh__err_msg[0] = '\0';
  rh__err_code = RH_OK;
}
