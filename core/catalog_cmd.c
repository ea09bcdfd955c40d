/*
** `ronghe __catalog`: what a rule set declares, as JSON Lines, for serve.
** Serve never runs Lua; it asks this command (which loads the rules in a
** supervised worker like every other command) and reads the answer.
**
**   {"type":"ruleset","version":"<sha256>","files":[...]}
**   {"type":"rule","id":..,"subject":..,"kind":..,"title":..,"cite":..,"yearly":..,"file":..,"line":..}
**   {"type":"policy","name":..,"subject":..,"answers":..,"title":..,"yearly":..,"rules":[..],"file":..,"line":..}
**   {"type":"schedule","name":..,"cron":..,"as_of":..,"year":..,"on_import":..,"policies":[..],"rules":[..],"file":..,"line":..}
**   {"type":"error","message":"file:line: message"}
**
** Also the folder helpers serve uses to stage a rule set.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cron.h"
#include "eval.h"
#include "rh.h"
#include "serve.h"
#include "util.h"

/* ---- staging -------------------------------------------------------------- */

static int copy_file(const char *from, const char *to) {
  char *text = NULL;
  size_t len = 0;
  int rc = rh_read_file(&text, &len, from);
  if (rc != RH_OK) return rc;
  int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    rc = rh_error_set(RH_ERROR, "%s: %s", to, strerror(errno));
    goto done;
  }
  for (size_t off = 0; off < len;) {
    ssize_t w = write(fd, text + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      rc = rh_error_set(RH_ERROR, "%s: %s", to, strerror(errno));
      break;
    }
    off += (size_t)w;
  }
  if (close(fd) != 0 && rc == RH_OK) rc = rh_error_set(RH_ERROR, "%s: %s", to, strerror(errno));
done:
  free(text);
  return rc;
}

static int is_rule_name(const char *name) {
  size_t n = strlen(name);
  return n >= 5 && name[0] != '.' && strcmp(name + n - 4, ".lua") == 0;
}

void rh__serve_config_name(char *out, size_t n, const char *rules_dir, const char *config) {
  out[0] = '\0';
  if (config == NULL) return;
  const char *base = strrchr(config, '/');
  base = base ? base + 1 : config;
  char rd[PATH_MAX], cd[PATH_MAX], cdir[PATH_MAX];
  if (base == config) snprintf(cdir, sizeof cdir, ".");
  else snprintf(cdir, sizeof cdir, "%.*s", (int)(base - config), config);
  /* A .lua config inside the rules folder is read as a rule file anyway. */
  if (is_rule_name(base) && realpath(rules_dir, rd) && realpath(cdir, cd) && strcmp(rd, cd) == 0) return;
  if (is_rule_name(base)) snprintf(out, n, "%s", base);
  else snprintf(out, n, "%s.lua", base);
}

