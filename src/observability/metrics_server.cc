#include "src/observability/metrics_server.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <atomic>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "src/http/http_server.h"
#include "src/log/absl_format.h"

namespace misc::observability {
namespace {

constexpr char kMetricsPath[] = "/metrics";
constexpr char kHealthzPath[] = "/healthz";
constexpr char kReadyzPath[] = "/readyz";
// The text format's type, as prometheus-cpp's exposer served it.
constexpr char kTextFormat[] = "text/plain; charset=utf-8";
// Scrapes and probes are small and rare; two threads so that a scrape being serialized does
// not keep a probe waiting.
constexpr int kThreads = 2;

http::HttpResponse Answer(int status, std::string content_type, std::string body) {
  http::HttpResponse response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

http::HttpResponse Probe(bool serving) {
  return serving ? Answer(200, "application/json", R"({"status":"SERVING"})")
                 : Answer(503, "application/json", R"({"status":"NOT_SERVING"})");
}

// Whether an Accept-Encoding header value allows gzip ("gzip", "gzip;q=0.5"; not "gzip;q=0").
bool AcceptsGzip(absl::string_view accept_encoding) {
  for (const absl::string_view coding : absl::StrSplit(accept_encoding, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(coding, ';');
    if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(parts[0]), "gzip")) continue;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view parameter = absl::StripAsciiWhitespace(parts[i]);
      double quality = 1;
      if (absl::ConsumePrefix(&parameter, "q=") && absl::SimpleAtod(parameter, &quality) &&
          quality <= 0) {
        return false;
      }
    }
    return true;
  }
  return false;
}

// Returns `text` compressed in the gzip format, or nullopt when zlib fails.
std::optional<std::string> Gzip(absl::string_view text) {
  z_stream stream{};
  // Window bits 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return std::nullopt;
  }
  std::string compressed(deflateBound(&stream, static_cast<uLong>(text.size())), '\0');
  // zlib's API is not const-correct; it does not write to its input.
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(compressed.data());
  stream.avail_out = static_cast<uInt>(compressed.size());
  const int result = deflate(&stream, Z_FINISH);
  compressed.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) return std::nullopt;
  return compressed;
}

}  // namespace

// Answers every request at once, on the server's thread: collecting and serializing metrics
// reads memory only.
class MetricsServer::Handler final : public http::HttpHandler {
 public:
  explicit Handler(std::vector<std::shared_ptr<prometheus::Collectable>> collectables)
      : collectables_(std::move(collectables)) {}

  void Handle(http::HttpRequest request, http::HttpResponder respond) override {
    std::move(respond)(AnswerTo(request));
  }

  http::HttpResponse Refused(int status, absl::string_view reason, absl::string_view) override {
    return Answer(status, "text/plain", absl::StrCat(reason, "\n"));
  }

  std::atomic<bool> ready{false};

 private:
  http::HttpResponse AnswerTo(const http::HttpRequest& request) const {
    const absl::string_view path =
        absl::string_view(request.target)
            .substr(0, std::min(request.target.size(), request.target.find('?')));
    if (path != kMetricsPath && path != kHealthzPath && path != kReadyzPath) {
      return Answer(404, "text/plain",
                    "not found: this listener serves /metrics, /healthz and "
                    "/readyz\n");
    }
    if (request.method != "GET") {
      http::HttpResponse response =
          Answer(405, "text/plain", absl::StrCat(request.method, " is not allowed: use GET\n"));
      response.headers.emplace_back("Allow", "GET");
      return response;
    }
    if (path == kHealthzPath) return Probe(true);
    if (path == kReadyzPath) return Probe(ready.load());
    return Metrics(request.Header("accept-encoding"));
  }

  http::HttpResponse Metrics(absl::string_view accept_encoding) const {
    std::vector<prometheus::MetricFamily> families;
    for (const std::shared_ptr<prometheus::Collectable>& collectable : collectables_) {
      std::vector<prometheus::MetricFamily> collected = collectable->Collect();
      families.insert(families.end(), std::make_move_iterator(collected.begin()),
                      std::make_move_iterator(collected.end()));
    }
    http::HttpResponse response =
        Answer(200, kTextFormat, prometheus::TextSerializer().Serialize(families));
    if (AcceptsGzip(accept_encoding)) {
      if (std::optional<std::string> compressed = Gzip(response.body)) {
        response.body = *std::move(compressed);
        response.headers.emplace_back("Content-Encoding", "gzip");
      }
    }
    return response;
  }

  const std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
};

MetricsServer::MetricsServer(std::unique_ptr<Handler> handler,
                             std::unique_ptr<http::HttpServer> server)
    : handler_(std::move(handler)), server_(std::move(server)), port_(server_->port()) {}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    absl::string_view listen, std::vector<std::shared_ptr<prometheus::Collectable>> collectables) {
  auto handler = std::make_unique<Handler>(std::move(collectables));
  http::HttpServerOptions options;
  options.listen = std::string(listen);
  options.threads = kThreads;
  options.max_body_bytes = 0;
  options.max_header_bytes = kMaxHeaderBytes;
  options.request_timeout = kRequestTimeout;
  options.idle_timeout = kIdleTimeout;
  options.max_connections = kMaxConnections;
  absl::StatusOr<std::unique_ptr<http::HttpServer>> server =
      http::HttpServer::Start(options, *handler);
  if (!server.ok()) return server.status();
  const absl::string_view host = listen.substr(0, listen.rfind(':'));
  spdlog::info("serving Prometheus metrics on http://{}:{}/metrics", host, (*server)->port());
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(handler), *std::move(server)));
}

MetricsServer::~MetricsServer() { Stop(); }

void MetricsServer::SetReady(bool ready) { handler_->ready.store(ready); }

void MetricsServer::Stop() {
  if (server_ == nullptr) return;
  // Every answer is written as soon as it is asked for: nothing in flight is worth waiting for.
  server_->Drain(absl::Now());
  server_.reset();
}

}  // namespace misc::observability
