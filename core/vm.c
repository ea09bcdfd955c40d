#include "vm.h"

#include <lauxlib.h>
#include <math.h>
#include <signal.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "rh.h"
#include "worker.h"

/* ---- memory -------------------------------------------------------------- */

/* Small blocks (tables, strings, closures: nearly everything a rule makes)
** come from per-state free lists carved out of 64 KiB slabs.  A rule call
** allocates and the collector frees a dozen such blocks per subject, and
** glibc's malloc/free cost ten times a free-list push or pop there (its
** per-thread cache overflows when a sweep frees thousands at once).  Slabs
** are kept until the state is closed: a worker's peak is bounded by its
** memory cap anyway.  Under AddressSanitizer free blocks are poisoned, so a
** use after free inside a slab is still reported. */
#define POOL_STEP 16 /* the alignment malloc gives, which Lua relies on */
#define POOL_MAX (RH_VM_POOL_CLASSES * POOL_STEP)
#define SLAB_BYTES (64u * 1024u)

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct rh_slab {
  struct rh_slab *next;
  /* blocks follow, POOL_STEP-aligned */
};
#define SLAB_HEAD ((sizeof(struct rh_slab) + POOL_STEP - 1) / POOL_STEP * POOL_STEP)

static size_t pool_class(size_t n) { return (n + POOL_STEP - 1) / POOL_STEP - 1; }

static void *pool_get(rh_vm *vm, size_t n) {
  size_t c = pool_class(n), sz = (c + 1) * POOL_STEP;
  void *b = vm->free_[c];
  if (b != NULL) {
    UNPOISON(b, sizeof(void *));
    vm->free_[c] = *(void **)b;
    UNPOISON(b, sz);
    return b;
  }
  if (vm->bump_left < sz) {
    /* The rest of the old slab is too small for this class: hand it out to
    ** the smaller classes' lists rather than waste it. */
    while (vm->bump_left >= POOL_STEP) {
      size_t k = vm->bump_left > POOL_MAX ? pool_class(POOL_MAX) : vm->bump_left / POOL_STEP - 1;
      void *r = vm->bump;
      vm->bump += (k + 1) * POOL_STEP;
      vm->bump_left -= (k + 1) * POOL_STEP;
      UNPOISON(r, sizeof(void *));
      *(void **)r = vm->free_[k];
      POISON(r, (k + 1) * POOL_STEP);
      vm->free_[k] = r;
    }
    struct rh_slab *sl = malloc(SLAB_BYTES);
    if (sl == NULL) return NULL;
    sl->next = vm->slabs;
    vm->slabs = sl;
    vm->bump = (char *)sl + SLAB_HEAD;
    vm->bump_left = SLAB_BYTES - SLAB_HEAD;
    POISON(vm->bump, vm->bump_left);
  }
  b = vm->bump;
  vm->bump += sz;
  vm->bump_left -= sz;
  UNPOISON(b, sz);
  return b;
}

static void pool_put(rh_vm *vm, void *b, size_t n) {
  size_t c = pool_class(n);
  POISON(b, (c + 1) * POOL_STEP);
  UNPOISON(b, sizeof(void *));
  *(void **)b = vm->free_[c];
  POISON(b, sizeof(void *));
  vm->free_[c] = b;
}

static void *block_new(rh_vm *vm, size_t n) { return n <= POOL_MAX ? pool_get(vm, n) : malloc(n); }

static void block_free(rh_vm *vm, void *p, size_t n) {
  if (n <= POOL_MAX) pool_put(vm, p, n);
  else free(p);
}

