#include "dist/consistency.h"

#include <signal.h>
#include <unistd.h>

#include <csignal>

#include <cstdint>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"

namespace dagrad {
namespace {

// FirstDifference() describes where `other` first differs from `base`,
// line by line: "at line 3: 'a' vs 'b'".
std::string FirstDifference(const std::string& base, const std::string& other) {
  const std::vector<absl::string_view> a = absl::StrSplit(base, '\n');
  const std::vector<absl::string_view> b = absl::StrSplit(other, '\n');
  size_t line = 0;
  while (line < a.size() && line < b.size() && a[line] == b[line]) ++line;
  auto at = [line](const std::vector<absl::string_view>& lines) {
    return line < lines.size() ? absl::StrCat("'", lines[line], "'")
                               : std::string("(end)");
  };
  return absl::StrCat("at line ", line + 1, ": ", at(a), " vs ", at(b));
}

// Encoded status: the code as decimal, a space, the message.
std::string Encode(const absl::Status& s) {
  return absl::StrCat(static_cast<int>(s.code()), " ", s.message());
}

absl::Status Decode(const std::string& bytes) {
  const size_t space = bytes.find(' ');
  int code = 0;
  for (size_t i = 0; i < space && i < bytes.size(); ++i) {
    code = code * 10 + (bytes[i] - '0');
  }
  return absl::Status(
      static_cast<absl::StatusCode>(code),
      space == std::string::npos ? "" : bytes.substr(space + 1));
}

}  // namespace

absl::Status CheckSameOnEveryRank(Communicator* comm, absl::string_view what,
                                  const std::string& fingerprint) {
  ASSIGN_OR_RETURN(std::vector<std::string> all,
                   comm->AllgatherBytes(fingerprint));
  std::vector<int> differing;
  for (int r = 1; r < static_cast<int>(all.size()); ++r) {
    if (all[r] != all[0]) differing.push_back(r);
  }
  if (differing.empty()) return absl::OkStatus();
  const int first = differing.front();
  std::string ranks;
  for (int r : differing) absl::StrAppend(&ranks, ranks.empty() ? "" : ", ", r);
  return absl::FailedPreconditionError(absl::StrCat(
      what, " differ across ranks (rank ", differing.size() == 1 ? "" : "s ",
      ranks, " of ", all.size(), " differ from rank 0): rank ", first,
      " differs from rank 0 ", FirstDifference(all[0], all[first]),
      "; start every rank with the same flags and model"));
}

absl::Status AgreeOnStatus(Communicator* comm, const absl::Status& mine) {
  ASSIGN_OR_RETURN(std::vector<std::string> all,
                   comm->AllgatherBytes(mine.ok() ? "" : Encode(mine)));
  int failed = 0;
  int first = -1;
  for (int r = 0; r < static_cast<int>(all.size()); ++r) {
    if (all[r].empty()) continue;
    ++failed;
    if (first < 0) first = r;
  }
  if (failed == 0) return absl::OkStatus();
  const absl::Status s = Decode(all[first]);
  const std::string prefix = absl::StrCat("rank ", first, ": ");
  std::string message = absl::StartsWith(s.message(), prefix)
                            ? std::string(s.message())
                            : absl::StrCat(prefix, s.message());
  if (failed > 1) {
    absl::StrAppend(&message, " (and ", failed - 1, " other rank",
                    failed > 2 ? "s" : "", " failed)");
  }
  return absl::Status(s.code(), message);
}

namespace {

volatile std::sig_atomic_t g_stuck_exit_code = 1;

extern "C" void ExitNow(int) { _exit(g_stuck_exit_code); }

}  // namespace

void ExitSoonIfStuck(const Communicator& comm, int exit_code, int seconds) {
  if (comm.size() < 2) return;
  g_stuck_exit_code = exit_code;
  struct sigaction action = {};
  action.sa_handler = ExitNow;
  sigemptyset(&action.sa_mask);
  sigaction(SIGALRM, &action, nullptr);
  alarm(static_cast<unsigned>(seconds));
}

}  // namespace dagrad
