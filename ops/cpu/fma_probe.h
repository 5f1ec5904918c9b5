// ops/cpu/fma_probe.h: the FP32 FMA throughput of the core this process
// runs on, measured once by a short probe (a few milliseconds, on first
// use), so kernels can pick a register blocking for the core at hand and
// reports can read GFLOP/s against the peak.
//
// The probe times the same FMAs as 4 and as 12 independent dependency
// chains of 512-bit FMAs (256-bit in AVX2 builds). With the usual 4-cycle
// latency, 4 chains already keep one FMA pipe busy, and 12 chains are
// needed to keep two busy: a core whose 12-chain rate is at least 1.5x its
// 4-chain rate has two FMA pipes (e.g. Zen 5, Skylake-SP Gold), otherwise
// one (e.g. Zen 4, which runs 512-bit FMAs on one pipe per cycle). Each
// rate is the best of several short trials, so a busy machine reads low
// only if it is busy throughout.
//
// A kernel variant chosen from FmaPipes() must compute the same sums in the
// same order as the others (results never depend on the probe).
//
// Example:
//   if (FmaPipes() >= 2) { ... the variant with more accumulators ... }
//   std::printf("%.0f%% of peak\n", 100 * gflops / FmaPeakGflops());
#ifndef DAGRAD_OPS_CPU_FMA_PROBE_H_
#define DAGRAD_OPS_CPU_FMA_PROBE_H_

namespace dagrad {

// FmaProbeResult: what the probe measured.
struct FmaProbeResult {
  double latency_bound_gflops = 0.0;  // 4 chains.
  double peak_gflops = 0.0;           // 12 chains: the one-thread peak.
  int pipes = 1;                      // 1 or 2 (see the file comment).
};

// ProbeFma() runs the probe now (about 5 ms) and returns what it measured.
FmaProbeResult ProbeFma();

// CachedFmaProbe() is ProbeFma()'s result from the first call in this
// process (thread-safe).
const FmaProbeResult& CachedFmaProbe();

// FmaPeakGflops() is CachedFmaProbe().peak_gflops (0 in builds without
// AVX2 or AVX-512 FMA).
double FmaPeakGflops();

// FmaPipes() is CachedFmaProbe().pipes.
int FmaPipes();

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_FMA_PROBE_H_
