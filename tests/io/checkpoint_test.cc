// Checkpoint format and durability: bit-exact round trips, every corrupted
// byte and every truncation rejected with a clear error (never a crash), and
// a write that fails or "crashes" at any step of the atomic protocol leaves
// the previous checkpoint intact.
#include "io/checkpoint.h"

#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "io/file_system.h"

namespace dagrad {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

Checkpoint Sample(float scale) {
  Checkpoint ckpt;
  ckpt.metadata.push_back({"model", "lenet5"});
  ckpt.metadata.push_back({"optimizer", "momentum"});
  ckpt.integers.push_back({"epochs_done", 3});
  ckpt.integers.push_back({"optimizer/step", -(int64_t{1} << 40) - 1});
  Tensor w = Tensor::Zeros(Shape({2, 3, 5}));
  for (int64_t i = 0; i < w.size(); ++i) w[i] = scale * (i - 7.25f);
  ckpt.tensors.push_back({"conv1/W", std::move(w)});
  Tensor b = Tensor::FromValues(Shape({3}), {scale, -0.0f, 1e-30f});
  ckpt.tensors.push_back({"conv1/b", std::move(b)});
  return ckpt;
}

void ExpectSame(const Checkpoint& a, const Checkpoint& b) {
  ASSERT_EQ(a.metadata, b.metadata);
  ASSERT_EQ(a.integers, b.integers);
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    EXPECT_EQ(a.tensors[i].name, b.tensors[i].name);
    ASSERT_EQ(a.tensors[i].tensor.shape(), b.tensors[i].tensor.shape());
    EXPECT_EQ(
        std::memcmp(a.tensors[i].tensor.data(), b.tensors[i].tensor.data(),
                    a.tensors[i].tensor.size() * sizeof(float)),
        0);
  }
}

TEST(CheckpointTest, RoundTripsBitExactly) {
  const std::string path = TempPath("round_trip.ckpt");
  const Checkpoint ckpt = Sample(0.5f);
  ASSERT_TRUE(WriteCheckpoint(path, ckpt).ok());
  absl::StatusOr<Checkpoint> back = ReadCheckpoint(path);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSame(ckpt, *back);
  EXPECT_EQ(*back->FindMetadata("model"), "lenet5");
  EXPECT_NE(back->FindTensor("conv1/b"), nullptr);
  EXPECT_EQ(back->FindTensor("nope"), nullptr);
}

TEST(CheckpointTest, IntegersRoundTripBeyondFloatPrecision) {
  // 2^25 + 1 is the kind of step count a float cannot hold.
  const int64_t step = (int64_t{1} << 25) + 1;
  ASSERT_NE(static_cast<int64_t>(static_cast<float>(step)), step);
  Checkpoint ckpt;
  ckpt.integers.push_back({"optimizer/step", step});
  ckpt.integers.push_back({"max", std::numeric_limits<int64_t>::max()});
  ckpt.integers.push_back({"min", std::numeric_limits<int64_t>::min()});
  const std::string path = TempPath("integers.ckpt");
  ASSERT_TRUE(WriteCheckpoint(path, ckpt).ok());
  absl::StatusOr<Checkpoint> back = ReadCheckpoint(path);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_NE(back->FindInteger("optimizer/step"), nullptr);
  EXPECT_EQ(*back->FindInteger("optimizer/step"), step);
  EXPECT_EQ(*back->FindInteger("max"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(*back->FindInteger("min"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(back->FindInteger("nope"), nullptr);
  EXPECT_TRUE(back->metadata.empty());
  EXPECT_TRUE(back->tensors.empty());
}

// WithCrc() appends the CRC32 a checkpoint ends with to `body`.
std::string WithCrc(std::string body) {
  const uint32_t crc = static_cast<uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(body.data()),
            static_cast<uInt>(body.size())));
  for (int i = 0; i < 4; ++i) body.push_back(static_cast<char>(crc >> (8 * i)));
  return body;
}

// Version1Bytes() is what the previous format (version 1: no integer
// section) held for `ckpt`, whose integers must be empty.
std::string Version1Bytes(const Checkpoint& ckpt) {
  std::string v2 = SerializeCheckpoint(ckpt);
  size_t metadata_end = 16;  // Magic, version, metadata count.
  for (const auto& [key, value] : ckpt.metadata) {
    metadata_end += 4 + key.size() + 4 + value.size();
  }
  // Version 1, then everything but the integer count and the CRC.
  return WithCrc(v2.substr(0, 8) + std::string("\x01\0\0\0", 4) +
                 v2.substr(12, metadata_end - 12) +
                 v2.substr(metadata_end + 4, v2.size() - metadata_end - 8));
}

TEST(CheckpointTest, ReadsVersion1Files) {
  Checkpoint ckpt = Sample(0.25f);
  ckpt.integers.clear();
  const std::string v1 = Version1Bytes(ckpt);
  ASSERT_EQ(v1.size() + 4, SerializeCheckpoint(ckpt).size());
  absl::StatusOr<Checkpoint> back = ParseCheckpoint(v1, "v1.ckpt");
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSame(ckpt, *back);
  // Written back, it is version 2.
  EXPECT_EQ(SerializeCheckpoint(*back), SerializeCheckpoint(ckpt));
}

TEST(CheckpointTest, UnknownVersionsAreErrors) {
  for (uint32_t version : {0u, kCheckpointVersion + 1}) {
    std::string bytes = SerializeCheckpoint(Sample(1.0f));
    for (int i = 0; i < 4; ++i) {
      bytes[8 + i] = static_cast<char>(version >> (8 * i));
    }
    absl::StatusOr<Checkpoint> r = ParseCheckpoint(
        WithCrc(bytes.substr(0, bytes.size() - 4)), "future.ckpt");
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(r.status().message(), "unsupported version"))
        << r.status();
  }
}

TEST(CheckpointTest, EveryCorruptedByteIsCaught) {
  const std::string bytes = SerializeCheckpoint(Sample(1.0f));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    absl::StatusOr<Checkpoint> r = ParseCheckpoint(bad, "model.ckpt");
    ASSERT_FALSE(r.ok()) << "byte " << i;
    EXPECT_TRUE(absl::StrContains(r.status().message(), "model.ckpt"))
        << r.status();
  }
  // A flipped data byte (not the header) is a CRC mismatch: DataLoss.
  std::string bad = bytes;
  bad[bytes.size() - 10] ^= 1;
  EXPECT_EQ(ParseCheckpoint(bad, "x").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(CheckpointTest, EveryTruncationIsAnError) {
  const std::string bytes = SerializeCheckpoint(Sample(1.0f));
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::StatusOr<Checkpoint> r =
        ParseCheckpoint(absl::string_view(bytes).substr(0, n), "cut.ckpt");
    ASSERT_FALSE(r.ok()) << "length " << n;
    EXPECT_TRUE(absl::StrContains(r.status().message(), "cut.ckpt"));
  }
}

TEST(CheckpointTest, MissingFileNamesThePath) {
  absl::StatusOr<Checkpoint> r = ReadCheckpoint("/nonexistent/dir/a.ckpt");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(
      absl::StrContains(r.status().message(), "/nonexistent/dir/a.ckpt"));
}

// FaultyFileSystem forwards to the real one but fails at step `fail_at`; at
// kWrite it first writes half of the data, as a crash mid-write would.
class FaultyFileSystem : public FileSystem {
 public:
  explicit FaultyFileSystem(FileOp fail_at) : fail_at_(fail_at) {}
  absl::StatusOr<int> OpenForWrite(const std::string& path) override {
    if (fail_at_ == FileOp::kOpen) return Fail();
    return real_->OpenForWrite(path);
  }
  absl::Status Write(int fd, absl::string_view data) override {
    if (fail_at_ == FileOp::kWrite) {
      absl::Status half = real_->Write(fd, data.substr(0, data.size() / 2));
      if (!half.ok()) return half;
      return Fail();
    }
    return real_->Write(fd, data);
  }
  absl::Status Sync(int fd) override {
    if (fail_at_ == FileOp::kSync) return Fail();
    return real_->Sync(fd);
  }
  absl::Status Close(int fd) override {
    absl::Status s = real_->Close(fd);  // Never leak the descriptor.
    if (fail_at_ == FileOp::kClose) return Fail();
    return s;
  }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (fail_at_ == FileOp::kRename) return Fail();
    return real_->Rename(from, to);
  }
  absl::Status SyncDir(const std::string& dir) override {
    if (fail_at_ == FileOp::kSyncDir) return Fail();
    return real_->SyncDir(dir);
  }

 private:
  absl::Status Fail() { return absl::UnavailableError("injected failure"); }
  const FileOp fail_at_;
  FileSystem* real_ = PosixFileSystem();
};

