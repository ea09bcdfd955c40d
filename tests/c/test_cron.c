/*
** Cron parsing and next-fire computation (core/cron.c), in UTC so that the
** expected times do not depend on the machine's zone or on DST.
*/
#include <stdlib.h>
#include <time.h>

#include "cron.h"
#include "rh.h"
#include "test.h"

/* "YYYY-MM-DD HH:MM[:SS]" in UTC. */
static time_t at(const char *s) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  int n = sscanf(s, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                 &tm.tm_min, &tm.tm_sec);
  if (n < 5) abort();
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm);
}

static const char *fmt(time_t t) {
  static char buf[4][32];
  static int k;
  struct tm tm;
  gmtime_r(&t, &tm);
  char *b = buf[k++ % 4];
  strftime(b, 32, "%Y-%m-%d %H:%M %a", &tm);
  return b;
}

/* The fire time after `from`, formatted; "error: ..." when there is none. */
static const char *next_of(const char *expr, const char *from) {
  static char buf[4][256];
  static int k;
  char *b = buf[k++ % 4];
  rh_cron c;
  time_t t;
  if (rh_cron_parse(&c, expr) != RH_OK || rh_cron_next(&c, at(from), &t) != RH_OK) {
    snprintf(b, 256, "error: %s", rh_error_last());
    return b;
  }
  snprintf(b, 256, "%s", fmt(t));
  return b;
}

static const char *parse_error(const char *expr) {
  static char buf[256];
  rh_cron c;
  if (rh_cron_parse(&c, expr) == RH_OK) return "(parsed)";
  snprintf(buf, sizeof buf, "%s", rh_error_last());
  return buf;
}

static void utc(void) {
  setenv("TZ", "UTC", 1);
  tzset();
}

TEST_IMPL(errors_name_the_field) {
  utc();
  ASSERT_STR_EQ(parse_error("0 0 32 * *"), "field 3 (day of month): 32 is out of range 1-31");
  ASSERT_STR_EQ(parse_error("60 * * * *"), "field 1 (minute): 60 is out of range 0-59");
  ASSERT_STR_EQ(parse_error("0 24 * * *"), "field 2 (hour): 24 is out of range 0-23");
  ASSERT_STR_EQ(parse_error("0 0 * 13 *"), "field 4 (month): 13 is out of range 1-12");
  ASSERT_STR_EQ(parse_error("0 0 0 * *"), "field 3 (day of month): 0 is out of range 1-31");
  ASSERT_STR_EQ(parse_error("0 0 * * 8"), "field 5 (day of week): 8 is out of range 0-7");
  ASSERT_CONTAINS(parse_error("0 0 * FOO *"), "field 4 (month): 'FOO' is not a month name");
  ASSERT_CONTAINS(parse_error("0 0 * * XYZ"), "field 5 (day of week): 'XYZ' is not a day name");
  ASSERT_STR_EQ(parse_error("*/0 * * * *"), "field 1 (minute): step 0 is out of range 1-59");
  ASSERT_STR_EQ(parse_error("30-10 * * * *"), "field 1 (minute): range 30-10 goes backwards");
  ASSERT_STR_EQ(parse_error("1,,2 * * * *"), "field 1 (minute): empty item in the list");
  ASSERT_STR_EQ(parse_error("a * * * *"), "field 1 (minute): 'a' is not a number");
  ASSERT_STR_EQ(parse_error("*/ * * * *"), "field 1 (minute): expected a number after '/'");
  ASSERT_STR_EQ(parse_error("1x * * * *"), "field 1 (minute): unexpected 'x'");
  ASSERT_CONTAINS(parse_error("0 6 * *"), "expected 5 fields");
  ASSERT_CONTAINS(parse_error("0 6 * * * *"), "found 6");
  ASSERT_CONTAINS(parse_error(""), "found 0");
  ASSERT_CONTAINS(parse_error("@reboot"), "not a known shorthand");
  ASSERT_STR_EQ(parse_error("  0   6 * *  MON  "), "(parsed)");
  return 0;
}

