#include "src/log/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

namespace misc::log {
namespace {

// Returns the length of the well-formed UTF-8 sequence starting at `p` (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF) and ending before `end`, or 0 when there is none.
size_t Utf8SequenceLength(const char* p, const char* end) {
  const auto continuation = [&](ptrdiff_t i, uint8_t low = 0x80, uint8_t high = 0xBF) {
    if (i >= end - p) return false;
    const auto byte = static_cast<uint8_t>(p[i]);
    return byte >= low && byte <= high;
  };
  const auto lead = static_cast<uint8_t>(*p);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const uint8_t low = lead == 0xE0 ? 0xA0 : 0x80;
    const uint8_t high = lead == 0xED ? 0x9F : 0xBF;
    return continuation(1, low, high) && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const uint8_t low = lead == 0xF0 ? 0x90 : 0x80;
    const uint8_t high = lead == 0xF4 ? 0x8F : 0xBF;
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

// Whether any of the 8 bytes of `word` is one the escaper must look at: below 0x20, 0x7F or
// above, '"' or '\\'. Bit tricks on a whole word (Hacker's Delight's "has zero byte"), so a
// run of plain ASCII costs a few instructions per 8 bytes instead of a table lookup per byte.
bool AnyByteNeedsLooking(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHighBits = 0x8080808080808080;
  const auto has_zero_byte = [](uint64_t x) { return (x - kOnes) & ~x & kHighBits; };
  const uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighBits;
  return ((below_space | (word & kHighBits) | has_zero_byte(word ^ (kOnes * 0x7F)) |
           has_zero_byte(word ^ (kOnes * '"')) | has_zero_byte(word ^ (kOnes * '\\'))) != 0);
}

// `%*` in a pattern: the log message escaped as a JSON string body.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    thread_local std::string escaped;
    escaped.clear();
    AppendJsonEscaped(escaped, absl::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

}  // namespace

void AppendJsonEscaped(std::string& out, absl::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size());
  const char* const end = text.data() + text.size();
  const char* run = text.data();  // Start of the bytes that are copied as they are.
  const char* p = run;
  while (p < end) {
    uint64_t word;
    if (end - p >= static_cast<ptrdiff_t>(sizeof(word))) {
      std::memcpy(&word, p, sizeof(word));
      if (!AnyByteNeedsLooking(word)) {
        p += sizeof(word);
        continue;
      }
    }
    const auto byte = static_cast<uint8_t>(*p);
    if (byte >= 0x20 && byte < 0x7F && byte != '"' && byte != '\\') {
      ++p;
      continue;
    }
    if (byte >= 0x80) {
      if (const size_t length = Utf8SequenceLength(p, end); length > 0) {
        p += length;
        continue;
      }
    }
    out.append(run, p);
    switch (byte) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte >= 0x80) {
          out += "\\ufffd";
        } else {
          const char escaped[] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xF]};
          out.append(escaped, sizeof(escaped));
        }
    }
    run = ++p;
  }
  out.append(run, p);
}

void Init(absl::string_view program, absl::string_view level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(std::string(program), sink);
  if (isatty(STDERR_FILENO) != 0) {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
  } else {
    // The message is escaped by JsonMessageFlag, so each record stays one valid JSON line.
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","program":"%n","msg":"%*"})");
    logger->set_formatter(std::move(formatter));
  }
  spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") parsed = spdlog::level::info;
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace misc::log
