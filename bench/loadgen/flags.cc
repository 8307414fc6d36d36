#include "bench/loadgen/flags.h"

#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bench/loadgen/workload.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Server address, host:port.");
ABSL_FLAG(int, channels, 1,
          "Channels to spread the calls over, each its own HTTP/2 connection (a BFF replica "
          "usually has one per backend). Mind the server's --max_concurrent_streams (100) per "
          "connection: calls beyond it queue in the client.");
ABSL_FLAG(int, concurrency, 1,
          "Operations in flight in total (closed loop: each slot starts its next operation "
          "when the last one finishes). A restaurant_page operation is 4 to 5 calls.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "How long to measure.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2),
          "How long to run before measuring; nothing that finishes then is recorded.");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(5), "Deadline of each call.");
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(10),
          "How long every channel may take to connect before the run is given up.");
ABSL_FLAG(std::string, workload, "",
          "What one operation is: get_restaurant, get_restaurant_logged_in, "
          "batch_get_restaurants, list_restaurants_first, list_restaurants_deep, list_reviews, "
          "get_area, list_genres, check_rollout_target, health, restaurant_page.");
ABSL_FLAG(misc::loadgen::Mix, mix, {},
          "Instead of --workload, a weighted mix: NAME:WEIGHT,... e.g. "
          "get_restaurant:6,list_reviews:3,list_genres:1.");
ABSL_FLAG(misc::loadgen::IdRange, restaurant_ids, (misc::loadgen::IdRange{1, 1000}),
          "Restaurant ids to draw from uniformly, FIRST:LAST: the seeded ones, 1 to "
          "misc-migrate seed's --restaurants (1000 by default).");
ABSL_FLAG(bool, zipf, false,
          "Pick restaurant ids with Zipf popularity (s = 1) instead of uniformly: a site's "
          "traffic, where a few restaurants get most of the page views.");
ABSL_FLAG(int64_t, fixed_restaurant_id, 0,
          "When positive, every restaurant request uses this id (to compare with h2load, "
          "which repeats one request).");
ABSL_FLAG(int, deep_pages, 200,
          "list_restaurants_deep asks for the page after this many pages of 20 (walked once "
          "before the warm-up).");
ABSL_FLAG(std::string, tokens_file, "",
          "User tokens (JWT), one a line, for logged-in workloads; each call picks one at "
          "random. Make them with misc-devtoken.");
ABSL_FLAG(std::string, json, "", "Write the JSON report to this file; empty or - : stdout.");
ABSL_FLAG(std::string, write_framed_request, "",
          "Write one gRPC length-prefixed request of --workload to this file, print the "
          "method's :path and exit (for h2load -d).");
ABSL_FLAG(std::string, expected_codes, "OK",
          "Status codes that do not fail the run, comma-separated (e.g. OK,NOT_FOUND).");
ABSL_FLAG(bool, allow_errors, false, "Exit 0 even when calls failed with unexpected codes.");

namespace misc::loadgen {
namespace {

absl::Status Invalid(absl::string_view flag, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", problem));
}

// The workloads a config runs: its --workload, or every workload of its --mix.
std::vector<std::string> WorkloadNames(const Config& config) {
  if (!config.workload.empty()) return {config.workload};
  std::vector<std::string> names;
  for (const MixEntry& entry : config.mix.entries) names.push_back(entry.workload);
  return names;
}

}  // namespace

std::string Config::WorkloadName() const {
  return workload.empty() ? absl::StrCat("mix:", AbslUnparseFlag(mix)) : workload;
}

absl::StatusOr<Config> ConfigFromFlags() {
  Config config;
  config.target = absl::GetFlag(FLAGS_target);
  config.channels = absl::GetFlag(FLAGS_channels);
  config.concurrency = absl::GetFlag(FLAGS_concurrency);
  config.duration = absl::GetFlag(FLAGS_duration);
  config.warmup = absl::GetFlag(FLAGS_warmup);
  config.deadline = absl::GetFlag(FLAGS_deadline);
  config.connect_timeout = absl::GetFlag(FLAGS_connect_timeout);
  config.workload = absl::GetFlag(FLAGS_workload);
  config.mix = absl::GetFlag(FLAGS_mix);
  config.data.restaurant_ids = absl::GetFlag(FLAGS_restaurant_ids);
  config.data.zipf = absl::GetFlag(FLAGS_zipf);
  if (const int64_t id = absl::GetFlag(FLAGS_fixed_restaurant_id); id > 0) {
    config.data.fixed_restaurant_id = id;
  } else if (id < 0) {
    return Invalid("fixed_restaurant_id", "must not be negative");
  }
  config.deep_pages = absl::GetFlag(FLAGS_deep_pages);
  config.tokens_file = absl::GetFlag(FLAGS_tokens_file);
  config.json_path = absl::GetFlag(FLAGS_json);
  config.write_framed_request = absl::GetFlag(FLAGS_write_framed_request);
  config.allow_errors = absl::GetFlag(FLAGS_allow_errors);

  if (config.target.empty()) return Invalid("target", "required");
  if (config.channels < 1) return Invalid("channels", "must be at least 1");
  if (config.concurrency < 1) return Invalid("concurrency", "must be at least 1");
  if (config.duration <= absl::ZeroDuration()) return Invalid("duration", "must be positive");
  if (config.warmup < absl::ZeroDuration()) return Invalid("warmup", "must not be negative");
  if (config.deadline <= absl::ZeroDuration()) return Invalid("deadline", "must be positive");
  if (config.deep_pages < 1) return Invalid("deep_pages", "must be at least 1");

  absl::StatusOr<std::set<grpc::StatusCode>> codes =
      ParseStatusCodes(absl::GetFlag(FLAGS_expected_codes));
  if (!codes.ok()) return Invalid("expected_codes", codes.status().message());
  config.expected_codes = *std::move(codes);
  config.expected_codes.insert(grpc::StatusCode::OK);

  if (config.workload.empty() == config.mix.entries.empty()) {
    return Invalid("workload", "give exactly one of --workload and --mix");
  }
  bool logged_in = false;
  for (const std::string& name : WorkloadNames(config)) {
    const WorkloadInfo* info = FindWorkload(name);
    if (info == nullptr) {
      return Invalid(config.workload.empty() ? "mix" : "workload",
                     absl::StrCat("unknown workload \"", name, "\" (see --help)"));
    }
    logged_in = logged_in || info->logged_in;
    if (info->page && !config.write_framed_request.empty()) {
      return Invalid("write_framed_request",
                     absl::StrCat(name, " makes several calls; pick a single-call workload"));
    }
  }
  if (!config.write_framed_request.empty() && config.workload.empty()) {
    return Invalid("write_framed_request", "needs --workload, not --mix");
  }
  if (logged_in && config.tokens_file.empty()) {
    return Invalid("tokens_file", "required by the logged-in workload");
  }
  return config;
}

}  // namespace misc::loadgen
