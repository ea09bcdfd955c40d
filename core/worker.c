#include "worker.h"

#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "db.h"
#include "ldb.h"
#include "rh.h"
#include "rhfast.h"
#include "vm.h"

/* ASan reserves terabytes of shadow address space, so no RLIMIT_AS under it.
** GCC defines __SANITIZE_ADDRESS__; clang only answers __has_feature. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RH_CLANG_ASAN 1
#endif
#endif
#ifndef RH_CLANG_ASAN
#define RH_CLANG_ASAN 0
#endif

static rh_worker_slot rh__local_slot = {-1, 0, 0};
static rh_worker_slot *rh__slot = &rh__local_slot;
volatile uint64_t *rh_worker_heartbeat = &rh__local_slot.seq;

/* In-process mode (rh__worker_feed, for tests and fuzzers): frames come from
** and go to memory instead of fds 0 and 1. */
static struct {
  int on;
  const unsigned char *in;
  size_t n, pos;
  rh_buf *out;
} mem_io;

static int mem_read(void *p, size_t n) {
  if (mem_io.n - mem_io.pos < n) return 0;
  memcpy(p, mem_io.in + mem_io.pos, n);
  mem_io.pos += n;
  return 1;
}

/* ---- pipe I/O: blocking, whole frames --------------------------------- */

static int read_full(int fd, void *p, size_t n) {
  char *c = p;
  while (n > 0) {
    ssize_t k = read(fd, c, n);
    if (k == 0) return 0;
    if (k < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    c += k;
    n -= (size_t)k;
  }
  return 1;
}

static int write_full(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t k = write(fd, c, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    c += k;
    n -= (size_t)k;
  }
  return 0;
}

#define RH_MAX_FRAME (512u << 20)

/* host.read() -> type, payload | nil at end of input */
static int host_read(lua_State *L) {
  unsigned char hdr[5];
  int r = mem_io.on ? mem_read(hdr, 5) : read_full(0, hdr, 5);
  if (r <= 0) {
    lua_pushnil(L);
    return 1;
  }
  uint32_t len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
                 (uint32_t)hdr[3] << 24;
  if (len < 1 || len > RH_MAX_FRAME) return luaL_error(L, "bad frame length %d", (int)len);
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, len - 1);
  if (len > 1 && (mem_io.on ? mem_read(p, len - 1) : read_full(0, p, len - 1)) <= 0)
    return luaL_error(L, "truncated frame");
  luaL_pushresultsize(&b, len - 1);
  lua_pushlstring(L, (const char *)&hdr[4], 1);
  lua_insert(L, -2);
  return 2;
}

int rh__worker_send(char type, const void *p, size_t n) {
  if (n + 1 > RH_MAX_FRAME) return rh_error_set(RH_EWORKER, "frame too large");
  uint32_t len = (uint32_t)n + 1;
  unsigned char hdr[5] = {(unsigned char)len, (unsigned char)(len >> 8),
                          (unsigned char)(len >> 16), (unsigned char)(len >> 24),
                          (unsigned char)type};
  if (mem_io.on) {
    if (rh_buf_add(mem_io.out, hdr, 5) != RH_OK || rh_buf_add(mem_io.out, p, n) != RH_OK)
      return rh_error_set(RH_ENOMEM, "out of memory");
    return RH_OK;
  }
  if (write_full(1, hdr, 5) != 0 || write_full(1, p, n) != 0)
    return rh_error_set(RH_EWORKER, "supervisor pipe closed");
  return RH_OK;
}

/* host.write(type, payload): one frame to the supervisor. */
static int host_write(lua_State *L) {
  size_t tl, n;
  const char *t = luaL_checklstring(L, 1, &tl);
  const char *p = luaL_checklstring(L, 2, &n);
  if (tl != 1) return luaL_error(L, "bad frame");
  if (rh__worker_send(t[0], p, n) != RH_OK) return luaL_error(L, "%s", rh_error_last());
  return 0;
}

