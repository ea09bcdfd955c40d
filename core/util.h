/*
** Small helpers every module uses: a growable byte buffer, whole-file reads,
** ISO dates as day numbers, UTF-8 validation.
*/
#ifndef RH_UTIL_H
#define RH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
  char *data;
  size_t len, cap;
} rh_buf;

#define RH_BUF_INIT {NULL, 0, 0}

int rh_buf_reserve(rh_buf *b, size_t extra);
int rh_buf_add(rh_buf *b, const void *p, size_t n);
/* rh_buf_add for the hot paths (wloop.c): small appends inline. */
static inline int rh_buf_put(rh_buf *b, const void *p, size_t n) {
  if (b->cap - b->len <= n) return rh_buf_add(b, p, n); /* room for the NUL too */
  if (n > 8) memcpy(b->data + b->len, p, n);
  else for (size_t i = 0; i < n; i++) b->data[b->len + i] = ((const char *)p)[i];
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}
int rh_buf_adds(rh_buf *b, const char *s);
int rh_buf_printf(rh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quotes included). */
int rh_buf_json_str(rh_buf *b, const char *s, size_t n);
void rh_buf_reset(rh_buf *b);
void rh_buf_free(rh_buf *b);

/* Reads a whole file; *out is malloc'd and NUL-terminated. */
int rh_read_file(char **out, size_t *len, const char *path);

/* 'YYYY-MM-DD' -> days since 1970-01-01; returns 0 on success, -1 if the text
** is not a real calendar date in exactly that form. */
int rh_date_parse(int64_t *out, const char *s, size_t n);
/* Writes 'YYYY-MM-DD' (11 bytes with NUL) for a day number. */
void rh_date_format(char out[11], int64_t day);
/* 'YYYY-MM' check. */
int rh_month_valid(const char *s, size_t n);
/* Today in the local time zone, 'YYYY-MM-DD'. */
void rh_today(char out[11]);
/* Current UTC time 'YYYY-MM-DDTHH:MM:SS.mmmZ' (25 bytes with NUL). */
void rh_now_iso(char out[32]);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
int rh_utf8_valid(const char *s, size_t n);

/* Lower-case hex sha256 (65 bytes with NUL) of a buffer. */
void rh_sha256_hex(char out[65], const void *p, size_t n);

#endif
