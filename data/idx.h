// data/idx.h: reading IDX files, the format of MNIST and Fashion-MNIST.
//
// An IDX file is: two zero bytes, a type byte (0x08 = unsigned byte, the only
// type these data sets use and the only one read here), a rank byte, `rank`
// big-endian uint32 dimensions, then the elements in row-major order. Files
// may be gzip-compressed (detected by the gzip magic bytes, not the name).
//
// Everything is validated before it is trusted: the magic, the type, a rank
// of 1 to 4, every dimension >= 1, an element count that fits in int64 and
// in a 2 GiB bound, and a payload of exactly that many bytes (a truncated or
// over-long file, or a truncated gzip stream, is an error). Errors are
// InvalidArgument (or NotFound / PermissionDenied for the file itself) and
// name the file.
//
// A compressed file is inflated only as far as it is read: the header is
// checked first, then the declared payload is read (in chunks, so memory
// follows what the stream really holds), then one byte more must not exist.
// A bad header therefore costs microseconds however large the stream would
// inflate, and a declared size bounds what is inflated.
//
// Example:
//   ASSIGN_OR_RETURN(IdxArray images,
//                    ReadIdxFile("/usr/share/datasets/fashion-mnist/"
//                                "train-images-idx3-ubyte.gz"));
//   images.dims;  // {60000, 28, 28}
#ifndef DAGRAD_DATA_IDX_H_
#define DAGRAD_DATA_IDX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dagrad {

// IdxArray is a decoded unsigned-byte IDX array.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;  // Row-major; size = product of dims.
};

// kMaxIdxBytes bounds the payload a file may declare (2 GiB).
inline constexpr int64_t kMaxIdxBytes = int64_t{1} << 31;

// MaybeGunzip() returns `bytes` decompressed if they start with the gzip
// magic, else unchanged. At most `max_output` bytes are produced; more is an
// error. `name` is used in messages.
absl::StatusOr<std::string> MaybeGunzip(absl::string_view bytes,
                                        const std::string& name,
                                        int64_t max_output);

// ParseIdx() decodes an uncompressed IDX image held in `bytes`.
absl::StatusOr<IdxArray> ParseIdx(absl::string_view bytes,
                                  const std::string& name);

// DecodeIdx() decodes the bytes of an IDX file, gzip-compressed (detected by
// the magic) or not, checking as it inflates (see the file comment). It
// accepts exactly what MaybeGunzip() followed by ParseIdx() accepts, with the
// same result.
absl::StatusOr<IdxArray> DecodeIdx(absl::string_view file_bytes,
                                   const std::string& name);

// ReadIdxFile() reads `path` and decodes it with DecodeIdx().
absl::StatusOr<IdxArray> ReadIdxFile(const std::string& path);

}  // namespace dagrad

#endif  // DAGRAD_DATA_IDX_H_