/* The allocator contract of lua_Alloc: osz is a type tag when p is NULL, else
** the size the block was given, which says where it came from (a pool class
** or malloc); shrinking never fails (Lua relies on it); growth past vm->limit
** fails, which Lua turns into LUA_ERRMEM after one emergency collection. */
static void *vm_alloc(void *ud, void *p, size_t osz, size_t nsz) {
  rh_vm *vm = ud;
  if (p == NULL) osz = 0;
  if (nsz == 0) {
    if (p != NULL) block_free(vm, p, osz);
    vm->used -= osz;
    return NULL;
  }
  if (nsz > osz && vm->used - osz + nsz > vm->limit) {
    if (vm->tripped == RH_VM_OK) vm->tripped = RH_VM_MEMORY;
    return NULL;
  }
  void *q;
  if (p == NULL) {
    q = block_new(vm, nsz);
  } else if (osz <= POOL_MAX && nsz <= POOL_MAX && pool_class(osz) == pool_class(nsz)) {
    q = p; /* the block already has room */
  } else if (osz > POOL_MAX && nsz > POOL_MAX) {
    q = realloc(p, nsz);
  } else {
    q = block_new(vm, nsz);
    if (q == NULL && nsz < osz) {
      /* A shrink that found no new block keeps the old one, which is big
      ** enough.  A malloc'd block cut to a class size is from then on
      ** pooled and is not freed before exit: rare (no memory for a slab)
      ** and bounded. */
      if (osz <= POOL_MAX) q = p;
      else q = realloc(p, (pool_class(nsz) + 1) * POOL_STEP);
      if (q == NULL) return NULL;
      vm->used = vm->used - osz + nsz;
      return q;
    }
    if (q != NULL) {
      memcpy(q, p, osz < nsz ? osz : nsz);
      block_free(vm, p, osz);
    }
  }
  if (q == NULL) return NULL;
  vm->used = vm->used - osz + nsz;
  return q;
}

static int vm_panic(lua_State *L) {
  /* Only reached for errors outside any pcall, which this code never makes;
  ** abort so the supervisor sees a crash rather than a silent exit. */
  const char *m = lua_tostring(L, -1);
  fprintf(stderr, "ronghe worker: unprotected Lua error: %s\n", m ? m : "?");
  abort();
}

int rh_vm_new(rh_vm **out, size_t hard_limit) {
  *out = NULL;
  rh_vm *vm = calloc(1, sizeof *vm);
  if (vm == NULL) return rh_error_set(RH_ENOMEM, "out of memory");
  vm->hard_limit = vm->limit = hard_limit;
  vm->L = lua_newstate(vm_alloc, vm);
  if (vm->L == NULL) {
    free(vm);
    return rh_error_set(RH_ENOMEM, "cannot create a Lua state");
  }
  lua_atpanic(vm->L, vm_panic);
  *(rh_vm **)lua_getextraspace(vm->L) = vm;
  *out = vm;
  return RH_OK;
}

void rh_vm_free(rh_vm *vm) {
  if (vm == NULL) return;
  if (vm->L) lua_close(vm->L);
  while (vm->slabs) {
    struct rh_slab *next = vm->slabs->next;
    UNPOISON(vm->slabs, SLAB_BYTES);
    free(vm->slabs);
    vm->slabs = next;
  }
  free(vm);
}

rh_vm *rh_vm_of(lua_State *L) { return *(rh_vm **)lua_getextraspace(L); }

/* Finds the innermost frame of a rule file (chunk names "@path") so that an
** error raised inside the engine's helpers still points at the rule line. */
static int rule_where(lua_State *L, char *out, size_t n) {
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar); level++) {
    if (!lua_getinfo(L, "Sl", &ar)) continue;
    if (ar.source[0] == '@' && ar.currentline > 0) {
      snprintf(out, n, "%s:%d: ", ar.short_src, ar.currentline);
      return 1;
    }
  }
  out[0] = '\0';
  return 0;
}

static int vm_msgh(lua_State *L) {
  char where[512];
  if (lua_type(L, 1) == LUA_TSTRING) {
    const char *m = lua_tostring(L, 1);
    /* A message that already names a rule file keeps its own position. */
    if (m[0] != '\0' && strstr(m, ".lua:") != NULL) return 1;
    rule_where(L, where, sizeof where);
    lua_pushfstring(L, "%s%s", where, m);
    return 1;
  }
  rule_where(L, where, sizeof where);
  if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
    lua_pushfstring(L, "%s%s", where, lua_tostring(L, -1));
    return 1;
  }
  lua_pushfstring(L, "%serror object is a %s value", where, luaL_typename(L, 1));
  return 1;
}

void rh_vm_push_msgh(lua_State *L) { lua_pushcfunction(L, vm_msgh); }

