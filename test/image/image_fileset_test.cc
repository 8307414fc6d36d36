// The file set of a `FROM scratch` image (scripts/runtime-fileset.sh), tested without Docker:
// the script builds it from the real misc-server and misc-migrate, and the binaries run from it
// alone with chroot, as the image's user 65532:65532, against the test PostgreSQL (its URL
// points at 127.0.0.1, and a chroot shares the network namespace). chroot needs root: as an
// ordinary user these tests skip (CI runs as root).
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/subprocess.h"

namespace misc {
namespace {

namespace fs = std::filesystem;
using ::grpc::health::v1::HealthCheckResponse;

constexpr char kRuntimeUser[] = "65532:65532";

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
  // The file sets are built once for the suite (as root only).
  static void SetUpTestSuite() {
    if (geteuid() != 0 || kSanitizerBuild) return;
    root_ = new fs::path(fs::path(::testing::TempDir()) /
                         absl::StrCat("misc-image-fileset-", getpid()));
    fs::remove_all(*root_);
    fs::create_directories(*root_);
    // 0755 so that the image's user can reach the trees (chroot itself runs as root).
    fs::permissions(*root_, fs::perms(0755));
    server_dir_ = new fs::path(*root_ / "misc");
    migrate_dir_ = new fs::path(*root_ / "migrate");
    server_result_ = new testing::RunResult(testing::RunAndWait(
        "bash",
        {MISC_IMAGE_FILESET_SCRIPT, MISC_IMAGE_SERVER_BINARY, server_dir_->string(), "--strip"}));
    migrate_result_ = new testing::RunResult(testing::RunAndWait(
        "bash", {MISC_IMAGE_FILESET_SCRIPT, MISC_IMAGE_MIGRATE_BINARY, migrate_dir_->string(),
                 "--strip", "--with-migrations", MISC_IMAGE_MIGRATIONS_DIR}));
  }

  static void TearDownTestSuite() {
    if (root_ != nullptr) {
      std::error_code ignored;
      fs::remove_all(*root_, ignored);
    }
    delete root_;
    delete server_dir_;
    delete migrate_dir_;
    delete server_result_;
    delete migrate_result_;
    root_ = server_dir_ = migrate_dir_ = nullptr;
    server_result_ = migrate_result_ = nullptr;
  }

  void SetUp() override {
    if (kSanitizerBuild) {
      GTEST_SKIP() << "sanitizer build: the image file set tests run in the dev and release "
                      "suites (images ship the release build)";
    }
    if (geteuid() != 0) {
      GTEST_SKIP() << "chroot needs root: the image file set tests run only as root (as in CI)";
    }
    ASSERT_EQ(server_result_->exit_code, 0) << "runtime-fileset.sh misc-server:\n"
                                            << server_result_->output;
    ASSERT_EQ(migrate_result_->exit_code, 0) << "runtime-fileset.sh misc-migrate:\n"
                                             << migrate_result_->output;
  }

  // Runs `binary` (a path inside `dir`) with `args` in a chroot of `dir` as the image's user.
  static testing::RunResult RunInChroot(const fs::path& dir, const std::string& binary,
                                        const std::vector<std::string>& args) {
    std::vector<std::string> chroot_args = {absl::StrCat("--userspec=", kRuntimeUser), dir.string(),
                                            binary};
    chroot_args.insert(chroot_args.end(), args.begin(), args.end());
    return testing::RunAndWait(ChrootBinary(), chroot_args, {}, absl::Seconds(120));
  }

