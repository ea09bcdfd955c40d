/*
** rh_vm_json, the encoder of a rule's `values`: deterministic, valid JSON,
** never losing a key (regressions found by tests/fuzz/fuzz_json.c).
*/
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

#include "rh.h"
#include "test.h"
#include "util.h"
#include "vm.h"

/* Evaluates src (which returns one value) and encodes the result. */
static char *encode(const char *src, char *err, size_t errlen) {
  rh_vm *vm = NULL;
  if (rh_vm_new(&vm, 64u << 20) != RH_OK) return NULL;
  lua_State *L = vm->L;
  luaL_openlibs(L);
  char *out = NULL;
  if (luaL_dostring(L, src) == LUA_OK) {
    rh_buf b = RH_BUF_INIT;
    if (rh_vm_json(L, -1, &b, err, errlen) == RH_OK) out = strdup(b.data ? b.data : "");
    rh_buf_free(&b);
  } else {
    snprintf(err, errlen, "%s", lua_tostring(L, -1));
  }
  rh_vm_free(vm);
  return out;
}

#define ASSERT_JSON(src, want)                                                  \
  do {                                                                          \
    char e_[256] = "";                                                          \
    char *j_ = encode(src, e_, sizeof e_);                                      \
    if (j_ == NULL) TEST_FAIL_("%s: %s", src, e_);                              \
    int ok_ = strcmp(j_, want) == 0;                                            \
    if (!ok_) fprintf(stderr, "%s\n  got  %s\n  want %s\n", src, j_, want);     \
    free(j_);                                                                   \
    ASSERT(ok_);                                                                \
  } while (0)

TEST_IMPL(arrays_need_exactly_1_to_n) {
  ASSERT_JSON("return {1, 2, 3}", "[1,2,3]");
  /* holes compensated by other keys: an object, nothing lost */
  ASSERT_JSON("return {1, 2, nil, 4, x = 5}", "{\"1\":1,\"2\":2,\"4\":4,\"x\":5}");
  ASSERT_JSON("local t = {} for i = 1, 10 do t[i] = i end t[11] = nil t[13] = 13 t[48] = 1 t[53] = 2 "
              "t[12] = nil return t",
              "{\"1\":1,\"10\":10,\"13\":13,\"2\":2,\"3\":3,\"4\":4,\"48\":1,\"5\":5,\"53\":2,\"6\":6,"
              "\"7\":7,\"8\":8,\"9\":9}");
  ASSERT_JSON("return {[0] = 'z', 'a'}", "{\"0\":\"z\",\"1\":\"a\"}");
  ASSERT_JSON("return {}", "{}");
  return 0;
}

TEST_IMPL(the_same_value_encodes_the_same_way_twice) {
  const char *src =
      "local t = {} for i = 1, 40 do t[i] = i end for i = 1, 40, 3 do t[i] = nil end "
      "t.k = 1 return t";
  char e[256];
  char *a = encode(src, e, sizeof e), *b = encode(src, e, sizeof e);
  ASSERT(a != NULL && b != NULL);
  ASSERT_STR_EQ(a, b);
  free(a);
  free(b);
  return 0;
}

TEST_IMPL(numbers_strings_and_refusals) {
  ASSERT_JSON("return {a = 0/0, b = 1/0, c = -1/0, d = 0.5, e = math.mininteger}",
              "{\"a\":null,\"b\":null,\"c\":null,\"d\":0.5,\"e\":-9223372036854775808}");
  ASSERT_JSON("return {s = 'a\"b\\\\c\\n\\1'}", "{\"s\":\"a\\\"b\\\\c\\n\\u0001\"}");
  ASSERT_JSON("return {s = 'ok \\255'}", "{\"s\":\"ok ?\"}");
  char e[256] = "";
  ASSERT(encode("local t = {} t.t = t return t", e, sizeof e) == NULL);
  ASSERT_CONTAINS(e, "nested deeper");
  ASSERT(encode("return {f = print}", e, sizeof e) == NULL);
  ASSERT_CONTAINS(e, "cannot put a function in values");
  ASSERT(encode("return {[{}] = 1}", e, sizeof e) == NULL);
  ASSERT_CONTAINS(e, "keys must be strings");
  return 0;
}

TEST_MAIN(TEST_ENTRY(arrays_need_exactly_1_to_n)
          TEST_ENTRY(the_same_value_encodes_the_same_way_twice)
          TEST_ENTRY(numbers_strings_and_refusals))
