/*
** A very small test harness in the style of libuv's task.h: TEST_IMPL bodies
** return 0 on success; ASSERT_* print both operands and the location, then
** return 1 from the test.  Each test file lists its tests with TEST_LIST and
** runs as its own CTest test (one process per file; `NAME` runs one test).
*/
#ifndef RH_TEST_H
#define RH_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define TEST_IMPL(name) static int test_##name(void)

#define TEST_FAIL_(fmt, ...)                                                    \
  do {                                                                          \
    fprintf(stderr, "%s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);      \
    return 1;                                                                   \
  } while (0)

#define ASSERT(c)                                                               \
  do { if (!(c)) TEST_FAIL_("assertion failed: %s", #c); } while (0)
#define ASSERT_EQ(a, b)                                                         \
  do {                                                                          \
    int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                               \
    if (a_ != b_) TEST_FAIL_("%s == %s: %" PRId64 " != %" PRId64, #a, #b, a_, b_); \
  } while (0)
#define ASSERT_OK(e) ASSERT_EQ(0, (e))
#define ASSERT_STR_EQ(a, b)                                                     \
  do {                                                                          \
    const char *a_ = (a), *b_ = (b);                                            \
    if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                        \
      TEST_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)",     \
                 b_ ? b_ : "(null)");                                           \
  } while (0)
#define ASSERT_CONTAINS(hay, needle)                                            \
  do {                                                                          \
    const char *h_ = (hay), *n_ = (needle);                                     \
    if (h_ == NULL || strstr(h_, n_) == NULL)                                   \
      TEST_FAIL_("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_);     \
  } while (0)

typedef struct { const char *name; int (*fn)(void); } rh_test_entry;
#define TEST_ENTRY(name) {#name, test_##name},

#define TEST_MAIN(...)                                                          \
  int main(int argc, char **argv) {                                             \
    static const rh_test_entry tests_[] = {__VA_ARGS__ {NULL, NULL}};           \
    int failed = 0, ran = 0;                                                    \
    for (const rh_test_entry *t = tests_; t->name; t++) {                       \
      if (argc > 1 && strcmp(argv[1], t->name) != 0) continue;                  \
      int rc = t->fn();                                                         \
      ran++;                                                                    \
      printf("%s %d - %s\n", rc ? "not ok" : "ok", ran, t->name);               \
      fflush(stdout);                                                           \
      failed += rc != 0;                                                        \
    }                                                                           \
    printf("1..%d\n", ran);                                                     \
    return failed != 0 || ran == 0;                                             \
  }

#endif
