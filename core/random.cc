#include "core/random.h"

#include <cmath>

namespace dagrad {

uint64_t SplitMix64(uint64_t x) {
  x += kSplitMix64Gamma;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::array<uint32_t, 2> PhiloxKey(uint64_t seed) {
  const uint64_t k = SplitMix64(seed);
  return {static_cast<uint32_t>(k), static_cast<uint32_t>(k >> 32)};
}

std::array<uint32_t, 4> Philox4x32_10(std::array<uint32_t, 4> ctr,
                                      std::array<uint32_t, 2> key) {
  for (int round = 0; round < 10; ++round) {
    PhiloxRound(key[0], key[1], &ctr[0], &ctr[1], &ctr[2], &ctr[3]);
    key[0] += kPhiloxW0;
    key[1] += kPhiloxW1;
  }
  return ctr;
}

Rng::Rng(uint64_t seed, uint64_t stream)
    : key_(PhiloxKey(seed)), stream_(stream) {}

void Rng::Seek(uint64_t index) {
  block_ = index / 4;
  Refill();
  used_ = static_cast<int>(index % 4);
}

void Rng::Refill() {
  buffer_ = Philox4x32_10(
      {static_cast<uint32_t>(block_), static_cast<uint32_t>(block_ >> 32),
       static_cast<uint32_t>(stream_), static_cast<uint32_t>(stream_ >> 32)},
      key_);
  ++block_;
  used_ = 0;
}

uint32_t Rng::NextU32() {
  if (used_ == 4) Refill();
  return buffer_[used_++];
}

uint64_t Rng::NextU64() {
  uint64_t hi = NextU32();
  return (hi << 32) | NextU32();
}

float Rng::Uniform() {
  return static_cast<float>(NextU32() >> 8) * (1.0f / 16777216.0f);
}

double Rng::UniformDouble() {
  return static_cast<double>(NextU64() >> 11) * (1.0 / 9007199254740992.0);
}

float Rng::Normal() {
  // u1 in (0, 1] keeps the log finite.
  double u1 = 1.0 - UniformDouble();
  double u2 = UniformDouble();
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) *
                            std::cos(kTwoPi * u2));
}

uint64_t Rng::UniformInt(uint64_t n) {
  // Rejection sampling over the largest multiple of n below 2^64.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  while (true) {
    uint64_t x = NextU64();
    if (x < limit) return x % n;
  }
}

}  // namespace dagrad
