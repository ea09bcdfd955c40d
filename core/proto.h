/*
** Frames between the supervisor and its workers: u32 length (little endian,
** counting the type byte) | u8 type | payload.  Payload fields use Lua's
** string.pack formats on the worker side: "<I4" "<i8" "B" and "s4" strings.
*/
#ifndef RH_PROTO_H
#define RH_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

typedef struct {
  const unsigned char *p;
  size_t n, pos;
  int bad;            /* set once a read runs past the end */
} rh_rd;

void rh_rd_init(rh_rd *r, const void *p, size_t n);
uint8_t rh_rd_u8(rh_rd *r);
uint32_t rh_rd_u32(rh_rd *r);
int64_t rh_rd_i64(rh_rd *r);
/* A length-prefixed string: pointer into the frame (not NUL-terminated). */
const char *rh_rd_str(rh_rd *r, size_t *len);
/* The same, copied and NUL-terminated (malloc'd; NULL if bad). */
char *rh_rd_strdup(rh_rd *r);

/* Frame building: start reserves the header, end fills in the length. */
int rh_fr_start(rh_buf *b, char type);
int rh_fr_u8(rh_buf *b, uint8_t v);
int rh_fr_u32(rh_buf *b, uint32_t v);
int rh_fr_u64(rh_buf *b, uint64_t v);
int rh_fr_i64(rh_buf *b, int64_t v);
int rh_fr_str(rh_buf *b, const char *s, size_t n);
void rh_fr_end(rh_buf *b);

#endif