int rh_vm_pcall(lua_State *L, int nargs, int nres) {
  int h = lua_gettop(L) - nargs; /* the function's slot */
  lua_pushcfunction(L, vm_msgh); /* fn args... msgh */
  lua_insert(L, h);              /* msgh fn args... */
  int st = lua_pcall(L, nargs, nres, h);
  lua_remove(L, h);              /* results (or message) only */
  return st;
}

#define RH_HOOK_EVERY 1000

/* Counts instructions; once over budget it re-arms itself on every line and
** instruction so that a rule's own pcall cannot swallow the error (as Redis
** does): each further instruction raises again until control is back in C. */
static void vm_hook(lua_State *L, lua_Debug *ar) {
  rh_vm *vm = rh_vm_of(L);
  (void)ar;
  (*rh_worker_heartbeat)++;
  if (vm->tripped != RH_VM_BUDGET) {
    vm->spent += RH_HOOK_EVERY;
    if (vm->spent <= vm->budget && (vm->deadline_ns == 0 || uv_hrtime() < vm->deadline_ns))
      return;
    vm->tripped = RH_VM_BUDGET;
    lua_sethook(L, vm_hook, LUA_MASKLINE | LUA_MASKCOUNT, 1);
  }
  /* No position here: the message handler names the rule's own line, even
  ** when the hook fires inside one of the engine's helpers. */
  if (vm->spent > vm->budget)
    lua_pushfstring(L, "instruction budget exceeded (%I instructions)", (lua_Integer)vm->budget);
  else
    lua_pushliteral(L, "time budget exceeded");
  lua_error(L);
}

/* A count hook makes Lua 5.4 trap on every instruction (luaG_traceexec),
** which runs rule code two to three times slower.  Almost every call into a
** rule ends within microseconds, so the hook is installed only once a call
** has run for RH_HOOK_GRACE_NS of CPU time: a periodic CPU-time timer
** (ITIMER_VIRTUAL) looks at the call in progress and calls lua_sethook from
** its signal handler, which Lua allows (lua.c stops a script on Ctrl-C that
** way).  From then on the hook counts instructions and watches the clock as
** before, so the instruction budget counts from that moment; the few
** milliseconds before it are not counted.  SIGVTALRM is left alone by
** libFuzzer and the sanitizers (libFuzzer's timeouts use SIGALRM). */
#define RH_HOOK_GRACE_NS (5u * 1000000u)
#define RH_WATCH_EVERY_US 2000

static rh_vm *volatile g_active; /* the state inside a limited call, if any */

static void on_watch(int sig) {
  (void)sig;
  rh_vm *vm = g_active;
  if (vm == NULL || vm->hooked) return;
  if (uv_hrtime() - vm->call_start_ns < RH_HOOK_GRACE_NS) return;
  vm->hooked = 1;
  lua_sethook(vm->L, vm_hook, LUA_MASKCOUNT, RH_HOOK_EVERY);
}

static void watch_start(void) {
  static int started;
  if (started) return;
  started = 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_watch;
  sa.sa_flags = SA_RESTART; /* SQLite and the pipes see no EINTR */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGVTALRM, &sa, NULL);
  struct itimerval it;
  it.it_interval.tv_sec = it.it_value.tv_sec = 0;
  it.it_interval.tv_usec = it.it_value.tv_usec = RH_WATCH_EVERY_US;
  setitimer(ITIMER_VIRTUAL, &it, NULL);
}

