/*
** libFuzzer target: the cron parser (core/cron.c) on arbitrary text, and the
** next/previous fire times of whatever parses.
**
** Checked besides ASan/UBSan: a rejected expression always has a message; for
** an accepted one, next(t) > t, prev(t) <= t, next(prev(t)) > prev(t), and
** prev(next(t)) == next(t) (a fire time is its own latest fire time).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"
#include "rh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  char *expr = malloc(size + 1);
  if (expr == NULL) return 0;
  memcpy(expr, data, size);
  expr[size] = '\0';
  rh_cron c;
  int rc = rh_cron_parse(&c, expr);
  if (rc != RH_OK) {
    if (rh_error_last()[0] == '\0') abort();
    free(expr);
    return 0;
  }
  /* A few instants: fixed, plus one taken from the input's bytes. */
  time_t ts[3] = {1688083200 /* 2023-06-30 */, 951782400 /* 2000-02-29 */, 0};
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 16777619u;
  ts[2] = (time_t)946684800 + (time_t)(h % (40u * 365u * 86400u));
  for (int k = 0; k < 3; k++) {
    time_t t = ts[k], nx, pv, back;
    if (rh_cron_next(&c, t, &nx) == RH_OK) {
      if (nx <= t) abort();
      if (rh_cron_prev(&c, nx, &back) != RH_OK || back != nx) {
        fprintf(stderr, "'%s': prev(next(%lld)) = %lld, not %lld\n", expr, (long long)t,
                (long long)back, (long long)nx);
        abort();
      }
    }
    if (rh_cron_prev(&c, t, &pv) == RH_OK) {
      if (pv > t) abort();
      if (rh_cron_next(&c, pv, &nx) == RH_OK && nx <= pv) abort();
    }
  }
  free(expr);
  return 0;
}
