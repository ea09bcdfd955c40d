/*
** Cron expressions for `ronghe serve` schedules: the standard five fields
** (minute hour day-of-month month day-of-week) with Vixie cron's meaning,
** evaluated in the local time zone.
**
**   *   a,b,c   a-b   a-b/n   (and * followed by /n: every n-th value)
**   month names JAN-DEC, day names SUN-SAT, 0 and 7 both Sunday
**   @yearly @annually @monthly @weekly @daily @midnight @hourly
**
** When both day of month and day of week are restricted (neither starts
** with '*'), a day matches if EITHER matches: "0 6 1 * MON" fires on the
** first of the month and on every Monday.
*/
#ifndef RH_CRON_H
#define RH_CRON_H

#include <stdint.h>
#include <time.h>

typedef struct {
  uint64_t minute;  /* bit m set: minute m (0-59) */
  uint32_t hour;    /* bits 0-23 */
  uint32_t dom;     /* bits 1-31 */
  uint16_t month;   /* bits 1-12 */
  uint8_t dow;      /* bits 0-6, 0 = Sunday */
  int dom_star;     /* the day-of-month field started with '*' */
  int dow_star;     /* the day-of-week field started with '*' */
} rh_cron;

/* Parses expr into *out.  On a bad expression returns RH_EUSAGE with a
** message naming the field, e.g.
** "field 3 (day of month): 32 is out of range 1-31". */
int rh_cron_parse(rh_cron *out, const char *expr);

/* The first time strictly after `after` (seconds are ignored: fire times are
** whole minutes) at which c fires, in local time.  Searches about five years
** ahead; an expression that never fires in that span (0 0 30 2 *) returns
** RH_ENOTFOUND. */
int rh_cron_next(const rh_cron *c, time_t after, time_t *out);

/* The latest fire time at or before `at`; RH_ENOTFOUND if none in the five
** years before it.  Serve uses it to find the one slot to catch up. */
int rh_cron_prev(const rh_cron *c, time_t at, time_t *out);

#endif
