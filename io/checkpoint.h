// io/checkpoint.h: dagrad's checkpoint file format.
//
// A checkpoint is a list of named float32 tensors (parameters and optimizer
// state) plus metadata: strings (model signature, optimizer name) and
// int64 integers (counters such as the optimizer's step count, exact at any
// size). Format version 2, all integers little-endian:
//
//   offset  field
//   0       magic "DAGRADCK" (8 bytes)
//   8       uint32 version (2)
//   12      uint32 metadata count M
//           M x { uint32 key length, key bytes, uint32 value length, value }
//           uint32 integer count I
//           I x { uint32 key length, key bytes, int64 value }
//           uint32 tensor count T
//           T x { uint32 name length, name bytes, uint32 rank (<= 8),
//                 rank x int64 dims, element count x float32 data }
//   end-4   uint32 CRC32 (zlib) of every byte before it
//
// Version 1 is version 2 without the integer section (I = 0); it is still
// read, and written back as version 2.
//
// Reading checks the CRC before anything else, then every length against
// the bytes that remain, so a corrupted or truncated file is a clear
// DataLoss / InvalidArgument error naming the file, never a crash. Writing
// goes through WriteFileAtomically() (io/file_system.h): a crash at any
// point leaves the previous checkpoint intact.
//
// Example:
//   Checkpoint ckpt;
//   ckpt.metadata.push_back({"model", "lenet5"});
//   ckpt.integers.push_back({"step", 33554433});
//   ckpt.tensors.push_back({"conv1/W", w.Clone()});
//   RETURN_IF_ERROR(WriteCheckpoint("/tmp/lenet5.ckpt", ckpt));
//   ASSIGN_OR_RETURN(Checkpoint back, ReadCheckpoint("/tmp/lenet5.ckpt"));
#ifndef DAGRAD_IO_CHECKPOINT_H_
#define DAGRAD_IO_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/tensor.h"
#include "io/file_system.h"

namespace dagrad {

inline constexpr char kCheckpointMagic[] = "DAGRADCK";
inline constexpr uint32_t kCheckpointVersion = 2;
// kOldestCheckpointVersion is the oldest version ReadCheckpoint() accepts.
inline constexpr uint32_t kOldestCheckpointVersion = 1;

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

struct Checkpoint {
  std::vector<std::pair<std::string, std::string>> metadata;
  std::vector<std::pair<std::string, int64_t>> integers;
  std::vector<NamedTensor> tensors;

  // FindTensor() returns the tensor called `name`, or nullptr.
  const Tensor* FindTensor(absl::string_view name) const;
  // FindMetadata() returns the value for `key`, or nullptr.
  const std::string* FindMetadata(absl::string_view key) const;
  // FindInteger() returns the integer for `key`, or nullptr.
  const int64_t* FindInteger(absl::string_view key) const;
};

// SerializeCheckpoint() encodes `ckpt` in the format above (version 2).
std::string SerializeCheckpoint(const Checkpoint& ckpt);

// ParseCheckpoint() decodes bytes produced by SerializeCheckpoint() (or by
// a build that wrote version 1). `name`
// (usually the path) is used in messages. A CRC mismatch is DataLoss; a
// malformed or truncated structure is InvalidArgument.
absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view bytes,
                                           const std::string& name);

// WriteCheckpoint() serializes and writes atomically.
absl::Status WriteCheckpoint(const std::string& path, const Checkpoint& ckpt,
                             FileSystem* fs = PosixFileSystem());

// ReadCheckpoint() reads and parses `path`.
absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path);

}  // namespace dagrad

#endif  // DAGRAD_IO_CHECKPOINT_H_