TEST_IMPL(next_is_strictly_after) {
  utc();
  ASSERT_STR_EQ(next_of("0 6 * * *", "2024-03-10 05:59:59"), "2024-03-10 06:00 Sun");
  ASSERT_STR_EQ(next_of("0 6 * * *", "2024-03-10 06:00"), "2024-03-11 06:00 Mon");
  ASSERT_STR_EQ(next_of("0 6 * * *", "2024-03-10 06:00:30"), "2024-03-11 06:00 Mon");
  ASSERT_STR_EQ(next_of("* * * * *", "2024-03-10 06:00:30"), "2024-03-10 06:01 Sun");
  ASSERT_STR_EQ(next_of("0 0 1 1 *", "2023-12-31 23:59"), "2024-01-01 00:00 Mon");
  ASSERT_STR_EQ(next_of("@daily", "2023-12-31 23:59"), "2024-01-01 00:00 Mon");
  ASSERT_STR_EQ(next_of("@hourly", "2024-01-01 10:00"), "2024-01-01 11:00 Mon");
  return 0;
}

TEST_IMPL(month_ends) {
  utc();
  /* The 31st exists in 7 months; the 30th in all but February. */
  ASSERT_STR_EQ(next_of("0 0 31 * *", "2023-01-31 00:00"), "2023-03-31 00:00 Fri");
  ASSERT_STR_EQ(next_of("0 0 31 * *", "2023-03-31 00:00"), "2023-05-31 00:00 Wed");
  ASSERT_STR_EQ(next_of("0 0 31 * *", "2023-07-31 00:00"), "2023-08-31 00:00 Thu");
  ASSERT_STR_EQ(next_of("0 0 30 * *", "2023-01-30 00:00"), "2023-03-30 00:00 Thu");
  ASSERT_STR_EQ(next_of("59 23 31 12 *", "2023-06-01 00:00"), "2023-12-31 23:59 Sun");
  ASSERT_STR_EQ(next_of("0 0 */10 * *", "2023-01-21 00:00"), "2023-01-31 00:00 Tue");
  ASSERT_STR_EQ(next_of("0 0 */10 * *", "2023-01-31 00:00"), "2023-02-01 00:00 Wed");
  return 0;
}

TEST_IMPL(leap_days) {
  utc();
  ASSERT_STR_EQ(next_of("0 0 29 2 *", "2023-03-01 00:00"), "2024-02-29 00:00 Thu");
  ASSERT_STR_EQ(next_of("0 0 29 2 *", "2024-02-29 00:00"), "2028-02-29 00:00 Tue");
  /* 2100 is not a leap year: after 2096 the next Feb 29 is in 2104, past
  ** the five-year search, so the answer is a clear error, not a wrong date. */
  ASSERT_CONTAINS(next_of("0 0 29 2 *", "2096-03-01 00:00"), "error: never fires");
  ASSERT_STR_EQ(next_of("0 0 28 2 *", "2024-02-28 00:00"), "2025-02-28 00:00 Fri");
  ASSERT_STR_EQ(next_of("0 0 1 3 *", "2024-02-28 00:00"), "2024-03-01 00:00 Fri");
  ASSERT_STR_EQ(next_of("0 0 * 2 *", "2024-02-28 00:00"), "2024-02-29 00:00 Thu");
  ASSERT_STR_EQ(next_of("0 0 * 2 *", "2023-02-28 00:00"), "2024-02-01 00:00 Thu");
  return 0;
}

