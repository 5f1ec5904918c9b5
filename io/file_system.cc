#include "io/file_system.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace dagrad {
namespace {

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " '", path, "': ", std::strerror(errno)));
}

// ReadError() is the status for failing to read `path` with errno `err`.
absl::Status ReadError(const std::string& path, int err) {
  std::string message =
      absl::StrCat("cannot read '", path, "': ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(message);
  if (err == EACCES) return absl::PermissionDeniedError(message);
  return absl::InvalidArgumentError(message);
}

class Posix : public FileSystem {
 public:
  absl::StatusOr<int> OpenForWrite(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                    0644);
    if (fd < 0) return Errno("cannot create", path);
    return fd;
  }
  absl::Status Write(int fd, absl::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno("cannot write", absl::StrCat("fd ", fd));
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }
  absl::Status Sync(int fd) override {
    if (::fsync(fd) != 0) return Errno("cannot fsync", absl::StrCat("fd ", fd));
    return absl::OkStatus();
  }
  absl::Status Close(int fd) override {
    if (::close(fd) != 0) return Errno("cannot close", absl::StrCat("fd ", fd));
    return absl::OkStatus();
  }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return Errno(absl::StrCat("cannot rename '", from, "' to"), to);
    }
    return absl::OkStatus();
  }
  absl::Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Errno("cannot open directory", dir);
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return Errno("cannot fsync directory", dir);
    return absl::OkStatus();
  }
};

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

absl::StatusOr<std::string> ReadFileBytes(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ReadError(path, errno);
  std::string bytes;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) {
    bytes.append(buffer, n);
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  // Reading a directory fails here (EISDIR), not at fopen.
  if (failed) return ReadError(path, err);
  return bytes;
}

FileSystem* PosixFileSystem() {
  static Posix* fs = new Posix();
  return fs;
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view data, FileSystem* fs) {
  const std::string tmp = path + ".tmp";
  ASSIGN_OR_RETURN(int fd, fs->OpenForWrite(tmp));
  absl::Status s = fs->Write(fd, data);
  if (s.ok()) s = fs->Sync(fd);
  absl::Status closed = fs->Close(fd);
  if (s.ok()) s = closed;
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return absl::Status(s.code(), absl::StrCat("writing '", path,
                                               "' failed, previous file kept: ",
                                               s.message()));
  }
  RETURN_IF_ERROR(fs->Rename(tmp, path));
  // The new file is in place; a failed directory sync only weakens
  // durability across a power loss, and is still reported.
  return fs->SyncDir(DirName(path));
}

}  // namespace dagrad
