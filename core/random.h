// core/random.h: a seeded, deterministic, counter-based random generator.
//
// Rng is Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3", SC'11). Its output is a pure function of (seed, stream, counter),
// so it is identical on every platform and compiler, and a worker thread can
// Seek() straight to its share of a stream: a dropout mask drawn by 1 thread
// or by 2 is the same bit for bit. Distributions are implemented here, not
// with <random>'s distributions, whose output is implementation-defined.
//
// Example:
//   Rng rng(/*seed=*/42, /*stream=*/7);   // e.g. stream = node id
//   float u = rng.Uniform();              // [0, 1)
//   float z = rng.Normal();               // N(0, 1)
//   bool keep = rng.Bernoulli(0.5f);
#ifndef DAGRAD_CORE_RANDOM_H_
#define DAGRAD_CORE_RANDOM_H_

#include <array>
#include <cstdint>

namespace dagrad {

// Philox4x32-10's multipliers and Weyl key increments (Salmon et al., 2011),
// for kernels that run the rounds themselves (ops/cpu/philox_simd.cc,
// vectorized).
inline constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
inline constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
inline constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;
inline constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;

// kSplitMix64Gamma is SplitMix64's increment, 2^64 / golden ratio (odd).
inline constexpr uint64_t kSplitMix64Gamma = 0x9E3779B97F4A7C15ull;

// SplitMix64() is Steele, Lea and Flood's SplitMix64 step: it adds
// kSplitMix64Gamma to x and mixes the sum (a bijection of 64-bit words that
// sends nearby inputs to unrelated outputs). SplitMix64(seed + k *
// kSplitMix64Gamma) is output k of a SplitMix64 generator started at `seed`.
// Users: Rng keys Philox with SplitMix64(seed) (PhiloxKey()); the executor
// derives node k's seed as output k of the generator at the run's seed.
uint64_t SplitMix64(uint64_t x);

// PhiloxKey() is the Philox key of generator `seed`: SplitMix64(seed), low
// word first. Rng(seed, stream) and any kernel that reproduces its stream
// (dropout) key Philox with it.
std::array<uint32_t, 2> PhiloxKey(uint64_t seed);

// PhiloxRound() runs one round of Philox4x32 on the counter words *c0..*c3
// with key words (k0, k1), in place. Ten rounds, with the key bumped by
// (kPhiloxW0, kPhiloxW1) after each, make Philox4x32_10(). It is inline and
// integer-only so that kernels can apply it to many counters side by side
// (GCC vectorizes a loop over structure-of-arrays counters) and get exactly
// the bits of Philox4x32_10().
inline void PhiloxRound(uint32_t k0, uint32_t k1, uint32_t* c0, uint32_t* c1,
                        uint32_t* c2, uint32_t* c3) {
  const uint64_t p0 = uint64_t{kPhiloxM0} * *c0;
  const uint64_t p1 = uint64_t{kPhiloxM1} * *c2;
  const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ *c1 ^ k0;
  const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ *c3 ^ k1;
  *c1 = static_cast<uint32_t>(p1);
  *c3 = static_cast<uint32_t>(p0);
  *c0 = n0;
  *c2 = n2;
}

// Philox4x32_10() is the raw block function: 128 counter bits and 64 key bits
// to 128 output bits. Rng uses it with key = PhiloxKey(seed) and counter =
// (block, stream).
std::array<uint32_t, 4> Philox4x32_10(std::array<uint32_t, 4> counter,
                                      std::array<uint32_t, 2> key);

class Rng {
 public:
  // Rng(seed, stream) starts stream `stream` of generator `seed` at counter 0.
  // Distinct (seed, stream) pairs give independent sequences.
  explicit Rng(uint64_t seed, uint64_t stream = 0);

  // Seek() moves to 32-bit draw number `index` of this stream, so that
  // NextU32() returns the same value it would after `index` earlier calls.
  // Distributions that use several draws (Normal) consume a fixed number
  // each, so workers can Seek() to draw index  i * draws_per_item.
  void Seek(uint64_t index);

  // NextU32() returns 32 uniformly random bits.
  uint32_t NextU32();
  // NextU64() returns 64 random bits (two draws).
  uint64_t NextU64();
  // Uniform() returns a float in [0, 1) with 24 random bits (one draw).
  float Uniform();
  // Uniform(lo, hi) returns a float in [lo, hi) (one draw).
  float Uniform(float lo, float hi) { return lo + (hi - lo) * Uniform(); }
  // UniformDouble() returns a double in [0, 1) with 53 bits (two draws).
  double UniformDouble();
  // Normal() returns a standard normal sample by Box-Muller (four draws; the
  // second value of each pair is discarded to keep draws per item fixed).
  float Normal();
  float Normal(float mean, float stddev) { return mean + stddev * Normal(); }
  // Bernoulli(p) returns true with probability p (one draw).
  bool Bernoulli(float p) { return Uniform() < p; }
  // UniformInt(n) returns an integer in [0, n), n > 0, without modulo bias
  // (two draws per attempt).
  uint64_t UniformInt(uint64_t n);

 private:
  void Refill();

  std::array<uint32_t, 2> key_;
  uint64_t stream_;
  uint64_t block_ = 0;              // Philox counter of the next block.
  std::array<uint32_t, 4> buffer_;  // Output of block_ - 1.
  int used_ = 4;                    // Draws consumed from buffer_.
};

}  // namespace dagrad

#endif  // DAGRAD_CORE_RANDOM_H_