int rh__serve_stage(const char *dest, const char *rules_dir, const char *config,
                    const char *config_name) {
  if (mkdir(dest, 0700) != 0) return rh_error_set(RH_ERROR, "%s: %s", dest, strerror(errno));
  DIR *d = opendir(rules_dir);
  if (d == NULL) return rh_error_set(RH_ENOTFOUND, "%s: cannot open the rules folder: %s", rules_dir, strerror(errno));
  int rc = RH_OK, nfiles = 0;
  struct dirent *e;
  char from[PATH_MAX], to[PATH_MAX];
  while (rc == RH_OK && (e = readdir(d)) != NULL) {
    if (!is_rule_name(e->d_name)) continue;
    struct stat st;
    snprintf(from, sizeof from, "%s/%s", rules_dir, e->d_name);
    if (stat(from, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (config_name && *config_name && strcmp(e->d_name, config_name) == 0) {
      rc = rh_error_set(RH_EUSAGE, "%s: a rule file has the same name as the --config file %s", from, config);
      break;
    }
    snprintf(to, sizeof to, "%s/%s", dest, e->d_name);
    rc = copy_file(from, to);
    nfiles++;
  }
  closedir(d);
  if (rc == RH_OK && config && config_name && *config_name) {
    snprintf(to, sizeof to, "%s/%s", dest, config_name);
    rc = copy_file(config, to);
    nfiles++;
  }
  if (rc == RH_OK && nfiles == 0) rc = rh_error_set(RH_ENOTFOUND, "%s: no rule files (*.lua) in this folder", rules_dir);
  return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

void rh__serve_rmtree(const char *path) {
  if (path == NULL || *path == '\0' || strcmp(path, "/") == 0) return;
  nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the command ---------------------------------------------------------- */

static void jstr(rh_buf *b, const char *s) { rh_buf_json_str(b, s ? s : "", s ? strlen(s) : 0); }

static void jarr(rh_buf *b, char **v, int n) {
  rh_buf_adds(b, "[");
  for (int i = 0; i < n; i++) {
    if (i) rh_buf_adds(b, ",");
    jstr(b, v[i]);
  }
  rh_buf_adds(b, "]");
}

/* A path inside the staging folder, as the user knows it. */
static const char *user_path(char *out, size_t n, const char *path, const char *stage,
                             const char *rules_dir, const char *config, const char *config_name) {
  size_t sl = stage ? strlen(stage) : 0;
  if (stage == NULL || strncmp(path, stage, sl) != 0 || path[sl] != '/') return path;
  const char *rest = path + sl + 1;
  size_t rl = strcspn(rest, ":");
  if (config && *config_name && strlen(config_name) == rl && strncmp(rest, config_name, rl) == 0)
    snprintf(out, n, "%s%s", config, rest + rl);
  else
    snprintf(out, n, "%s/%s", rules_dir, rest);
  return out;
}

int rh_catalog_main(int argc, char **argv) {
  const char *rules = "rules", *config = NULL;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) rules = argv[++i];
    else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) config = argv[++i];
    else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) i++; /* accepted, unused */
    else {
      fprintf(stderr, "ronghe __catalog: unknown argument %s\n"
                      "usage: ronghe __catalog --rules DIR [--config FILE]\n", argv[i]);
      return 2;
    }
  }
  char stage[PATH_MAX + 16] = "", config_name[256] = "", tmpl[PATH_MAX];
  const char *dir = rules;
  if (config) {
    /* rh_eval_load reads one folder: stage the rules and the config together. */
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/ronghe-catalog-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(tmpl) == NULL) {
      fprintf(stderr, "ronghe __catalog: %s: %s\n", tmpl, strerror(errno));
      return 2;
    }
    snprintf(stage, sizeof stage, "%s/rules", tmpl);
    rh__serve_config_name(config_name, sizeof config_name, rules, config);
    if (rh__serve_stage(stage, rules, config, config_name) != RH_OK) {
      fprintf(stderr, "ronghe __catalog: %s\n", rh_error_last());
      rh__serve_rmtree(tmpl);
      return 2;
    }
    dir = stage;
  }
  rh_eval_opts o;
  rh_eval_opts_init(&o);
  o.rules_dir = dir;
  rh_ruleset *rs = NULL;
  int rc = rh_eval_load(&rs, &o);
  if (rc != RH_OK && rc != RH_ELOAD) {
    fprintf(stderr, "ronghe __catalog: %s\n", rh_error_last());
    if (*stage) rh__serve_rmtree(tmpl);
    return 2;
  }
  rh_buf b = RH_BUF_INIT;
  char p1[PATH_MAX + 256];
  const char *st = *stage ? stage : NULL;
  int problems = 0;
  rh_buf_adds(&b, "{\"type\":\"ruleset\",\"version\":");
  jstr(&b, rs->version);
  rh_buf_adds(&b, ",\"files\":[");
  for (int i = 0; i < rs->nfiles; i++) {
    if (i) rh_buf_adds(&b, ",");
    jstr(&b, user_path(p1, sizeof p1, rs->files[i].path, st, rules, config, config_name));
  }
  rh_buf_adds(&b, "]}\n");
  for (int i = 0; i < rs->nrules; i++) {
    const rh_rule_info *r = &rs->rules[i];
    rh_buf_adds(&b, "{\"type\":\"rule\",\"id\":");
    jstr(&b, r->id);
    rh_buf_adds(&b, ",\"subject\":");
    jstr(&b, r->subject);
    rh_buf_adds(&b, ",\"kind\":");
    jstr(&b, r->kind);
    rh_buf_adds(&b, ",\"title\":");
    jstr(&b, r->title);
    rh_buf_adds(&b, ",\"cite\":");
    jstr(&b, r->cite);
    rh_buf_printf(&b, ",\"yearly\":%s,\"file\":", r->yearly ? "true" : "false");
    jstr(&b, user_path(p1, sizeof p1, r->file, st, rules, config, config_name));
    rh_buf_printf(&b, ",\"line\":%d}\n", r->line);
  }
  for (int i = 0; i < rs->npolicies; i++) {
    const rh_policy_info *p = &rs->policies[i];
    rh_buf_adds(&b, "{\"type\":\"policy\",\"name\":");
    jstr(&b, p->name);
    rh_buf_adds(&b, ",\"subject\":");
    jstr(&b, p->subject);
    rh_buf_adds(&b, ",\"answers\":");
    jstr(&b, p->answers);
    rh_buf_adds(&b, ",\"title\":");
    jstr(&b, p->title);
    rh_buf_printf(&b, ",\"yearly\":%s,\"rules\":", p->yearly ? "true" : "false");
    jarr(&b, p->rules, p->nrules);
    rh_buf_adds(&b, ",\"file\":");
    jstr(&b, user_path(p1, sizeof p1, p->file, st, rules, config, config_name));
    rh_buf_printf(&b, ",\"line\":%d}\n", p->line);
  }
  for (int i = 0; i < rs->nschedules; i++) {
    const rh_schedule_info *sc = &rs->schedules[i];
    const char *file = user_path(p1, sizeof p1, sc->file, st, rules, config, config_name);
    rh_buf_adds(&b, "{\"type\":\"schedule\",\"name\":");
    jstr(&b, sc->name);
    rh_buf_adds(&b, ",\"cron\":");
    jstr(&b, sc->cron);
    rh_buf_adds(&b, ",\"as_of\":");
    jstr(&b, sc->as_of);
    rh_buf_printf(&b, ",\"year\":%d,\"on_import\":%s,\"policies\":", sc->year,
                  sc->on_import ? "true" : "false");
    jarr(&b, sc->policies, sc->npolicies);
    rh_buf_adds(&b, ",\"rules\":");
    jarr(&b, sc->rules, sc->nrules);
    rh_buf_adds(&b, ",\"file\":");
    jstr(&b, file);
    rh_buf_printf(&b, ",\"line\":%d}\n", sc->line);
    /* The cron text is checked here, in C, so `check`-like callers see a
    ** bad expression as a problem of the file that declares it. */
    rh_cron c;
    if (sc->cron && *sc->cron && rh_cron_parse(&c, sc->cron) != RH_OK) {
      char msg[1024];
      snprintf(msg, sizeof msg, "%s:%d: schedule %s: cron \"%s\": %s", file, sc->line, sc->name,
               sc->cron, rh_error_last());
      rh_buf_adds(&b, "{\"type\":\"error\",\"message\":");
      jstr(&b, msg);
      rh_buf_adds(&b, "}\n");
      problems++;
    } else if (sc->cron && *sc->cron) {
      time_t t;
      if (rh_cron_next(&c, time(NULL), &t) != RH_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s:%d: schedule %s: cron \"%s\": %s", file, sc->line, sc->name,
                 sc->cron, rh_error_last());
        rh_buf_adds(&b, "{\"type\":\"error\",\"message\":");
        jstr(&b, msg);
        rh_buf_adds(&b, "}\n");
        problems++;
      }
    }
  }
  for (int i = 0; i < rs->nerrors; i++) {
    rh_buf_adds(&b, "{\"type\":\"error\",\"message\":");
    jstr(&b, user_path(p1, sizeof p1, rs->errors[i], st, rules, config, config_name));
    rh_buf_adds(&b, "}\n");
    problems++;
  }
  int ok = b.data && fwrite(b.data, 1, b.len, stdout) == b.len && fflush(stdout) == 0;
  rh_buf_free(&b);
  rh_ruleset_free(rs);
  if (*stage) rh__serve_rmtree(tmpl);
  if (!ok) {
    fprintf(stderr, "ronghe __catalog: write error\n");
    return 2;
  }
  return problems ? 1 : 0;
}