int rh_vm_limited_call(rh_vm *vm, int nargs, int nres, int64_t instructions, int64_t ms,
                       size_t mem_cap, int msgh) {
  lua_State *L = vm->L;
  int base = lua_gettop(L) - nargs - 1; /* below the function */
  watch_start();
  vm->spent = 0;
  vm->budget = instructions > 0 ? instructions : INT64_MAX;
  vm->call_start_ns = uv_hrtime();
  vm->deadline_ns = ms > 0 ? vm->call_start_ns + (uint64_t)ms * 1000000u : 0;
  vm->tripped = RH_VM_OK;
  size_t cap = vm->used + mem_cap;
  vm->limit = cap < vm->hard_limit ? cap : vm->hard_limit;
  vm->hooked = 0;
  /* A budget of no time at all (tests) cannot wait for the timer. */
  if (vm->budget <= RH_HOOK_EVERY * 100 || (ms > 0 && ms < 10)) {
    vm->hooked = 1;
    lua_sethook(L, vm_hook, LUA_MASKCOUNT, RH_HOOK_EVERY);
  }
  g_active = vm;
  int st = msgh ? lua_pcall(L, nargs, nres, msgh) : rh_vm_pcall(L, nargs, nres);
  g_active = NULL;
  if (vm->hooked) {
    lua_sethook(L, NULL, 0, 0);
    vm->hooked = 0;
  }
  vm->limit = vm->hard_limit;
  int why = vm->tripped;
  vm->tripped = RH_VM_OK;
  /* A memory error swallowed by the rule's own pcall still counts. */
  if (st == LUA_OK && why != RH_VM_MEMORY) return RH_VM_OK;
  if (st == LUA_ERRMEM || why == RH_VM_MEMORY) {
    lua_settop(L, base);
    lua_gc(L, LUA_GCCOLLECT);
    lua_pushfstring(L, "memory limit exceeded (%d MiB)", (int)(mem_cap >> 20));
    return RH_VM_MEMORY;
  }
  /* lua_pcall left exactly one message above base. */
  lua_settop(L, base + 1);
  return why == RH_VM_BUDGET ? RH_VM_BUDGET : RH_VM_ERROR;
}

/* ---- JSON ---------------------------------------------------------------- */

typedef struct {
  const char *s;
  size_t n;
} json_key;

static int key_cmp(const void *a, const void *b) {
  const json_key *x = a, *y = b;
  size_t n = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->s, y->s, n);
  return c ? c : (x->n > y->n) - (x->n < y->n);
}

static int json_string(rh_buf *b, const char *s, size_t n) {
  if (rh_utf8_valid(s, n)) return rh_buf_json_str(b, s, n);
  /* Invalid UTF-8 would make the whole line invalid JSON: keep ASCII only. */
  rh_buf t = RH_BUF_INIT;
  int rc = RH_OK;
  for (size_t i = 0; i < n && rc == RH_OK; i++)
    rc = rh_buf_add(&t, (unsigned char)s[i] < 0x80 ? &s[i] : "?", 1);
  if (rc == RH_OK) rc = rh_buf_json_str(b, t.data ? t.data : "", t.len);
  rh_buf_free(&t);
  return rc;
}

#define JSON_MAX_DEPTH 16
#define JSON_MAX_BYTES (1u << 20)

