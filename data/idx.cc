#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "io/file_system.h"

namespace dagrad {
namespace {

constexpr unsigned char kGzipMagic0 = 0x1f;
constexpr unsigned char kGzipMagic1 = 0x8b;
constexpr int kIdxTypeUnsignedByte = 0x08;
constexpr int kMaxIdxRank = 4;
// The payload of a stream of unknown length is read in chunks of this many
// bytes, so memory follows what the stream holds, not what it declares.
constexpr int64_t kPayloadChunk = int64_t{1} << 20;

bool HasGzipMagic(absl::string_view bytes) {
  return bytes.size() >= 2 &&
         static_cast<unsigned char>(bytes[0]) == kGzipMagic0 &&
         static_cast<unsigned char>(bytes[1]) == kGzipMagic1;
}

// ByteSource: the bytes of an IDX image, read front to back.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Read() fills dst with up to n bytes and returns how many it wrote; fewer
  // than n only at the end of the data.
  virtual absl::StatusOr<int64_t> Read(char* dst, int64_t n) = 0;
  // Remaining() is the number of bytes left, or -1 where that is not known
  // without reading them (a compressed stream).
  virtual int64_t Remaining() const = 0;
};

// PlainSource reads uncompressed bytes held in memory.
class PlainSource : public ByteSource {
 public:
  explicit PlainSource(absl::string_view bytes) : bytes_(bytes) {}
  absl::StatusOr<int64_t> Read(char* dst, int64_t n) override {
    const int64_t count = std::min(n, Remaining());
    std::memcpy(dst, bytes_.data() + pos_, static_cast<size_t>(count));
    pos_ += count;
    return count;
  }
  int64_t Remaining() const override {
    return static_cast<int64_t>(bytes_.size()) - pos_;
  }

 private:
  absl::string_view bytes_;
  int64_t pos_ = 0;
};

// GzipSource inflates a gzip stream held in memory, only as far as it is
// read. Several gzip members (RFC 1952) are one stream; bytes after the last
// member, a corrupt stream and a truncated one are errors naming `name`.
class GzipSource : public ByteSource {
 public:
  GzipSource(absl::string_view bytes, const std::string& name)
      : bytes_(bytes), name_(name) {
    std::memset(&stream_, 0, sizeof(stream_));
  }
  ~GzipSource() override {
    if (initialized_) inflateEnd(&stream_);
  }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  absl::StatusOr<int64_t> Read(char* dst, int64_t n) override {
    if (!initialized_) {
      // 16 + MAX_WBITS: expect a gzip header and trailer (CRC32 + length).
      if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) {
        return absl::InternalError("zlib inflateInit2 failed");
      }
      initialized_ = true;
    }
    int64_t got = 0;
    while (got < n && !ended_) {
      if (stream_.avail_in == 0) {
        const size_t chunk = std::min<size_t>(bytes_.size() - consumed_,
                                              std::numeric_limits<uInt>::max());
        stream_.next_in = reinterpret_cast<Bytef*>(
            const_cast<char*>(bytes_.data() + consumed_));
        stream_.avail_in = static_cast<uInt>(chunk);
        consumed_ += chunk;
      }
      const int64_t want =
          std::min<int64_t>(n - got, std::numeric_limits<uInt>::max());
      stream_.next_out = reinterpret_cast<Bytef*>(dst + got);
      stream_.avail_out = static_cast<uInt>(want);
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      const int64_t produced = want - stream_.avail_out;
      got += produced;
      total_out_ += produced;
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        return absl::InvalidArgumentError(absl::StrCat(
            "'", name_, "' is not a valid gzip stream: ",
            stream_.msg != nullptr ? stream_.msg : "inflate error"));
      }
      if (rc == Z_STREAM_END) {
        RETURN_IF_ERROR(EndOfMember());
      } else if (rc == Z_BUF_ERROR && stream_.avail_in == 0 &&
                 consumed_ == bytes_.size() && produced == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "'", name_, "' is a truncated gzip stream (ended after ",
            total_out_, " decompressed bytes)"));
      }
    }
    return got;
  }
  int64_t Remaining() const override { return -1; }

 private:
  // EndOfMember(): after a member's trailer, either the next member starts,
  // or the input must be at its end.
  absl::Status EndOfMember() {
    const size_t left = stream_.avail_in + (bytes_.size() - consumed_);
    if (left == 0) {
      ended_ = true;
      return absl::OkStatus();
    }
    const char* next = stream_.avail_in > 0
                           ? reinterpret_cast<const char*>(stream_.next_in)
                           : bytes_.data() + consumed_;
    if (HasGzipMagic(absl::string_view(next, left)) &&
        inflateReset(&stream_) == Z_OK) {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "'", name_, "' has ", left, " bytes after the end of its gzip stream"));
  }

  absl::string_view bytes_;
  std::string name_;
  z_stream stream_;
  bool initialized_ = false;
  bool ended_ = false;
  size_t consumed_ = 0;
  int64_t total_out_ = 0;
};

