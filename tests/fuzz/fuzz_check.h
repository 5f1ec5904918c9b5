// tests/fuzz/fuzz_check.h: invariant checks for fuzz targets.
//
// FUZZ_CHECK(cond) aborts with a message when `cond` is false. libFuzzer
// treats the abort as a crash and saves the input; the gtest regression
// driver (fuzz_regression_main.cc) dies on it, failing the test. Use it only
// for properties that must hold for EVERY input (e.g. "a parsed IDX array has
// product(dims) bytes"), never for expected parse errors.
//
// Example:
//   absl::StatusOr<IdxArray> a = ParseIdx(bytes, "fuzz");
//   if (a.ok()) FUZZ_CHECK(!a->dims.empty());
#ifndef DAGRAD_TESTS_FUZZ_FUZZ_CHECK_H_
#define DAGRAD_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                               \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                   \
      std::abort();                                                    \
    }                                                                  \
  } while (false)

#endif  // DAGRAD_TESTS_FUZZ_FUZZ_CHECK_H_
