// tests/fuzz/idx_fuzzer.cc: libFuzzer target for data/idx.h.
//
// Feeds arbitrary bytes through ReadIdxFile()'s path, DecodeIdx() (which
// checks the header as it inflates), and through the whole-stream path,
// MaybeGunzip() with the largest possible output, then ParseIdx(). None may
// crash, and the results must satisfy the documented contract:
//   - input without the gzip magic passes through MaybeGunzip unchanged;
//   - decompressed output never exceeds the bound;
//   - a parsed array has rank 1..4, every dim >= 1, product(dims) == bytes,
//     and re-encoding header + data reproduces the input exactly;
//   - DecodeIdx() accepts exactly what the whole-stream path accepts, with
//     the same array.
// Built as a fuzzer by tools/fuzz.sh and as a gtest regression test over
// tests/fuzz/corpus/idx and tests/fuzz/regressions/idx by tests/fuzz/BUILD.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "data/idx.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// kMaxDecompressed mirrors ReadIdxFile(): payload bound plus the largest
// header (4 magic bytes + 4 dimensions).
constexpr int64_t kMaxDecompressed = dagrad::kMaxIdxBytes + 4 + 4 * 4;

// EncodeIdx() is the inverse of ParseIdx() for the unsigned-byte type.
std::string EncodeIdx(const dagrad::IdxArray& array) {
  std::string out = {'\0', '\0', '\x08', static_cast<char>(array.dims.size())};
  for (int64_t d : array.dims) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((d >> shift) & 0xff));
    }
  }
  out.append(array.data.begin(), array.data.end());
  return out;
}

// CheckParsed() checks ParseIdx() of the decompressed `bytes` and returns
// its result.
absl::StatusOr<dagrad::IdxArray> CheckParsed(absl::string_view bytes) {
  absl::StatusOr<dagrad::IdxArray> array = dagrad::ParseIdx(bytes, "fuzz");
  if (!array.ok()) {
    FUZZ_CHECK(array.status().code() == absl::StatusCode::kInvalidArgument);
    return array;
  }
  FUZZ_CHECK(array->dims.size() >= 1 && array->dims.size() <= 4);
  int64_t count = 1;
  for (int64_t d : array->dims) {
    FUZZ_CHECK(d >= 1);
    count *= d;
    FUZZ_CHECK(count <= dagrad::kMaxIdxBytes);
  }
  FUZZ_CHECK(static_cast<int64_t>(array->data.size()) == count);
  FUZZ_CHECK(EncodeIdx(*array) == bytes);
  return array;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  const bool gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  absl::StatusOr<std::string> raw =
      dagrad::MaybeGunzip(bytes, "fuzz", kMaxDecompressed);
  absl::StatusOr<dagrad::IdxArray> slow;
  if (!raw.ok()) {
    FUZZ_CHECK(gzip);  // Only a gzip stream can fail to decompress.
    FUZZ_CHECK(raw.status().code() == absl::StatusCode::kInvalidArgument);
    slow = raw.status();
  } else {
    if (!gzip) FUZZ_CHECK(*raw == bytes);
    FUZZ_CHECK(static_cast<int64_t>(raw->size()) <= kMaxDecompressed);
    slow = CheckParsed(*raw);
  }
  absl::StatusOr<dagrad::IdxArray> fast = dagrad::DecodeIdx(bytes, "fuzz");
  FUZZ_CHECK(fast.ok() == slow.ok());
  if (fast.ok()) {
    FUZZ_CHECK(fast->dims == slow->dims && fast->data == slow->data);
  } else {
    FUZZ_CHECK(fast.status().code() == absl::StatusCode::kInvalidArgument);
  }
  return 0;
}
