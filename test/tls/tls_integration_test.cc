// TLS and mutual TLS on misc-server's gRPC port and misc-rest's HTTP port (--tls_cert_file,
// --tls_key_file, --tls_client_ca_file), with certificates openssl makes for each run
// (make_test_certs.sh): plaintext and untrusted clients are refused, a renewed certificate is
// served without a restart, and unusable files stop the server at start. Runs the real misc-server
// against the seeded throwaway PostgreSQL.
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "test/support/eventually.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/rest_server.h"
#include "test/support/subprocess.h"

namespace misc {
namespace {

using ::misc::testing::ServerProcess;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

// Replaces `path` with `contents` in one step (a rename), as a Secret volume update does.
void ReplaceFile(const std::string& path, const std::string& contents) {
  const std::string staged = path + ".new";
  std::ofstream(staged, std::ios::binary) << contents;
  std::filesystem::rename(staged, path);
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new std::string(absl::StrCat(::testing::TempDir(), "misc-tls-", getpid()));
    const std::string command = absl::StrCat("bash ", MISC_TEST_CERTS_SCRIPT, " ", *certs_);
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*certs_);
    delete certs_;
  }

  static std::string Cert(const std::string& name) { return absl::StrCat(*certs_, "/", name); }

  // TLS flags serving server.crt (with a client CA: mutual TLS).
  static std::vector<std::string> TlsFlags(const std::string& cert_dir, bool mutual) {
    std::vector<std::string> flags = {absl::StrCat("--tls_cert_file=", cert_dir, "/server.crt"),
                                      absl::StrCat("--tls_key_file=", cert_dir, "/server.key"),
                                      "--tls_refresh_interval=1s"};
    if (mutual) flags.push_back(absl::StrCat("--tls_client_ca_file=", Cert("ca.crt")));
    return flags;
  }

  // A client that trusts ca.crt, presenting the certificate `client` ("client",
  // "other-client"), or none when empty.
  static std::shared_ptr<grpc::ChannelCredentials> TlsClient(const std::string& client = "") {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadFile(Cert("ca.crt"));
    if (!client.empty()) {
      options.pem_private_key = ReadFile(Cert(client + ".key"));
      options.pem_cert_chain = ReadFile(Cert(client + ".crt"));
    }
    return grpc::SslCredentials(options);
  }

  // Checks health over a new connection made with `credentials`; returns the call's status
  // and, when `common_name` is set, the CN of the certificate the server presented.
  static grpc::Status Check(const ServerProcess& server,
                            const std::shared_ptr<grpc::ChannelCredentials>& credentials,
                            std::string* common_name = nullptr) {
    auto stub = grpc::health::v1::Health::NewStub(server.channel(credentials));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    if (common_name != nullptr && status.ok()) {
      const std::vector<grpc::string_ref> names =
          context.auth_context()->FindPropertyValues("x509_common_name");
      *common_name = names.empty() ? "" : std::string(names[0].data(), names[0].size());
    }
    return status;
  }

  static std::string* certs_;
};

std::string* TlsTest::certs_ = nullptr;

TEST_F(TlsTest, ServesTlsClientsAndRefusesPlaintext) {
  auto server = ServerProcess::StartSecure(testing::SeededDatabaseUrl(),
                                           TlsFlags(*certs_, /*mutual=*/false), TlsClient());
  ASSERT_NE(server, nullptr);
  std::string common_name;
  const grpc::Status tls = Check(*server, TlsClient(), &common_name);
  EXPECT_TRUE(tls.ok()) << tls.error_message();
  EXPECT_EQ(common_name, "misc-server-1");
  const grpc::Status plaintext = Check(*server, grpc::InsecureChannelCredentials());
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE) << plaintext.error_message();
  EXPECT_EQ(server->Terminate(), 0);
}

TEST_F(TlsTest, MutualTlsRefusesClientsWithoutACertificateOrFromAnotherCa) {
  auto server = ServerProcess::StartSecure(testing::SeededDatabaseUrl(),
                                           TlsFlags(*certs_, /*mutual=*/true), TlsClient("client"));
  ASSERT_NE(server, nullptr);
  const grpc::Status trusted = Check(*server, TlsClient("client"));
  EXPECT_TRUE(trusted.ok()) << trusted.error_message();
  for (const auto& [name, credentials] :
       {std::pair<std::string, std::shared_ptr<grpc::ChannelCredentials>>{"no certificate",
                                                                          TlsClient()},
        {"another CA", TlsClient("other-client")},
        {"plaintext", grpc::InsecureChannelCredentials()}}) {
    const grpc::Status refused = Check(*server, credentials);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE)
        << name << ": " << refused.error_message();
  }
  // Refusing them did not stop the server serving the trusted client.
  EXPECT_TRUE(Check(*server, TlsClient("client")).ok());
  EXPECT_EQ(server->Terminate(), 0);
}

TEST_F(TlsTest, ARenewedCertificateIsServedWithoutARestart) {
  // Its own copy of the files, replaced the way a renewed Secret is.
  const std::string dir = absl::StrCat(*certs_, "/renewed");
  std::filesystem::create_directories(dir);
  ReplaceFile(dir + "/server.crt", ReadFile(Cert("server.crt")));
  ReplaceFile(dir + "/server.key", ReadFile(Cert("server.key")));
  auto server = ServerProcess::StartSecure(testing::SeededDatabaseUrl(),
                                           TlsFlags(dir, /*mutual=*/true), TlsClient("client"));
  ASSERT_NE(server, nullptr);
  std::string common_name;
  ASSERT_TRUE(Check(*server, TlsClient("client"), &common_name).ok());
  ASSERT_EQ(common_name, "misc-server-1");

  ReplaceFile(dir + "/server.key", ReadFile(Cert("server-2.key")));
  ReplaceFile(dir + "/server.crt", ReadFile(Cert("server-2.crt")));
  // Reread every second (--tls_refresh_interval=1s); new connections get the new pair.
  EXPECT_TRUE(testing::Eventually(
      [&] {
        return Check(*server, TlsClient("client"), &common_name).ok() &&
               common_name == "misc-server-2";
      },
      absl::Seconds(20), absl::Milliseconds(200)))
      << "still serving " << common_name;
  EXPECT_EQ(server->Terminate(), 0);
}

