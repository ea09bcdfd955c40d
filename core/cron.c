/*
** Cron expressions (see cron.h).  Parsing fills one bit set per field; the
** search walks local time with struct tm, jumping a month, a day, an hour or
** a minute at a time and letting mktime normalise the calendar, so month
** ends, leap days and the length of February need no table of their own.
*/
#include "cron.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rh.h"

/* About five years: a month-and-day pair that exists at all (Feb 29)
** turns up within four. */
#define HORIZON_S ((time_t)(5 * 366) * 86400)

typedef struct {
  const char *label;
  int lo, hi;
  const char *const *names; /* 3-letter names; value = index + name_base */
  int name_base;
  const char *kind;         /* "month" / "day": for messages */
} field_info;

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

static const field_info fields[5] = {
  {"minute", 0, 59, NULL, 0, NULL},
  {"hour", 0, 23, NULL, 0, NULL},
  {"day of month", 1, 31, NULL, 0, NULL},
  {"month", 1, 12, month_names, 1, "month"},
  {"day of week", 0, 7, day_names, 0, "day"}, /* 7 is Sunday too */
};

static int field_error(int no, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int field_error(int no, const char *fmt, ...) {
  char msg[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return rh_error_set(RH_EUSAGE, "field %d (%s): %s", no + 1, fields[no].label, msg);
}

/* Reads one value, a number or (month, day of week) a 3-letter name, from
** [*p, end); advances *p past it. */
static int parse_value(int no, const char **p, const char *end, int *out) {
  const field_info *f = &fields[no];
  const char *s = *p;
  if (s < end && isdigit((unsigned char)*s)) {
    long v = 0;
    while (s < end && isdigit((unsigned char)*s)) {
      if (v < 1000000) v = v * 10 + (*s - '0');
      s++;
    }
    if (v < f->lo || v > f->hi)
      return field_error(no, "%ld is out of range %d-%d", v, f->lo, no == 4 ? 7 : f->hi);
    *out = (int)v;
    *p = s;
    return RH_OK;
  }
  if (f->names && end - s >= 3) {
    for (int i = 0; f->names[i]; i++)
      if (strncasecmp(s, f->names[i], 3) == 0 && (end - s == 3 || !isalpha((unsigned char)s[3]))) {
        *out = i + f->name_base;
        *p = s + 3;
        return RH_OK;
      }
  }
  size_t n = 0;
  while (s + n < end && s[n] != '-' && s[n] != '/' && s[n] != ',') n++;
  if (n == 0) return field_error(no, "expected a number%s", f->names ? " or a name" : "");
  if (f->names)
    return field_error(no, "'%.*s' is not a %s name (%s-%s) or a number", (int)n, s, f->kind,
                       f->names[0], no == 3 ? "DEC" : "SAT");
  return field_error(no, "'%.*s' is not a number", (int)n, s);
}

/* One comma-separated item: *, N, N-M, each optionally /STEP. */
static int parse_item(int no, const char *s, const char *end, uint64_t *bits) {
  const field_info *f = &fields[no];
  int lo, hi, step = 1;
  const char *p = s;
  if (p == end) return field_error(no, "empty item in the list");
  if (*p == '*') {
    lo = f->lo;
    hi = no == 4 ? 6 : f->hi;
    p++;
  } else {
    int rc = parse_value(no, &p, end, &lo);
    if (rc != RH_OK) return rc;
    hi = lo;
    if (p < end && *p == '-') {
      p++;
      if ((rc = parse_value(no, &p, end, &hi)) != RH_OK) return rc;
      if (hi < lo) return field_error(no, "range %d-%d goes backwards", lo, hi);
    } else if (p < end && *p == '/') {
      hi = no == 4 ? 6 : f->hi; /* N/STEP means N-max/STEP, as in cronie */
    }
  }
  if (p < end && *p == '/') {
    p++;
    long v = 0;
    const char *d = p;
    while (p < end && isdigit((unsigned char)*p)) {
      if (v < 1000000) v = v * 10 + (*p - '0');
      p++;
    }
    if (p == d) return field_error(no, "expected a number after '/'");
    if (v < 1 || v > f->hi) return field_error(no, "step %ld is out of range 1-%d", v, f->hi);
    step = (int)v;
  }
  if (p != end) return field_error(no, "unexpected '%.*s'", (int)(end - p), p);
  for (int v = lo; v <= hi; v += step) *bits |= (uint64_t)1 << (no == 4 && v == 7 ? 0 : v);
  return RH_OK;
}

static int parse_field(int no, const char *s, size_t n, uint64_t *bits) {
  const char *end = s + n;
  *bits = 0;
  while (s <= end) {
    const char *comma = memchr(s, ',', (size_t)(end - s));
    const char *e = comma ? comma : end;
    int rc = parse_item(no, s, e, bits);
    if (rc != RH_OK) return rc;
    s = e + 1;
    if (!comma) break;
  }
  return RH_OK;
}

static const struct {
  const char *name, *expr;
} macros[] = {{"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
              {"@weekly", "0 0 * * 0"},  {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
              {"@hourly", "0 * * * *"}, {NULL, NULL}};

int rh_cron_parse(rh_cron *out, const char *expr) {
  memset(out, 0, sizeof *out);
  if (expr == NULL) return rh_error_set(RH_EUSAGE, "no cron expression");
  while (isspace((unsigned char)*expr)) expr++;
  if (*expr == '@') {
    size_t n = strcspn(expr, " \t\r\n");
    for (int i = 0; macros[i].name; i++)
      if (strlen(macros[i].name) == n && strncasecmp(expr, macros[i].name, n) == 0 &&
          expr[n + strspn(expr + n, " \t\r\n")] == '\0')
        return rh_cron_parse(out, macros[i].expr);
    return rh_error_set(RH_EUSAGE, "'%.*s' is not a known shorthand (@yearly, @monthly, @weekly, "
                        "@daily, @hourly)", (int)n, expr);
  }
  const char *start[6];
  size_t len[6];
  int nf = 0;
  const char *p = expr;
  while (*p) {
    size_t n = strcspn(p, " \t\r\n");
    if (nf < 6) {
      start[nf] = p;
      len[nf] = n;
    }
    nf++;
    p += n;
    p += strspn(p, " \t\r\n");
  }
  if (nf != 5)
    return rh_error_set(RH_EUSAGE,
                        "expected 5 fields (minute hour day-of-month month day-of-week), found %d", nf);
  uint64_t bits[5];
  for (int i = 0; i < 5; i++) {
    int rc = parse_field(i, start[i], len[i], &bits[i]);
    if (rc != RH_OK) return rc;
  }
  out->minute = bits[0];
  out->hour = (uint32_t)bits[1];
  out->dom = (uint32_t)bits[2];
  out->month = (uint16_t)bits[3];
  out->dow = (uint8_t)bits[4];
  out->dom_star = start[2][0] == '*';
  out->dow_star = start[4][0] == '*';
  return RH_OK;
}

static int day_matches(const rh_cron *c, const struct tm *tm) {
  int dom = (c->dom >> tm->tm_mday) & 1, dow = (c->dow >> tm->tm_wday) & 1;
  /* Vixie cron: with either field starred the day must satisfy both (the
  ** starred one always does unless it has a step); with both restricted,
  ** either one is enough. */
  if (c->dom_star || c->dow_star) return dom && dow;
  return dom || dow;
}

/* mktime for a wall-clock time that may not exist (a DST gap) or may
** exist twice; guarantees progress past `prev` so the search cannot loop. */
static time_t advance(struct tm *tm, time_t prev) {
  tm->tm_isdst = -1;
  time_t t = mktime(tm);
  if (t == (time_t)-1 || t <= prev) t = prev + 60;
  return t;
}

int rh_cron_next(const rh_cron *c, time_t after, time_t *out) {
  struct tm tm;
  if (localtime_r(&after, &tm) == NULL) return rh_error_set(RH_EUSAGE, "time out of range");
  tm.tm_sec = 0;
  tm.tm_min++;
  time_t t = advance(&tm, after);
  time_t limit = after + HORIZON_S;
  while (t <= limit) {
    localtime_r(&t, &tm);
    if (tm.tm_sec != 0) { /* only after advance() had to force progress */
      tm.tm_sec = 0;
      tm.tm_min++;
    } else if (!((c->month >> (tm.tm_mon + 1)) & 1)) {
      tm.tm_mon++;
      tm.tm_mday = 1;
      tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    } else if (!day_matches(c, &tm)) {
      tm.tm_mday++;
      tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    } else if (!((c->hour >> tm.tm_hour) & 1)) {
      tm.tm_hour++;
      tm.tm_min = tm.tm_sec = 0;
    } else if (!((c->minute >> tm.tm_min) & 1)) {
      tm.tm_min++;
      tm.tm_sec = 0;
    } else {
      *out = t;
      return RH_OK;
    }
    t = advance(&tm, t);
  }
  return rh_error_set(RH_ENOTFOUND, "never fires (no matching date within five years)");
}

int rh_cron_prev(const rh_cron *c, time_t at, time_t *out) {
  /* A window ending at `at` that holds at least one fire time, found by
  ** doubling; then bisection: cand is a fire time <= hi, and nothing fires
  ** in (hi, at].  Each step halves hi - cand. */
  time_t cand = 0, w = 120;
  int found = 0;
  while (!found) {
    time_t s;
    if (rh_cron_next(c, at - w, &s) == RH_OK && s <= at) {
      cand = s;
      found = 1;
    } else if (w >= HORIZON_S) {
      return rh_error_set(RH_ENOTFOUND, "never fired in the five years before");
    } else {
      w = w * 4 > HORIZON_S ? HORIZON_S : w * 4;
    }
  }
  time_t hi = at;
  for (;;) {
    time_t n;
    if (rh_cron_next(c, cand, &n) != RH_OK || n > hi) break;
    time_t mid = cand + (hi - cand) / 2;
    time_t s;
    if (rh_cron_next(c, mid, &s) == RH_OK && s <= hi) cand = s;
    else hi = mid;
  }
  rh_error_clear();
  *out = cand;
  return RH_OK;
}
