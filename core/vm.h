/*
** The Lua state of a worker process: a capped allocator, an instruction
** budget that a rule's own pcall cannot swallow, one protected-call door with
** a message handler, and a JSON encoder for the values a rule returns.
*/
#ifndef RH_VM_H
#define RH_VM_H

#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define RH_VM_POOL_CLASSES 16

typedef struct rh_vm {
  lua_State *L;
  size_t used;          /* bytes the state holds now */
  size_t limit;         /* growth past this is refused (LUA_ERRMEM) */
  size_t hard_limit;    /* the whole state's ceiling between calls */
  int64_t spent;        /* instructions counted in the current limited call */
  int64_t budget;       /* instructions allowed in the current limited call */
  uint64_t deadline_ns; /* wall-clock end of the current limited call (0 = none) */
  int tripped;          /* why the current call was stopped: RH_VM_* */
  uint64_t call_start_ns;        /* when the current limited call began */
  volatile int hooked;           /* the budget hook is installed (see vm.c) */
  void *free_[RH_VM_POOL_CLASSES]; /* small-block free lists, by size class (vm.c) */
  char *bump;                    /* the unused rest of the newest slab */
  size_t bump_left;
  struct rh_slab *slabs;         /* every slab, freed with the state */
} rh_vm;

#define RH_VM_OK 0
#define RH_VM_ERROR 1   /* the code raised an error */
#define RH_VM_BUDGET 2  /* instruction or time budget exceeded */
#define RH_VM_MEMORY 3  /* memory cap exceeded */

/* Creates a state whose total memory never exceeds hard_limit bytes.  Its
** extraspace points back at the rh_vm (see rh_vm_of). */
int rh_vm_new(rh_vm **out, size_t hard_limit);
void rh_vm_free(rh_vm *vm);
rh_vm *rh_vm_of(lua_State *L);

/* The one door into Lua: lua_pcall with a handler that turns any error value
** into "file:line: message" of the nearest rule frame.
** [-(nargs+1), +(nres|1), -]  status != LUA_OK leaves the message on top. */
int rh_vm_pcall(lua_State *L, int nargs, int nres);

/* Pushes rh_vm_pcall's message handler, for a caller that makes many calls
** (rh_vm_limited_call's msgh). */
void rh_vm_push_msgh(lua_State *L);

/* rh_vm_pcall under an instruction budget, a wall-clock limit and a memory
** cap of mem_cap bytes above the current use.  msgh is the stack index of
** the handler pushed by rh_vm_push_msgh, or 0 to push one for this call.
** Returns RH_VM_*; on anything but RH_VM_OK one message string is on top of
** the stack. */
int rh_vm_limited_call(rh_vm *vm, int nargs, int nres, int64_t instructions, int64_t ms,
                       size_t mem_cap, int msgh);

/* Appends the JSON form of the value at idx (objects with sorted keys, so the
** same values always give the same bytes).  On failure err holds why. */
int rh_vm_json(lua_State *L, int idx, rh_buf *b, char *err, size_t errlen);

#endif
