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

}  // namespace

absl::StatusOr<std::string> MaybeGunzip(absl::string_view bytes,
                                        const std::string& name,
                                        int64_t max_output) {
  if (bytes.size() < 2 || static_cast<unsigned char>(bytes[0]) != kGzipMagic0 ||
      static_cast<unsigned char>(bytes[1]) != kGzipMagic1) {
    return std::string(bytes);
  }
  z_stream stream;
  std::memset(&stream, 0, sizeof(stream));
  // 16 + MAX_WBITS: expect a gzip header and trailer (CRC32 + length).
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
    return absl::InternalError("zlib inflateInit2 failed");
  }
  std::string out;
  char buffer[1 << 16];
  int rc = Z_OK;
  size_t consumed = 0;
  while (true) {
    if (stream.avail_in == 0) {
      const size_t chunk = std::min<size_t>(bytes.size() - consumed,
                                            std::numeric_limits<uInt>::max());
      stream.next_in =
          reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + consumed));
      stream.avail_in = static_cast<uInt>(chunk);
      consumed += chunk;
    }
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    rc = inflate(&stream, Z_NO_FLUSH);
    const size_t produced = sizeof(buffer) - stream.avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      std::string message = absl::StrCat(
          "'", name, "' is not a valid gzip stream: ",
          stream.msg != nullptr ? stream.msg : "inflate error");
      inflateEnd(&stream);
      return absl::InvalidArgumentError(message);
    }
    if (static_cast<int64_t>(out.size() + produced) > max_output) {
      inflateEnd(&stream);
      return absl::InvalidArgumentError(absl::StrCat(
          "'", name, "' decompresses to more than ", max_output, " bytes"));
    }
    out.append(buffer, produced);
    if (rc == Z_STREAM_END) {
      // A gzip file may hold several members (RFC 1952), read as one
      // stream; anything else after the end is an error.
      const size_t left = stream.avail_in + (bytes.size() - consumed);
      if (left == 0) break;
      const unsigned char* next =
          stream.avail_in > 0
              ? stream.next_in
              : reinterpret_cast<const unsigned char*>(bytes.data() + consumed);
      if (left >= 2 && next[0] == kGzipMagic0 && next[1] == kGzipMagic1 &&
          inflateReset(&stream) == Z_OK) {
        continue;
      }
      inflateEnd(&stream);
      return absl::InvalidArgumentError(
          absl::StrCat("'", name, "' has ", left,
                       " bytes after the end of its gzip stream"));
    }
    if (rc == Z_BUF_ERROR && stream.avail_in == 0 && consumed == bytes.size() &&
        produced == 0) {
      inflateEnd(&stream);
      return absl::InvalidArgumentError(absl::StrCat(
          "'", name, "' is a truncated gzip stream (ended after ", out.size(),
          " decompressed bytes)"));
    }
  }
  inflateEnd(&stream);
  return out;
}

absl::StatusOr<IdxArray> ParseIdx(absl::string_view bytes,
                                  const std::string& name) {
  auto error = [&](const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat("IDX file '", name, "': ", what));
  };
  if (bytes.size() < 4) {
    return error(absl::StrCat("too short for a header (", bytes.size(),
                              " bytes)"));
  }
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(bytes[i]);
  };
  if (byte(0) != 0 || byte(1) != 0) {
    return error(absl::StrFormat("bad magic number 0x%02x%02x%02x%02x",
                                 byte(0), byte(1), byte(2), byte(3)));
  }
  if (byte(2) != kIdxTypeUnsignedByte) {
    return error(absl::StrFormat(
        "element type 0x%02x is not supported (only 0x08, unsigned byte)",
        byte(2)));
  }
  const int rank = byte(3);
  if (rank < 1 || rank > kMaxIdxRank) {
    return error(absl::StrCat("rank ", rank, " is outside 1..", kMaxIdxRank));
  }
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (bytes.size() < header) {
    return error(absl::StrCat("truncated header: rank ", rank, " needs ",
                              header, " bytes, file has ", bytes.size()));
  }
  IdxArray array;
  int64_t count = 1;
  for (int d = 0; d < rank; ++d) {
    const size_t at = 4 + 4 * d;
    const int64_t dim = (int64_t{byte(at)} << 24) | (int64_t{byte(at + 1)} << 16) |
                        (int64_t{byte(at + 2)} << 8) | int64_t{byte(at + 3)};
    array.dims.push_back(dim);
    if (dim < 1) return error(absl::StrCat("dimension ", d, " is 0"));
    if (count > kMaxIdxBytes / dim) {
      return error(absl::StrCat("dimensions [", absl::StrJoin(array.dims, ","),
                                "...] exceed ", kMaxIdxBytes, " elements"));
    }
    count *= dim;
  }
  const int64_t payload = static_cast<int64_t>(bytes.size() - header);
  if (payload != count) {
    return error(absl::StrCat(
        "dimensions [", absl::StrJoin(array.dims, ","), "] need ", count,
        " data bytes but the file has ", payload,
        payload < count ? " (truncated)" : " (trailing bytes)"));
  }
  array.data.assign(bytes.begin() + header, bytes.end());
  return array;
}

absl::StatusOr<IdxArray> ReadIdxFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string raw, ReadFileBytes(path));
  ASSIGN_OR_RETURN(std::string bytes,
                   MaybeGunzip(raw, path, kMaxIdxBytes + 4 + 4 * kMaxIdxRank));
  return ParseIdx(bytes, path);
}

}  // namespace dagrad
