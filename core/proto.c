#include "proto.h"

#include <stdlib.h>
#include <string.h>

void rh_rd_init(rh_rd *r, const void *p, size_t n) {
  r->p = p;
  r->n = n;
  r->pos = 0;
  r->bad = 0;
}

static int need(rh_rd *r, size_t k) {
  if (r->bad || r->n - r->pos < k) {
    r->bad = 1;
    return 0;
  }
  return 1;
}

uint8_t rh_rd_u8(rh_rd *r) { return need(r, 1) ? r->p[r->pos++] : 0; }

uint32_t rh_rd_u32(rh_rd *r) {
  if (!need(r, 4)) return 0;
  const unsigned char *q = r->p + r->pos;
  r->pos += 4;
  return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}

int64_t rh_rd_i64(rh_rd *r) {
  if (!need(r, 8)) return 0;
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | r->p[r->pos + (size_t)i];
  r->pos += 8;
  return (int64_t)v;
}

const char *rh_rd_str(rh_rd *r, size_t *len) {
  uint32_t n = rh_rd_u32(r);
  *len = 0;
  if (!need(r, n)) return NULL;
  const char *s = (const char *)r->p + r->pos;
  r->pos += n;
  *len = n;
  return s;
}

char *rh_rd_strdup(rh_rd *r) {
  size_t n;
  const char *s = rh_rd_str(r, &n);
  if (s == NULL) return NULL;
  char *d = malloc(n + 1);
  if (d == NULL) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

int rh_fr_start(rh_buf *b, char type) {
  unsigned char hdr[5] = {0, 0, 0, 0, (unsigned char)type};
  rh_buf_reset(b);
  return rh_buf_add(b, hdr, 5);
}

int rh_fr_u8(rh_buf *b, uint8_t v) { return rh_buf_add(b, &v, 1); }

int rh_fr_u32(rh_buf *b, uint32_t v) {
  unsigned char q[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 24)};
  return rh_buf_add(b, q, 4);
}

int rh_fr_u64(rh_buf *b, uint64_t v) {
  unsigned char q[8];
  for (int i = 0; i < 8; i++) q[i] = (unsigned char)(v >> (8 * i));
  return rh_buf_add(b, q, 8);
}

int rh_fr_i64(rh_buf *b, int64_t v) { return rh_fr_u64(b, (uint64_t)v); }

int rh_fr_str(rh_buf *b, const char *s, size_t n) {
  int rc = rh_fr_u32(b, (uint32_t)n);
  return rc ? rc : rh_buf_add(b, s, n);
}

void rh_fr_end(rh_buf *b) {
  uint32_t n = (uint32_t)(b->len - 4);
  b->data[0] = (char)(n & 0xff);
  b->data[1] = (char)((n >> 8) & 0xff);
  b->data[2] = (char)((n >> 16) & 0xff);
  b->data[3] = (char)((n >> 24) & 0xff);
}
