/*
** The request handling of `ronghe serve`'s HTTP API as a plain function:
** a request (method, path, query string, body) in, a response (status,
** content type, JSON body) out, with no h2o in between.  http.c's h2o
** callback is a thin wrapper over it, and tests/fuzz/fuzz_http.c feeds it
** arbitrary bytes.  Not a public API.
**
** Reads go to the serve process's read-only connection (s->ro) and its
** in-memory state; nothing here writes, waits or starts a process.  The two
** requests that act (an evaluation, a reload) come back as an action for
** the caller to carry out.
*/
#ifndef RH_HTTP_API_H
#define RH_HTTP_API_H

#include <jansson.h>
#include <stddef.h>

typedef struct rh_srv rh_srv;

#define RH_HTTP_MAX_SUBJECTS 20   /* per POST /evaluate */
#define RH_HTTP_MAX_RUNNING 8     /* `ronghe explain` children at once */
#define RH_HTTP_SUBJECT_MAX 96    /* "KIND:ID" as passed on: kind <= 64 bytes, id an int64 */

typedef struct {
  const char *method;
  size_t method_len;
  const char *path;        /* raw (percent-encoded), without the query string */
  size_t path_len;
  const char *query;       /* raw, after the '?'; NULL when the target has no '?' */
  size_t query_len;
  const char *body;        /* NULL when the request has none */
  size_t body_len;
} rh_http_req;

typedef enum {
  RH_HTTP_ANSWER,          /* send the response as it is */
  RH_HTTP_EVALUATE,        /* start the evaluation below; answer when it is done */
  RH_HTTP_RELOAD           /* start a reload, then send the response (202) */
} rh_http_action;

typedef struct {
  int status;
  const char *content_type;
  const char *allow;       /* the Allow header of a 405, else NULL */
  char *body;              /* JSON and a newline, malloc'd (rh__http_res_free) */
  size_t body_len;
  rh_http_action action;
  /* RH_HTTP_EVALUATE: validated subjects in canonical form ("city" or
  ** KIND:ID with a decimal id), a YYYY-MM-DD date, a year (0 = that of
  ** as_of); single: answer with the one subject's object, not a list. */
  int nsubjects, single, year;
  char subjects[RH_HTTP_MAX_SUBJECTS][RH_HTTP_SUBJECT_MAX];
  char as_of[11];
} rh_http_res;

/* Answers one request.  Always fills res (status 500 when out of memory);
** refusals are logged with rh__serve_log like the service's other news. */
void rh__http_handle(rh_srv *s, const rh_http_req *req, rh_http_res *res);
/* Sets res to status and body (consumed; NULL answers 500). */
void rh__http_res_json(rh_http_res *res, int status, json_t *body);
void rh__http_res_free(rh_http_res *res);

#endif
