#include "test/faults/server_observation.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace misc::faults {
namespace {

// The socket inodes of the open file descriptors of `pid`.
std::set<uint64_t> SocketInodes(pid_t pid) {
  std::set<uint64_t> inodes;
  const std::string dir = absl::StrCat("/proc/", pid, "/fd");
  DIR* fds = opendir(dir.c_str());
  if (fds == nullptr) return inodes;
  while (const dirent* entry = readdir(fds)) {
    char target[128] = {};
    const std::string link = absl::StrCat(dir, "/", entry->d_name);
    const ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    // "socket:[12345]"
    absl::string_view text(target, static_cast<size_t>(n));
    uint64_t inode = 0;
    if (absl::ConsumePrefix(&text, "socket:[") && absl::ConsumeSuffix(&text, "]") &&
        absl::SimpleAtoi(text, &inode)) {
      inodes.insert(inode);
    }
  }
  closedir(fds);
  return inodes;
}

}  // namespace

std::map<std::string, int> WarningsByCause(const std::string& output) {
  std::map<std::string, int> causes;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() != '{') continue;
    const nlohmann::json record =
        nlohmann::json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    if (!record.is_object() || !record.contains("level") || !record["level"].is_string()) {
      continue;
    }
    const std::string level = record["level"].get<std::string>();
    if (level != "warning" && level != "warn") continue;
    std::string message = record.value("msg", "");
    for (const char* end : {" (", ": "}) {
      if (const size_t at = message.find(end); at != std::string::npos) message.resize(at);
    }
    ++causes[std::string(absl::StripTrailingAsciiWhitespace(message))];
  }
  return causes;
}

std::string OutputTail(const std::string& output, int lines) {
  std::vector<absl::string_view> all = absl::StrSplit(output, '\n');
  const size_t from = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  return absl::StrJoin(all.begin() + static_cast<std::ptrdiff_t>(from), all.end(), "\n");
}

int SocketsTo(pid_t pid, int port) {
  const std::set<uint64_t> inodes = SocketInodes(pid);
  std::ifstream in(absl::StrCat("/proc/", pid, "/net/tcp"));
  if (!in) return -1;
  // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode"
  // with addresses as hex "0100007F:1F90".
  const std::string remote = absl::StrCat(
      "0100007F:", absl::AsciiStrToUpper(absl::StrCat(absl::Hex(port, absl::kZeroPad4))));
  std::string line;
  std::getline(in, line);  // The header.
  int count = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, rem, state, queues, timer, retransmits, uid, timeout;
    uint64_t inode = 0;
    if (!(fields >> slot >> local >> rem >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode)) {
      continue;
    }
    constexpr char kListen[] = "0A";
    if (rem == remote && state != kListen && inodes.count(inode) > 0) ++count;
  }
  return count;
}

}  // namespace misc::faults
