// The published attack inputs against the HTTP/2 server of gRPC 1.51 (Debian 12's, which misc
// links), sent to the real misc-server over raw HTTP/2 by h2_attacks.py (python3-h2's hpack and
// hand-written frames), and after each: the process still runs and a new connection is served.
//
// One test per advisory (docs/security.md has the table): each starts its own server, so what one
// input did cannot hide behind another. The script answers in JSON what the server did with each
// input (RST_STREAM, GOAWAY, a closed connection, the server's CPU time and memory); the test
// prints it, checks that the inputs really reached what they aim at (past the header list limit,
// past the file descriptor limit), and fails when the server died or stopped serving new
// connections.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.pb.h"
#include "misc/restaurant/v1/restaurant.pb.h"
#include "test/operations/operations_support.h"
#include "test/support/eventually.h"
#include "test/support/misc_server.h"
#include "test/support/subprocess.h"

namespace misc::security {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::misc::testing::RunAndWait;
using ::misc::testing::RunResult;
using ::misc::testing::ServerProcess;
using ::nlohmann::json;

// Debian's interpreter: python3-h2 (and its python3-hpack) are Debian packages, which a pyenv
// or virtualenv python3 first in PATH would not see.
constexpr char kPython[] = "/usr/bin/python3";
constexpr char kAttacks[] = MISC_H2_ATTACKS_SCRIPT;

// What h2_attacks.py printed, parsed; and its exit code (0: every control call served).
struct AttackReport {
  int exit_code = -1;
  std::string output;
  json report;
};

AttackReport Attack(ServerProcess& server, const std::string& attack,
                    const std::vector<std::string>& extra = {},
                    absl::Duration timeout = absl::Minutes(4)) {
  std::vector<std::string> args = {kAttacks, "--target", server.address(), "--pid",
                                   absl::StrCat(server.process().pid())};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(attack);
  const RunResult result = RunAndWait(kPython, args, {}, timeout);
  AttackReport report{.exit_code = result.exit_code, .output = result.output};
  // The JSON is the output's last part; the interpreter may have warned before it.
  const size_t start = result.output.find("{\n");
  if (start != std::string::npos) {
    report.report = json::parse(result.output.substr(start), nullptr, /*allow_exceptions=*/false);
  }
  return report;
}

// Every input of `report`, one line each: what it was, what the server answered, the control.
std::string Summary(const json& report) {
  std::string out;
  if (!report.is_object() || !report.contains("inputs")) return "(no report)";
  for (const json& input : report["inputs"]) {
    absl::StrAppend(&out, "- ", input.value("input", "?"),
                    "\n    answer: ", input.value("answer", json::object()).dump(),
                    "\n    control: ", input.value("control", json::object()).dump(),
                    ", server alive: ", input.value("server_alive", json()).dump(),
                    ", server CPU s: ", input.value("cpu_s_before", json()).dump(), " -> ",
                    input.value("cpu_s_after", json()).dump(),
                    ", RSS MiB: ", input.value("rss_mib_before", json()).dump(), " -> ",
                    input.value("rss_mib_after", json()).dump(), "\n");
  }
  return out;
}

// The inputs of `report` whose name starts with `prefix`.
std::vector<json> Inputs(const json& report, const std::string& prefix) {
  std::vector<json> found;
  if (!report.is_object() || !report.contains("inputs")) return found;
  for (const json& input : report["inputs"]) {
    if (input.value("input", "").rfind(prefix, 0) == 0) found.push_back(input);
  }
  return found;
}

class GrpcCveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_url_ = new std::string(operations::CreateOperationsDatabase("security"));
  }
  static void TearDownTestSuite() { delete database_url_; }

  void SetUp() override {
    ASSERT_FALSE(database_url_->empty());
    const RunResult h2 = RunAndWait(kPython, {"-c", "import h2, hpack"}, {}, absl::Seconds(30));
    ASSERT_EQ(h2.exit_code, 0) << kPython
                               << " cannot import h2 (Debian package python3-h2): " << h2.output;
  }

  // Starts misc-server (with `binary`, e.g. a script that lowers its descriptor limit).
  std::unique_ptr<ServerProcess> StartServer(const std::vector<std::string>& flags = {},
                                             const std::string& binary = MISC_SERVER_BINARY) {
    std::vector<std::string> all = {"--access_log=false"};
    all.insert(all.end(), flags.begin(), flags.end());
    return ServerProcess::Start(*database_url_, all, binary);
  }

  // The process runs, and new connections are served: health and a real call.
  static void ExpectStillServing(ServerProcess& server, const AttackReport& attack) {
    EXPECT_TRUE(server.process().Running()) << "misc-server died; its output:\n"
                                            << server.Output() << "\ninputs:\n"
                                            << Summary(attack.report);
    // The server may still be working through what it was sent: it must be back to serving
    // within seconds, not at once.
    EXPECT_TRUE(misc::testing::Eventually(
        [&server] { return server.Health() == HealthCheckResponse::SERVING; }, absl::Seconds(15),
        absl::Milliseconds(200)))
        << "no health on a new connection after the inputs:\n"
        << Summary(attack.report) << "server output:\n"
        << server.Output();
    restaurant::v1::GetRestaurantResponse response;
    const grpc::Status status =
        operations::GetRestaurant(server.channel(), absl::Seconds(5), &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
    EXPECT_EQ(response.restaurant().name(), operations::kRestaurantName);
  }

  static std::string* database_url_;
};