// Decode() reads one IDX image from `source`: the header first, which is
// validated before any payload is read; then exactly the payload the header
// declares, in chunks; then one byte more, which must not exist.
absl::StatusOr<IdxArray> Decode(ByteSource& source, const std::string& name) {
  auto error = [&](const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat("IDX file '", name, "': ", what));
  };
  unsigned char head[4 + 4 * kMaxIdxRank];
  char* head_chars = reinterpret_cast<char*>(head);
  ASSIGN_OR_RETURN(const int64_t got, source.Read(head_chars, 4));
  if (got < 4) {
    return error(absl::StrCat("too short for a header (", got, " bytes)"));
  }
  if (head[0] != 0 || head[1] != 0) {
    return error(absl::StrFormat("bad magic number 0x%02x%02x%02x%02x", head[0],
                                 head[1], head[2], head[3]));
  }
  if (head[2] != kIdxTypeUnsignedByte) {
    return error(absl::StrFormat(
        "element type 0x%02x is not supported (only 0x08, unsigned byte)",
        head[2]));
  }
  const int rank = head[3];
  if (rank < 1 || rank > kMaxIdxRank) {
    return error(absl::StrCat("rank ", rank, " is outside 1..", kMaxIdxRank));
  }
  const int64_t header = 4 + 4 * int64_t{rank};
  ASSIGN_OR_RETURN(const int64_t got_dims,
                   source.Read(head_chars + 4, header - 4));
  if (got_dims < header - 4) {
    return error(absl::StrCat("truncated header: rank ", rank, " needs ",
                              header, " bytes, file has ", 4 + got_dims));
  }
  IdxArray array;
  int64_t count = 1;
  for (int d = 0; d < rank; ++d) {
    const unsigned char* at = head + 4 + 4 * d;
    const int64_t dim = (int64_t{at[0]} << 24) | (int64_t{at[1]} << 16) |
                        (int64_t{at[2]} << 8) | int64_t{at[3]};
    array.dims.push_back(dim);
    if (dim < 1) return error(absl::StrCat("dimension ", d, " is 0"));
    if (count > kMaxIdxBytes / dim) {
      return error(absl::StrCat("dimensions [", absl::StrJoin(array.dims, ","),
                                "...] exceed ", kMaxIdxBytes, " elements"));
    }
    count *= dim;
  }
  auto size_error = [&](int64_t payload) {
    return error(absl::StrCat(
        "dimensions [", absl::StrJoin(array.dims, ","), "] need ", count,
        " data bytes but the file has ",
        payload < count   ? absl::StrCat(payload, " (truncated)")
        : payload > count ? absl::StrCat(payload, " (trailing bytes)")
                          : std::string("more (trailing bytes)")));
  };
  const int64_t known = source.Remaining();
  if (known >= 0 && known != count) return size_error(known);
  int64_t have = 0;
  while (have < count) {
    const int64_t chunk = std::min(count - have, kPayloadChunk);
    array.data.resize(static_cast<size_t>(have + chunk));
    ASSIGN_OR_RETURN(
        const int64_t n,
        source.Read(reinterpret_cast<char*>(array.data.data()) + have, chunk));
    have += n;
    if (n < chunk) return size_error(have);
  }
  char extra;
  ASSIGN_OR_RETURN(const int64_t more, source.Read(&extra, 1));
  if (more != 0) return size_error(count);
  return array;
}

}  // namespace

absl::StatusOr<std::string> MaybeGunzip(absl::string_view bytes,
                                        const std::string& name,
                                        int64_t max_output) {
  if (!HasGzipMagic(bytes)) return std::string(bytes);
  GzipSource source(bytes, name);
  std::string out;
  char buffer[1 << 16];
  while (true) {
    ASSIGN_OR_RETURN(const int64_t n, source.Read(buffer, sizeof(buffer)));
    if (static_cast<int64_t>(out.size()) + n > max_output) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", name, "' decompresses to more than ", max_output, " bytes"));
    }
    out.append(buffer, static_cast<size_t>(n));
    if (n < static_cast<int64_t>(sizeof(buffer))) return out;
  }
}

absl::StatusOr<IdxArray> ParseIdx(absl::string_view bytes,
                                  const std::string& name) {
  PlainSource source(bytes);
  return Decode(source, name);
}

absl::StatusOr<IdxArray> DecodeIdx(absl::string_view file_bytes,
                                   const std::string& name) {
  if (!HasGzipMagic(file_bytes)) return ParseIdx(file_bytes, name);
  GzipSource source(file_bytes, name);
  return Decode(source, name);
}

absl::StatusOr<IdxArray> ReadIdxFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string raw, ReadFileBytes(path));
  return DecodeIdx(raw, path);
}

}  // namespace dagrad
