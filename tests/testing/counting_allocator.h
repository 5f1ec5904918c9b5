// tests/testing/counting_allocator.h: counts heap allocations.
//
// Linking //tests/testing:counting_allocator replaces the global operator
// new/delete of the test binary with malloc/free versions that count every
// operator new call (all threads). Tests read the counter around the code
// that must not allocate.
//
// Example:
//   const int64_t before = AllocationCount();
//   RETURN_IF_ERROR(executor->Run());
//   EXPECT_EQ(AllocationCount() - before, 0);
#ifndef DAGRAD_TESTS_TESTING_COUNTING_ALLOCATOR_H_
#define DAGRAD_TESTS_TESTING_COUNTING_ALLOCATOR_H_

#include <cstdint>

namespace dagrad {

// AllocationCount() is the number of operator new calls so far.
int64_t AllocationCount();

}  // namespace dagrad

#endif  // DAGRAD_TESTS_TESTING_COUNTING_ALLOCATOR_H_
