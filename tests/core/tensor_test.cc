#include "core/tensor.h"

#include <cstdint>
#include <utility>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace dagrad {
namespace {

bool IsAligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % kTensorAlignment == 0;
}

TEST(TensorTest, ZerosIsOwnedAlignedAndZero) {
  for (int64_t n : {1, 3, 17, 64, 1000}) {
    Tensor t = Tensor::Zeros(Shape({n}));
    EXPECT_TRUE(t.owns_data());
    EXPECT_TRUE(IsAligned(t.data())) << n;
    EXPECT_EQ(t.size(), n);
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(t[i], 0.0f);
  }
}

TEST(TensorTest, EmptyTensorStillHasAlignedBuffer) {
  Tensor t = Tensor::Zeros(Shape({0, 5}));
  EXPECT_EQ(t.size(), 0);
  EXPECT_TRUE(IsAligned(t.data()));
}

TEST(TensorTest, FromValuesCopies) {
  float values[] = {1, 2, 3, 4, 5, 6};
  Tensor t = Tensor::FromValues(Shape({2, 3}), values);
  values[0] = 100;
  EXPECT_EQ(t[0], 1.0f);
  EXPECT_EQ(t[5], 6.0f);
}

TEST(TensorTest, ViewSharesMemoryAndDoesNotOwn) {
  Tensor owner = Tensor::Zeros(Shape({2, 3}));
  Tensor view = Tensor::View(Shape({3, 2}), owner.data());
  EXPECT_FALSE(view.owns_data());
  view[4] = 7.0f;
  EXPECT_EQ(owner[4], 7.0f);
  Tensor reshaped = owner.ViewAs(Shape({6}));
  EXPECT_EQ(reshaped.data(), owner.data());
  EXPECT_EQ(reshaped[4], 7.0f);
}

TEST(TensorTest, ViewIntoArenaSlot) {
  AlignedFloats arena = AllocateAligned(256);
  Tensor a = Tensor::View(Shape({4, 16}), arena.get());
  Tensor b = Tensor::View(Shape({8, 8}), arena.get() + 64);
  a.Fill(1.0f);
  b.Fill(2.0f);
  EXPECT_TRUE(IsAligned(b.data()));
  EXPECT_EQ(arena[63], 1.0f);
  EXPECT_EQ(arena[64], 2.0f);
}

TEST(TensorTest, CloneIsDeepAndOwned) {
  Tensor owner = Tensor::Zeros(Shape({4}));
  Tensor view = Tensor::View(Shape({4}), owner.data());
  Tensor copy = view.Clone();
  EXPECT_TRUE(copy.owns_data());
  owner[0] = 5.0f;
  EXPECT_EQ(copy[0], 0.0f);
}

TEST(TensorTest, MoveTransfersOwnership) {
  Tensor a = Tensor::Zeros(Shape({3}));
  float* data = a.data();
  Tensor b = std::move(a);
  EXPECT_EQ(b.data(), data);
  EXPECT_TRUE(b.owns_data());
  EXPECT_EQ(a.data(), nullptr);  // NOLINT: moved-from state is specified.
  EXPECT_EQ(a.size(), 0);
}

TEST(TensorTest, FillCopyFromAndDebugString) {
  Tensor a = Tensor::Zeros(Shape({2, 2}));
  a.Fill(1.5f);
  Tensor b = Tensor::Zeros(Shape({4}));
  b.CopyFrom(a);
  EXPECT_EQ(b[3], 1.5f);
  EXPECT_EQ(a.DebugString(), "Tensor[2,2] {1.5, 1.5, 1.5, 1.5}");
  EXPECT_EQ(b.DebugString(2), "Tensor[4] {1.5, 1.5, ...}");
}

TEST(TensorTest, TryZerosAllocatesAndZeroes) {
  absl::StatusOr<Tensor> t = Tensor::TryZeros(Shape({3, 5}), "w");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->shape(), Shape({3, 5}));
  for (int64_t i = 0; i < t->size(); ++i) EXPECT_EQ((*t)[i], 0.0f);
}

TEST(TensorTest, TryZerosRefusesWhatCannotBeHeld) {
  // 784 x 2^40 floats: far more than one buffer may hold.
  absl::StatusOr<Tensor> huge =
      Tensor::TryZeros(Shape({784, int64_t{1} << 40}), "layer 'dense'");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(huge.status().message(), "layer 'dense'"));
  EXPECT_TRUE(absl::StrContains(huge.status().message(), "[784,"));
  // A product that overflows int64.
  absl::StatusOr<Tensor> overflow = Tensor::TryZeros(
      Shape({int64_t{1} << 40, int64_t{1} << 40, int64_t{1} << 40}), "x");
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(TensorTest, TryAllocateAlignedNamesTheBytes) {
  absl::StatusOr<AlignedFloats> ok = TryAllocateAligned(100, "scratch");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(ok->get()) % kTensorAlignment, 0u);
  absl::StatusOr<AlignedFloats> bad =
      TryAllocateAligned(kMaxTensorBytes, "arena");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "arena"));
}

}  // namespace
}  // namespace dagrad
