#include "src/http/tls_context.h"

#include <spdlog/spdlog.h>

#include <boost/system/error_code.hpp>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/log/absl_format.h"

namespace misc::http {
namespace {

namespace ssl = boost::asio::ssl;

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> LoadTlsContext(const HttpTlsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code error;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       error);
  const auto failed = [&error](absl::string_view flag, const std::string& path) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": cannot load ", path, ": ", error.message()));
  };
  if (context->use_certificate_chain_file(files.cert_file, error); error) {
    return failed("tls_cert_file", files.cert_file);
  }
  if (context->use_private_key_file(files.key_file, ssl::context::pem, error); error) {
    return failed("tls_key_file", files.key_file);
  }
  if (!files.client_ca_file.empty()) {
    if (context->load_verify_file(files.client_ca_file, error); error) {
      return failed("tls_client_ca_file", files.client_ca_file);
    }
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, error);
  }
  return context;
}

absl::StatusOr<std::unique_ptr<TlsContextSource>> TlsContextSource::Create(HttpTlsFiles files) {
  absl::StatusOr<std::shared_ptr<ssl::context>> context = LoadTlsContext(files);
  if (!context.ok()) return context.status();
  std::unique_ptr<TlsContextSource> source(new TlsContextSource(std::move(files)));
  absl::MutexLock lock(&source->mu_);
  source->current_ = *std::move(context);
  source->stamp_ = source->Stamp();
  source->next_look_ = absl::Now() + source->files_.refresh_interval;
  return source;
}

std::string TlsContextSource::Stamp() const {
  std::string stamp;
  for (const std::string* path : {&files_.cert_file, &files_.key_file, &files_.client_ca_file}) {
    std::error_code error;
    const auto time = std::filesystem::last_write_time(*path, error);
    absl::StrAppend(&stamp, error ? -1 : time.time_since_epoch().count(), ";");
  }
  return stamp;
}

std::shared_ptr<ssl::context> TlsContextSource::Get(absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (now < next_look_) return current_;
  next_look_ = now + files_.refresh_interval;
  std::string stamp = Stamp();
  if (stamp == stamp_) return current_;
  absl::StatusOr<std::shared_ptr<ssl::context>> reloaded = LoadTlsContext(files_);
  if (!reloaded.ok()) {
    // Likely caught between the writes of a renewal: the next look tries again.
    spdlog::warn("TLS files changed but cannot be loaded, keeping the last good ones: {}",
                 reloaded.status().message());
    return current_;
  }
  spdlog::info("TLS certificate reloaded from {}", files_.cert_file);
  current_ = *std::move(reloaded);
  stamp_ = std::move(stamp);
  return current_;
}

}  // namespace misc::http
