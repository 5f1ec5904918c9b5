// train/file_system.h: the few file operations a durable write needs, behind
// an interface so tests can inject a failure between any two of them.
//
// WriteFileAtomically() is the protocol: write `<path>.tmp`, fsync it, close
// it, rename it over `path`, fsync the directory. A crash or error at any
// step leaves `path` as it was (the old file, or no file); a leftover
// `<path>.tmp` is overwritten by the next write.
//
// Example:
//   RETURN_IF_ERROR(WriteFileAtomically("/tmp/model.ckpt", bytes));
#ifndef DAGRAD_TRAIN_FILE_SYSTEM_H_
#define DAGRAD_TRAIN_FILE_SYSTEM_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dagrad {

// FileOp names the steps of an atomic write, in order.
enum class FileOp { kOpen, kWrite, kSync, kClose, kRename, kSyncDir };

// FileSystem is the interface WriteFileAtomically() uses. Handles are ints.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // OpenForWrite() creates or truncates `path`.
  virtual absl::StatusOr<int> OpenForWrite(const std::string& path) = 0;
  // Write() writes all of `data` (looping over short writes).
  virtual absl::Status Write(int fd, absl::string_view data) = 0;
  virtual absl::Status Sync(int fd) = 0;
  virtual absl::Status Close(int fd) = 0;
  virtual absl::Status Rename(const std::string& from,
                              const std::string& to) = 0;
  // SyncDir() makes a rename inside `dir` durable.
  virtual absl::Status SyncDir(const std::string& dir) = 0;
};

// PosixFileSystem() is the real one; it lives for the whole program.
FileSystem* PosixFileSystem();

// WriteFileAtomically() replaces `path` with `data` as described above. On
// error `path` is unchanged and the status names the path and the step.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view data,
                                 FileSystem* fs = PosixFileSystem());

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_FILE_SYSTEM_H_
