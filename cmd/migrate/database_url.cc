#include "cmd/migrate/database_url.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace misc::migrate {
namespace {

constexpr absl::string_view kMask = "****";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// Appends the password of `url` (as written) to `out`, from the user info of a URL, its
// `password` query parameter, or a `password=` keyword of a key=value connection string.
void CollectPasswords(absl::string_view url, std::vector<std::string>& out) {
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, "postgresql://") || absl::ConsumePrefix(&rest, "postgres://")) {
    const absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    const size_t at = authority.rfind('@');
    if (at != absl::string_view::npos) {
      const absl::string_view user_info = authority.substr(0, at);
      const size_t colon = user_info.find(':');
      if (colon != absl::string_view::npos) out.emplace_back(user_info.substr(colon + 1));
    }
    const size_t query = rest.find('?');
    if (query == absl::string_view::npos) return;
    for (absl::string_view parameter : absl::StrSplit(rest.substr(query + 1), '&')) {
      if (absl::ConsumePrefix(&parameter, "password=")) out.emplace_back(parameter);
    }
    return;
  }
  // key=value form; the value may be single-quoted.
  size_t pos = 0;
  while ((pos = url.find("password", pos)) != absl::string_view::npos) {
    absl::string_view value = absl::StripLeadingAsciiWhitespace(url.substr(pos + 8));
    pos += 8;
    if (!absl::ConsumePrefix(&value, "=")) continue;
    value = absl::StripLeadingAsciiWhitespace(value);
    if (absl::ConsumePrefix(&value, "'")) {
      out.emplace_back(value.substr(0, value.find('\'')));
    } else {
      out.emplace_back(value.substr(0, value.find_first_of(" \t\n")));
    }
  }
}

}  // namespace

std::string HidePassword(std::string_view text, std::string_view database_url) {
  std::vector<std::string> passwords;
  CollectPasswords(absl::string_view(database_url.data(), database_url.size()), passwords);
  const size_t written = passwords.size();
  for (size_t i = 0; i < written; ++i) passwords.push_back(PercentDecode(passwords[i]));

  std::string result(text);
  for (const std::string& password : passwords) {
    if (password.empty()) continue;
    absl::StrReplaceAll({{password, kMask}}, &result);
  }
  return result;
}

}  // namespace misc::migrate
