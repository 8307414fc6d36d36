#include "test/faults/fault_cluster.h"

#include <dirent.h>
#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <pqxx/pqxx>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "test/support/subprocess.h"

namespace misc::faults {
namespace {

// A pg.sh start or stop takes a second or two; this only bounds a broken one.
constexpr absl::Duration kPgScriptTimeout = absl::Seconds(90);

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return std::string(absl::StripAsciiWhitespace(line));
}

// Returns `name` as an SQL string literal (database names of the tests: [a-z0-9_]).
std::string Literal(const std::string& name) { return absl::StrCat("'", name, "'"); }

absl::Status SignalAll(const std::vector<pid_t>& pids, int signal_number) {
  for (pid_t pid : pids) {
    if (kill(pid, signal_number) != 0 && errno != ESRCH) {
      return absl::InternalError(
          absl::StrCat("kill(", pid, ", ", signal_number, "): ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return children;
  while (const dirent* entry = readdir(proc)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    // /proc/<pid>/stat: "pid (comm) state ppid ...", where comm may hold spaces or ')'.
    std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t comm_end = stat.rfind(')');
    if (comm_end == std::string::npos) continue;
    std::istringstream rest(stat.substr(comm_end + 1));
    std::string state;
    int ppid = 0;
    if (rest >> state >> ppid && ppid == parent) children.push_back(pid);
  }
  closedir(proc);
  return children;
}

absl::StatusOr<std::unique_ptr<FaultCluster>> FaultCluster::Open() {
  const char* dir = std::getenv("MISC_TEST_PG_DIR");
  if (dir == nullptr || *dir == '\0') {
    return absl::FailedPreconditionError(
        "MISC_TEST_PG_DIR is not set: run the fault tests with ctest (fixture faults_pg)");
  }
  testing::RunResult started =
      testing::RunAndWait(MISC_PG_SCRIPT, {"start", dir}, {}, kPgScriptTimeout);
  if (started.exit_code != 0) {
    return absl::InternalError(absl::StrCat("pg.sh start ", dir, " failed:\n", started.output));
  }
  int port = 0;
  if (!absl::SimpleAtoi(ReadFirstLine(absl::StrCat(dir, "/port")), &port)) {
    return absl::InternalError(absl::StrCat("no port in ", dir, "/port"));
  }
  const std::string data_dir = ReadFirstLine(absl::StrCat(dir, "/datadir"));
  if (data_dir.empty()) return absl::InternalError(absl::StrCat("no ", dir, "/datadir"));
  return std::unique_ptr<FaultCluster>(new FaultCluster(dir, data_dir, port));
}

FaultCluster::~FaultCluster() {
  if (frozen_) (void)Thaw();
  if (stopped_) (void)Start();
  absl::MutexLock lock(&mu_);
  connection_.reset();
}

std::string FaultCluster::AdminUrl() const {
  return absl::StrCat("postgresql://misc@127.0.0.1:", port_, "/postgres");
}

absl::StatusOr<pid_t> FaultCluster::PostmasterPid() const {
  // The first line of postmaster.pid is the postmaster's process id.
  int pid = 0;
  if (!absl::SimpleAtoi(ReadFirstLine(absl::StrCat(data_dir_, "/postmaster.pid")), &pid) ||
      pid <= 0) {
    return absl::InternalError(absl::StrCat("no postmaster pid in ", data_dir_, "/postmaster.pid"));
  }
  return pid;
}

absl::Status FaultCluster::Freeze() {
  absl::StatusOr<pid_t> postmaster = PostmasterPid();
  if (!postmaster.ok()) return postmaster.status();
  // The postmaster first, so that it forks no backend after the children were listed.
  stopped_pids_ = {*postmaster};
  if (absl::Status status = SignalAll(stopped_pids_, SIGSTOP); !status.ok()) return status;
  frozen_ = true;
  const std::vector<pid_t> children = ChildrenOf(*postmaster);
  stopped_pids_.insert(stopped_pids_.end(), children.begin(), children.end());
  return SignalAll(children, SIGSTOP);
}

absl::Status FaultCluster::Thaw() {
  std::vector<pid_t> pids = stopped_pids_;
  if (absl::StatusOr<pid_t> postmaster = PostmasterPid(); postmaster.ok()) {
    const std::vector<pid_t> children = ChildrenOf(*postmaster);
    pids.insert(pids.end(), children.begin(), children.end());
  }
  absl::Status status = SignalAll(pids, SIGCONT);
  if (status.ok()) {
    frozen_ = false;
    stopped_pids_.clear();
  }
  return status;
}

absl::Status FaultCluster::RunPgScript(const std::string& command) {
  testing::RunResult result =
      testing::RunAndWait(MISC_PG_SCRIPT, {command, dir_}, {}, kPgScriptTimeout);
  if (result.exit_code != 0) {
    return absl::InternalError(absl::StrCat("pg.sh ", command, " ", dir_, " failed (exit ",
                                            result.exit_code, "):\n", result.output));
  }
  return absl::OkStatus();
}

absl::Status FaultCluster::Stop() {
  if (frozen_) {
    if (absl::Status thawed = Thaw(); !thawed.ok()) return thawed;
  }
  stopped_ = true;
  return RunPgScript("stop");
}

absl::Status FaultCluster::Start() {
  if (absl::Status started = RunPgScript("start"); !started.ok()) return started;
  stopped_ = false;
  int port = 0;
  if (!absl::SimpleAtoi(ReadFirstLine(absl::StrCat(dir_, "/port")), &port) || port != port_) {
    return absl::InternalError(
        absl::StrCat("the cluster came back on port ", port, ", not ", port_));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> FaultCluster::Count(const std::string& sql) {
  absl::MutexLock lock(&mu_);
  for (int attempt = 0;; ++attempt) {
    try {
      if (connection_ == nullptr) {
        connection_ = std::make_unique<pqxx::connection>(
            absl::StrCat(AdminUrl(), "?connect_timeout=2&application_name=fault-test"));
      }
      pqxx::nontransaction tx(*connection_);
      tx.exec("SELECT pg_stat_clear_snapshot()");
      return tx.exec1(sql)[0].as<int64_t>();
    } catch (const std::exception& e) {
      connection_.reset();  // Broken (e.g. by a restart): the next attempt opens a new one.
      if (attempt > 0) return absl::UnavailableError(absl::StrCat(e.what(), "\nquery: ", sql));
    }
  }
}

absl::StatusOr<int64_t> FaultCluster::ServerConnections(const std::string& database) {
  return Count(absl::StrCat(
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'misc' AND datname = ",
      Literal(database)));
}

absl::StatusOr<int64_t> FaultCluster::DatabaseStat(const std::string& database,
                                                   const std::string& column) {
  return Count(absl::StrCat("SELECT ", column,
                            " FROM pg_stat_database WHERE datname = ", Literal(database)));
}

}  // namespace misc::faults