/* host.load(text, chunkname) -> fn | nil, message.  Text only: bytecode can
** crash the VM, so it is refused here once and for all. */
/* 1 if m starts with a position "chunk:LINE: " (as syntax errors do). */
static int has_position(const char *m) {
  const char *c = strstr(m, ": ");
  while (c != NULL && c - m < 200) {
    const char *d = c;
    while (d > m && d[-1] >= '0' && d[-1] <= '9') d--;
    if (d < c && d > m && d[-1] == ':') return 1;
    c = strstr(c + 1, ": ");
  }
  return 0;
}

static int host_load(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  const char *name = luaL_checkstring(L, 2);
  if (luaL_loadbufferx(L, s, n, name, "t") != LUA_OK) {
    /* Some load errors carry no position: a binary chunk ("attempt to load
    ** a binary chunk"), the parser's "C stack overflow" on deep nesting, a
    ** memory error.  Every load error must name its file, so give those
    ** the file and line 1. */
    const char *m = lua_tostring(L, -1);
    if (m == NULL || !has_position(m)) {
      lua_pushfstring(L, "%s:1: %s", name[0] == '@' || name[0] == '=' ? name + 1 : name,
                      m ? m : "cannot load");
      lua_remove(L, -2);
    }
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
  }
  return 1;
}

/* host.setenv(fn, env): installs env as fn's _ENV (its first upvalue). */
static int host_setenv(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  if (lua_setupvalue(L, 1, 1) == NULL) lua_pop(L, 1);
  return 0;
}

/* host.call(fn, instructions, ms, mem_bytes, args...) -> true, results... |
** false, kind, message   (kind: "error", "budget", "memory") */
static int host_call(lua_State *L) {
  rh_vm *vm = rh_vm_of(L);
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_Integer instr = luaL_checkinteger(L, 2);
  lua_Integer ms = luaL_checkinteger(L, 3);
  lua_Integer mem = luaL_checkinteger(L, 4);
  int nargs = lua_gettop(L) - 4;
  lua_pushvalue(L, 1);
  lua_insert(L, 5); /* fn args... */
  int base = 4;
  int st = rh_vm_limited_call(vm, nargs, LUA_MULTRET, instr, ms, (size_t)mem, 0);
  if (st == RH_VM_OK) {
    lua_pushboolean(L, 1);
    lua_insert(L, base + 1);
    return lua_gettop(L) - base;
  }
  lua_pushboolean(L, 0);
  lua_pushstring(L, st == RH_VM_BUDGET ? "budget" : st == RH_VM_MEMORY ? "memory" : "error");
  lua_rotate(L, -3, 2); /* false kind message */
  return 3;
}

/* host.json(v) -> text | nil, message */
static int host_json(lua_State *L) {
  rh_buf b = RH_BUF_INIT;
  char err[256];
  luaL_checkany(L, 1);
  if (rh_vm_json(L, 1, &b, err, sizeof err) != RH_OK) {
    rh_buf_free(&b);
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  lua_pushlstring(L, b.data ? b.data : "", b.len);
  rh_buf_free(&b);
  return 1;
}

/* host.where(level) -> "file:line" of the caller at that level, or nil. */
static int host_where(lua_State *L) {
  lua_Debug ar;
  int level = (int)luaL_optinteger(L, 1, 2);
  if (!lua_getstack(L, level, &ar) || !lua_getinfo(L, "Sl", &ar)) return 0;
  lua_pushstring(L, ar.short_src);
  lua_pushinteger(L, ar.currentline);
  return 2;
}

void rh__worker_slot_set(int64_t rule_no, int64_t subject_id) {
  rh__slot->rule_no = rule_no;
  rh__slot->subject_id = subject_id;
  rh__slot->seq++;
}

/* host.slot(rule_no, subject_id): publish what is being evaluated now. */
static int host_slot(lua_State *L) {
  rh__worker_slot_set(luaL_checkinteger(L, 1), luaL_optinteger(L, 2, 0));
  return 0;
}

static int host_clock_ms(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)(uv_hrtime() / 1000000u));
  return 1;
}