std::string* GrpcCveTest::database_url_ = nullptr;

// The framing of h2_attacks.py is right: a Health/Check over it is served. Without this, every
// input below could be refused for a mistake of the script's, and prove nothing.
TEST_F(GrpcCveTest, ControlCallOverRawHttp2IsServed) {
  std::unique_ptr<ServerProcess> server = StartServer();
  ASSERT_NE(server, nullptr);
  const AttackReport attack = Attack(*server, "control");
  ASSERT_EQ(attack.exit_code, 0) << attack.output;
  const json& settings = attack.report["server_settings"];
  EXPECT_GT(settings.value("max_header_list_size", 0), 0) << settings.dump();
  EXPECT_EQ(settings.value("max_concurrent_streams", 0), 100) << settings.dump();
  ExpectStillServing(*server, attack);
}

// CVE-2023-1428: te / :scheme / grpclb_client_stats with a value gRPC rejects, then fields past
// the header list limit. Fixed releases abort() in the summary of the oversized metadata; the
// test fails if misc-server dies or stops serving.
TEST_F(GrpcCveTest, Cve20231428InvalidFieldThenHeaderListPastTheLimit) {
  std::unique_ptr<ServerProcess> server = StartServer();
  ASSERT_NE(server, nullptr);
  const AttackReport attack = Attack(*server, "cve-2023-1428");
  std::cout << "cve-2023-1428 inputs:\n" << Summary(attack.report);
  EXPECT_EQ(attack.exit_code, 0) << attack.output;

  // The limit the server advertises is the one it enforces (give or take the request's own
  // fields, which 1.51 does not count when they come as literals without indexing), for one
  // large field (the transport) and for many small ones (misc's own check, since 1.51.1 counts
  // those per frame and served 1 MiB of them), on gRPC's health service (an interceptor) and
  // on a misc service (its CallRunner). The padding of every input below goes 1 KiB past it.
  const std::vector<json> limits = Inputs(attack.report, "the header list limit");
  ASSERT_EQ(limits.size(), 4u) << attack.output;
  for (const json& limit : limits) {
    const json& measured = limit["answer"];
    const int advertised = measured.value("advertised", -1);
    EXPECT_GT(advertised, 0) << measured.dump();
    EXPECT_GE(measured.value("largest_served", -1), advertised) << measured.dump();
    EXPECT_LE(measured.value("largest_served", -1),
              advertised + measured.value("request_fields", 0))
        << measured.dump();
  }

  const std::vector<json> inputs = Inputs(attack.report, "cve-2023-1428");
  EXPECT_EQ(inputs.size(), 15u) << attack.output;
  for (const json& input : inputs) {
    const json& answer = input["answer"];
    // Refused (any way), never served as if the fields were fine.
    EXPECT_NE(answer.value("grpc_status", -1), 0) << input.dump();
    EXPECT_TRUE(input["control"].value("ok", false)) << input.dump();
    EXPECT_NE(input.value("server_alive", json()), json(false)) << input.dump();
  }
  ExpectStillServing(*server, attack);
}

// CVE-2023-33953: HPACK inputs that make 1.51's parser buffer without bound and work more than
// linearly: many tiny fields, a string whose length says 4 GiB, a varint padded with 0x80
// bytes, header blocks that never end. Bounded at a few MiB each; the report says what each
// cost the server in CPU time and memory (docs/security.md has the measured figures).
TEST_F(GrpcCveTest, Cve202333953HpackInputsBoundedByTheTest) {
  std::unique_ptr<ServerProcess> server = StartServer();
  ASSERT_NE(server, nullptr);
  const AttackReport attack = Attack(*server, "cve-2023-33953", {"--megabytes", "2"});
  std::cout << "cve-2023-33953 inputs:\n" << Summary(attack.report);
  EXPECT_EQ(attack.exit_code, 0) << attack.output;
  EXPECT_EQ(Inputs(attack.report, "cve-2023-33953").size(), 6u) << attack.output;
  ExpectStillServing(*server, attack);
}

