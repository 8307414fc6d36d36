#ifndef MISC_TEST_SUPPORT_SUBPROCESS_H_
#define MISC_TEST_SUPPORT_SUBPROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace misc::testing {

// A child process started by a test (a command under test, or a server for an integration
// test). Its stdout and stderr both go to one file that the test can read at any time; its
// stdin is /dev/null. It runs in its own process group, so a Ctrl-C on the test run does not
// reach it directly. Destroying a Subprocess that still runs kills its process group with
// SIGKILL and reaps it. Not thread-safe.
class Subprocess {
 public:
  // Starts `binary` (a path, or a name looked up in PATH) with `args` (argv[1..]) and the
  // test's environment plus `env` (NAME -> value; replaces a variable of the same name).
  // Output goes to `output_path` (kept afterwards), or when empty to a new file in
  // ::testing::TempDir() that is deleted with the Subprocess. Returns INTERNAL when the
  // process cannot be started.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      const std::map<std::string, std::string>& env = {}, const std::string& output_path = "");

  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Returns the child's process id.
  pid_t pid() const { return pid_; }

  // Returns the file that collects the child's stdout and stderr.
  const std::string& output_path() const { return output_path_; }

  // Sends `signal_number` (e.g. SIGTERM) to the child; does nothing once it has been reaped.
  void Signal(int signal_number);

  // Waits until the child exits or `timeout` passes. Returns its exit code, or 128 + N when
  // signal N killed it (the shell's convention); DEADLINE_EXCEEDED when it still runs.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  // Returns true while the child has not exited.
  bool Running();

  // Returns everything the child has written to stdout and stderr so far.
  std::string Output() const;

  // Waits until Output() contains `text`. Returns false when `timeout` passes or the child
  // exits first without writing it.
  bool WaitForOutput(std::string_view text, absl::Duration timeout);

 private:
  Subprocess(pid_t pid, std::string output_path, bool own_output)
      : pid_(pid), output_path_(std::move(output_path)), own_output_(own_output) {}

  // Reaps the child if it has exited; returns true when it has.
  bool Reap();

  pid_t pid_;
  std::string output_path_;
  // Whether the output file was made by Start (and is deleted by the destructor).
  bool own_output_;
  bool exited_ = false;
  int exit_code_ = 0;
};

// What RunAndWait returns.
struct RunResult {
  // Exit code, 128 + N when killed by signal N, or -1 when the binary could not be started
  // or did not finish in time (then it was killed).
  int exit_code = -1;
  // stdout and stderr interleaved, plus a note when it could not start or timed out.
  std::string output;
};

// Runs `binary` with `args` and extra `env` (see Subprocess::Start) until it exits, killing
// it after `timeout`. Returns its exit code and output.
RunResult RunAndWait(const std::string& binary, const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env = {},
                     absl::Duration timeout = absl::Seconds(60));

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_SUBPROCESS_H_
