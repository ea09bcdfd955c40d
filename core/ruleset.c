#include "ruleset.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rh.h"
#include "util.h"

static int ruleset_rehash(rh_ruleset *rs);

static int name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void catalog_free(rh_ruleset *rs) {
  for (int i = 0; i < rs->nrules; i++) {
    rh_rule_info *r = &rs->rules[i];
    free(r->id); free(r->subject); free(r->kind); free(r->title); free(r->cite); free(r->file);
    for (int k = 0; k < r->ninputs; k++) { free(r->inputs[k].name); free(r->inputs[k].sql); }
    free(r->inputs);
    for (int k = 0; k < r->nparams; k++) {
      rh_param_info *p = &r->params[k];
      for (int j = 0; j < p->nperiods; j++) {
        free(p->periods[j].from); free(p->periods[j].to);
        free(p->periods[j].value); free(p->periods[j].source);
      }
      free(p->periods);
      free(p->name);
    }
    free(r->params);
  }
  free(rs->rules);
  for (int i = 0; i < rs->npolicies; i++) {
    rh_policy_info *p = &rs->policies[i];
    free(p->name); free(p->subject); free(p->answers); free(p->title); free(p->file);
    for (int k = 0; k < p->nrules; k++) free(p->rules[k]);
    free(p->rules);
  }
  free(rs->policies);
  for (int i = 0; i < rs->nschedules; i++) {
    rh_schedule_info *sc = &rs->schedules[i];
    free(sc->name); free(sc->cron); free(sc->as_of); free(sc->file);
    for (int k = 0; k < sc->npolicies; k++) free(sc->policies[k]);
    for (int k = 0; k < sc->nrules; k++) free(sc->rules[k]);
    free(sc->policies);
    free(sc->rules);
  }
  free(rs->schedules);
  for (int i = 0; i < rs->nerrors; i++) free(rs->errors[i]);
  free(rs->errors);
  rs->rules = NULL; rs->policies = NULL; rs->errors = NULL; rs->schedules = NULL;
  rs->nrules = rs->npolicies = rs->nerrors = rs->nschedules = 0;
}

void rh_ruleset_free(rh_ruleset *rs) {
  if (rs == NULL) return;
  catalog_free(rs);
  for (int i = 0; i < rs->nfiles; i++) {
    free(rs->files[i].path);
    free(rs->files[i].text);
  }
  free(rs->files);
  free(rs->dir);
  free(rs);
}