static int json_value(lua_State *L, int idx, rh_buf *b, int depth, char *err, size_t errlen) {
  idx = lua_absindex(L, idx);
  if (b->len > JSON_MAX_BYTES) {
    snprintf(err, errlen, "values are larger than %u bytes", JSON_MAX_BYTES);
    return -1;
  }
  switch (lua_type(L, idx)) {
    case LUA_TNIL: return rh_buf_adds(b, "null");
    case LUA_TBOOLEAN: return rh_buf_adds(b, lua_toboolean(L, idx) ? "true" : "false");
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) return rh_buf_printf(b, "%lld", (long long)lua_tointeger(L, idx));
      {
        double d = lua_tonumber(L, idx);
        if (!isfinite(d)) return rh_buf_adds(b, "null");
        return rh_buf_printf(b, "%.14g", d);
      }
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, idx, &n);
      return json_string(b, s, n);
    }
    case LUA_TTABLE: break;
    default:
      snprintf(err, errlen, "cannot put a %s in values", luaL_typename(L, idx));
      return -1;
  }
  if (depth >= JSON_MAX_DEPTH) {
    snprintf(err, errlen, "values nested deeper than %d levels", JSON_MAX_DEPTH);
    return -1;
  }
  lua_checkstack(L, 8);
  /* An array is a table whose keys are exactly 1..n (n > 0).  Counting keys
  ** is not enough: {1, 2, nil, 4, x = 5} has 4 keys and a border of 4, and
  ** would lose x.  Nor is lua_rawlen one number: with holes it may return a
  ** different border on the next call.  So every key must be an integer in
  ** 1..n as well (n keys, all distinct, all in 1..n: exactly 1..n). */
  lua_Unsigned n = lua_rawlen(L, idx);
  size_t count = 0;
  int in_range = 1;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    count++;
    lua_pop(L, 1);
    if (in_range) {
      lua_Integer k = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
      in_range = k >= 1 && (lua_Unsigned)k <= n;
    }
  }
  if (n > 0 && count == n && in_range) {
    if (rh_buf_adds(b, "[") != RH_OK) return -1;
    for (lua_Unsigned i = 1; i <= n; i++) {
      if (i > 1 && rh_buf_adds(b, ",") != RH_OK) return -1;
      lua_rawgeti(L, idx, (lua_Integer)i);
      int rc = json_value(L, -1, b, depth + 1, err, errlen);
      lua_pop(L, 1);
      if (rc != RH_OK) return -1;
    }
    return rh_buf_adds(b, "]");
  }
  /* Objects: string keys (numbers are written as their text), sorted.  The
  ** usual small object sorts its keys on the C stack; number keys get their
  ** text anchored in a scratch table while the pointers are sorted. */
  json_key small[16];
  json_key *keys = count <= 16 ? small : malloc(count * sizeof *keys);
  if (keys == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  int top = lua_gettop(L), scratch = 0;
  size_t k = 0;
  int rc = RH_OK;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    int kt = lua_type(L, -1);
    if (kt == LUA_TSTRING) {
      keys[k].s = lua_tolstring(L, -1, &keys[k].n); /* alive: a key of the table */
      k++;
      continue;
    }
    if (kt != LUA_TNUMBER) {
      snprintf(err, errlen, "values keys must be strings, not %s", luaL_typename(L, -1));
      rc = -1;
      lua_pop(L, 1);
      break;
    }
    if (!scratch) {
      lua_createtable(L, 4, 0);
      lua_insert(L, -2); /* below the key: lua_next needs the key on top */
      scratch = lua_gettop(L) - 1;
    }
    lua_pushvalue(L, -1);
    luaL_tolstring(L, -1, NULL);
    lua_remove(L, -2);
    keys[k].s = lua_tolstring(L, -1, &keys[k].n);
    lua_rawseti(L, scratch, (lua_Integer)(k + 1)); /* anchor the key's text */
    k++;
  }
  if (rc == RH_OK) {
    if (k > 1) qsort(keys, k, sizeof *keys, key_cmp); /* {}: keys may be empty */
    rc = rh_buf_add(b, "{", 1);
    for (size_t i = 0; i < k && rc == RH_OK; i++) {
      if (i > 0) rc = rh_buf_add(b, ",", 1);
      if (rc == RH_OK) rc = json_string(b, keys[i].s, keys[i].n);
      if (rc == RH_OK) rc = rh_buf_add(b, ":", 1);
      if (rc != RH_OK) break;
      lua_pushlstring(L, keys[i].s, keys[i].n);
      if (lua_rawget(L, idx) == LUA_TNIL) { /* the key was a number */
        lua_pop(L, 1);
        lua_Integer iv;
        int isnum = 0;
        lua_pushlstring(L, keys[i].s, keys[i].n);
        iv = (lua_Integer)lua_tointegerx(L, -1, &isnum);
        lua_pop(L, 1);
        if (isnum) lua_rawgeti(L, idx, iv);
        else lua_pushnil(L);
      }
      rc = json_value(L, -1, b, depth + 1, err, errlen);
      lua_pop(L, 1);
    }
    if (rc == RH_OK) rc = rh_buf_add(b, "}", 1);
  }
  lua_settop(L, top);
  if (keys != small) free(keys);
  return rc == RH_OK ? RH_OK : -1;
}

int rh_vm_json(lua_State *L, int idx, rh_buf *b, char *err, size_t errlen) {
  err[0] = '\0';
  int rc = json_value(L, idx, b, 0, err, errlen);
  if (rc != RH_OK && err[0] == '\0') snprintf(err, errlen, "%s", rh_error_last());
  return rc;
}
