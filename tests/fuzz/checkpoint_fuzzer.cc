// tests/fuzz/checkpoint_fuzzer.cc: libFuzzer target for ParseCheckpoint().
//
// Every input is parsed twice:
//   1. as given: almost always a CRC mismatch (DataLoss), which exercises the
//      header and CRC checks;
//   2. with its last 4 bytes replaced by the correct CRC32 of the rest, so
//      the fuzzer reaches the structure parser (metadata, ranks, dims, data).
// Neither may crash. On success the checkpoint must re-serialize to exactly
// the parsed bytes (a version-1 input re-serializes as version 2: 4 bytes
// longer, and a fixed point from then on), and every tensor must hold
// product(dims) elements with rank <= 8. Errors must be DataLoss (CRC) or
// InvalidArgument (structure).
// Built as a fuzzer by tools/fuzz.sh and as a gtest regression test over
// tests/fuzz/corpus/checkpoint and tests/fuzz/regressions/checkpoint.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/tensor.h"
#include "io/checkpoint.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void CheckParsed(absl::string_view bytes) {
  absl::StatusOr<dagrad::Checkpoint> ckpt =
      dagrad::ParseCheckpoint(bytes, "fuzz");
  if (!ckpt.ok()) {
    const absl::StatusCode code = ckpt.status().code();
    FUZZ_CHECK(code == absl::StatusCode::kInvalidArgument ||
               code == absl::StatusCode::kDataLoss);
    return;
  }
  for (const dagrad::NamedTensor& t : ckpt->tensors) {
    FUZZ_CHECK(t.tensor.shape().rank() <= 8);
    FUZZ_CHECK(t.tensor.shape().is_fully_defined());
    FUZZ_CHECK(t.tensor.size() == t.tensor.shape().num_elements());
    FUZZ_CHECK(ckpt->FindTensor(t.name) != nullptr);
  }
  for (const auto& [key, value] : ckpt->metadata) {
    FUZZ_CHECK(ckpt->FindMetadata(key) != nullptr);
  }
  for (const auto& [key, value] : ckpt->integers) {
    FUZZ_CHECK(ckpt->FindInteger(key) != nullptr);
  }
  const std::string again = dagrad::SerializeCheckpoint(*ckpt);
  if (static_cast<unsigned char>(bytes[8]) == dagrad::kCheckpointVersion) {
    FUZZ_CHECK(again == bytes);
    return;
  }
  // An older version: one empty integer section more, then a fixed point.
  FUZZ_CHECK(ckpt->integers.empty());
  FUZZ_CHECK(again.size() == bytes.size() + 4);
  absl::StatusOr<dagrad::Checkpoint> upgraded =
      dagrad::ParseCheckpoint(again, "fuzz");
  FUZZ_CHECK(upgraded.ok());
  FUZZ_CHECK(dagrad::SerializeCheckpoint(*upgraded) == again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  CheckParsed(bytes);
  if (size >= 4) {
    std::string fixed(bytes.substr(0, size - 4));
    const uint32_t crc = static_cast<uint32_t>(crc32(
        crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(fixed.data()),
        static_cast<uInt>(fixed.size())));
    for (int i = 0; i < 4; ++i) {
      fixed.push_back(static_cast<char>(crc >> (8 * i)));
    }
    CheckParsed(fixed);
  }
  return 0;
}
