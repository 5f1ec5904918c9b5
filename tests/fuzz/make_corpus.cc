// tests/fuzz/make_corpus.cc: writes the fuzzers' seed corpora.
//
// Usage: make_corpus <dir>   (writes <dir>/idx/* and <dir>/checkpoint/*)
//
// The seeds are small valid files, so the fuzzers start from inputs that
// pass every check, plus a few invalid ones that stop at each early check.
// The committed tests/fuzz/corpus/ was produced by
//   tools/fuzz.sh corpus
// Re-run it after a format change (e.g. a new checkpoint version).
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <utility>

#include "core/shape.h"
#include "core/tensor.h"
#include "io/checkpoint.h"

namespace {

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

std::string Idx(std::initializer_list<uint32_t> dims) {
  std::string out = {'\0', '\0', '\x08', static_cast<char>(dims.size())};
  size_t count = 1;
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((d >> shift) & 0xff));
    }
    count *= d;
  }
  for (size_t i = 0; i < count; ++i) out.push_back(static_cast<char>(i * 37));
  return out;
}

// Gzip() compresses `bytes` as a gzip stream (windowBits 16 + 15).
std::string Gzip(const std::string& bytes) {
  z_stream s{};
  if (deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    std::abort();
  }
  std::string out(deflateBound(&s, bytes.size()), '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  s.avail_in = static_cast<uInt>(bytes.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  if (deflate(&s, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

dagrad::Tensor Ramp(dagrad::Shape shape) {
  dagrad::Tensor t = dagrad::Tensor::Zeros(shape);
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = 0.25f * i - 1.0f;
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  const std::string idx_dir = std::string(argv[1]) + "/idx/";
  const std::string ckpt_dir = std::string(argv[1]) + "/checkpoint/";
  bool ok = true;

  // IDX: labels (rank 1), images (rank 3), rank 2 and 4, plain and gzipped.
  const std::string labels = Idx({10});
  const std::string images = Idx({3, 4, 5});
  ok &= WriteFile(idx_dir + "valid_labels_r1", labels);
  ok &= WriteFile(idx_dir + "valid_images_r3", images);
  ok &= WriteFile(idx_dir + "valid_r2", Idx({2, 7}));
  ok &= WriteFile(idx_dir + "valid_r4", Idx({2, 1, 3, 2}));
  ok &= WriteFile(idx_dir + "valid_labels_r1.gz", Gzip(labels));
  ok &= WriteFile(idx_dir + "valid_images_r3.gz", Gzip(images));
  ok &= WriteFile(idx_dir + "invalid_truncated", images.substr(0, 30));
  ok &= WriteFile(idx_dir + "invalid_trailing", labels + "xy");
  ok &= WriteFile(idx_dir + "invalid_type_float",
                  std::string("\0\0\x0d\x01\0\0\0\x01\0\0\0\0", 12));
  ok &= WriteFile(idx_dir + "invalid_truncated.gz", Gzip(images).substr(0, 20));

  // Checkpoints: empty, metadata only, integers and tensors of rank 0..4
  // (one with a 0 dim), and a file with a bad CRC. valid_tensors_v1 (a
  // version-1 file, kept from before the integer section) is not rewritten.
  dagrad::Checkpoint empty;
  ok &= WriteFile(ckpt_dir + "valid_empty", SerializeCheckpoint(empty));
  dagrad::Checkpoint meta;
  meta.metadata.push_back({"model", "lenet5"});
  meta.metadata.push_back({"step", "42"});
  ok &= WriteFile(ckpt_dir + "valid_metadata", SerializeCheckpoint(meta));
  dagrad::Checkpoint full;
  full.metadata.push_back({"model", "mlp"});
  full.metadata.push_back({"optimizer", "momentum"});
  full.integers.push_back({"steps_done", (int64_t{1} << 25) + 1});
  full.integers.push_back({"offset", -7});
  full.tensors.push_back({"scalar", Ramp(dagrad::Shape())});
  full.tensors.push_back({"dense/b", Ramp(dagrad::Shape({3}))});
  full.tensors.push_back({"dense/W", Ramp(dagrad::Shape({2, 3}))});
  full.tensors.push_back({"empty", Ramp(dagrad::Shape({0, 5}))});
  full.tensors.push_back({"conv/W", Ramp(dagrad::Shape({2, 1, 2, 2}))});
  const std::string full_bytes = SerializeCheckpoint(full);
  ok &= WriteFile(ckpt_dir + "valid_tensors", full_bytes);
  std::string bad_crc = full_bytes;
  bad_crc[bad_crc.size() - 1] ^= 0x5a;
  ok &= WriteFile(ckpt_dir + "invalid_crc", bad_crc);
  // Long enough for a header, but the magic is wrong.
  ok &= WriteFile(ckpt_dir + "invalid_magic",
                  std::string("DAGRADXX") + std::string(12, '\0'));

  if (!ok) {
    std::fprintf(stderr, "make_corpus: cannot write under %s\n", argv[1]);
    return 1;
  }
  return 0;
}
