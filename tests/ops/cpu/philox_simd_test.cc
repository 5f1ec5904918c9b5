// Tests of ops/cpu/philox_simd.h: PhiloxBatch() gives exactly the bits of
// core's scalar Philox4x32_10() for every counter of the batch.
#include "ops/cpu/philox_simd.h"

#include <array>
#include <cstdint>

#include "core/random.h"
#include "gtest/gtest.h"

namespace dagrad {
namespace {

TEST(PhiloxBatchTest, MatchesScalarPhilox) {
  for (uint64_t seed : {uint64_t{0}, uint64_t{42}, ~uint64_t{0}}) {
    const std::array<uint32_t, 2> key = PhiloxKey(seed);
    uint32_t c0[kPhiloxBatch], c1[kPhiloxBatch], c2[kPhiloxBatch],
        c3[kPhiloxBatch];
    std::array<std::array<uint32_t, 4>, kPhiloxBatch> counters;
    for (int j = 0; j < kPhiloxBatch; ++j) {
      counters[j] = {0xFFFFFFF0u + static_cast<uint32_t>(j),
                     static_cast<uint32_t>(j) * 977u, 7u,
                     static_cast<uint32_t>(seed)};
      c0[j] = counters[j][0];
      c1[j] = counters[j][1];
      c2[j] = counters[j][2];
      c3[j] = counters[j][3];
    }
    PhiloxBatch(key, c0, c1, c2, c3);
    for (int j = 0; j < kPhiloxBatch; ++j) {
      const std::array<uint32_t, 4> want = Philox4x32_10(counters[j], key);
      EXPECT_EQ(c0[j], want[0]) << "seed " << seed << " block " << j;
      EXPECT_EQ(c1[j], want[1]) << "seed " << seed << " block " << j;
      EXPECT_EQ(c2[j], want[2]) << "seed " << seed << " block " << j;
      EXPECT_EQ(c3[j], want[3]) << "seed " << seed << " block " << j;
    }
  }
}

}  // namespace
}  // namespace dagrad
