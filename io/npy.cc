#include "io/npy.h"

#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace dagrad {

std::string EncodeNpy(const Tensor& tensor) {
  // "()" for a scalar, "(5,)" for a vector, "(2, 3)" otherwise.
  std::string shape;
  const Shape& s = tensor.shape();
  for (int i = 0; i < s.rank(); ++i) {
    absl::StrAppend(&shape, i > 0 ? ", " : "", s.dim(i));
  }
  if (s.rank() == 1) shape += ",";
  std::string header = absl::StrCat(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (", shape, "), }");
  // magic (6) + version (2) + length (2) + header + '\n', padded to 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xFF));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  const size_t bytes = static_cast<size_t>(tensor.size()) * sizeof(float);
  const size_t at = out.size();
  out.resize(at + bytes);
  // x86-64 is little-endian, as '<f4' says.
  if (bytes > 0) std::memcpy(&out[at], tensor.data(), bytes);
  return out;
}

absl::Status WriteNpy(const std::string& path, const Tensor& tensor,
                      FileSystem* fs) {
  return WriteFileAtomically(path, EncodeNpy(tensor), fs);
}

}  // namespace dagrad