// CVE-2023-32732: a -bin field that is not base64, and (the same code path) a header list past
// the limit, each on a second stream while a call is open on the connection. 1.51 ends the
// whole connection, and the open call with it; the server itself must keep serving.
TEST_F(GrpcCveTest, Cve202332732BadFieldNextToAnOpenCall) {
  std::unique_ptr<ServerProcess> server = StartServer();
  ASSERT_NE(server, nullptr);
  const AttackReport attack = Attack(*server, "cve-2023-32732");
  std::cout << "cve-2023-32732 inputs:\n" << Summary(attack.report);
  EXPECT_EQ(attack.exit_code, 0) << attack.output;
  for (const json& input : Inputs(attack.report, "")) {
    if (input.value("input", "") == "control") continue;
    // The bad stream is refused, whatever happens to its neighbour.
    EXPECT_NE(input["answer"]["bad_stream"].value("grpc_status", -1), 0) << input.dump();
  }
  ExpectStillServing(*server, attack);
}

// CVE-2023-44487, HTTP/2 rapid reset: 20,000 streams opened and reset at once on one
// connection, each a GetRestaurant (a database call) that never sends its request.
TEST_F(GrpcCveTest, Cve202344487RapidReset) {
  std::unique_ptr<ServerProcess> server = StartServer();
  ASSERT_NE(server, nullptr);
  const AttackReport attack = Attack(*server, "cve-2023-44487");
  std::cout << "cve-2023-44487 inputs:\n" << Summary(attack.report);
  EXPECT_EQ(attack.exit_code, 0) << attack.output;
  ExpectStillServing(*server, attack);
}

// Writes a script that runs misc-server under RLIMIT_NOFILE `limit` (soft and hard, so the
// server cannot raise it) and returns its path.
std::string ServerUnderFdLimit(int limit) {
  std::string path =
      absl::StrCat(::testing::TempDir(), "/misc-server-security-nofile-", limit, "-", getpid());
  std::ofstream script(path, std::ios::trunc);
  script << "#!/bin/sh\nulimit -n " << limit << " || exit 97\nexec '" << MISC_SERVER_BINARY
         << "' \"$@\"\n";
  script.close();
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

// CVE-2023-4785: more connections than the server has file descriptors, held, then released.
// gRPC before 1.53.2 stops accepting for good after the first accept4() that fails with
// EMFILE; the test fails when new connections are not served once the flood is gone. misc
// accepts the gRPC port's connections itself (src/server/connection_acceptor.h) and closes
// those past its descriptor budget at once.
TEST_F(GrpcCveTest, Cve20234785ConnectionFloodPastTheFdLimit) {
  // 200 descriptors: 5 database (a pool of 4, the change feed) + 2 listeners + 64 reserved
  // + 129 for clients. The flood opens 300. No metrics listener: its 128 connections would
  // not fit.
  constexpr int kFdLimit = 200;
  constexpr int kConnections = 300;
  std::unique_ptr<ServerProcess> server =
      StartServer({"--db_pool_size=4", "--min_client_connections=64", "--metrics_listen="},
                  ServerUnderFdLimit(kFdLimit));
  ASSERT_NE(server, nullptr);
  const AttackReport attack =
      Attack(*server, "cve-2023-4785",
             {"--connections", absl::StrCat(kConnections), "--hold_seconds", "2"});
  std::cout << "cve-2023-4785 inputs:\n" << Summary(attack.report);
  const std::vector<json> flood = Inputs(attack.report, "cve-2023-4785");
  ASSERT_EQ(flood.size(), 1u) << attack.output;
  // The flood really reached the limit: the server held (nearly) every descriptor it has,
  // the accept failed for the lack of one, or misc's listener closed connections past its
  // budget (which stops short of the limit on purpose).
  const int held = flood[0]["answer"].value("server_fds_while_held", 0);
  const std::string output = server->Output();
  const bool reached =
      held >= kFdLimit - 8 || output.find("Too many open files") != std::string::npos ||
      output.find("connections refused past the descriptor budget") != std::string::npos;
  EXPECT_TRUE(reached) << "the flood held " << held << " of " << kFdLimit << " descriptors";
  // gRPC's own accept loop, the one that wedges, does not run.
  EXPECT_EQ(output.find("Failed accept4"), std::string::npos) << output;
  EXPECT_EQ(attack.exit_code, 0) << "after the flood, new connections are not served:\n"
                                 << Summary(attack.report);
  ExpectStillServing(*server, attack);
}

}  // namespace
}  // namespace misc::security