static int host_gc(lua_State *L) {
  lua_gc(L, LUA_GCCOLLECT);
  lua_pushinteger(L, (lua_Integer)rh_vm_of(L)->used);
  return 1;
}

/* host.fault(kind): test-only fault injection (RONGHE_FAULT), so the tests can
** prove that a crashing or hanging worker costs one ERROR and not the run. */
void rh__worker_fault(const char *k) {
  /* The default action, even under a sanitizer that handles SIGSEGV itself
  ** (ASan would turn it into an abort): the tests expect signal 11. */
  if (strcmp(k, "segv") == 0) {
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
  }
  if (strcmp(k, "abort") == 0) abort();
  if (strcmp(k, "hang") == 0)
    for (;;) pause(); /* no Lua hook can fire here: only the watchdog helps */
  if (strcmp(k, "exit") == 0) _exit(3);
}

static int host_fault(lua_State *L) {
  rh__worker_fault(luaL_checkstring(L, 1));
  return 0;
}

static const luaL_Reg host_funcs[] = {
  {"read", host_read},   {"write", host_write}, {"load", host_load},
  {"setenv", host_setenv}, {"call", host_call}, {"json", host_json},
  {"where", host_where}, {"slot", host_slot},   {"clock_ms", host_clock_ms},
  {"gc", host_gc},       {"fault", host_fault}, {"run", rh__host_run},
  {"outcome", rh__host_outcome}, {NULL, NULL}};

/* Loads an embedded chunk and calls it with the values on top. */
static int run_embedded(lua_State *L, const char *file, const char *chunk, int nargs, int nres) {
  size_t n;
  const char *src = rh_embedded_get(file, &n);
  if (src == NULL) return luaL_error(L, "%s missing from this build", file);
  if (luaL_loadbufferx(L, src, n, chunk, "t") != LUA_OK) return lua_error(L);
  lua_insert(L, -(nargs + 1));
  lua_call(L, nargs, nres);
  return 0;
}

/* Everything that can raise runs here, inside one pcall (lua.c's pmain). */
static int worker_pmain(lua_State *L) {
  /* Only the libraries the engine's own Lua needs.  io, os, package and debug
  ** are never opened, so no path exists from a rule to them. */
  luaL_requiref(L, "_G", luaopen_base, 1);
  luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
  luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
  luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
  luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 1);
  lua_settop(L, 0);
  /* Keep os.time/date/clock only (for rules' date helpers); drop the rest. */
  lua_getglobal(L, "os");
  lua_createtable(L, 0, 3);
  const char *keep[] = {"time", "date", "clock", NULL};
  for (const char **k = keep; *k; k++) {
    lua_getfield(L, 1, *k);
    lua_setfield(L, 2, *k);
  }
  lua_setglobal(L, "os");
  lua_settop(L, 0);
  const char *drop[] = {"dofile", "loadfile", "load", "require", "collectgarbage", NULL};
  for (const char **k = drop; *k; k++) {
    lua_pushnil(L);
    lua_setglobal(L, *k);
  }
  /* string.dump would hand out bytecode; remove it from the one string table. */
  lua_getglobal(L, "string");
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  lua_pop(L, 1);

  luaL_newlib(L, host_funcs);   /* host */
  rh_ldb_open_lib(L);           /* host db */
  lua_setfield(L, -2, "db");    /* host */
  const char *fault = getenv("RONGHE_FAULT");
  if (fault && *fault) {
    lua_pushstring(L, fault);
    lua_setfield(L, -2, "fault_spec");
  }
  run_embedded(L, "rhlib.lua", "=[rhlib]", 0, 2); /* host rhlib internals */
  lua_pushcfunction(L, rh_rhlib_fast); /* the hottest rh functions in C */
  lua_pushvalue(L, -3);
  lua_pushvalue(L, -3);
  lua_call(L, 2, 0);
  lua_pop(L, 1); /* host rhlib */
  run_embedded(L, "worker.lua", "=[worker]", 2, 1); /* handler */
  luaL_checktype(L, -1, LUA_TFUNCTION);
  lua_setfield(L, LUA_REGISTRYINDEX, "rh.worker.handle");
  return 0;
}

