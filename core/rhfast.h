/*
** C fast paths for rhlib.lua's hottest functions (see rhfast.c).
*/
#ifndef RH_RHFAST_H
#define RH_RHFAST_H

#include <lua.h>

/* rh_rhlib_fast(rh, internals): replaces rh.fen, rh.ceil_mul, rh.floor_mul,
** rh.round_mul, rh.at_least, rh.at_most, rh.more_than and rh.less_than in the
** table rh by C functions that give the same results and errors; internals
** is rhlib.lua's second result.  A lua_CFunction. */
int rh_rhlib_fast(lua_State *L);

#endif
