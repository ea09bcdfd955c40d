/*
** rh_lua: a minimal Lua 5.4 interpreter (lua.c's `lua script args...` only),
** built in the sanitized tree so that busted can load the sanitized ronghe
** module.
**
** Why: an ASan-instrumented shared object cannot be dlopen'ed into Debian's
** uninstrumented lua5.4 ("ASan runtime does not come first in initial library
** list").  LD_PRELOAD of the runtime would work for the interpreter but is
** inherited by every child the specs start (sh, mktemp, sqlite3, ...), and
** some of those abort under a preloaded ASan.  An interpreter that is itself
** linked with -fsanitize=address has the runtime first and passes nothing
** unusual to its children: the ronghe binary they start is sanitized on its
** own.
**
** usage: rh_lua SCRIPT [ARGS...]   (arg[0] = SCRIPT, ... = ARGS, like lua.c)
*/
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>

static int msgh(lua_State *L) {
  const char *m = lua_tostring(L, 1);
  if (m == NULL) m = luaL_tolstring(L, 1, NULL);
  luaL_traceback(L, L, m, 1);
  return 1;
}

static int pmain(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = lua_touserdata(L, 2);
  luaL_openlibs(L);
  lua_createtable(L, argc, 1); /* arg */
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - 1); /* arg[-1] = this program, arg[0] = script */
  }
  lua_setglobal(L, "arg");
  if (luaL_loadfile(L, argv[1]) != LUA_OK) return lua_error(L); /* skips a #! line */
  for (int i = 2; i < argc; i++) lua_pushstring(L, argv[i]);
  lua_call(L, argc - 2, 0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s SCRIPT [ARGS...]\n", argv[0]);
    return 2;
  }
  lua_State *L = luaL_newstate();
  if (L == NULL) return 1;
  lua_pushcfunction(L, msgh);
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  int st = lua_pcall(L, 2, 0, 1);
  if (st != LUA_OK) fprintf(stderr, "%s: %s\n", argv[0], lua_tostring(L, -1));
  lua_close(L);
  return st == LUA_OK ? 0 : 1;
}