static void map_slot(void) {
  struct stat stt;
  if (fstat(RH_WORKER_SLOT_FD, &stt) != 0 || (size_t)stt.st_size < sizeof(rh_worker_slot)) return;
  void *p = mmap(NULL, sizeof(rh_worker_slot), PROT_READ | PROT_WRITE, MAP_SHARED,
                 RH_WORKER_SLOT_FD, 0);
  if (p != MAP_FAILED) {
    rh__slot = p;
    rh_worker_heartbeat = &rh__slot->seq;
  }
}

int rh__worker_new(rh_vm **out, long mem_mb) {
  *out = NULL;
  rh_vm *vm = NULL;
  if (rh_vm_new(&vm, (size_t)mem_mb << 20) != RH_OK) return rh_error_code();
  lua_State *L = vm->L;
  lua_pushcfunction(L, worker_pmain);
  if (rh_vm_pcall(L, 0, 0) != LUA_OK) {
    rh_error_set(RH_EWORKER, "start-up failed: %s", lua_tostring(L, -1));
    rh_vm_free(vm);
    return RH_EWORKER;
  }
  lua_settop(L, 0);
  *out = vm;
  return RH_OK;
}

/* One turn of the handler: reads (at most) one frame, answers it. */
static int worker_step(rh_vm *vm) {
  lua_State *L = vm->L;
  lua_settop(L, 0);
  lua_getfield(L, LUA_REGISTRYINDEX, "rh.worker.handle");
  /* The handler reads and answers one frame; false means end of input. */
  if (rh_vm_pcall(L, 0, 1) != LUA_OK) {
    rh_error_set(RH_EWORKER, "%s", lua_tostring(L, -1));
    lua_settop(L, 0);
    return -1;
  }
  int more = lua_toboolean(L, -1);
  lua_settop(L, 0);
  return more;
}

int rh__worker_feed(rh_vm *vm, const void *frame, size_t n, rh_buf *reply) {
  mem_io.on = 1;
  mem_io.in = frame;
  mem_io.n = n;
  mem_io.pos = 0;
  mem_io.out = reply;
  int rc = worker_step(vm);
  mem_io.on = 0;
  mem_io.in = NULL;
  mem_io.out = NULL;
  return rc;
}

int rh_worker_main(int argc, char **argv) {
  long mem_mb = 1024;
  for (int i = 2; i + 1 < argc; i++)
    if (strcmp(argv[i], "--mem-mb") == 0) mem_mb = atol(argv[i + 1]);
  if (mem_mb < 16) mem_mb = 16;
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, SIG_IGN); /* the supervisor decides when a worker stops */
#if !defined(__SANITIZE_ADDRESS__) && !defined(RH_NO_RLIMIT) && !RH_CLANG_ASAN
  /* The Lua heap is capped by the allocator; this bounds everything else
  ** (SQLite caches, C allocations) so a worker can never take the machine. */
  struct rlimit rl;
  rl.rlim_cur = rl.rlim_max = (rlim_t)(mem_mb + 512) << 20;
  setrlimit(RLIMIT_AS, &rl);
#endif
  map_slot();
  rh_vm *vm = NULL;
  if (rh__worker_new(&vm, mem_mb) != RH_OK) {
    fprintf(stderr, "ronghe worker: %s\n", rh_error_last());
    return 70;
  }
  int status = 0, more;
  while ((more = worker_step(vm)) > 0) {
  }
  if (more < 0) {
    fprintf(stderr, "ronghe worker: %s\n", rh_error_last());
    status = 70;
  }
  rh_vm_free(vm);
  return status;
}
