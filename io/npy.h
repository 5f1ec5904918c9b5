// io/npy.h: NumPy .npy export of tensors.
//
// EncodeNpy() writes format version 1.0: the magic "\x93NUMPY", version
// bytes 1 0, a little-endian uint16 header length, and the header
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and a final newline so the data starts at a multiple of
// 64 bytes; then the float32 elements in row-major (C) order. numpy.load()
// reads it back as an array of the tensor's shape.
//
// Example:
//   RETURN_IF_ERROR(WriteNpy("/tmp/conv1_W.npy",
//                            *model.parameters()->Find("conv2d_1/W")));
//   // python3 -c "import numpy; print(numpy.load('/tmp/conv1_W.npy').shape)"
#ifndef DAGRAD_IO_NPY_H_
#define DAGRAD_IO_NPY_H_

#include <string>

#include "absl/status/status.h"
#include "core/tensor.h"
#include "io/file_system.h"

namespace dagrad {

// EncodeNpy() is the .npy file for `tensor`, as described above.
std::string EncodeNpy(const Tensor& tensor);

// WriteNpy() writes EncodeNpy(tensor) to `path` atomically
// (io/file_system.h). Errors name the path.
absl::Status WriteNpy(const std::string& path, const Tensor& tensor,
                      FileSystem* fs = PosixFileSystem());

}  // namespace dagrad

#endif  // DAGRAD_IO_NPY_H_
