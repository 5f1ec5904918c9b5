#include "io/file_system.h"

#include <fcntl.h>
#include <sys/stat.h>
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

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// CreateError() is the status for failing to create a file in `dir` with
// errno `err` (`what` says what was being created).
absl::Status CreateError(const std::string& what, const std::string& dir,
                         int err) {
  if (err == ENOENT) {
    return absl::NotFoundError(absl::StrCat(
        "cannot create ", what, ": directory '", dir, "' does not exist"));
  }
  const std::string message =
      absl::StrCat("cannot create ", what, " in directory '", dir,
                   "': ", std::strerror(err));
  if (err == EACCES || err == EPERM || err == EROFS) {
    return absl::PermissionDeniedError(message);
  }
  if (err == ENOTDIR || err == EISDIR || err == ENAMETOOLONG) {
    return absl::InvalidArgumentError(message);
  }
  return absl::InternalError(message);
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
    int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      return CreateError(absl::StrCat("'", path, "'"), DirName(path), errno);
    }
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

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// ProbeDirectory() creates and removes a file in `dir`, which exists.
absl::Status ProbeDirectory(const std::string& dir, const std::string& what) {
  const std::string probe =
      absl::StrCat(dir, "/.dagrad-write-probe-", ::getpid());
  const int fd =
      ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    // The directory exists, so ENOENT (procfs) means it takes no files.
    const int err = errno == ENOENT ? EACCES : errno;
    if (err != EEXIST) return CreateError(what, dir, err);
  } else {
    ::close(fd);
  }
  ::unlink(probe.c_str());
  return absl::OkStatus();
}

// NotADirectoryTarget() refuses a file path that names a directory.
absl::Status NotADirectoryTarget(const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError("the output path is empty");
  }
  if (path.back() == '/' || IsDirectory(path)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", path, "' is a directory; give a file path inside it"));
  }
  return absl::OkStatus();
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

absl::Status CheckWritableFile(const std::string& path) {
  RETURN_IF_ERROR(NotADirectoryTarget(path));
  const std::string dir = DirName(path);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    return CreateError(absl::StrCat("'", path, "'"), dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot create '", path, "': '", dir, "' is not a directory"));
  }
  return ProbeDirectory(dir, absl::StrCat("'", path, "'"));
}

absl::Status CheckWritableDirectory(const std::string& dir) {
  if (dir.empty()) {
    return absl::InvalidArgumentError("the output directory is empty");
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    return CreateError("files", dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", dir, "' is not a directory"));
  }
  return ProbeDirectory(dir, "files");
}

FileSystem* PosixFileSystem() {
  static Posix* fs = new Posix();
  return fs;
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view data, FileSystem* fs) {
  RETURN_IF_ERROR(NotADirectoryTarget(path));
  const std::string tmp = path + ".tmp";  // Beside `path`, in its directory.
  ASSIGN_OR_RETURN(int fd, fs->OpenForWrite(tmp));
  absl::Status s = fs->Write(fd, data);
  if (s.ok()) s = fs->Sync(fd);
  absl::Status closed = fs->Close(fd);
  if (s.ok()) s = closed;
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return absl::Status(
        s.code(), absl::StrCat("writing '", path,
                               "' failed, previous file kept: ", s.message()));
  }
  if (absl::Status renamed = fs->Rename(tmp, path); !renamed.ok()) {
    ::unlink(tmp.c_str());
    return renamed;
  }
  // The new file is in place; a failed directory sync only weakens
  // durability across a power loss, and is still reported.
  return fs->SyncDir(DirName(path));
}

}  // namespace dagrad
