#include "src/server/tls_files.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "src/auth/openssl_ptr.h"
#include "src/config/file_contents.h"

namespace misc::server {
namespace {

// The largest certificate chain or key file misc reads: far above any real one.
constexpr size_t kMaxPemFileBytes = size_t{1} << 20;

absl::StatusOr<std::string> ReadFile(const std::string& flag, const std::string& path) {
  absl::StatusOr<std::string> text = config::ReadConfigFile(path, kMaxPemFileBytes);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("--", flag, ": ", text.status().message()));
  }
  return text;
}

auth::BioPtr MemoryBio(const std::string& text) {
  return auth::BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Reads the first certificate of a PEM file.
absl::StatusOr<auth::X509Ptr> FirstCertificate(const std::string& flag, const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(flag, path);
  if (!text.ok()) return text.status();
  auth::X509Ptr cert(PEM_read_bio_X509(MemoryBio(*text).get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", path, " holds no PEM certificate"));
  }
  return cert;
}

}  // namespace

absl::Status CheckTlsFiles(const TlsFiles& files) {
  if (!files.enabled()) {
    if (!files.key_file.empty() || files.mutual()) {
      return absl::InvalidArgumentError(
          "--tls_key_file and --tls_client_ca_file need --tls_cert_file");
    }
    return absl::OkStatus();
  }
  if (files.key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert_file needs --tls_key_file");
  }
  absl::StatusOr<auth::X509Ptr> cert = FirstCertificate("tls_cert_file", files.cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key_text = ReadFile("tls_key_file", files.key_file);
  if (!key_text.ok()) return key_text.status();
  auth::EvpPkeyPtr key(
      PEM_read_bio_PrivateKey(MemoryBio(*key_text).get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_key_file: ", files.key_file, " holds no unencrypted PEM private key"));
  }
  if (X509_check_private_key(cert->get(), key.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_key_file: ", files.key_file, " is not the key of ", files.cert_file));
  }
  if (files.mutual()) {
    if (absl::Status ca = FirstCertificate("tls_client_ca_file", files.client_ca_file).status();
        !ca.ok()) {
      return ca;
    }
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::ServerCredentials> GrpcServerCredentials(const TlsFiles& files) {
  if (!files.enabled()) return grpc::InsecureServerCredentials();
  const auto interval =
      static_cast<unsigned int>(std::max<int64_t>(1, absl::ToInt64Seconds(files.refresh_interval)));
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      files.key_file, files.cert_file, files.client_ca_file, interval);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (files.mutual()) {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace misc::server
