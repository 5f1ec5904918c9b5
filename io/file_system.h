// io/file_system.h: whole-file reads, and the few file operations a durable
// write needs, behind an interface so tests can inject a failure between any
// two of them.
//
// WriteFileAtomically() is the protocol: write `<path>.tmp`, fsync it, close
// it, rename it over `path`, fsync the directory. A crash or error at any
// step leaves `path` as it was (the old file, or no file); a leftover
// `<path>.tmp` is overwritten by the next write.
//
// ReadFileBytes() is the read side: the whole file in memory.
//
// Example:
//   RETURN_IF_ERROR(WriteFileAtomically("/tmp/model.ckpt", bytes));
//   ASSIGN_OR_RETURN(std::string back, ReadFileBytes("/tmp/model.ckpt"));
#ifndef DAGRAD_IO_FILE_SYSTEM_H_
#define DAGRAD_IO_FILE_SYSTEM_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dagrad {

// ReadFileBytes() returns a whole file's bytes. A missing file is NotFound,
// an unreadable one PermissionDenied, any other failure (a directory, an I/O
// error) InvalidArgument; each names the path and the system's reason.
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);

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

#endif  // DAGRAD_IO_FILE_SYSTEM_H_