// An HTTPS client of misc-rest trusting ca.crt, presenting `client`'s certificate (none when
// empty). Returns the status of GET /v1/genres, or 0 when the request failed (handshake refused,
// connection closed).
int RestGenresStatus(int port, const std::string& certs, const std::string& client) {
  const std::string cert = client.empty() ? "" : absl::StrCat(certs, "/", client, ".crt");
  const std::string key = client.empty() ? "" : absl::StrCat(certs, "/", client, ".key");
  httplib::SSLClient https("127.0.0.1", port, cert, key);
  https.set_ca_cert_path(absl::StrCat(certs, "/ca.crt"));
  https.enable_server_certificate_verification(true);
  https.set_connection_timeout(5);
  https.set_read_timeout(10);
  httplib::Result result = https.Get("/v1/genres");
  return result ? result->status : 0;
}

TEST_F(TlsTest, RestServesMutualTlsOnlyAndPicksUpARenewedCertificate) {
  const std::string dir = absl::StrCat(*certs_, "/rest");
  std::filesystem::create_directories(dir);
  ReplaceFile(dir + "/server.crt", ReadFile(Cert("server.crt")));
  ReplaceFile(dir + "/server.key", ReadFile(Cert("server.key")));
  auto rest =
      testing::RestProcess::Start(testing::SeededDatabaseUrl(), TlsFlags(dir, /*mutual=*/true));
  ASSERT_NE(rest, nullptr);
  EXPECT_EQ(RestGenresStatus(rest->port(), *certs_, "client"), 200);
  EXPECT_EQ(RestGenresStatus(rest->port(), *certs_, ""), 0) << "no client certificate";
  EXPECT_EQ(RestGenresStatus(rest->port(), *certs_, "other-client"), 0) << "another CA";
  httplib::Client plaintext("127.0.0.1", rest->port());
  plaintext.set_read_timeout(10);
  const httplib::Result refused = plaintext.Get("/v1/genres");
  EXPECT_TRUE(!refused || refused->status != 200) << "plaintext answered";
  EXPECT_EQ(RestGenresStatus(rest->port(), *certs_, "client"), 200);

  // A renewal: new connections get the new certificate; the old one is no longer served.
  ReplaceFile(dir + "/server.key", ReadFile(Cert("server-2.key")));
  ReplaceFile(dir + "/server.crt", ReadFile(Cert("server-2.crt")));
  // The subject of the certificate misc-rest presents to a new connection, as openssl sees it.
  const auto served_common_name = [&] {
    const std::string command = absl::StrCat(
        "openssl s_client -connect 127.0.0.1:", rest->port(), " -cert ", Cert("client.crt"),
        " -key ", Cert("client.key"), " -CAfile ", Cert("ca.crt"),
        " -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -subject 2>/dev/null");
    std::string subject;
    if (FILE* pipe = popen(command.c_str(), "r")) {
      std::array<char, 256> line{};
      while (fgets(line.data(), static_cast<int>(line.size()), pipe) != nullptr) {
        subject += line.data();
      }
      pclose(pipe);
    }
    return subject;
  };
  std::string common_name;
  EXPECT_TRUE(testing::Eventually(
      [&] {
        common_name = served_common_name();
        return absl::StrContains(common_name, "misc-server-2");
      },
      absl::Seconds(20), absl::Milliseconds(200)))
      << "still serving " << common_name;
  EXPECT_EQ(rest->Terminate(), 0);
}

TEST_F(TlsTest, UnusableTlsFilesStopTheServerAtStartNamingTheFile) {
  const std::string url = testing::SeededDatabaseUrl();
  const std::string cert = absl::StrCat("--tls_cert_file=", Cert("server.crt"));
  const struct {
    std::vector<std::string> flags;
    std::string message;
  } cases[] = {
      {{cert, absl::StrCat("--tls_key_file=", Cert("server-2.key"))}, "is not the key of"},
      {{cert, "--tls_key_file=/nonexistent/server.key"}, "/nonexistent/server.key"},
      {{cert, absl::StrCat("--tls_key_file=", Cert("server.key")),
        absl::StrCat("--tls_client_ca_file=", Cert("server.key"))},
       "holds no PEM certificate"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"--listen=127.0.0.1:0",
                                     "--metrics_listen=", absl::StrCat("--database_url=", url)};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    const testing::RunResult result = testing::RunAndWait(MISC_SERVER_BINARY, args);
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_TRUE(absl::StrContains(result.output, c.message)) << result.output;
    EXPECT_FALSE(absl::StrContains(result.output, "PRIVATE KEY")) << result.output;
  }
  // A key without a certificate is a flag error (exit 2), before anything starts.
  const testing::RunResult flags_only = testing::RunAndWait(
      MISC_SERVER_BINARY, {"--listen=127.0.0.1:0", absl::StrCat("--database_url=", url),
                           absl::StrCat("--tls_key_file=", Cert("server.key"))});
  EXPECT_EQ(flags_only.exit_code, 2) << flags_only.output;
  EXPECT_TRUE(absl::StrContains(flags_only.output, "--tls_cert_file")) << flags_only.output;
}

}  // namespace
}  // namespace misc
