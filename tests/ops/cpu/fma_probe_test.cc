// Tests of the FMA probe (ops/cpu/fma_probe.h): its result is consistent
// (pipes follows from the two rates by the documented rule), cached, and
// non-zero where the build has FMA vectors. No timing is asserted: the
// rates themselves depend on the machine and its load.
#include "ops/cpu/fma_probe.h"

#include "gtest/gtest.h"

namespace dagrad {
namespace {

TEST(FmaProbeTest, PipesFollowFromTheTwoRates) {
  for (int trial = 0; trial < 3; ++trial) {
    const FmaProbeResult r = ProbeFma();
    ASSERT_TRUE(r.pipes == 1 || r.pipes == 2) << r.pipes;
    EXPECT_EQ(r.pipes, r.peak_gflops >= 1.5 * r.latency_bound_gflops ? 2 : 1);
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
    EXPECT_GT(r.latency_bound_gflops, 0.0);
    EXPECT_GT(r.peak_gflops, 0.0);
#endif
  }
}

TEST(FmaProbeTest, CachedOnce) {
  const FmaProbeResult& first = CachedFmaProbe();
  EXPECT_EQ(&first, &CachedFmaProbe());
  EXPECT_EQ(FmaPeakGflops(), first.peak_gflops);
  EXPECT_EQ(FmaPipes(), first.pipes);
}

}  // namespace
}  // namespace dagrad