TEST_IMPL(impossible_dates_never_fire) {
  utc();
  ASSERT_CONTAINS(next_of("0 0 30 2 *", "2024-01-01 00:00"), "error: never fires");
  ASSERT_CONTAINS(next_of("0 0 31 4,6,9,11 *", "2024-01-01 00:00"), "error: never fires");
  rh_cron c;
  time_t t;
  ASSERT_OK(rh_cron_parse(&c, "0 0 30 2 *"));
  ASSERT_EQ(RH_ENOTFOUND, rh_cron_next(&c, at("2024-01-01 00:00"), &t));
  return 0;
}

TEST_IMPL(dom_and_dow_both_set) {
  utc();
  /* Vixie cron: either matches.  2023-01-06 is a Friday, 2023-02-13 a Monday. */
  ASSERT_STR_EQ(next_of("0 6 13 * FRI", "2023-01-01 00:00"), "2023-01-06 06:00 Fri");
  ASSERT_STR_EQ(next_of("0 6 13 * FRI", "2023-01-06 06:00"), "2023-01-13 06:00 Fri");
  ASSERT_STR_EQ(next_of("0 6 13 * FRI", "2023-02-10 06:00"), "2023-02-13 06:00 Mon");
  ASSERT_STR_EQ(next_of("0 6 1 * MON", "2024-01-01 06:00"), "2024-01-08 06:00 Mon");
  ASSERT_STR_EQ(next_of("0 6 1 * MON", "2024-01-29 06:00"), "2024-02-01 06:00 Thu");
  /* With one of them starred, only the other restricts the day. */
  ASSERT_STR_EQ(next_of("0 0 * * MON", "2024-01-01 00:00"), "2024-01-08 00:00 Mon");
  ASSERT_STR_EQ(next_of("0 0 15 * *", "2024-01-16 00:00"), "2024-02-15 00:00 Thu");
  /* A starred field with a step still counts as starred: both must hold. */
  ASSERT_STR_EQ(next_of("0 0 */2 * MON", "2024-01-01 00:00"), "2024-01-15 00:00 Mon");
  return 0;
}

TEST_IMPL(steps_ranges_lists) {
  utc();
  ASSERT_STR_EQ(next_of("*/15 * * * *", "2024-01-01 10:07"), "2024-01-01 10:15 Mon");
  ASSERT_STR_EQ(next_of("*/15 * * * *", "2024-01-01 10:45"), "2024-01-01 11:00 Mon");
  ASSERT_STR_EQ(next_of("1-30/5 * * * *", "2024-01-01 10:01"), "2024-01-01 10:06 Mon");
  ASSERT_STR_EQ(next_of("1-30/5 * * * *", "2024-01-01 10:26"), "2024-01-01 11:01 Mon");
  ASSERT_STR_EQ(next_of("10/20 * * * *", "2024-01-01 10:31"), "2024-01-01 10:50 Mon");
  ASSERT_STR_EQ(next_of("0 8-10,14 * * *", "2024-01-01 10:00"), "2024-01-01 14:00 Mon");
  ASSERT_STR_EQ(next_of("0 8-10,14 * * *", "2024-01-01 14:00"), "2024-01-02 08:00 Tue");
  ASSERT_STR_EQ(next_of("5,10,55 * * * *", "2024-01-01 10:54"), "2024-01-01 10:55 Mon");
  ASSERT_STR_EQ(next_of("0 0 1 */3 *", "2024-01-01 00:00"), "2024-04-01 00:00 Mon");
  return 0;
}