  static fs::path* root_;
  static fs::path* server_dir_;
  static fs::path* migrate_dir_;
  static testing::RunResult* server_result_;
  static testing::RunResult* migrate_result_;
};

fs::path* ImageFilesetTest::root_ = nullptr;
fs::path* ImageFilesetTest::server_dir_ = nullptr;
fs::path* ImageFilesetTest::migrate_dir_ = nullptr;
testing::RunResult* ImageFilesetTest::server_result_ = nullptr;
testing::RunResult* ImageFilesetTest::migrate_result_ = nullptr;

TEST_F(ImageFilesetTest, HoldsTheRuntimeFilesAndNoShellPackageManagerOrCompiler) {
  for (const fs::path* dir : {server_dir_, migrate_dir_}) {
    SCOPED_TRACE(dir->string());
    EXPECT_TRUE(fs::is_regular_file(*dir / "lib64/ld-linux-x86-64.so.2"));
    EXPECT_TRUE(fs::is_regular_file(*dir / "etc/ssl/certs/ca-certificates.crt"));
    EXPECT_TRUE(fs::is_regular_file(*dir / "etc/nsswitch.conf"));
    EXPECT_NE(ReadFile(*dir / "etc/passwd").find("misc:x:65532:65532:"), std::string::npos);
    EXPECT_NE(ReadFile(*dir / "etc/group").find("misc:x:65532:"), std::string::npos);
    struct stat tmp;
    ASSERT_EQ(stat((*dir / "tmp").c_str(), &tmp), 0);
    EXPECT_TRUE(S_ISDIR(tmp.st_mode));
    EXPECT_EQ(tmp.st_mode & 07777, 01777u);

    const std::set<std::string> forbidden = {
        "sh", "bash", "dash", "busybox", "apt", "apt-get", "dpkg", "gcc",    "g++",
        "cc", "c++",  "cpp",  "ld",      "as",  "clang",   "cc1",  "cc1plus"};
    for (const auto& entry : fs::recursive_directory_iterator(*dir)) {
      const std::string name = entry.path().filename().string();
      EXPECT_EQ(forbidden.count(name), 0u) << entry.path() << " has no place in an image";
      EXPECT_FALSE(name.starts_with("gcc-") || name.starts_with("x86_64-linux-gnu-"))
          << entry.path() << " looks like a compiler";
      // Only the binary is executable as a command: nothing under a bin directory but it.
      const std::string parent = entry.path().parent_path().filename().string();
      if (parent == "bin" || parent == "sbin") {
        EXPECT_EQ(entry.path().parent_path(), *dir / "usr/local/bin") << entry.path();
      }
    }
    EXPECT_FALSE(fs::exists(*dir / "bin/sh"));
    EXPECT_FALSE(fs::exists(*dir / "usr/bin/sh"));
  }
  EXPECT_TRUE(fs::is_regular_file(*server_dir_ / "usr/local/bin/misc-server"));
  EXPECT_TRUE(fs::is_regular_file(*migrate_dir_ / "usr/local/bin/misc-migrate"));
  EXPECT_TRUE(fs::is_regular_file(*migrate_dir_ / "migrations/0001_initial_schema.sql"));
  EXPECT_FALSE(fs::exists(*server_dir_ / "migrations"));

  const uintmax_t server_bytes = TreeSize(*server_dir_);
  const uintmax_t migrate_bytes = TreeSize(*migrate_dir_);
  std::cout << absl::StrFormat("file set sizes: misc-server %.1f MB, misc-migrate %.1f MB\n",
                               server_bytes / 1e6, migrate_bytes / 1e6);
  RecordProperty("misc_server_fileset_bytes", std::to_string(server_bytes));
  RecordProperty("misc_migrate_fileset_bytes", std::to_string(migrate_bytes));
  // A generous ceiling (a debug build is larger than a release one): a jump past it means the
  // script copied something it should not.
  EXPECT_LT(server_bytes, 120'000'000u);
  EXPECT_LT(migrate_bytes, 120'000'000u);
}

TEST_F(ImageFilesetTest, ServerRunsFromTheFileSetAloneAsTheImageUser) {
  const std::string database_url = testing::CreateMigratedDatabase("image_server");
  ASSERT_FALSE(database_url.empty());
  const std::string address = absl::StrCat("127.0.0.1:", testing::FreeLoopbackPort());
  auto process = testing::Subprocess::Start(
      ChrootBinary(), {absl::StrCat("--userspec=", kRuntimeUser), server_dir_->string(),
                       "/usr/local/bin/misc-server", absl::StrCat("--listen=", address),
                       "--metrics_listen=127.0.0.1:0",
                       absl::StrCat("--database_url=", database_url), "--shutdown_delay=0s"});
  ASSERT_TRUE(process.ok()) << process.status();
  testing::Subprocess& server = **process;

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
  ASSERT_EQ(status, HealthCheckResponse::SERVING)
      << "misc-server in the chroot did not become SERVING; its output:\n"
      << server.Output();

  // It really runs as the image's user.
  const std::string proc_status = ReadFile(absl::StrCat("/proc/", server.pid(), "/status"));
  EXPECT_NE(proc_status.find("\nUid:\t65532\t65532\t65532\t65532\n"), std::string::npos)
      << proc_status;

  server.Signal(SIGTERM);
  absl::StatusOr<int> exit_code = server.Wait(absl::Seconds(60));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0) << server.Output();
}

TEST_F(ImageFilesetTest, MigrateStatusRunsFromTheFileSetAloneAsTheImageUser) {
  const std::string migrated = testing::CreateMigratedDatabase("image_migrate");
  ASSERT_FALSE(migrated.empty());
  testing::RunResult up_to_date = RunInChroot(
      *migrate_dir_, "/usr/local/bin/misc-migrate",
      {absl::StrCat("--database_url=", migrated), "--migrations_dir=/migrations", "status"});
  EXPECT_EQ(up_to_date.exit_code, 0) << up_to_date.output;

  const std::string empty = testing::CreateFreshDatabase("image_migrate_empty");
  ASSERT_FALSE(empty.empty());
  testing::RunResult pending = RunInChroot(
      *migrate_dir_, "/usr/local/bin/misc-migrate",
      {absl::StrCat("--database_url=", empty), "--migrations_dir=/migrations", "status"});
  EXPECT_EQ(pending.exit_code, 1) << pending.output;
}

}  // namespace
}  // namespace misc