int rh_ruleset_read(rh_ruleset **out, const char *dir) {
  *out = NULL;
  int rc = RH_OK;
  char **names = NULL;
  size_t nnames = 0, cap = 0;
  rh_ruleset *rs = calloc(1, sizeof *rs);
  if (rs == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  rs->dir = strdup(dir);
  DIR *d = opendir(dir);
  if (d == NULL) {
    rc = rh_error_set(RH_ENOTFOUND, "%s: cannot open the rules folder", dir);
    goto done;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 5 || e->d_name[0] == '.' || strcmp(e->d_name + n - 4, ".lua") != 0) continue;
    if (nnames == cap) {
      cap = cap ? cap * 2 : 16;
      char **q = realloc(names, cap * sizeof *names);
      if (q == NULL) { rc = rh_error_set(RH_ENOMEM, "out of memory"); break; }
      names = q;
    }
    names[nnames++] = strdup(e->d_name);
  }
  closedir(d);
  if (rc != RH_OK) goto done;
  if (nnames == 0) {
    rc = rh_error_set(RH_ENOTFOUND, "%s: no rule files (*.lua) in this folder", dir);
    goto done;
  }
  qsort(names, nnames, sizeof *names, name_cmp);
  rs->files = calloc(nnames, sizeof *rs->files);
  if (rs->files == NULL) { rc = rh_error_set(RH_ENOMEM, "out of memory"); goto done; }
  for (size_t i = 0; i < nnames && rc == RH_OK; i++) {
    rh_rule_file *f = &rs->files[i];
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    f->path = malloc(dl + strlen(names[i]) + 2);
    if (f->path == NULL) { rc = rh_error_set(RH_ENOMEM, "out of memory"); break; }
    sprintf(f->path, "%.*s/%s", (int)dl, dir, names[i]);
    rs->nfiles++;
    struct stat st;
    if (stat(f->path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if ((rc = rh_read_file(&f->text, &f->len, f->path)) != RH_OK) break;
    rh_sha256_hex(f->sha256, f->text, f->len);
  }
  if (rc == RH_OK) rc = ruleset_rehash(rs);
done:
  for (size_t i = 0; i < nnames; i++) free(names[i]);
  free(names);
  if (rc != RH_OK) {
    rh_ruleset_free(rs);
    return rc;
  }
  *out = rs;
  return RH_OK;
}

/* Recomputes the version over every file, in order: names and texts, so a
** renamed file is a change too. */
static int ruleset_rehash(rh_ruleset *rs) {
  rh_buf all = RH_BUF_INIT;
  int rc = RH_OK;
  for (int i = 0; i < rs->nfiles && rc == RH_OK; i++) {
    const rh_rule_file *f = &rs->files[i];
    if (!f->text) continue;
    const char *base = strrchr(f->path, '/');
    rc = rh_buf_adds(&all, base ? base + 1 : f->path);
    if (rc == RH_OK) rc = rh_buf_add(&all, "\0", 1);
    if (rc == RH_OK) rc = rh_buf_adds(&all, f->sha256);
    if (rc == RH_OK) rc = rh_buf_add(&all, "\n", 1);
  }
  if (rc == RH_OK) rh_sha256_hex(rs->version, all.data ? all.data : "", all.len);
  rh_buf_free(&all);
  return rc;
}

int rh_ruleset_add_file(rh_ruleset *rs, const char *path) {
  rh_rule_file *q = realloc(rs->files, (size_t)(rs->nfiles + 1) * sizeof *q);
  if (q == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  rs->files = q;
  rh_rule_file *f = &rs->files[rs->nfiles];
  memset(f, 0, sizeof *f);
  f->path = strdup(path);
  if (f->path == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  rs->nfiles++;
  int rc = rh_read_file(&f->text, &f->len, path);
  if (rc != RH_OK) return rc;
  rh_sha256_hex(f->sha256, f->text, f->len);
  return ruleset_rehash(rs);
}

int rh_ruleset_load_frame(const rh_ruleset *rs, rh_buf *b, uint64_t mem, uint64_t instr,
                          uint64_t ms, uint64_t load_instr, const char *const *overrides,
                          int novr) {
  int rc = rh_fr_start(b, 'L');
  rc = rc ? rc : rh_fr_u64(b, mem);
  rc = rc ? rc : rh_fr_u64(b, instr);
  rc = rc ? rc : rh_fr_u64(b, ms);
  rc = rc ? rc : rh_fr_u64(b, load_instr);
  rc = rc ? rc : rh_fr_u32(b, (uint32_t)novr);
  for (int i = 0; i < novr && rc == RH_OK; i++) {
    const char *eq = strchr(overrides[i], '=');
    if (eq == NULL || eq == overrides[i])
      return rh_error_set(RH_EUSAGE, "--param %s: expected NAME=VALUE", overrides[i]);
    rc = rh_fr_str(b, overrides[i], (size_t)(eq - overrides[i]));
    if (rc == RH_OK) rc = rh_fr_str(b, eq + 1, strlen(eq + 1));
  }
  int n = 0;
  for (int i = 0; i < rs->nfiles; i++) n += rs->files[i].text != NULL;
  rc = rc ? rc : rh_fr_u32(b, (uint32_t)n);
  for (int i = 0; i < rs->nfiles && rc == RH_OK; i++) {
    const rh_rule_file *f = &rs->files[i];
    if (f->text == NULL) continue;
    rc = rh_fr_str(b, f->path, strlen(f->path));
    if (rc == RH_OK) rc = rh_fr_str(b, f->text, f->len);
  }
  if (rc == RH_OK) rh_fr_end(b);
  return rc;
}

int rh_ruleset_parse_catalog(rh_ruleset *rs, const void *payload, size_t n) {
  rh_rd r;
  rh_rd_init(&r, payload, n);
  catalog_free(rs);
  uint32_t nr = rh_rd_u32(&r);
  if (r.bad || nr > 100000) goto bad;
  rs->rules = calloc(nr ? nr : 1, sizeof *rs->rules);
  if (rs->rules == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  for (uint32_t i = 0; i < nr && !r.bad; i++) {
    rh_rule_info *ri = &rs->rules[i];
    rs->nrules++;
    ri->id = rh_rd_strdup(&r);
    ri->subject = rh_rd_strdup(&r);
    ri->kind = rh_rd_strdup(&r);
    ri->yearly = rh_rd_u8(&r);
    ri->warn = rh_rd_u8(&r);
    ri->title = rh_rd_strdup(&r);
    ri->cite = rh_rd_strdup(&r);
    ri->file = rh_rd_strdup(&r);
    ri->line = (int)rh_rd_u32(&r);
    uint32_t ni = rh_rd_u32(&r);
    if (r.bad || ni > 1000) goto bad;
    ri->inputs = calloc(ni ? ni : 1, sizeof *ri->inputs);
    for (uint32_t k = 0; k < ni && !r.bad && ri->inputs; k++) {
      ri->ninputs++;
      ri->inputs[k].name = rh_rd_strdup(&r);
      ri->inputs[k].sql = rh_rd_strdup(&r);
      ri->inputs[k].list = rh_rd_u8(&r);
    }
    uint32_t np = rh_rd_u32(&r);
    if (r.bad || np > 1000) goto bad;
    ri->params = calloc(np ? np : 1, sizeof *ri->params);
    for (uint32_t k = 0; k < np && !r.bad && ri->params; k++) {
      rh_param_info *p = &ri->params[k];
      ri->nparams++;
      p->name = rh_rd_strdup(&r);
      uint32_t nper = rh_rd_u32(&r);
      if (r.bad || nper > 10000) goto bad;
      p->periods = calloc(nper ? nper : 1, sizeof *p->periods);
      for (uint32_t j = 0; j < nper && !r.bad && p->periods; j++) {
        p->nperiods++;
        p->periods[j].from = rh_rd_strdup(&r);
        p->periods[j].to = rh_rd_strdup(&r);
        p->periods[j].value = rh_rd_strdup(&r);
        p->periods[j].source = rh_rd_strdup(&r);
      }
    }
  }
  uint32_t npol = rh_rd_u32(&r);
  if (r.bad || npol > 100000) goto bad;
  rs->policies = calloc(npol ? npol : 1, sizeof *rs->policies);
  if (rs->policies == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  for (uint32_t i = 0; i < npol && !r.bad; i++) {
    rh_policy_info *p = &rs->policies[i];
    rs->npolicies++;
    p->name = rh_rd_strdup(&r);
    p->subject = rh_rd_strdup(&r);
    p->answers = rh_rd_strdup(&r);
    p->yearly = rh_rd_u8(&r);
    p->title = rh_rd_strdup(&r);
    p->file = rh_rd_strdup(&r);
    p->line = (int)rh_rd_u32(&r);
    uint32_t k = rh_rd_u32(&r);
    if (r.bad || k > 100000) goto bad;
    p->rules = calloc(k ? k : 1, sizeof *p->rules);
    for (uint32_t j = 0; j < k && !r.bad && p->rules; j++) {
      p->rules[j] = rh_rd_strdup(&r);
      p->nrules++;
    }
  }
  uint32_t ns = rh_rd_u32(&r);
  if (r.bad || ns > 100000) goto bad;
  rs->schedules = calloc(ns ? ns : 1, sizeof *rs->schedules);
  if (rs->schedules == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  for (uint32_t i = 0; i < ns && !r.bad; i++) {
    rh_schedule_info *sc = &rs->schedules[i];
    rs->nschedules++;
    sc->name = rh_rd_strdup(&r);
    sc->cron = rh_rd_strdup(&r);
    sc->as_of = rh_rd_strdup(&r);
    sc->file = rh_rd_strdup(&r);
    sc->line = (int)rh_rd_u32(&r);
    sc->year = (int)rh_rd_i64(&r);
    sc->on_import = rh_rd_u8(&r);
    uint32_t k = rh_rd_u32(&r);
    if (r.bad || k > 100000) goto bad;
    sc->policies = calloc(k ? k : 1, sizeof *sc->policies);
    for (uint32_t j = 0; j < k && !r.bad && sc->policies; j++) {
      sc->policies[j] = rh_rd_strdup(&r);
      sc->npolicies++;
    }
    k = rh_rd_u32(&r);
    if (r.bad || k > 100000) goto bad;
    sc->rules = calloc(k ? k : 1, sizeof *sc->rules);
    for (uint32_t j = 0; j < k && !r.bad && sc->rules; j++) {
      sc->rules[j] = rh_rd_strdup(&r);
      sc->nrules++;
    }
  }
  uint32_t ne = rh_rd_u32(&r);
  if (r.bad || ne > 100000) goto bad;
  rs->errors = calloc(ne ? ne : 1, sizeof *rs->errors);
  for (uint32_t i = 0; i < ne && !r.bad && rs->errors; i++) {
    rs->errors[i] = rh_rd_strdup(&r);
    rs->nerrors++;
  }
  if (!r.bad) return RH_OK;
bad:
  catalog_free(rs);
  return rh_error_set(RH_EWORKER, "malformed catalog from worker");
}

int rh_ruleset_find_rule(const rh_ruleset *rs, const char *id, const char *subject) {
  for (int i = 0; i < rs->nrules; i++)
    if (strcmp(rs->rules[i].id, id) == 0 &&
        (subject == NULL || strcmp(rs->rules[i].subject, subject) == 0))
      return i;
  return -1;
}

int rh_ruleset_find_policy(const rh_ruleset *rs, const char *name) {
  for (int i = 0; i < rs->npolicies; i++)
    if (strcmp(rs->policies[i].name, name) == 0) return i;
  return -1;
}