TEST_IMPL(month_and_day_names) {
  utc();
  ASSERT_STR_EQ(next_of("0 9 * JAN-MAR MON-FRI", "2023-03-31 09:00"), "2024-01-01 09:00 Mon");
  ASSERT_STR_EQ(next_of("0 9 * jan-mar mon-fri", "2024-01-05 09:00"), "2024-01-08 09:00 Mon");
  ASSERT_STR_EQ(next_of("0 0 1 JUN,DEC *", "2024-06-01 00:00"), "2024-12-01 00:00 Sun");
  ASSERT_STR_EQ(next_of("0 0 * * SAT,SUN", "2024-01-01 00:00"), "2024-01-06 00:00 Sat");
  /* 0 and 7 are both Sunday; 5-7 is Friday to Sunday. */
  ASSERT_STR_EQ(next_of("0 0 * * 7", "2024-01-01 00:00"), "2024-01-07 00:00 Sun");
  ASSERT_STR_EQ(next_of("0 0 * * 0", "2024-01-01 00:00"), "2024-01-07 00:00 Sun");
  ASSERT_STR_EQ(next_of("0 0 * * 5-7", "2024-01-06 00:00"), "2024-01-07 00:00 Sun");
  ASSERT_STR_EQ(next_of("0 0 * * 5-7", "2024-01-07 00:00"), "2024-01-12 00:00 Fri");
  return 0;
}

TEST_IMPL(prev_finds_the_slot_to_catch_up) {
  utc();
  rh_cron c;
  time_t t;
  ASSERT_OK(rh_cron_parse(&c, "0 6 * * 1"));
  ASSERT_OK(rh_cron_prev(&c, at("2024-01-10 12:00"), &t));
  ASSERT_STR_EQ(fmt(t), "2024-01-08 06:00 Mon");
  ASSERT_OK(rh_cron_prev(&c, at("2024-01-08 06:00"), &t));
  ASSERT_STR_EQ(fmt(t), "2024-01-08 06:00 Mon");
  ASSERT_OK(rh_cron_prev(&c, at("2024-01-08 05:59"), &t));
  ASSERT_STR_EQ(fmt(t), "2024-01-01 06:00 Mon");
  ASSERT_OK(rh_cron_parse(&c, "* * * * *"));
  ASSERT_OK(rh_cron_prev(&c, at("2024-01-08 05:59:30"), &t));
  ASSERT_STR_EQ(fmt(t), "2024-01-08 05:59 Mon");
  ASSERT_OK(rh_cron_parse(&c, "0 0 29 2 *"));
  ASSERT_OK(rh_cron_prev(&c, at("2027-01-01 00:00"), &t));
  ASSERT_STR_EQ(fmt(t), "2024-02-29 00:00 Thu");
  /* Every minute of January only, asked in mid-February. */
  ASSERT_OK(rh_cron_parse(&c, "* * * 1 *"));
  ASSERT_OK(rh_cron_prev(&c, at("2024-02-15 00:00"), &t));
  ASSERT_STR_EQ(fmt(t), "2024-01-31 23:59 Wed");
  ASSERT_OK(rh_cron_parse(&c, "0 0 30 2 *"));
  ASSERT_EQ(RH_ENOTFOUND, rh_cron_prev(&c, at("2024-01-01 00:00"), &t));
  return 0;
}

TEST_IMPL(local_time_zone) {
  /* A zone without DST, east of UTC: fire times are wall-clock times there. */
  setenv("TZ", "CST-8", 1); /* POSIX form: needs no tzdata */
  tzset();
  rh_cron c;
  time_t t;
  ASSERT_OK(rh_cron_parse(&c, "0 6 * * *"));
  ASSERT_OK(rh_cron_next(&c, at("2024-01-01 00:00"), &t)); /* 08:00 in Shanghai */
  utc();
  ASSERT_STR_EQ(fmt(t), "2024-01-01 22:00 Mon");            /* 06:00 next day there */
  return 0;
}

TEST_MAIN(TEST_ENTRY(errors_name_the_field) TEST_ENTRY(next_is_strictly_after)
          TEST_ENTRY(month_ends) TEST_ENTRY(leap_days) TEST_ENTRY(impossible_dates_never_fire)
          TEST_ENTRY(dom_and_dow_both_set) TEST_ENTRY(steps_ranges_lists)
          TEST_ENTRY(month_and_day_names) TEST_ENTRY(prev_finds_the_slot_to_catch_up)
          TEST_ENTRY(local_time_zone))
