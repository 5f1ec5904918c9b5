#include "data/idx.h"

#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace dagrad {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", name);
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

std::string Gzip(const std::string& bytes) {
  z_stream s{};
  EXPECT_EQ(
      deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
      Z_OK);
  std::string out(deflateBound(&s, bytes.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  s.avail_in = bytes.size();
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = out.size();
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

// An IDX header for unsigned bytes with the given dims, plus `payload` bytes.
std::string Idx(const std::vector<uint32_t>& dims, size_t payload,
                unsigned char type = 0x08) {
  std::string b = {0, 0, static_cast<char>(type),
                   static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    b += static_cast<char>(d >> 24);
    b += static_cast<char>(d >> 16);
    b += static_cast<char>(d >> 8);
    b += static_cast<char>(d);
  }
  for (size_t i = 0; i < payload; ++i) b += static_cast<char>(i % 251);
  return b;
}

void ExpectInvalid(const absl::StatusOr<IdxArray>& r, const std::string& text) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
      << r.status();
  EXPECT_NE(r.status().message().find(text), std::string::npos) << r.status();
}

TEST(IdxTest, ParsesPlainAndGzipFiles) {
  const std::string bytes = Idx({2, 3, 4}, 24);
  for (bool gz : {false, true}) {
    const std::string path = TempPath(gz ? "ok.idx.gz" : "ok.idx");
    WriteFile(path, gz ? Gzip(bytes) : bytes);
    absl::StatusOr<IdxArray> r = ReadIdxFile(path);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->dims, (std::vector<int64_t>{2, 3, 4}));
    ASSERT_EQ(r->data.size(), 24u);
    EXPECT_EQ(r->data[23], 23);
  }
}

TEST(IdxTest, BadMagicIsRejected) {
  std::string bytes = Idx({4}, 4);
  bytes[0] = 0x12;
  ExpectInvalid(ParseIdx(bytes, "x"), "bad magic number 0x12");
}

TEST(IdxTest, UnsupportedTypeAndRankAreRejected) {
  ExpectInvalid(ParseIdx(Idx({4}, 16, 0x0D), "x"), "element type 0x0d");
  ExpectInvalid(ParseIdx(Idx({}, 0), "x"), "rank 0");
  ExpectInvalid(ParseIdx(Idx({1, 1, 1, 1, 1}, 1), "x"), "rank 5");
}

TEST(IdxTest, TruncatedHeaderAndPayloadAreRejected) {
  ExpectInvalid(ParseIdx(std::string("\0\0", 2), "x"), "too short");
  std::string header = Idx({5, 5}, 0);
  ExpectInvalid(ParseIdx(header.substr(0, 9), "x"), "truncated header");
  ExpectInvalid(ParseIdx(Idx({5, 5}, 20), "x"), "(truncated)");
  ExpectInvalid(ParseIdx(Idx({5, 5}, 26), "x"), "(trailing bytes)");
}

TEST(IdxTest, ZeroAndHugeDimensionsAreRejected) {
  ExpectInvalid(ParseIdx(Idx({3, 0}, 0), "x"), "dimension 1 is 0");
  // 0xFFFFFFFF^3 overflows int64; also far beyond the file size.
  ExpectInvalid(ParseIdx(Idx({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, 8), "x"),
                "exceed");
  // Product fits but exceeds the bytes present.
  ExpectInvalid(ParseIdx(Idx({60000, 28, 28}, 100), "x"), "47040000");
}

TEST(IdxTest, TruncatedGzipIsRejected) {
  const std::string gz = Gzip(Idx({100, 100}, 10000));
  const std::string path = TempPath("truncated.idx.gz");
  WriteFile(path, gz.substr(0, gz.size() / 2));
  absl::StatusOr<IdxArray> r = ReadIdxFile(path);
  ExpectInvalid(r, "truncated gzip");
  EXPECT_NE(r.status().message().find(path), std::string::npos);
  // Cut just before the trailer: the deflate data is whole, the CRC is not.
  WriteFile(path, gz.substr(0, gz.size() - 4));
  ExpectInvalid(ReadIdxFile(path), "gzip");
}

TEST(IdxTest, CorruptGzipIsRejected) {
  std::string gz = Gzip(Idx({100, 100}, 10000));
  gz[gz.size() / 2] ^= 0x55;
  const std::string path = TempPath("corrupt.idx.gz");
  WriteFile(path, gz);
  absl::StatusOr<IdxArray> r = ReadIdxFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(IdxTest, BytesAfterTheGzipStreamAreRejected) {
  const std::string gz = Gzip(Idx({10, 10}, 100)) + "GARBAGE";
  absl::StatusOr<std::string> r = MaybeGunzip(gz, "tail.gz", 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "tail.gz"));
  EXPECT_TRUE(absl::StrContains(r.status().message(), "7 bytes after"));
}

TEST(IdxTest, MultiMemberGzipIsOneStream) {
  const std::string whole = Idx({10, 10}, 100);
  const std::string gz = Gzip(whole.substr(0, 37)) + Gzip(whole.substr(37));
  absl::StatusOr<std::string> r = MaybeGunzip(gz, "two.gz", 1 << 20);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, whole);
}

TEST(IdxTest, GzipBombIsBounded) {
  const std::string zeros(1 << 20, '\0');
  absl::StatusOr<std::string> r = MaybeGunzip(Gzip(zeros), "bomb", 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("more than 1000 bytes"),
            std::string::npos);
}

// A corrupt byte near the end of a long stream: the whole-stream path
// reports the corruption, the early checks of DecodeIdx() report what they
// see first, which proves they stopped before it.
std::string GzipWithCorruptTail(const std::string& bytes) {
  std::string gz = Gzip(bytes);
  gz[gz.size() - 12] ^= 0x55;
  return gz;
}

TEST(IdxTest, BadHeaderIsRejectedBeforeTheStreamIsInflated) {
  // A gzip "bomb" of zeros: its header (type 0x00) is rejected at once.
  const std::string zeros(std::string(8 << 20, '\0'));
  const std::string bomb = GzipWithCorruptTail(zeros);
  ASSERT_FALSE(MaybeGunzip(bomb, "bomb.gz", int64_t{1} << 30).ok());
  ExpectInvalid(DecodeIdx(bomb, "bomb.gz"), "element type 0x00");
}

TEST(IdxTest, DeclaredSizeBoundsWhatIsInflated) {
  // 10 declared bytes, then 8 MiB more: rejected after one byte too many,
  // long before the corrupt tail.
  const std::string bytes = Idx({10}, 10) + std::string(8 << 20, 'x');
  const std::string gz = GzipWithCorruptTail(bytes);
  absl::StatusOr<IdxArray> r = DecodeIdx(gz, "long.gz");
  ExpectInvalid(r, "need 10 data bytes but the file has more (trailing");
  // A declared payload longer than the stream: only what is there is read.
  const std::string short_gz = Gzip(Idx({60000, 28, 28}, 100));
  ExpectInvalid(DecodeIdx(short_gz, "short.gz"), "has 100 (truncated)");
}

TEST(IdxTest, DecodeIdxAgreesWithGunzipThenParse) {
  const std::string whole = Idx({3, 4, 5}, 60);
  const std::vector<std::string> inputs = {
      whole,
      Gzip(whole),
      Gzip(whole.substr(0, 9)) + Gzip(whole.substr(9)),
      Gzip(whole) + "X",
      Gzip(whole + "Y"),
      Gzip(whole.substr(0, 50)),
      Gzip(whole).substr(0, 30),
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    absl::StatusOr<IdxArray> fast = DecodeIdx(inputs[i], "x");
    absl::StatusOr<std::string> raw = MaybeGunzip(inputs[i], "x", 1 << 20);
    absl::StatusOr<IdxArray> slow =
        raw.ok() ? ParseIdx(*raw, "x") : absl::StatusOr<IdxArray>(raw.status());
    ASSERT_EQ(fast.ok(), slow.ok())
        << "input " << i << ": " << fast.status() << " vs " << slow.status();
    if (fast.ok()) {
      EXPECT_EQ(fast->dims, slow->dims) << "input " << i;
      EXPECT_EQ(fast->data, slow->data) << "input " << i;
    } else {
      EXPECT_EQ(fast.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(IdxTest, MissingAndUnreadableFiles) {
  absl::StatusOr<IdxArray> missing = ReadIdxFile("/nonexistent/dir/file.gz");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/dir/file.gz"),
            std::string::npos);
  const char* dir = std::getenv("TEST_TMPDIR");
  absl::StatusOr<IdxArray> directory = ReadIdxFile(dir ? dir : "/tmp");
  ASSERT_FALSE(directory.ok());
}

TEST(IdxTest, ReadsFashionMnistFromDebianPackage) {
  const std::string path =
      "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
  absl::StatusOr<IdxArray> labels = ReadIdxFile(path);
  ASSERT_TRUE(labels.ok())
      << labels.status() << " (tools/setup.sh installs dataset-fashion-mnist)";
  EXPECT_EQ(labels->dims, std::vector<int64_t>{10000});
  for (uint8_t l : labels->data) ASSERT_LT(l, 10);
  absl::StatusOr<IdxArray> images = ReadIdxFile(
      "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  ASSERT_TRUE(images.ok()) << images.status();
  EXPECT_EQ(images->dims, (std::vector<int64_t>{10000, 28, 28}));
}

}  // namespace
}  // namespace dagrad
