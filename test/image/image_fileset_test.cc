// The `FROM scratch` images of the Dockerfile, run without Docker the way Docker runs them:
// the build stage's own file-set step (scripts/runtime-fileset.sh) makes each image's tree
// from this build tree's binaries, and each image's ENTRYPOINT and CMD run from its tree alone
// with chroot, as its USER, with its ENV, against the test PostgreSQL (its URL points at
// 127.0.0.1, and a chroot shares the network namespace). chroot needs root: as an ordinary
// user these tests skip (CI runs as root). What only Docker reads is in dockerfile_test.sh.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "test/image/dockerfile_stages.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/subprocess.h"

namespace misc {
namespace {

namespace fs = std::filesystem;
using ::grpc::health::v1::HealthCheckResponse;

std::string ChrootBinary() {
  for (const char* path : {"/usr/sbin/chroot", "/usr/bin/chroot", "/sbin/chroot"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "chroot";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Bytes of every regular file under `dir`.
uintmax_t TreeSize(const fs::path& dir) {
  uintmax_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && !entry.is_symlink()) total += entry.file_size();
  }
  return total;
}

// Images ship the release build. A sanitizer build is not one: its binaries are twice the size
// and LeakSanitizer needs /proc, which a chroot of the image's files has not.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif

class ImageFilesetTest : public ::testing::Test {
 protected:
  // The file sets are made once for the suite (as root only), by the build stage's RUN that
  // calls runtime-fileset.sh, run in a build context of this source tree whose build/release
  // is this build tree, with /out under the test's directory.
  static void SetUpTestSuite() {
    stages_ =
        new std::vector<testing::DockerStage>(testing::ReadDockerStages(MISC_IMAGE_DOCKERFILE));
    if (geteuid() != 0 || kSanitizerBuild) return;
    root_ = new fs::path(fs::path(::testing::TempDir()) /
                         absl::StrCat("misc-image-fileset-", getpid()));
    fs::remove_all(*root_);
    const fs::path context = *root_ / "context";
    fs::create_directories(context / "build");
    // 0755 so that the image's user can reach the trees (chroot itself runs as root).
    fs::permissions(*root_, fs::perms(0755));
    for (const char* dir : {"scripts", "migrations"}) {
      fs::create_directory_symlink(fs::path(MISC_IMAGE_SOURCE_DIR) / dir, context / dir);
    }
    fs::create_directory_symlink(MISC_IMAGE_BUILD_DIR, context / "build/release");
    std::string step;
    for (const std::string& run : testing::StageNamed(*stages_, "build").runs) {
      if (run.find("runtime-fileset.sh") != std::string::npos) step = run;
    }
    step = absl::StrReplaceAll(step, {{" /out/", absl::StrCat(" ", root_->string(), "/out/")}});
    fileset_result_ = new testing::RunResult(
        testing::RunAndWait("bash", {"-c", absl::StrCat("cd ", context.string(), " && ", step)}, {},
                            absl::Seconds(240)));
  }

  static void TearDownTestSuite() {
    if (root_ != nullptr) {
      std::error_code ignored;
      fs::remove_all(*root_, ignored);
    }
    delete root_;
    delete stages_;
    delete fileset_result_;
    root_ = nullptr;
    stages_ = nullptr;
    fileset_result_ = nullptr;
  }

  void SetUp() override {
    if (kSanitizerBuild) {
      GTEST_SKIP() << "sanitizer build: the image file set tests run in the dev and release "
                      "suites (images ship the release build)";
    }
    if (geteuid() != 0) {
      GTEST_SKIP() << "chroot needs root: the image file set tests run only as root (as in CI)";
    }
    ASSERT_EQ(fileset_result_->exit_code, 0) << "the Dockerfile's file-set step:\n"
                                             << fileset_result_->output;
  }

  // Returns the names of the Dockerfile's `FROM scratch` stages: its images. With
  // `servers_only`, only those that expose ports.
  static std::vector<std::string> Images(bool servers_only = false) {
    std::vector<std::string> names;
    for (const testing::DockerStage& stage : *stages_) {
      if (stage.base != "scratch" || (servers_only && stage.exposed_ports.empty())) continue;
      names.push_back(stage.name);
    }
    EXPECT_FALSE(names.empty()) << "the Dockerfile has no such image";
    return names;
  }

  // Returns image stage `name` of the Dockerfile.
  static testing::DockerStage Stage(const std::string& name) {
    return testing::StageNamed(*stages_, name);
  }

  // Returns the tree image stage `name` is made of: what its `COPY --from=build` takes.
  static fs::path TreeOf(const std::string& name) {
    const testing::DockerStage stage = Stage(name);
    EXPECT_FALSE(stage.copy_from_build.empty()) << name << " copies nothing from build";
    return *root_ / fs::path(stage.copy_from_build).relative_path();
  }

  // Starts image stage `name` as Docker would: its ENTRYPOINT and CMD in a chroot of its tree,
  // as its USER, with its ENV overridden by `env` (like `docker run -e`).
  static absl::StatusOr<std::unique_ptr<testing::Subprocess>> StartImage(
      const std::string& name, const std::map<std::string, std::string>& env) {
    const testing::DockerStage stage = Stage(name);
    std::vector<std::string> args = {absl::StrCat("--userspec=", stage.user),
                                     TreeOf(name).string()};
    args.insert(args.end(), stage.entrypoint.begin(), stage.entrypoint.end());
    args.insert(args.end(), stage.cmd.begin(), stage.cmd.end());
    std::map<std::string, std::string> all = stage.env;
    for (const auto& [variable, value] : env) all[variable] = value;
    return testing::Subprocess::Start(ChrootBinary(), args, all);
  }

  static fs::path* root_;
  static std::vector<testing::DockerStage>* stages_;
  static testing::RunResult* fileset_result_;
};

fs::path* ImageFilesetTest::root_ = nullptr;
std::vector<testing::DockerStage>* ImageFilesetTest::stages_ = nullptr;
testing::RunResult* ImageFilesetTest::fileset_result_ = nullptr;

// Returns the port of `address` ("host:port"), or -1.
int PortOf(const std::string& address) {
  int port = -1;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) return -1;
  return port;
}

// Waits up to 60 s until the server at `address` reports SERVING; returns the last status.
HealthCheckResponse::ServingStatus WaitServing(const std::string& address,
                                               testing::Subprocess& server) {
  HealthCheckResponse::ServingStatus status = HealthCheckResponse::UNKNOWN;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline && server.Running()) {
    // A new channel each time: one that failed to connect would wait out its reconnect backoff.
    auto stub = grpc::health::v1::Health::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    grpc::health::v1::HealthCheckRequest request;
    HealthCheckResponse response;
    if (stub->Check(&context, request, &response).ok()) {
      status = response.status();
      if (status == HealthCheckResponse::SERVING) break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return status;
}

TEST_F(ImageFilesetTest, HoldsTheRuntimeFilesAndNoShellPackageManagerOrCompiler) {
  const fs::path server_dir = TreeOf("misc");
  const fs::path migrate_dir = TreeOf("migrate");
  for (const std::string& image : Images()) {
    const fs::path dir = TreeOf(image);
    SCOPED_TRACE(dir.string());
    const std::vector<std::string> entrypoint = Stage(image).entrypoint;
    ASSERT_FALSE(entrypoint.empty()) << image << " has no ENTRYPOINT";
    EXPECT_TRUE(fs::is_regular_file(dir / fs::path(entrypoint[0]).relative_path()));
    EXPECT_TRUE(fs::is_regular_file(dir / "lib64/ld-linux-x86-64.so.2"));
    EXPECT_TRUE(fs::is_regular_file(dir / "etc/ssl/certs/ca-certificates.crt"));
    EXPECT_TRUE(fs::is_regular_file(dir / "etc/nsswitch.conf"));
    EXPECT_NE(ReadFile(dir / "etc/passwd").find("misc:x:65532:65532:"), std::string::npos);
    EXPECT_NE(ReadFile(dir / "etc/group").find("misc:x:65532:"), std::string::npos);
    struct stat tmp;
    ASSERT_EQ(stat((dir / "tmp").c_str(), &tmp), 0);
    EXPECT_TRUE(S_ISDIR(tmp.st_mode));
    EXPECT_EQ(tmp.st_mode & 07777, 01777u);

    const std::set<std::string> forbidden = {
        "sh", "bash", "dash", "busybox", "apt", "apt-get", "dpkg", "gcc",    "g++",
        "cc", "c++",  "cpp",  "ld",      "as",  "clang",   "cc1",  "cc1plus"};
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      EXPECT_EQ(forbidden.count(name), 0u) << entry.path() << " has no place in an image";
      EXPECT_FALSE(name.starts_with("gcc-") || name.starts_with("x86_64-linux-gnu-"))
          << entry.path() << " looks like a compiler";
      // Only the binary is executable as a command: nothing under a bin directory but it.
      const std::string parent = entry.path().parent_path().filename().string();
      if (parent == "bin" || parent == "sbin") {
        EXPECT_EQ(entry.path().parent_path(), dir / "usr/local/bin") << entry.path();
      }
    }
    EXPECT_FALSE(fs::exists(dir / "bin/sh"));
    EXPECT_FALSE(fs::exists(dir / "usr/bin/sh"));
  }
  EXPECT_TRUE(fs::is_regular_file(migrate_dir / "migrations/0001_initial_schema.sql"));
  EXPECT_FALSE(fs::exists(server_dir / "migrations"));

  const uintmax_t server_bytes = TreeSize(server_dir);
  const uintmax_t migrate_bytes = TreeSize(migrate_dir);
  std::cout << absl::StrFormat("file set sizes: misc-server %.1f MB, misc-migrate %.1f MB\n",
                               static_cast<double>(server_bytes) / 1e6,
                               static_cast<double>(migrate_bytes) / 1e6);
  RecordProperty("misc_server_fileset_bytes", std::to_string(server_bytes));
  RecordProperty("misc_migrate_fileset_bytes", std::to_string(migrate_bytes));
  // A generous ceiling (a debug build is larger than a release one): a jump past it means the
  // script copied something it should not.
  EXPECT_LT(server_bytes, 120'000'000u);
  EXPECT_LT(migrate_bytes, 120'000'000u);
}

// Waits up to 60 s until the HTTP server at `port` answers GET /readyz with 200; returns the last
// status (-1: no answer).
int WaitReady(int port, testing::Subprocess& server) {
  int status = -1;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline && server.Running()) {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(2);
    if (httplib::Result result = client.Get("/readyz")) {
      status = result->status;
      if (status == 200) break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return status;
}

TEST_F(ImageFilesetTest, EachServerImageServesFromItsEntrypointAsItsUser) {
  for (const std::string& name : Images(/*servers_only=*/true)) {
    SCOPED_TRACE(name);
    const testing::DockerStage stage = Stage(name);
    // A gRPC server listens on MISC_LISTEN, an HTTP/JSON one (misc-rest) on MISC_HTTP_LISTEN.
    const bool http = stage.env.contains("MISC_HTTP_LISTEN");
    const char* listen_variable = http ? "MISC_HTTP_LISTEN" : "MISC_LISTEN";
    // Its ports are the ones it exposes; here it listens on free ones instead (`docker run -e`),
    // as the image's own may be taken on this machine.
    for (const char* variable : {listen_variable, "MISC_METRICS_LISTEN"}) {
      const int port = stage.env.contains(variable) ? PortOf(stage.env.at(variable)) : -1;
      EXPECT_NE(std::find(stage.exposed_ports.begin(), stage.exposed_ports.end(), port),
                stage.exposed_ports.end())
          << variable << " port " << port << " is not exposed";
    }
    const std::string database_url = testing::CreateMigratedDatabase("image_server");
    ASSERT_FALSE(database_url.empty());
    const int port = testing::FreeLoopbackPort();
    const std::string address = absl::StrCat("127.0.0.1:", port);
    auto process = StartImage(name, {{listen_variable, address},
                                     {"MISC_METRICS_LISTEN", "127.0.0.1:0"},
                                     {"MISC_SHUTDOWN_DELAY", "0s"},
                                     {"DATABASE_URL", database_url}});
    ASSERT_TRUE(process.ok()) << process.status();
    testing::Subprocess& server = **process;
    if (http) {
      ASSERT_EQ(WaitReady(port, server), 200)
          << name << " in the chroot did not become ready; its output:\n"
          << server.Output();
    } else {
      ASSERT_EQ(WaitServing(address, server), HealthCheckResponse::SERVING)
          << name << " in the chroot did not become SERVING; its output:\n"
          << server.Output();
    }

    // It really runs as the image's user.
    const std::string proc_status = ReadFile(absl::StrCat("/proc/", server.pid(), "/status"));
    EXPECT_EQ(stage.user, "65532:65532");
    EXPECT_NE(proc_status.find("\nUid:\t65532\t65532\t65532\t65532\n"), std::string::npos)
        << proc_status;

    server.Signal(SIGTERM);
    absl::StatusOr<int> exit_code = server.Wait(absl::Seconds(60));
    ASSERT_TRUE(exit_code.ok()) << exit_code.status();
    EXPECT_EQ(*exit_code, 0) << server.Output();
  }
}

// Every server binary of this build (servers.tsv: each misc_add_server; rest_servers.tsv: each
// misc_add_rest_server) has an image whose
// ENTRYPOINT runs it; the test above starts each such image. A split binary without its
// Dockerfile stage fails here. Needs no root: it reads the Dockerfile and the manifest only.
TEST(ImageListTest, EveryServerBinaryHasAnImageThatRunsIt) {
  std::set<std::string> entrypoints;
  for (const testing::DockerStage& stage : testing::ReadDockerStages(MISC_IMAGE_DOCKERFILE)) {
    if (stage.base == "scratch" && !stage.entrypoint.empty()) {
      entrypoints.insert(stage.entrypoint[0]);
    }
  }
  int servers = 0;
  for (const char* file : {"/servers.tsv", "/rest_servers.tsv"}) {
    std::ifstream manifest(absl::StrCat(MISC_IMAGE_BUILD_DIR, file));
    EXPECT_TRUE(manifest.is_open()) << file;
    std::string line;
    while (std::getline(manifest, line)) {
      if (line.empty() || line[0] == '#') continue;
      const std::string name = line.substr(0, line.find('\t'));
      ++servers;
      EXPECT_TRUE(entrypoints.contains(absl::StrCat("/usr/local/bin/", name)))
          << name << " has no `FROM scratch` image with ENTRYPOINT [\"/usr/local/bin/" << name
          << "\"] in the Dockerfile (docs/splitting-a-service.md, step 4)";
    }
  }
  EXPECT_GE(servers, 3) << "the manifests list misc-server, misc-restaurant and misc-rest at least";
}

// The image's command (CMD status) finds the migrations baked into it through its ENV alone.
TEST_F(ImageFilesetTest, MigrateImageRunsItsCommandWithItsOwnMigrations) {
  const std::string migrated = testing::CreateMigratedDatabase("image_migrate");
  ASSERT_FALSE(migrated.empty());
  const std::string empty = testing::CreateFreshDatabase("image_migrate_empty");
  ASSERT_FALSE(empty.empty());
  for (const auto& [url, expected_exit] : {std::pair{migrated, 0}, std::pair{empty, 1}}) {
    auto process = StartImage("migrate", {{"DATABASE_URL", url}});
    ASSERT_TRUE(process.ok()) << process.status();
    absl::StatusOr<int> exit_code = (*process)->Wait(absl::Seconds(120));
    ASSERT_TRUE(exit_code.ok()) << exit_code.status();
    EXPECT_EQ(*exit_code, expected_exit) << url << ":\n" << (*process)->Output();
  }
}

}  // namespace
}  // namespace misc
