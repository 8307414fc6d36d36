#include "test/observability/promtool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace misc::observability {

testing::AssertionResult PromtoolAccepts(const std::string& text) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    return testing::AssertionFailure()
           << "promtool not found: install the Debian package \"prometheus\" "
              "(scripts/install-deps.sh)";
  }
  char path[] = "/tmp/misc-metrics-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return testing::AssertionFailure() << "mkstemp failed";
  close(fd);
  std::ofstream(path, std::ios::binary) << text;
  const std::string command = std::string("promtool check metrics < ") + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  while (pipe != nullptr && fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = pipe == nullptr ? -1 : pclose(pipe);
  std::remove(path);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return testing::AssertionFailure()
           << "promtool check metrics failed (status " << status << "):\n"
           << output << "\non:\n"
           << text;
  }
  return testing::AssertionSuccess();
}

}  // namespace misc::observability
