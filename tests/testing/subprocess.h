// tests/testing/subprocess.h: runs a command in a child process with a time
// limit, for tests that start processes (mpirun jobs, example binaries).
//
// The child runs in its own process group; on timeout the whole group
// (mpirun and every rank it started) is sent SIGKILL by its id, so no test
// leaves a process behind or hangs.
//
// Example:
//   Subprocess r = RunSubprocess({"/usr/bin/mpirun", "-np", "2", worker},
//                                /*timeout_seconds=*/60);
//   EXPECT_EQ(r.exit_code, 0) << r.output;
#ifndef DAGRAD_TESTS_TESTING_SUBPROCESS_H_
#define DAGRAD_TESTS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace dagrad {

struct Subprocess {
  // exit_code is the child's exit status, or 128 + signal when a signal
  // ended it, or -1 when it could not be started.
  int exit_code = -1;
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved.
  double seconds = 0;  // Wall time until the child ended.
};

// OutputWatcher is called with the child's pid and all its output so far
// each time more arrives, e.g. to send it a signal at a given line.
using OutputWatcher = std::function<void(pid_t pid, const std::string&)>;

// RunSubprocess() runs argv[0] (a path, or a name looked up in PATH) with
// `argv`, `extra_env` ("NAME=value") added to the environment, and waits at
// most timeout_seconds, calling `watcher` (if set) as output arrives.
Subprocess RunSubprocess(const std::vector<std::string>& argv,
                         double timeout_seconds,
                         const std::vector<std::string>& extra_env = {},
                         const OutputWatcher& watcher = nullptr);

// RunfilePath() is the absolute path of a data dependency given by its
// workspace-relative path, e.g. "tests/dist/communicator_worker".
std::string RunfilePath(const std::string& workspace_path);

}  // namespace dagrad

#endif  // DAGRAD_TESTS_TESTING_SUBPROCESS_H_