TEST(CheckpointTest, AFailureAtAnyStepKeepsThePreviousCheckpoint) {
  const std::string path = TempPath("durable.ckpt");
  const Checkpoint old_ckpt = Sample(1.0f);
  const Checkpoint new_ckpt = Sample(-3.0f);
  for (FileOp op : {FileOp::kOpen, FileOp::kWrite, FileOp::kSync,
                    FileOp::kClose, FileOp::kRename}) {
    SCOPED_TRACE(static_cast<int>(op));
    ASSERT_TRUE(WriteCheckpoint(path, old_ckpt).ok());
    FaultyFileSystem faulty(op);
    absl::Status s = WriteCheckpoint(path, new_ckpt, &faulty);
    EXPECT_FALSE(s.ok());
    EXPECT_TRUE(absl::StrContains(s.message(), "injected failure")) << s;
    absl::StatusOr<Checkpoint> back = ReadCheckpoint(path);
    ASSERT_TRUE(back.ok()) << back.status();
    ExpectSame(old_ckpt, *back);
    // The next ordinary write succeeds over any leftover temporary file.
    ASSERT_TRUE(WriteCheckpoint(path, new_ckpt).ok());
    back = ReadCheckpoint(path);
    ASSERT_TRUE(back.ok());
    ExpectSame(new_ckpt, *back);
  }
  // After the rename the new file is in place even if the directory sync
  // fails; the error is still reported.
  ASSERT_TRUE(WriteCheckpoint(path, old_ckpt).ok());
  FaultyFileSystem faulty(FileOp::kSyncDir);
  EXPECT_FALSE(WriteCheckpoint(path, new_ckpt, &faulty).ok());
  absl::StatusOr<Checkpoint> back = ReadCheckpoint(path);
  ASSERT_TRUE(back.ok());
  ExpectSame(new_ckpt, *back);
}

TEST(CheckpointTest, AKilledWriterLeavesThePreviousCheckpoint) {
  // A child process starts an atomic write and is killed (_exit) after the
  // temporary file holds half the data, before the rename.
  const std::string path = TempPath("killed.ckpt");
  const Checkpoint old_ckpt = Sample(2.0f);
  ASSERT_TRUE(WriteCheckpoint(path, old_ckpt).ok());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    class DieMidWrite : public FaultyFileSystem {
     public:
      DieMidWrite() : FaultyFileSystem(FileOp::kSync) {}
      absl::Status Sync(int) override { _exit(0); }
    } dying;
    (void)WriteCheckpoint(path, Sample(9.0f), &dying);
    _exit(1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  absl::StatusOr<Checkpoint> back = ReadCheckpoint(path);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSame(old_ckpt, *back);
}

}  // namespace
}  // namespace dagrad
