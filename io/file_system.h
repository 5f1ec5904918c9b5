// io/file_system.h: whole-file reads, and the few file operations a durable
// write needs, behind an interface so tests can inject a failure between any
// two of them.
//
// WriteFileAtomically() is the protocol: write `<path>.tmp` (beside `path`,
// in its directory), fsync it, close it, rename it over `path`, fsync the
// directory. A crash or error at any step leaves `path` as it was (the old
// file, or no file); a leftover `<path>.tmp` is overwritten by the next
// write. A `path` that names a directory (or ends in '/') is refused before
// anything is created.
//
// ReadFileBytes() is the read side: the whole file in memory.
//
// CheckWritableFile() and CheckWritableDirectory() test, before any work is
// done, that a later write can succeed: a program checks every output path
// up front instead of failing after hours of training.
//
// Error codes are the user's: a missing directory is NotFound, a directory
// that refuses new files PermissionDenied, a path that is a directory (or a
// parent that is a file) InvalidArgument; only an I/O failure after the
// file was created (write, fsync, close, rename) is Internal.
//
// Example:
//   RETURN_IF_ERROR(CheckWritableFile("/tmp/model.ckpt"));
//   ...
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

// CheckWritableFile() is OK when `path` can be created or replaced by
// WriteFileAtomically(): it is not empty, not a directory, and its
// directory exists and accepts a new file (tested by creating and removing
// a probe file there, so permissions, read-only file systems and root are
// all judged as a real write would be). Errors name the path (codes as in
// the file comment).
absl::Status CheckWritableFile(const std::string& path);

// CheckWritableDirectory() is OK when `dir` is an existing directory that
// accepts new files (the same probe).
absl::Status CheckWritableDirectory(const std::string& dir);

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
