#include "io/checkpoint.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace dagrad {
namespace {

constexpr size_t kMagicSize = 8;
constexpr uint32_t kMaxRank = 8;

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void PutI64(std::string* out, int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(u >> (8 * i)));
}

void PutString(std::string* out, absl::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s.data(), s.size());
}

uint32_t Crc32(absl::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; feed large inputs in pieces.
  while (!bytes.empty()) {
    const uInt chunk = static_cast<uInt>(
        std::min<size_t>(bytes.size(), std::numeric_limits<uInt>::max()));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), chunk);
    bytes.remove_prefix(chunk);
  }
  return static_cast<uint32_t>(crc);
}

// Reader consumes the bytes of a checkpoint with bounds checks.
class Reader {
 public:
  Reader(absl::string_view bytes, const std::string& name)
      : bytes_(bytes), name_(name) {}

  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint '", name_, "': ", what, " at byte ", pos_));
  }
  absl::StatusOr<uint32_t> U32(const char* what) {
    if (remaining() < 4) return Error(absl::StrCat("truncated ", what));
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes_[pos_ + i]))
           << (8 * i);
    }
    pos_ += 4;
    return v;
  }
  absl::StatusOr<int64_t> I64(const char* what) {
    if (remaining() < 8) return Error(absl::StrCat("truncated ", what));
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes_[pos_ + i]))
           << (8 * i);
    }
    pos_ += 8;
    return static_cast<int64_t>(v);
  }
  absl::StatusOr<std::string> String(const char* what) {
    ASSIGN_OR_RETURN(uint32_t n, U32(what));
    if (remaining() < n) {
      return Error(absl::StrCat(what, " of ", n, " bytes overruns the file"));
    }
    std::string s(bytes_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  absl::StatusOr<absl::string_view> Bytes(uint64_t n, const char* what) {
    if (remaining() < n) {
      return Error(absl::StrCat(what, " of ", n, " bytes overruns the file"));
    }
    absl::string_view s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  absl::string_view bytes_;
  const std::string& name_;
  size_t pos_ = 0;
};

}  // namespace

const Tensor* Checkpoint::FindTensor(absl::string_view name) const {
  for (const NamedTensor& t : tensors) {
    if (t.name == name) return &t.tensor;
  }
  return nullptr;
}

const std::string* Checkpoint::FindMetadata(absl::string_view key) const {
  for (const auto& [k, v] : metadata) {
    if (k == key) return &v;
  }
  return nullptr;
}

const int64_t* Checkpoint::FindInteger(absl::string_view key) const {
  for (const auto& [k, v] : integers) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string SerializeCheckpoint(const Checkpoint& ckpt) {
  std::string out(kCheckpointMagic, kMagicSize);
  PutU32(&out, kCheckpointVersion);
  PutU32(&out, static_cast<uint32_t>(ckpt.metadata.size()));
  for (const auto& [key, value] : ckpt.metadata) {
    PutString(&out, key);
    PutString(&out, value);
  }
  PutU32(&out, static_cast<uint32_t>(ckpt.integers.size()));
  for (const auto& [key, value] : ckpt.integers) {
    PutString(&out, key);
    PutI64(&out, value);
  }
  PutU32(&out, static_cast<uint32_t>(ckpt.tensors.size()));
  for (const NamedTensor& t : ckpt.tensors) {
    PutString(&out, t.name);
    const Shape& s = t.tensor.shape();
    PutU32(&out, static_cast<uint32_t>(s.rank()));
    for (int64_t d : s.dims()) PutI64(&out, d);
    // float32 little-endian: the in-memory layout on x86-64.
    out.append(reinterpret_cast<const char*>(t.tensor.data()),
               t.tensor.size() * sizeof(float));
  }
  PutU32(&out, Crc32(out));
  return out;
}

absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view bytes,
                                           const std::string& name) {
  if (bytes.size() < kMagicSize + 4 + 4 ||
      std::memcmp(bytes.data(), kCheckpointMagic, kMagicSize) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checkpoint '", name, "': not a dagrad checkpoint (bad magic or ",
        bytes.size(), " bytes is too short)"));
  }
  const absl::string_view body = bytes.substr(0, bytes.size() - 4);
  Reader crc_reader(bytes.substr(bytes.size() - 4), name);
  ASSIGN_OR_RETURN(uint32_t stored_crc, crc_reader.U32("CRC"));
  const uint32_t actual_crc = Crc32(body);
  if (stored_crc != actual_crc) {
    return absl::DataLossError(absl::StrCat(
        "checkpoint '", name, "': CRC32 mismatch (stored ", stored_crc,
        ", computed ", actual_crc, "): the file is corrupted or truncated"));
  }
  Reader r(body, name);
  ASSIGN_OR_RETURN(absl::string_view magic, r.Bytes(kMagicSize, "magic"));
  (void)magic;
  ASSIGN_OR_RETURN(uint32_t version, r.U32("version"));
  if (version < kOldestCheckpointVersion || version > kCheckpointVersion) {
    return r.Error(absl::StrCat("unsupported version ", version,
                                " (this build reads ", kOldestCheckpointVersion,
                                " to ", kCheckpointVersion, ")"));
  }
  Checkpoint ckpt;
  ASSIGN_OR_RETURN(uint32_t num_metadata, r.U32("metadata count"));
  for (uint32_t i = 0; i < num_metadata; ++i) {
    ASSIGN_OR_RETURN(std::string key, r.String("metadata key"));
    ASSIGN_OR_RETURN(std::string value, r.String("metadata value"));
    ckpt.metadata.emplace_back(std::move(key), std::move(value));
  }
  if (version >= 2) {  // Version 1 has no integer section.
    ASSIGN_OR_RETURN(uint32_t num_integers, r.U32("integer count"));
    for (uint32_t i = 0; i < num_integers; ++i) {
      ASSIGN_OR_RETURN(std::string key, r.String("integer key"));
      ASSIGN_OR_RETURN(int64_t value, r.I64("integer value"));
      ckpt.integers.emplace_back(std::move(key), value);
    }
  }
  ASSIGN_OR_RETURN(uint32_t num_tensors, r.U32("tensor count"));
  for (uint32_t i = 0; i < num_tensors; ++i) {
    ASSIGN_OR_RETURN(std::string tensor_name, r.String("tensor name"));
    ASSIGN_OR_RETURN(uint32_t rank, r.U32("rank"));
    if (rank > kMaxRank) {
      return r.Error(absl::StrCat("tensor '", tensor_name, "' has rank ", rank,
                                  " > ", kMaxRank));
    }
    std::vector<int64_t> dims;
    for (uint32_t d = 0; d < rank; ++d) {
      ASSIGN_OR_RETURN(int64_t dim, r.I64("dimension"));
      dims.push_back(dim);
    }
    absl::StatusOr<Shape> shape = Shape::Make(dims);
    if (!shape.ok() || !shape->is_fully_defined()) {
      return r.Error(
          absl::StrCat("tensor '", tensor_name, "' has invalid dimensions"));
    }
    const uint64_t count = static_cast<uint64_t>(shape->num_elements());
    if (count > r.remaining() / sizeof(float)) {
      return r.Error(absl::StrCat("tensor '", tensor_name, "' ",
                                  shape->DebugString(), " overruns the file"));
    }
    ASSIGN_OR_RETURN(absl::string_view data,
                     r.Bytes(count * sizeof(float), "tensor data"));
    Tensor t = Tensor::Zeros(*shape);
    if (count > 0) std::memcpy(t.data(), data.data(), data.size());
    ckpt.tensors.push_back({std::move(tensor_name), std::move(t)});
  }
  if (r.remaining() != 0) {
    return r.Error(absl::StrCat(r.remaining(), " unexpected trailing bytes"));
  }
  return ckpt;
}

absl::Status WriteCheckpoint(const std::string& path, const Checkpoint& ckpt,
                             FileSystem* fs) {
  return WriteFileAtomically(path, SerializeCheckpoint(ckpt), fs);
}

absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  return ParseCheckpoint(bytes, path);
}

}  // namespace dagrad
