#include "bench/loadgen/app.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/loadgen/channels.h"
#include "bench/loadgen/deep_page.h"
#include "bench/loadgen/grpc_frame.h"
#include "bench/loadgen/load_runner.h"
#include "bench/loadgen/report.h"
#include "bench/loadgen/tokens.h"
#include "bench/loadgen/workload.h"

namespace misc::loadgen {
namespace {

int Fail(absl::string_view message) {
  std::fprintf(stderr, "misc-loadgen: %.*s\n", static_cast<int>(message.size()), message.data());
  return kExitFailed;
}

// The infos of every workload `config` runs (the flags were checked, so all exist).
std::vector<const WorkloadInfo*> Infos(const Config& config) {
  if (!config.workload.empty()) return {FindWorkload(config.workload)};
  std::vector<const WorkloadInfo*> infos;
  for (const MixEntry& entry : config.mix.entries) infos.push_back(FindWorkload(entry.workload));
  return infos;
}

bool Any(const std::vector<const WorkloadInfo*>& infos, bool WorkloadInfo::*property) {
  for (const WorkloadInfo* info : infos) {
    if (info->*property) return true;
  }
  return false;
}

absl::Status WriteJson(const std::string& path, const std::string& json) {
  if (path.empty() || path == "-") {
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fflush(stdout);
    return absl::OkStatus();
  }
  std::ofstream out(path, std::ios::trunc);
  out << json;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// Returns why the run should fail, or "" when it should not.
std::string Verdict(const Config& config, const RunStats& stats) {
  if (stats.ops == 0) return "no operation finished inside the measured window";
  std::vector<std::string> unexpected;
  for (const auto& [name, n] : stats.errors_by_code) {
    grpc::StatusCode code;
    if (!ParseStatusCodeName(name, &code) || !config.expected_codes.contains(code)) {
      unexpected.push_back(absl::StrCat(n, " ", name));
    }
  }
  if (unexpected.empty() || config.allow_errors) return "";
  return absl::StrCat("calls failed: ", absl::StrJoin(unexpected, ", "),
                      " (see --expected_codes, --allow_errors)");
}

}  // namespace

int RunLoadgen(const Config& config) {
  const std::vector<const WorkloadInfo*> infos = Infos(config);
  const bool deep_page = Any(infos, &WorkloadInfo::deep_page);
  const bool framing = !config.write_framed_request.empty();

  CallSettings settings = {.deadline = config.deadline};
  if (!config.tokens_file.empty()) {
    absl::StatusOr<std::vector<std::string>> tokens = ReadAuthorizations(config.tokens_file);
    if (!tokens.ok()) return Fail(tokens.status().message());
    settings.authorizations = *std::move(tokens);
  }

  // Writing a framed request needs no server, unless the request holds the deep page token.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  if (!framing || deep_page) {
    absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> connected =
        ConnectChannels(config.target, framing ? 1 : config.channels, config.connect_timeout);
    if (!connected.ok()) return Fail(connected.status().message());
    channels = *std::move(connected);
  }

  DataSet data = config.data;
  std::optional<DeepPage> deep;
  if (deep_page) {
    absl::StatusOr<DeepPage> found =
        FindDeepPage(channels[0], config.deep_pages, RequestFactory::kPageSize, config.deadline);
    if (!found.ok()) return Fail(found.status().message());
    deep = *found;
    data.deep_page_token = deep->token;
  }
  const RequestFactory requests(std::move(data));
  absl::StatusOr<std::unique_ptr<Workload>> workload =
      config.workload.empty() ? MakeMixWorkload(config.mix, &requests)
                              : MakeWorkload(config.workload, &requests);
  if (!workload.ok()) return Fail(workload.status().message());

  if (framing) {
    absl::BitGen random;
    const std::optional<SampleCall> sample = (*workload)->Sample(random);
    if (!sample.has_value()) return Fail("this workload has no single request to write");
    if (absl::Status written = WriteGrpcFrame(config.write_framed_request, *sample->request);
        !written.ok()) {
      return Fail(written.message());
    }
    std::printf("%s\n", sample->method->path);
    return kExitOk;
  }

  std::vector<std::unique_ptr<GenericStub>> stubs;
  stubs.reserve(channels.size());
  for (const auto& channel : channels) stubs.push_back(std::make_unique<GenericStub>(channel));
  RunReport report = {
      .workload = config.WorkloadName(),
      .target = config.target,
      .concurrency = config.concurrency,
      .channels = config.channels,
      .warmup = config.warmup,
      .duration = config.duration,
      .operation = Any(infos, &WorkloadInfo::page) && infos.size() == 1 ? "page" : "call",
      .deep_page = deep,
  };
  report.stats = RunClosedLoop(
      **workload, stubs, settings,
      {.concurrency = config.concurrency, .warmup = config.warmup, .duration = config.duration});

  std::fputs(ReportText(report).c_str(), stderr);
  if (absl::Status written = WriteJson(config.json_path, ReportJson(report).dump(2) + "\n");
      !written.ok()) {
    return Fail(written.message());
  }
  if (const std::string verdict = Verdict(config, report.stats); !verdict.empty()) {
    return Fail(verdict);
  }
  return kExitOk;
}

}  // namespace misc::loadgen
