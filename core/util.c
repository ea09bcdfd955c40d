#include "util.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "rh.h"

int rh_buf_reserve(rh_buf *b, size_t extra) {
  size_t need = b->len + extra + 1; /* room for a NUL */
  if (need <= b->cap) return RH_OK;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  char *p = realloc(b->data, cap);
  if (p == NULL) return rh_error_set(RH_ENOMEM, "out of memory (%zu bytes)", cap);
  b->data = p;
  b->cap = cap;
  return RH_OK;
}

int rh_buf_add(rh_buf *b, const void *p, size_t n) {
  if (rh_buf_reserve(b, n) != RH_OK) return RH_ENOMEM;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return RH_OK;
}

int rh_buf_adds(rh_buf *b, const char *s) { return rh_buf_add(b, s, strlen(s)); }

int rh_buf_printf(rh_buf *b, const char *fmt, ...) {
  /* Formats straight into the free room; only a longer text goes twice. */
  if (rh_buf_reserve(b, 64) != RH_OK) return RH_ENOMEM;
  size_t room = b->cap - b->len;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->data + b->len, room, fmt, ap);
  va_end(ap);
  if (n < 0) return rh_error_set(RH_ERROR, "bad format");
  if ((size_t)n >= room) {
    if (rh_buf_reserve(b, (size_t)n) != RH_OK) return RH_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  b->len += (size_t)n;
  return RH_OK;
}

int rh_buf_json_str(rh_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  if (rh_buf_reserve(b, n + 2) != RH_OK) return RH_ENOMEM;
  b->data[b->len++] = '"';
  size_t run = 0; /* start of the bytes copied as they are */
  for (size_t i = 0; i < n; i++) {
    /* Eight bytes at a time while none needs escaping (no control byte,
    ** quote or backslash): the usual key or reason. */
    while (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
      uint64_t lt20 = (w - ones * 0x20) & ~w;
      uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
      uint64_t eq = ((q - ones) & ~q) | ((bs - ones) & ~bs);
      if ((lt20 | eq) & high) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    if (i > run && rh_buf_add(b, s + run, i - run) != RH_OK) return RH_ENOMEM;
    run = i + 1;
    char esc[7];
    size_t k = 0;
    esc[k++] = '\\';
    switch (c) {
      case '"': esc[k++] = '"'; break;
      case '\\': esc[k++] = '\\'; break;
      case '\n': esc[k++] = 'n'; break;
      case '\r': esc[k++] = 'r'; break;
      case '\t': esc[k++] = 't'; break;
      default:
        esc[k++] = 'u'; esc[k++] = '0'; esc[k++] = '0';
        esc[k++] = hex[c >> 4]; esc[k++] = hex[c & 15];
    }
    if (rh_buf_add(b, esc, k) != RH_OK) return RH_ENOMEM;
  }
  if (n > run && rh_buf_add(b, s + run, n - run) != RH_OK) return RH_ENOMEM;
  return rh_buf_add(b, "\"", 1);
}

void rh_buf_reset(rh_buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

void rh_buf_free(rh_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

int rh_read_file(char **out, size_t *len, const char *path) {
  *out = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL) return rh_error_set(RH_ENOTFOUND, "%s: cannot open", path);
  rh_buf b = RH_BUF_INIT;
  char chunk[65536];
  size_t n;
  int rc = rh_buf_reserve(&b, 0);
  while (rc == RH_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0) rc = rh_buf_add(&b, chunk, n);
  if (rc == RH_OK && ferror(f)) rc = rh_error_set(RH_ERROR, "%s: read error", path);
  fclose(f);
  if (rc != RH_OK) {
    rh_buf_free(&b);
    return rc;
  }
  *out = b.data;
  *len = b.len;
  return RH_OK;
}

/* Days from civil (Howard Hinnant's algorithm): exact for the proleptic
** Gregorian calendar, no time zones involved. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int rh_date_parse(int64_t *out, const char *s, size_t n) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (n != 10 || s[4] != '-' || s[7] != '-') return -1;
  int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
  if (y < 1 || m < 1 || m > 12 || d < 1) return -1;
  int dim = mdays[m - 1] + (m == 2 && is_leap(y));
  if (d > dim) return -1;
  *out = days_from_civil(y, (unsigned)m, (unsigned)d);
  return 0;
}

void rh_date_format(char out[11], int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  if (y < 0 || y > 9999) y = 0; /* outside what a 'YYYY-MM-DD' can say */
  snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 100u, d % 100u);
}

int rh_month_valid(const char *s, size_t n) {
  if (n != 7 || s[4] != '-') return 0;
  int y = digits(s, 4), m = digits(s + 5, 2);
  return y >= 1 && m >= 1 && m <= 12;
}

void rh_today(char out[11]) {
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

void rh_now_iso(char out[32]) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  char base[24];
  strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, 32, "%s.%03dZ", base, (int)(tv.tv_usec / 1000));
}

int rh_utf8_valid(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    /* ASCII eight bytes at a time: most keys and many reasons are. */
    while (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (w & 0x8080808080808080u) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned c = s[i];
    if (c < 0x80) { i++; continue; }
    size_t k;
    unsigned cp, min;
    if ((c & 0xE0) == 0xC0) { k = 1; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { k = 2; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { k = 3; cp = c & 0x07; min = 0x10000; }
    else return 0;
    for (size_t j = 1; j <= k; j++) {
      if (i + j >= n || (s[i + j] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    i += k + 1;
  }
  return 1;
}

void rh_sha256_hex(char out[65], const void *p, size_t n) {
  unsigned char md[32];
  unsigned int mdlen = 0;
  EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
  for (unsigned i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
  out[64] = '\0';
}
