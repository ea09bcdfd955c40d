/*
** Drives a worker's Lua state in this process (rh__worker_new/feed): the same
** handler and sandbox as `ronghe __worker`, with frames passed in memory.
** Shared by the C tests and the fuzz targets (header-only, static functions).
*/
#ifndef RH_INPROC_H
#define RH_INPROC_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "rh.h"
#include "ruleset.h"
#include "util.h"
#include "vm.h"
#include "worker.h"

typedef struct {
  rh_vm *vm;
  rh_buf reply;          /* frames answered by the last feed */
  int nrules;            /* from the last catalog */
  char **subjects;       /* subject table of each rule (malloc'd) */
  int nerrors;           /* load errors in the last catalog */
  long results, errors;  /* results in the P frames of the last eval, ERROR among them */
  int failed;            /* the last eval answered X (the whole group failed) */
} inproc;

static inline void inproc_forget(inproc *w) {
  for (int i = 0; i < w->nrules; i++) free(w->subjects[i]);
  free(w->subjects);
  w->subjects = NULL;
  w->nrules = 0;
}

static inline int inproc_open(inproc *w, long mem_mb) {
  memset(w, 0, sizeof *w);
  return rh__worker_new(&w->vm, mem_mb);
}

static inline void inproc_close(inproc *w) {
  inproc_forget(w);
  rh_buf_free(&w->reply);
  rh_vm_free(w->vm);
  w->vm = NULL;
}

/* Loads files (name/text pairs; n may be 0 to drop the catalog).  Returns
** RH_OK and fills nrules/subjects/nerrors from the catalog. */
static inline int inproc_load(inproc *w, int n, const char *const *names, const char *const *texts,
                       const size_t *lens, uint64_t mem, uint64_t instr, uint64_t ms) {
  rh_rule_file *files = calloc((size_t)(n ? n : 1), sizeof *files);
  if (files == NULL) return RH_ENOMEM;
  for (int i = 0; i < n; i++) {
    files[i].path = (char *)names[i];
    files[i].text = (char *)texts[i];
    files[i].len = lens[i];
  }
  rh_ruleset rs;
  memset(&rs, 0, sizeof rs);
  rs.nfiles = n;
  rs.files = files;
  rh_buf fr = RH_BUF_INIT;
  int rc = rh_ruleset_load_frame(&rs, &fr, mem, instr, ms, instr * 5, NULL, 0);
  free(files);
  if (rc != RH_OK) {
    rh_buf_free(&fr);
    return rc;
  }
  rh_buf_reset(&w->reply);
  int more = rh__worker_feed(w->vm, fr.data, fr.len, &w->reply);
  rh_buf_free(&fr);
  if (more < 0) return RH_EWORKER;
  /* The answer is one C frame: parse it as the supervisor does. */
  inproc_forget(w);
  if (w->reply.len < 5 || w->reply.data[4] != 'C') return rh_error_set(RH_EWORKER, "no catalog");
  rh_ruleset *cat = calloc(1, sizeof *cat);
  if (cat == NULL) return RH_ENOMEM;
  rc = rh_ruleset_parse_catalog(cat, w->reply.data + 5, w->reply.len - 5);
  if (rc == RH_OK) {
    w->nerrors = cat->nerrors;
    w->subjects = calloc((size_t)(cat->nrules ? cat->nrules : 1), sizeof *w->subjects);
    for (int i = 0; w->subjects && i < cat->nrules; i++) w->subjects[i] = strdup(cat->rules[i].subject);
    w->nrules = w->subjects ? cat->nrules : 0;
  }
  cat->nfiles = 0; /* files belong to nobody here */
  rh_ruleset_free(cat);
  return rc;
}

/* Evaluates every loaded rule whose subject is `subject` over db as of
** 2023-06-30, one group as the supervisor sends it.  Returns RH_OK when the
** handler answered (results, errors and failed are set). */
static inline int inproc_eval(inproc *w, const char *db, const char *subject) {
  rh_buf fr = RH_BUF_INIT;
  int n = 0;
  for (int i = 0; i < w->nrules; i++) n += strcmp(w->subjects[i], subject) == 0;
  w->results = w->errors = 0;
  w->failed = 0;
  if (n == 0) return RH_OK;
  int rc = rh_fr_start(&fr, 'E');
  rc = rc ? rc : rh_fr_u32(&fr, (uint32_t)n);
  for (int i = 0; i < w->nrules && rc == RH_OK; i++)
    if (strcmp(w->subjects[i], subject) == 0) rc = rh_fr_u32(&fr, (uint32_t)i);
  rc = rc ? rc : rh_fr_str(&fr, db, strlen(db));
  rc = rc ? rc : rh_fr_str(&fr, "2023-06-30", 10);
  rc = rc ? rc : rh_fr_i64(&fr, 2023);
  rc = rc ? rc : rh_fr_i64(&fr, INT64_MIN);
  rc = rc ? rc : rh_fr_i64(&fr, INT64_MAX);
  rc = rc ? rc : rh_fr_u8(&fr, 0);
  rc = rc ? rc : rh_fr_u32(&fr, 0);
  if (rc != RH_OK) {
    rh_buf_free(&fr);
    return rc;
  }
  rh_fr_end(&fr);
  rh_buf_reset(&w->reply);
  int more = rh__worker_feed(w->vm, fr.data, fr.len, &w->reply);
  rh_buf_free(&fr);
  if (more < 0) return RH_EWORKER;
  /* P frames: u32 count, then (i64 id, s4 outcomes, s4 detail) each; one
  ** outcome digit per rule of the group. */
  size_t off = 0;
  while (w->reply.len - off >= 5) {
    rh_rd hdr;
    rh_rd_init(&hdr, w->reply.data + off, w->reply.len - off);
    uint32_t len = rh_rd_u32(&hdr);
    char type = (char)rh_rd_u8(&hdr);
    if (len < 1 || w->reply.len - off - 4 < len) return rh_error_set(RH_EWORKER, "torn frame");
    rh_rd r;
    rh_rd_init(&r, w->reply.data + off + 5, len - 1);
    if (type == 'P') {
      uint32_t k = rh_rd_u32(&r);
      for (uint32_t i = 0; i < k && !r.bad; i++) {
        size_t ol, dl;
        rh_rd_i64(&r);
        const char *oc = rh_rd_str(&r, &ol);
        rh_rd_str(&r, &dl);
        if (r.bad || ol != (size_t)n) return rh_error_set(RH_EWORKER, "malformed P frame");
        for (size_t j = 0; j < ol; j++) {
          w->results++;
          w->errors += oc[j] == '5';
        }
      }
      if (r.bad) return rh_error_set(RH_EWORKER, "malformed P frame");
    } else if (type == 'X') {
      w->failed = 1;
    }
    off += 4 + (size_t)len;
  }
  return RH_OK;
}

#endif
