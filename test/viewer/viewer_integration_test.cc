// Gateway-distributed sessions end to end: the real misc-server binary, started with a JWKS
// file of test keys, called over a real socket the way the BFF forwards a logged-in user's
// session (gRPC metadata `authorization: Bearer <jwt>`), against the throwaway PostgreSQL
// seeded by the real misc-migrate. Proves that
//  - every invalid token or authorization is UNAUTHENTICATED, with no data and a short
//    message free of token and key material, and valid RS256, ES256 and EdDSA tokens are
//    served as their user;
//  - viewer-dependent answers (bookmarked, whole review bodies, liked_by_viewer) match the
//    bookmarks and review_likes tables and differ from anonymous answers in nothing else;
//  - keys added to or removed from the JWKS file take effect without a restart.
// Tokens are made relative to the real clock (the server checks them against absl::Now()).
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "misc/review/v1/review.grpc.pb.h"
#include "src/auth/base64url.h"
#include "src/auth/jwt_parser.h"
#include "src/auth/signing_key.h"
#include "src/auth/verify_reason.h"
#include "test/auth/auth_test_util.h"
#include "test/support/eventually.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"

namespace misc {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::misc::auth::EcdsaEncoding;
using ::misc::auth::SigningKey;
using ::misc::auth::VerifyReason;
using ::misc::auth::VerifyReasonMessage;
using ::misc::auth::testing::EcKey;
using ::misc::auth::testing::EdKey;
using ::misc::auth::testing::EncodeJson;
using ::misc::auth::testing::HeaderFor;
using ::misc::auth::testing::HmacWithPublicKeyPemToken;
using ::misc::auth::testing::JwksFile;
using ::misc::auth::testing::JwsParts;
using ::misc::auth::testing::kAudience;
using ::misc::auth::testing::kIssuer;
using ::misc::auth::testing::OtherEcKey;
using ::misc::auth::testing::PaddedToken;
using ::misc::auth::testing::RsaKey;
using ::misc::auth::testing::Sign;
using ::misc::auth::testing::SignText;
using ::misc::auth::testing::SplitJws;
using ::misc::auth::testing::UnsignedToken;
using ::misc::auth::testing::ValidClaimsAt;
using ::misc::auth::testing::WithClaims;
using ::misc::auth::testing::WithFlippedSignatureBit;
using ::misc::auth::testing::WithHeader;
using ::misc::testing::QueryInt64;
using ::misc::testing::QueryInt64Column;
using ::misc::testing::ServerProcess;

using restaurant::v1::RestaurantService;
using review::v1::ReviewService;

// The user of ValidClaimsAt ("sub": "42"): the seed's demo user, with bookmarks and likes.
constexpr int64_t kDemoUser = 42;
// What an anonymous caller sees of a review body at most, in code points.
constexpr size_t kAnonymousBodyCodePoints = 100;
// The longest UNAUTHENTICATED message we call short.
constexpr size_t kMaxMessageBytes = 64;
// How long a JWKS change may take to show: a few 1 s refresh intervals, and the 5 s rate
// limit of the unknown-kid reload.
constexpr absl::Duration kRotationTimeout = absl::Seconds(8);

// The authorization metadata values of one call, one entry each; empty: anonymous.
using Authorization = std::vector<std::string>;

Authorization Anonymous() { return {}; }
Authorization Bearer(const std::string& token) { return {absl::StrCat("Bearer ", token)}; }

int64_t UnixSeconds(absl::Time time) { return absl::ToUnixSeconds(time); }

// Valid claims at the real clock for user `user_id`.
nlohmann::json ClaimsNow(int64_t user_id = kDemoUser) {
  nlohmann::json claims = ValidClaimsAt(absl::Now());
  claims["sub"] = absl::StrCat(user_id);
  return claims;
}

// A valid token of `key` for `user_id`, made now.
std::string TokenNow(const SigningKey& key, int64_t user_id = kDemoUser) {
  return Sign(key, HeaderFor(key), ClaimsNow(user_id));
}

std::string Message(VerifyReason reason) { return std::string(VerifyReasonMessage(reason)); }

// The flags that make misc-server verify tokens of the keys in `jwks_path` like the BFF's.
std::vector<std::string> JwtFlags(const std::string& jwks_path) {
  return {absl::StrCat("--jwks_file=", jwks_path), absl::StrCat("--jwt_issuer=", kIssuer),
          absl::StrCat("--jwt_audience=", kAudience), "--jwks_refresh_interval=1s"};
}

// Puts `authorization` on `context`, one metadata entry per value, and a deadline.
void Prepare(grpc::ClientContext& context, const Authorization& authorization) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  for (const std::string& value : authorization) context.AddMetadata("authorization", value);
}

// Returns the number of Unicode code points of UTF-8 `text` (its non-continuation bytes).
size_t CodePoints(absl::string_view text) {
  size_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// Returns the first `count` code points of UTF-8 `text` (all of it when shorter).
std::string FirstCodePoints(absl::string_view text, size_t count) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && seen++ == count) {
      return std::string(text.substr(0, i));
    }
  }
  return std::string(text);
}

// Returns the public material of every test key: the base64url parameters of its JWK (n, x,
// y) and the base64 lines of its PEM. No rejection may echo any of it.
const std::vector<std::string>& KeyMaterial() {
  static const std::vector<std::string>* material = [] {
    auto* out = new std::vector<std::string>();
    for (const SigningKey* key : {&RsaKey(), &EcKey(), &EdKey(), &OtherEcKey()}) {
      absl::StatusOr<std::string> jwk = auth::PublicJwk(*key);
      EXPECT_TRUE(jwk.ok()) << jwk.status();
      if (jwk.ok()) {
        const nlohmann::json parsed = nlohmann::json::parse(*jwk);
        for (const auto& [name, value] : parsed.items()) {
          if (value.is_string() && value.get<std::string>().size() >= 16) {
            out->push_back(value.get<std::string>());
          }
        }
      }
      absl::StatusOr<std::string> pem = auth::PublicKeyPem(*key);
      EXPECT_TRUE(pem.ok()) << pem.status();
      if (pem.ok()) {
        for (absl::string_view line : absl::StrSplit(*pem, '\n')) {
          if (line.size() >= 16 && line.find("-----") == absl::string_view::npos) {
            out->emplace_back(line);
          }
        }
      }
    }
    return out;
  }();
  return *material;
}

// Succeeds when `text` (a status message or its details) holds no piece of `authorization`
// (split at spaces and dots) of 8 bytes or more, no key material, and nothing that looks
// like base64url JSON ("eyJ", the encoding of `{"`).
::testing::AssertionResult FreeOfSecrets(absl::string_view text,
                                         const Authorization& authorization) {
  std::vector<std::string> secrets = KeyMaterial();
  secrets.emplace_back("eyJ");
  for (const std::string& value : authorization) {
    for (absl::string_view piece : absl::StrSplit(value, absl::ByAnyChar(" ."))) {
      if (piece.size() >= 8) secrets.emplace_back(piece);
    }
  }
  for (const std::string& secret : secrets) {
    if (text.find(secret) != absl::string_view::npos) {
      return ::testing::AssertionFailure() << "echoes \"" << secret << "\"";
    }
  }
  return ::testing::AssertionSuccess();
}

// Succeeds when `status` is an UNAUTHENTICATED rejection of `authorization`: a short message
// (`expected_message` when not empty) and neither message nor details holding any secret.
::testing::AssertionResult IsRejection(const grpc::Status& status,
                                       const Authorization& authorization,
                                       const std::string& expected_message) {
  if (status.error_code() != grpc::StatusCode::UNAUTHENTICATED) {
    return ::testing::AssertionFailure()
           << "status " << status.error_code() << " \"" << status.error_message()
           << "\", expected UNAUTHENTICATED";
  }
  const std::string& message = status.error_message();
  if (message.empty() || message.size() > kMaxMessageBytes) {
    return ::testing::AssertionFailure()
           << "message of " << message.size() << " bytes, expected 1 to " << kMaxMessageBytes;
  }
  if (!expected_message.empty() && message != expected_message) {
    return ::testing::AssertionFailure()
           << "message \"" << message << "\", expected \"" << expected_message << "\"";
  }
  if (::testing::AssertionResult free = FreeOfSecrets(message, authorization); !free) {
    return ::testing::AssertionFailure() << "message \"" << message << "\" " << free.message();
  }
  if (::testing::AssertionResult free = FreeOfSecrets(status.error_details(), authorization);
      !free) {
    return ::testing::AssertionFailure() << "error details " << free.message();
  }
  return ::testing::AssertionSuccess();
}

// A server verifying tokens of RsaKey, EcKey and EdKey, shared by the tests of one suite, on
// the seeded database; plus calls with given authorization.
class JwtServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_url_ = new std::string(misc::testing::SeededDatabaseUrl());
    jwks_ = new JwksFile({RsaKey(), EcKey(), EdKey()});
    server_ = ServerProcess::Start(*database_url_, JwtFlags(jwks_->path())).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete jwks_;
    delete database_url_;
    server_ = nullptr;
    jwks_ = nullptr;
    database_url_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    restaurants_ = RestaurantService::NewStub(server_->channel());
    reviews_ = ReviewService::NewStub(server_->channel());
  }

  static const std::string& url() { return *database_url_; }

  grpc::Status GetRestaurant(int64_t restaurant_id, const Authorization& authorization,
                             restaurant::v1::GetRestaurantResponse* response) {
    grpc::ClientContext context;
    Prepare(context, authorization);
    restaurant::v1::GetRestaurantRequest request;
    request.set_restaurant_id(restaurant_id);
    return restaurants_->GetRestaurant(&context, request, response);
  }

  grpc::Status BatchGetRestaurants(const std::vector<int64_t>& ids,
                                   const Authorization& authorization,
                                   restaurant::v1::BatchGetRestaurantsResponse* response) {
    grpc::ClientContext context;
    Prepare(context, authorization);
    restaurant::v1::BatchGetRestaurantsRequest request;
    for (const int64_t id : ids) request.add_restaurant_ids(id);
    return restaurants_->BatchGetRestaurants(&context, request, response);
  }

  grpc::Status ListReviews(const review::v1::ListReviewsRequest& request,
                           const Authorization& authorization,
                           review::v1::ListReviewsResponse* response) {
    grpc::ClientContext context;
    Prepare(context, authorization);
    return reviews_->ListReviews(&context, request, response);
  }

  grpc::Status GetReview(int64_t review_id, const Authorization& authorization,
                         review::v1::GetReviewResponse* response) {
    grpc::ClientContext context;
    Prepare(context, authorization);
    review::v1::GetReviewRequest request;
    request.set_review_id(review_id);
    return reviews_->GetReview(&context, request, response);
  }

  // Returns every page of ListRestaurants (no filter, `page_size`) as `authorization`,
  // failing the test on an error or a walk that does not end.
  std::vector<restaurant::v1::ListRestaurantsResponse> WalkRestaurants(
      const Authorization& authorization, int32_t page_size) {
    std::vector<restaurant::v1::ListRestaurantsResponse> pages;
    restaurant::v1::ListRestaurantsRequest request;
    request.set_page_size(page_size);
    for (int page = 0; page < 1000; ++page) {
      grpc::ClientContext context;
      Prepare(context, authorization);
      restaurant::v1::ListRestaurantsResponse& response = pages.emplace_back();
      const grpc::Status status = restaurants_->ListRestaurants(&context, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
      if (!status.ok() || response.next_page_token().empty()) return pages;
      request.set_page_token(response.next_page_token());
    }
    ADD_FAILURE() << "pagination did not end";
    return pages;
  }

  // Returns every page of ListReviews of `restaurant_id` (`page_size`) as `authorization`,
  // failing the test on an error or a walk that does not end.
  std::vector<review::v1::ListReviewsResponse> WalkReviews(int64_t restaurant_id,
                                                           const Authorization& authorization,
                                                           int32_t page_size) {
    std::vector<review::v1::ListReviewsResponse> pages;
    review::v1::ListReviewsRequest request;
    request.set_restaurant_id(restaurant_id);
    request.set_page_size(page_size);
    for (int page = 0; page < 1000; ++page) {
      review::v1::ListReviewsResponse& response = pages.emplace_back();
      const grpc::Status status = ListReviews(request, authorization, &response);
      EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
      if (!status.ok() || response.next_page_token().empty()) return pages;
      request.set_page_token(response.next_page_token());
    }
    ADD_FAILURE() << "pagination did not end";
    return pages;
  }

  // The restaurants `user_id` bookmarked, from the bookmarks table.
  static std::set<int64_t> BookmarksOf(int64_t user_id) {
    const std::vector<int64_t> ids = QueryInt64Column(
        url(), absl::StrCat("SELECT restaurant_id FROM bookmarks WHERE user_id = ", user_id));
    return {ids.begin(), ids.end()};
  }

  // The reviews `user_id` liked, from the review_likes table.
  static std::set<int64_t> LikesOf(int64_t user_id) {
    const std::vector<int64_t> ids = QueryInt64Column(
        url(), absl::StrCat("SELECT review_id FROM review_likes WHERE user_id = ", user_id));
    return {ids.begin(), ids.end()};
  }

  // The smallest restaurant id the demo user bookmarked.
  static int64_t BookmarkedRestaurant() {
    return QueryInt64(url(), absl::StrCat("SELECT min(restaurant_id) FROM bookmarks WHERE "
                                          "user_id = ",
                                          kDemoUser));
  }

  static std::string* database_url_;
  static JwksFile* jwks_;
  static ServerProcess* server_;
  std::unique_ptr<RestaurantService::Stub> restaurants_;
  std::unique_ptr<ReviewService::Stub> reviews_;
};

std::string* JwtServerTest::database_url_ = nullptr;
JwksFile* JwtServerTest::jwks_ = nullptr;
ServerProcess* JwtServerTest::server_ = nullptr;

// ---------------------------------------------------------------------------------------------
// 1. Tokens, one named test each.

struct TokenCase {
  std::string name;
  // Builds the call's authorization at test time (tokens relative to the real clock).
  std::function<Authorization()> authorization;
  // For a rejected case, the expected UNAUTHENTICATED message; empty: any short message.
  std::string message;
};

void PrintTo(const TokenCase& token_case, std::ostream* out) { *out << token_case.name; }

std::string CaseName(const ::testing::TestParamInfo<TokenCase>& info) { return info.param.name; }

// A token signed with `key` whose claims are ClaimsNow() changed by `change`.
std::string TokenWithClaims(const SigningKey& key,
                            const std::function<void(nlohmann::json&)>& change) {
  nlohmann::json claims = ClaimsNow();
  change(claims);
  return Sign(key, HeaderFor(key), claims);
}

// A token signed with `key` whose header is HeaderFor(key) changed by `change`.
std::string TokenWithHeader(const SigningKey& key,
                            const std::function<void(nlohmann::json&)>& change) {
  nlohmann::json header = HeaderFor(key);
  change(header);
  return Sign(key, header, ClaimsNow());
}

// The tampering cases of each key: a header or payload changed after signing, a bit of the
// signature flipped. The tampered payload names another user, as a forger would.
void AddTamperedCases(std::vector<TokenCase>& cases) {
  struct NamedKey {
    const char* name;
    const SigningKey& (*key)();
  };
  for (const NamedKey named :
       {NamedKey{"Rs256", &RsaKey}, NamedKey{"Es256", &EcKey}, NamedKey{"EdDsa", &EdKey}}) {
    const auto key = named.key;
    cases.push_back({absl::StrCat("TamperedHeader", named.name),
                     [key] {
                       nlohmann::json header = HeaderFor(key());
                       header["x"] = 1;
                       return Bearer(WithHeader(TokenNow(key()), header));
                     },
                     Message(VerifyReason::kBadSignature)});
    cases.push_back({absl::StrCat("TamperedPayload", named.name),
                     [key] {
                       nlohmann::json claims = ClaimsNow();
                       claims["sub"] = "1";
                       return Bearer(WithClaims(TokenNow(key()), claims));
                     },
                     Message(VerifyReason::kBadSignature)});
    cases.push_back({absl::StrCat("TamperedSignature", named.name),
                     [key] { return Bearer(WithFlippedSignatureBit(TokenNow(key()))); },
                     Message(VerifyReason::kBadSignature)});
  }
}

std::vector<TokenCase> RejectedCases() {
  const std::string malformed = Message(VerifyReason::kMalformed);
  std::vector<TokenCase> cases = {
      {"Expired",
       [] {
         return Bearer(TokenWithClaims(EcKey(), [](nlohmann::json& claims) {
           claims["iat"] = UnixSeconds(absl::Now() - absl::Hours(2));
           claims["exp"] = UnixSeconds(absl::Now() - absl::Hours(1));
         }));
       },
       Message(VerifyReason::kExpired)},
      {"ExpiredJustBeyondTheClockSkew",  // The skew is 60 s.
       [] {
         return Bearer(TokenWithClaims(EcKey(), [](nlohmann::json& claims) {
           claims["iat"] = UnixSeconds(absl::Now() - absl::Hours(1));
           claims["exp"] = UnixSeconds(absl::Now() - absl::Seconds(90));
         }));
       },
       Message(VerifyReason::kExpired)},
      {"NotYetValid",
       [] {
         return Bearer(TokenWithClaims(EcKey(), [](nlohmann::json& claims) {
           claims["nbf"] = UnixSeconds(absl::Now() + absl::Hours(1));
           claims["exp"] = UnixSeconds(absl::Now() + absl::Hours(2));
         }));
       },
       Message(VerifyReason::kNotYetValid)},
      {"NotYetValidJustBeyondTheClockSkew",
       [] {
         return Bearer(TokenWithClaims(EcKey(), [](nlohmann::json& claims) {
           claims["nbf"] = UnixSeconds(absl::Now() + absl::Seconds(90));
         }));
       },
       Message(VerifyReason::kNotYetValid)},
      {"WrongIssuer",
       [] {
         return Bearer(TokenWithClaims(
             EcKey(), [](nlohmann::json& claims) { claims["iss"] = "https://evil.example"; }));
       },
       Message(VerifyReason::kWrongIssuer)},
      {"WrongAudience",
       [] {
         return Bearer(TokenWithClaims(EcKey(), [](nlohmann::json& claims) {
           claims["aud"] = {"other-api", "misc-api-staging"};
         }));
       },
       Message(VerifyReason::kWrongAudience)},
      {"MissingAudience",
       [] {
         return Bearer(
             TokenWithClaims(EcKey(), [](nlohmann::json& claims) { claims.erase("aud"); }));
       },
       Message(VerifyReason::kInvalidClaims)},
      {"MissingExp",
       [] {
         return Bearer(
             TokenWithClaims(EcKey(), [](nlohmann::json& claims) { claims.erase("exp"); }));
       },
       Message(VerifyReason::kInvalidClaims)},
      {"SubjectNotAUserId",
       [] {
         return Bearer(
             TokenWithClaims(EcKey(), [](nlohmann::json& claims) { claims["sub"] = "admin"; }));
       },
       Message(VerifyReason::kInvalidSubject)},
      {"UnknownKid",
       [] {
         return Bearer(
             TokenWithHeader(EcKey(), [](nlohmann::json& header) { header["kid"] = "ec-9"; }));
       },
       Message(VerifyReason::kUnknownKey)},
      {"KidOfAKeyOfAnotherAlgorithm",  // An EdDSA token naming the ES256 key.
       [] {
         return Bearer(
             TokenWithHeader(EdKey(), [](nlohmann::json& header) { header["kid"] = EcKey().kid; }));
       },
       Message(VerifyReason::kAlgorithmMismatch)},
      {"AlgNone", [] { return Bearer(UnsignedToken("none", ClaimsNow())); },
       Message(VerifyReason::kUnsupportedAlgorithm)},
      {"AlgNoneCapitalized", [] { return Bearer(UnsignedToken("None", ClaimsNow())); },
       Message(VerifyReason::kUnsupportedAlgorithm)},
      {"AlgNoneUpperCase", [] { return Bearer(UnsignedToken("NONE", ClaimsNow())); },
       Message(VerifyReason::kUnsupportedAlgorithm)},
      {"Hs256MacedWithTheRsaPublicKeyPem",
       [] { return Bearer(HmacWithPublicKeyPemToken(RsaKey(), "HS256", ClaimsNow())); },
       Message(VerifyReason::kUnsupportedAlgorithm)},
      {"Es256SignatureInDer",
       [] { return Bearer(Sign(EcKey(), HeaderFor(EcKey()), ClaimsNow(), EcdsaEncoding::kDer)); },
       Message(VerifyReason::kBadSignature)},
      {"Base64UrlWithPadding",
       [] {
         JwsParts parts = SplitJws(TokenNow(EcKey()));
         parts.payload += "=";
         return Bearer(parts.Join());
       },
       malformed},
      {"Base64WithTheStandardAlphabet",
       [] {
         // An RSA signature has 342 characters: some are - or _ (else the case would be void).
         const std::string token = TokenNow(RsaKey());
         const std::string standard = absl::StrReplaceAll(token, {{"-", "+"}, {"_", "/"}});
         EXPECT_NE(standard, token) << "no - or _ to replace";
         return Bearer(standard);
       },
       malformed},
      {"Base64UrlNonCanonical",  // Unused low bits of the last character set.
       [] {
         constexpr absl::string_view kAlphabet =
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
         JwsParts parts = SplitJws(TokenNow(EcKey()));
         char& last = parts.signature.back();
         last = kAlphabet[kAlphabet.find(last) ^ 1];
         return Bearer(parts.Join());
       },
       malformed},
      {"ExtraDotAndPart",
       [] {
         const std::string token = TokenNow(EcKey());
         return Bearer(absl::StrCat(token, ".", SplitJws(token).signature));
       },
       malformed},
      {"TrailingDot", [] { return Bearer(absl::StrCat(TokenNow(EcKey()), ".")); }, malformed},
      {"DoubledDot",
       [] {
         JwsParts parts = SplitJws(TokenNow(EcKey()));
         return Bearer(absl::StrCat(parts.header, "..", parts.payload, ".", parts.signature));
       },
       malformed},
      {"ClaimsJsonIsAnArray",
       [] { return Bearer(SignText(EcKey(), HeaderFor(EcKey()).dump(), "[]")); }, malformed},
      {"HeaderJsonIsAString",
       [] { return Bearer(SignText(EcKey(), "\"ES256\"", ClaimsNow().dump())); }, malformed},
      {"DuplicateExp",  // A past exp then a valid one: which wins must not matter.
       [] {
         const std::string claims = ClaimsNow().dump();
         return Bearer(SignText(EcKey(), HeaderFor(EcKey()).dump(),
                                absl::StrCat("{\"exp\":", UnixSeconds(absl::Now() - absl::Hours(1)),
                                             ",", claims.substr(1))));
       },
       malformed},
      {"CritHeader",
       [] {
         return Bearer(
             TokenWithHeader(EcKey(), [](nlohmann::json& header) { header["crit"] = {"exp"}; }));
       },
       Message(VerifyReason::kUnsupportedHeader)},
      {"OversizedToken",  // Just over 8 KiB, validly signed.
       [] { return Bearer(PaddedToken(EcKey(), ClaimsNow(), auth::kMaxTokenBytes + 1)); },
       Message(VerifyReason::kTooLarge)},
      {"BearerWithoutToken", [] { return Authorization{"Bearer "}; }, ""},
      {"EmptyAuthorization", [] { return Authorization{""}; }, ""},
      {"BasicScheme", [] { return Authorization{"Basic dXNlcjQyOnBhc3N3b3Jk"}; }, ""},
      {"ValidTokenUnderTheBasicScheme",
       [] { return Authorization{absl::StrCat("Basic ", TokenNow(EcKey()))}; }, ""},
      {"ValidTokenWithoutScheme", [] { return Authorization{TokenNow(EcKey())}; }, ""},
      {"TwoAuthorizationValues",  // Even when both are valid tokens.
       [] {
         return Authorization{absl::StrCat("Bearer ", TokenNow(EcKey())),
                              absl::StrCat("Bearer ", TokenNow(RsaKey()))};
       },
       ""},
  };
  AddTamperedCases(cases);
  return cases;
}

std::vector<TokenCase> AcceptedCases() {
  const auto with_nbf = [](const SigningKey& key, absl::Duration from_now) {
    nlohmann::json claims = ClaimsNow();
    claims["nbf"] = UnixSeconds(absl::Now() + from_now);
    return Sign(key, HeaderFor(key), claims);
  };
  return {
      {"Rs256", [] { return Bearer(TokenNow(RsaKey())); }, ""},
      {"Es256", [] { return Bearer(TokenNow(EcKey())); }, ""},
      {"EdDsa", [] { return Bearer(TokenNow(EdKey())); }, ""},
      {"Rs256WithNbf", [with_nbf] { return Bearer(with_nbf(RsaKey(), absl::ZeroDuration())); }, ""},
      {"Es256WithNbf", [with_nbf] { return Bearer(with_nbf(EcKey(), -absl::Minutes(5))); }, ""},
      {"EdDsaWithNbf", [with_nbf] { return Bearer(with_nbf(EdKey(), absl::ZeroDuration())); }, ""},
      {"NbfWithinTheClockSkew", [with_nbf] { return Bearer(with_nbf(EcKey(), absl::Seconds(30))); },
       ""},
      {"ExpWithinTheClockSkew",
       [] {
         return Bearer(TokenWithClaims(EdKey(), [](nlohmann::json& claims) {
           claims["iat"] = UnixSeconds(absl::Now() - absl::Hours(1));
           claims["exp"] = UnixSeconds(absl::Now() - absl::Seconds(30));
         }));
       },
       ""},
      {"PaddedToTheLargestTokenSize",  // 8189 to 8192 bytes: within the verifier's limit.
       [] {
         const std::string token = PaddedToken(EcKey(), ClaimsNow(), auth::kMaxTokenBytes - 3);
         EXPECT_LE(token.size(), auth::kMaxTokenBytes);
         return Bearer(token);
       },
       ""},
      {"LowerCaseBearerScheme",
       [] { return Authorization{absl::StrCat("bearer ", TokenNow(RsaKey()))}; }, ""},
  };
}

class RejectedTokenTest : public JwtServerTest, public ::testing::WithParamInterface<TokenCase> {};

TEST_P(RejectedTokenTest, IsUnauthenticatedWithNoDataAndNoTokenOrKeyInTheMessage) {
  const Authorization authorization = GetParam().authorization();
  const int64_t restaurant_id = BookmarkedRestaurant();
  {
    restaurant::v1::GetRestaurantResponse response;
    const grpc::Status status = GetRestaurant(restaurant_id, authorization, &response);
    EXPECT_TRUE(IsRejection(status, authorization, GetParam().message)) << "GetRestaurant";
    EXPECT_EQ(response.ByteSizeLong(), 0u) << response.ShortDebugString();
  }
  {
    review::v1::ListReviewsRequest request;
    request.set_restaurant_id(restaurant_id);
    review::v1::ListReviewsResponse response;
    const grpc::Status status = ListReviews(request, authorization, &response);
    EXPECT_TRUE(IsRejection(status, authorization, GetParam().message)) << "ListReviews";
    EXPECT_EQ(response.ByteSizeLong(), 0u) << response.ShortDebugString();
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, RejectedTokenTest, ::testing::ValuesIn(RejectedCases()), CaseName);

class AcceptedTokenTest : public JwtServerTest, public ::testing::WithParamInterface<TokenCase> {};

TEST_P(AcceptedTokenTest, IsServedAsTheUserItNames) {
  const Authorization authorization = GetParam().authorization();
  // A restaurant the demo user bookmarked: bookmarked=true proves who the server saw.
  const int64_t restaurant_id = BookmarkedRestaurant();
  restaurant::v1::GetRestaurantResponse response;
  const grpc::Status status = GetRestaurant(restaurant_id, authorization, &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(response.restaurant().restaurant_id(), restaurant_id);
  ASSERT_TRUE(response.restaurant().has_viewer());
  EXPECT_TRUE(response.restaurant().viewer().bookmarked());
}

INSTANTIATE_TEST_SUITE_P(Tokens, AcceptedTokenTest, ::testing::ValuesIn(AcceptedCases()), CaseName);

// Returns how many access log lines `output` holds.
size_t AccessLogLines(absl::string_view output) {
  size_t lines = 0;
  for (size_t at = output.find("\"log\":\"access\""); at != absl::string_view::npos;
       at = output.find("\"log\":\"access\"", at + 1)) {
    ++lines;
  }
  return lines;
}

// Not a token case: what a call leaves behind. The server's output (access log and all)
// holds no token, valid or not.
TEST_F(JwtServerTest, TheServerNeverLogsTokens) {
  const std::string valid = TokenNow(EcKey());
  const std::string tampered = WithFlippedSignatureBit(TokenNow(RsaKey()));
  const size_t lines_before = AccessLogLines(server_->Output());
  restaurant::v1::GetRestaurantResponse response;
  ASSERT_TRUE(GetRestaurant(BookmarkedRestaurant(), Bearer(valid), &response).ok());
  EXPECT_EQ(GetRestaurant(BookmarkedRestaurant(), Bearer(tampered), &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Wait (bounded) until the access log shows both calls.
  std::string output;
  misc::testing::Eventually(
      [&] {
        output = server_->Output();
        return AccessLogLines(output) >= lines_before + 2;
      },
      absl::Seconds(5));
  EXPECT_GE(AccessLogLines(output), lines_before + 2) << "the calls were not logged";
  for (const std::string& token : {valid, tampered}) {
    const JwsParts parts = SplitJws(token);
    EXPECT_EQ(output.find(parts.payload), std::string::npos) << "token payload in the log";
    EXPECT_EQ(output.find(parts.signature), std::string::npos) << "token signature in the log";
  }
}

// The documented order: a bad token wins over anything else wrong with the call.
TEST_F(JwtServerTest, ABadTokenIsUnauthenticatedEvenForAnInvalidRequest) {
  const Authorization authorization = Bearer(WithFlippedSignatureBit(TokenNow(EcKey())));
  restaurant::v1::GetRestaurantResponse response;
  EXPECT_TRUE(IsRejection(GetRestaurant(0, authorization, &response), authorization,
                          Message(VerifyReason::kBadSignature)));
  const int64_t missing = QueryInt64(url(), "SELECT max(restaurant_id) + 1 FROM restaurants");
  EXPECT_TRUE(IsRejection(GetRestaurant(missing, authorization, &response), authorization,
                          Message(VerifyReason::kBadSignature)));
  EXPECT_EQ(response.ByteSizeLong(), 0u);
}

// ---------------------------------------------------------------------------------------------
// 2. Viewer-dependent answers.

class ViewerAnswersTest : public JwtServerTest {
 protected:
  static void SetUpTestSuite() {
    JwtServerTest::SetUpTestSuite();
    bookmarks_ = new std::set<int64_t>(BookmarksOf(kDemoUser));
    likes_ = new std::set<int64_t>(LikesOf(kDemoUser));
  }
  static void TearDownTestSuite() {
    delete bookmarks_;
    delete likes_;
    bookmarks_ = nullptr;
    likes_ = nullptr;
    JwtServerTest::TearDownTestSuite();
  }

  void SetUp() override {
    JwtServerTest::SetUp();
    ASSERT_FALSE(bookmarks_->empty()) << "the seed gives user 42 bookmarks";
    ASSERT_FALSE(likes_->empty()) << "the seed gives user 42 likes";
    logged_in_ = Bearer(TokenNow(EcKey()));
  }

  // The review rows of `restaurant_id`: body by review id.
  static std::map<int64_t, std::string> StoredBodies(int64_t restaurant_id) {
    absl::StatusOr<std::vector<std::vector<std::string>>> rows = misc::testing::QueryRows(
        url(),
        absl::StrCat("SELECT review_id, body FROM reviews WHERE restaurant_id = ", restaurant_id));
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::map<int64_t, std::string> bodies;
    if (!rows.ok()) return bodies;
    for (const std::vector<std::string>& row : *rows) {
      int64_t id = 0;
      EXPECT_TRUE(row.size() == 2 && absl::SimpleAtoi(row[0], &id)) << "bad row";
      if (row.size() == 2) bodies[id] = row[1];
    }
    return bodies;
  }

  // The restaurant whose reviews best show the difference: it has a review the demo user
  // liked, and the most bodies over 100 code points.
  static int64_t RestaurantWithLikedAndLongReviews() {
    return QueryInt64(
        url(), absl::StrCat("SELECT r.restaurant_id FROM reviews r WHERE EXISTS (SELECT 1 FROM "
                            "review_likes l JOIN reviews lr USING (review_id) WHERE l.user_id = ",
                            kDemoUser,
                            " AND lr.restaurant_id = r.restaurant_id) GROUP BY r.restaurant_id "
                            "ORDER BY count(*) FILTER (WHERE char_length(r.body) > ",
                            kAnonymousBodyCodePoints, ") DESC, r.restaurant_id LIMIT 1"));
  }

  // Returns `restaurant` without its viewer state.
  static restaurant::v1::Restaurant WithoutViewer(restaurant::v1::Restaurant restaurant) {
    restaurant.clear_viewer();
    return restaurant;
  }

  // Returns `review` without what depends on the viewer.
  static review::v1::Review WithoutViewerFields(review::v1::Review review) {
    review.clear_body();
    review.clear_body_truncated();
    review.clear_liked_by_viewer();
    return review;
  }

  // Succeeds when `a` and `b` are equal, else shows the difference.
  static ::testing::AssertionResult SameMessage(const google::protobuf::Message& a,
                                                const google::protobuf::Message& b) {
    MessageDifferencer differencer;
    std::string difference;
    differencer.ReportDifferencesToString(&difference);
    if (differencer.Compare(a, b)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << difference;
  }

  // Checks the logged-in answer `restaurant` against the demo user's bookmarks.
  static void ExpectViewerOfDemoUser(const restaurant::v1::Restaurant& restaurant) {
    ASSERT_TRUE(restaurant.has_viewer()) << restaurant.restaurant_id();
    EXPECT_EQ(restaurant.viewer().bookmarked(), bookmarks_->contains(restaurant.restaurant_id()))
        << restaurant.restaurant_id();
  }

  static std::set<int64_t>* bookmarks_;
  static std::set<int64_t>* likes_;
  Authorization logged_in_;
};

std::set<int64_t>* ViewerAnswersTest::bookmarks_ = nullptr;
std::set<int64_t>* ViewerAnswersTest::likes_ = nullptr;

TEST_F(ViewerAnswersTest, GetRestaurantShowsBookmarkedToTheUserWhoBookmarkedIt) {
  const int64_t id = *bookmarks_->begin();
  restaurant::v1::GetRestaurantResponse logged_in;
  ASSERT_TRUE(GetRestaurant(id, logged_in_, &logged_in).ok());
  ASSERT_TRUE(logged_in.restaurant().has_viewer());
  EXPECT_TRUE(logged_in.restaurant().viewer().bookmarked());

  restaurant::v1::GetRestaurantResponse anonymous;
  ASSERT_TRUE(GetRestaurant(id, Anonymous(), &anonymous).ok());
  EXPECT_FALSE(anonymous.restaurant().has_viewer());
  EXPECT_TRUE(SameMessage(WithoutViewer(logged_in.restaurant()), anonymous.restaurant()));
}

TEST_F(ViewerAnswersTest, GetRestaurantShowsNotBookmarkedToALoggedInUserWhoDidNotBookmarkIt) {
  const int64_t id = QueryInt64(
      url(), absl::StrCat("SELECT min(restaurant_id) FROM restaurants WHERE restaurant_id NOT IN "
                          "(SELECT restaurant_id FROM bookmarks WHERE user_id = ",
                          kDemoUser, ")"));
  restaurant::v1::GetRestaurantResponse logged_in;
  ASSERT_TRUE(GetRestaurant(id, logged_in_, &logged_in).ok());
  ASSERT_TRUE(logged_in.restaurant().has_viewer()) << "viewer is set for every logged-in call";
  EXPECT_FALSE(logged_in.restaurant().viewer().bookmarked());

  restaurant::v1::GetRestaurantResponse anonymous;
  ASSERT_TRUE(GetRestaurant(id, Anonymous(), &anonymous).ok());
  EXPECT_FALSE(anonymous.restaurant().has_viewer());
  EXPECT_TRUE(SameMessage(WithoutViewer(logged_in.restaurant()), anonymous.restaurant()));
}

TEST_F(ViewerAnswersTest, BatchGetSetsViewerOnEveryRestaurantFromTheBookmarksTable) {
  // Every bookmark of the user (closed restaurants too), as many others, and a duplicate.
  std::vector<int64_t> ids(bookmarks_->begin(), bookmarks_->end());
  const std::vector<int64_t> others = QueryInt64Column(
      url(), absl::StrCat("SELECT restaurant_id FROM restaurants WHERE restaurant_id NOT IN "
                          "(SELECT restaurant_id FROM bookmarks WHERE user_id = ",
                          kDemoUser, ") ORDER BY restaurant_id DESC LIMIT ", ids.size()));
  for (size_t i = 0; i < others.size(); ++i) ids.insert(ids.begin() + 2 * i, others[i]);
  ids.push_back(*bookmarks_->begin());
  ASSERT_LE(ids.size(), 100u);

  restaurant::v1::BatchGetRestaurantsResponse logged_in;
  ASSERT_TRUE(BatchGetRestaurants(ids, logged_in_, &logged_in).ok());
  restaurant::v1::BatchGetRestaurantsResponse anonymous;
  ASSERT_TRUE(BatchGetRestaurants(ids, Anonymous(), &anonymous).ok());
  ASSERT_EQ(logged_in.restaurants_size(), static_cast<int>(ids.size()));
  ASSERT_EQ(anonymous.restaurants_size(), static_cast<int>(ids.size()));
  int bookmarked = 0;
  for (int i = 0; i < logged_in.restaurants_size(); ++i) {
    const restaurant::v1::Restaurant& restaurant = logged_in.restaurants(i);
    EXPECT_EQ(restaurant.restaurant_id(), ids[i]);
    ExpectViewerOfDemoUser(restaurant);
    bookmarked += restaurant.viewer().bookmarked();
    EXPECT_FALSE(anonymous.restaurants(i).has_viewer()) << ids[i];
    EXPECT_TRUE(SameMessage(WithoutViewer(restaurant), anonymous.restaurants(i))) << ids[i];
  }
  EXPECT_EQ(bookmarked, static_cast<int>(bookmarks_->size() + 1));  // The duplicate too.
}

TEST_F(ViewerAnswersTest, ListRestaurantsSetsViewerOnEveryRestaurantFromTheBookmarksTable) {
  const std::vector<restaurant::v1::ListRestaurantsResponse> logged_in =
      WalkRestaurants(logged_in_, 50);
  const std::vector<restaurant::v1::ListRestaurantsResponse> anonymous =
      WalkRestaurants(Anonymous(), 50);
  ASSERT_EQ(logged_in.size(), anonymous.size());
  ASSERT_GT(logged_in.size(), 1u) << "several pages";
  int bookmarked = 0;
  int listed = 0;
  for (size_t page = 0; page < logged_in.size(); ++page) {
    for (const restaurant::v1::Restaurant& restaurant : logged_in[page].restaurants()) {
      ExpectViewerOfDemoUser(restaurant);
      bookmarked += restaurant.viewer().bookmarked();
      ++listed;
    }
    for (const restaurant::v1::Restaurant& restaurant : anonymous[page].restaurants()) {
      EXPECT_FALSE(restaurant.has_viewer()) << restaurant.restaurant_id();
    }
    restaurant::v1::ListRestaurantsResponse cleared = logged_in[page];
    for (restaurant::v1::Restaurant& restaurant : *cleared.mutable_restaurants()) {
      restaurant.clear_viewer();
    }
    EXPECT_TRUE(SameMessage(cleared, anonymous[page])) << "page " << page;
  }
  // Only open restaurants are listed: expect exactly the user's open bookmarks.
  EXPECT_EQ(bookmarked,
            QueryInt64(url(), absl::StrCat("SELECT count(*) FROM bookmarks JOIN restaurants "
                                           "USING (restaurant_id) WHERE NOT closed AND user_id = ",
                                           kDemoUser)));
  EXPECT_GT(bookmarked, 0);
  EXPECT_LT(bookmarked, listed);
}

TEST_F(ViewerAnswersTest, EachUserSeesTheirOwnBookmarks) {
  // The user with the most bookmarks other than the demo user, and a user with none.
  const int64_t other =
      QueryInt64(url(), absl::StrCat("SELECT user_id FROM bookmarks WHERE user_id <> ", kDemoUser,
                                     " GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1"));
  const int64_t nobody = QueryInt64(url(), "SELECT max(user_id) + 1 FROM bookmarks");
  const std::set<int64_t> others_bookmarks = BookmarksOf(other);
  std::set<int64_t> asked = others_bookmarks;
  asked.insert(bookmarks_->begin(), bookmarks_->end());
  const std::vector<int64_t> ids(asked.begin(), asked.end());
  ASSERT_LE(ids.size(), 100u);

  restaurant::v1::BatchGetRestaurantsResponse response;
  ASSERT_TRUE(BatchGetRestaurants(ids, Bearer(TokenNow(RsaKey(), other)), &response).ok());
  ASSERT_EQ(response.restaurants_size(), static_cast<int>(ids.size()));
  for (const restaurant::v1::Restaurant& restaurant : response.restaurants()) {
    ASSERT_TRUE(restaurant.has_viewer());
    EXPECT_EQ(restaurant.viewer().bookmarked(),
              others_bookmarks.contains(restaurant.restaurant_id()))
        << "user " << other << ", restaurant " << restaurant.restaurant_id();
  }
  ASSERT_TRUE(BatchGetRestaurants(ids, Bearer(TokenNow(EdKey(), nobody)), &response).ok());
  for (const restaurant::v1::Restaurant& restaurant : response.restaurants()) {
    ASSERT_TRUE(restaurant.has_viewer());
    EXPECT_FALSE(restaurant.viewer().bookmarked())
        << "user " << nobody << ", restaurant " << restaurant.restaurant_id();
  }
}

TEST_F(ViewerAnswersTest, ListReviewsGivesALoggedInUserWholeBodiesAndTheirOwnLikes) {
  const int64_t restaurant_id = RestaurantWithLikedAndLongReviews();
  const std::map<int64_t, std::string> stored = StoredBodies(restaurant_id);
  int long_bodies = 0;
  int liked = 0;
  size_t listed = 0;
  for (const review::v1::ListReviewsResponse& page : WalkReviews(restaurant_id, logged_in_, 4)) {
    for (const review::v1::Review& review : page.reviews()) {
      ++listed;
      ASSERT_TRUE(stored.contains(review.review_id())) << review.review_id();
      EXPECT_EQ(review.body(), stored.at(review.review_id())) << review.review_id();
      EXPECT_FALSE(review.body_truncated()) << review.review_id();
      EXPECT_EQ(review.liked_by_viewer(), likes_->contains(review.review_id()))
          << review.review_id();
      long_bodies += CodePoints(review.body()) > kAnonymousBodyCodePoints;
      liked += review.liked_by_viewer();
    }
  }
  EXPECT_EQ(listed, stored.size());
  EXPECT_GT(long_bodies, 0) << "restaurant " << restaurant_id << " shows no whole long body";
  EXPECT_GT(liked, 0) << "restaurant " << restaurant_id << " shows no like of the user";
}

TEST_F(ViewerAnswersTest, ListReviewsGivesAnAnonymousCallerAtMost100CodePointsAndNoLikes) {
  const int64_t restaurant_id = RestaurantWithLikedAndLongReviews();
  const std::map<int64_t, std::string> stored = StoredBodies(restaurant_id);
  int truncated = 0;
  for (const review::v1::ListReviewsResponse& page : WalkReviews(restaurant_id, Anonymous(), 4)) {
    for (const review::v1::Review& review : page.reviews()) {
      ASSERT_TRUE(stored.contains(review.review_id())) << review.review_id();
      const std::string& whole = stored.at(review.review_id());
      EXPECT_LE(CodePoints(review.body()), kAnonymousBodyCodePoints) << review.review_id();
      EXPECT_EQ(review.body(), FirstCodePoints(whole, kAnonymousBodyCodePoints))
          << review.review_id();
      EXPECT_EQ(review.body_truncated(), CodePoints(whole) > kAnonymousBodyCodePoints)
          << review.review_id();
      EXPECT_FALSE(review.liked_by_viewer()) << review.review_id();
      truncated += review.body_truncated();
    }
  }
  EXPECT_GT(truncated, 0);
}

TEST_F(ViewerAnswersTest, ListReviewsAnswersDifferOnlyInBodiesAndLikes) {
  const int64_t restaurant_id = RestaurantWithLikedAndLongReviews();
  const std::vector<review::v1::ListReviewsResponse> logged_in =
      WalkReviews(restaurant_id, logged_in_, 3);
  const std::vector<review::v1::ListReviewsResponse> anonymous =
      WalkReviews(restaurant_id, Anonymous(), 3);
  ASSERT_EQ(logged_in.size(), anonymous.size());
  for (size_t page = 0; page < logged_in.size(); ++page) {
    review::v1::ListReviewsResponse a = logged_in[page];
    review::v1::ListReviewsResponse b = anonymous[page];
    for (auto* response : {&a, &b}) {
      for (review::v1::Review& review : *response->mutable_reviews()) {
        review = WithoutViewerFields(review);
      }
    }
    EXPECT_TRUE(SameMessage(a, b)) << "page " << page;
  }
}

TEST_F(ViewerAnswersTest, GetReviewGivesTheLikingUserTheWholeBodyAndTheirLike) {
  // A review the demo user liked, the longest such one.
  const int64_t review_id = QueryInt64(
      url(), absl::StrCat("SELECT review_id FROM reviews JOIN review_likes USING (review_id) "
                          "WHERE user_id = ",
                          kDemoUser, " ORDER BY char_length(body) DESC, review_id LIMIT 1"));
  const std::string whole = misc::testing::QueryString(
      url(), absl::StrCat("SELECT body FROM reviews WHERE review_id = ", review_id));
  review::v1::GetReviewResponse logged_in;
  ASSERT_TRUE(GetReview(review_id, logged_in_, &logged_in).ok());
  EXPECT_EQ(logged_in.review().body(), whole);
  EXPECT_FALSE(logged_in.review().body_truncated());
  EXPECT_TRUE(logged_in.review().liked_by_viewer());

  review::v1::GetReviewResponse anonymous;
  ASSERT_TRUE(GetReview(review_id, Anonymous(), &anonymous).ok());
  EXPECT_EQ(anonymous.review().body(), FirstCodePoints(whole, kAnonymousBodyCodePoints));
  EXPECT_EQ(anonymous.review().body_truncated(), CodePoints(whole) > kAnonymousBodyCodePoints);
  EXPECT_FALSE(anonymous.review().liked_by_viewer());
  EXPECT_TRUE(SameMessage(WithoutViewerFields(logged_in.review()),
                          WithoutViewerFields(anonymous.review())));
}

// ---------------------------------------------------------------------------------------------
// 3. Key rotation without a restart: each test has its own server and JWKS file.

class KeyRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_url_ = misc::testing::SeededDatabaseUrl();
    jwks_ = std::make_unique<JwksFile>(std::vector<SigningKey>{RsaKey(), EcKey(), EdKey()});
    server_ = ServerProcess::Start(database_url_, JwtFlags(jwks_->path()));
    ASSERT_NE(server_, nullptr);
    stub_ = RestaurantService::NewStub(server_->channel());
    restaurant_id_ = QueryInt64(database_url_, "SELECT min(restaurant_id) FROM restaurants");
  }

  // Calls GetRestaurant with a fresh token of `key`.
  grpc::Status CallWith(const SigningKey& key) {
    grpc::ClientContext context;
    Prepare(context, Bearer(TokenNow(key)));
    restaurant::v1::GetRestaurantRequest request;
    request.set_restaurant_id(restaurant_id_);
    restaurant::v1::GetRestaurantResponse response;
    const grpc::Status status = stub_->GetRestaurant(&context, request, &response);
    EXPECT_EQ(status.ok(), response.has_restaurant()) << "data only with OK";
    return status;
  }

  // Calls with a token of `key` every 100 ms until the answer has `code`, at most `timeout`.
  // Returns how long it took, or nullopt when it never did.
  std::optional<absl::Duration> TimeUntil(const SigningKey& key, grpc::StatusCode code,
                                          absl::Duration timeout) {
    const absl::Time start = absl::Now();
    if (!misc::testing::Eventually([&] { return CallWith(key).error_code() == code; }, timeout,
                                   absl::Milliseconds(100))) {
      return std::nullopt;
    }
    return absl::Now() - start;
  }

  void ExpectAccepted(const SigningKey& key) {
    const grpc::Status status = CallWith(key);
    EXPECT_TRUE(status.ok()) << key.kid << ": " << status.error_code() << " "
                             << status.error_message();
  }

  std::string database_url_;
  std::unique_ptr<JwksFile> jwks_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<RestaurantService::Stub> stub_;
  int64_t restaurant_id_ = 0;
};

TEST_F(KeyRotationTest, AKeyAddedToTheJwksFileIsAcceptedWithoutARestart) {
  const grpc::Status before = CallWith(OtherEcKey());
  ASSERT_TRUE(IsRejection(before, {}, Message(VerifyReason::kUnknownKey))) << "ec-2 not yet added";
  const pid_t pid = server_->process().pid();

  jwks_->Write({RsaKey(), EcKey(), EdKey(), OtherEcKey()});
  const std::optional<absl::Duration> took =
      TimeUntil(OtherEcKey(), grpc::StatusCode::OK, kRotationTimeout);
  ASSERT_TRUE(took.has_value()) << "ec-2 still rejected " << kRotationTimeout
                                << " after it was added";
  RecordProperty("seconds_until_added_key_accepted", absl::StrCat(absl::ToDoubleSeconds(*took)));
  for (const SigningKey* key : {&RsaKey(), &EcKey(), &EdKey()}) ExpectAccepted(*key);
  EXPECT_EQ(server_->process().pid(), pid);
  EXPECT_TRUE(server_->process().Running());
}

TEST_F(KeyRotationTest, AKeyRemovedFromTheJwksFileIsRejectedWithoutARestart) {
  const pid_t pid = server_->process().pid();
  jwks_->Write({RsaKey(), EcKey(), EdKey(), OtherEcKey()});
  ASSERT_TRUE(TimeUntil(OtherEcKey(), grpc::StatusCode::OK, kRotationTimeout).has_value())
      << "ec-2 never accepted";
  ExpectAccepted(EcKey());

  jwks_->Write({RsaKey(), EdKey(), OtherEcKey()});
  const std::optional<absl::Duration> took =
      TimeUntil(EcKey(), grpc::StatusCode::UNAUTHENTICATED, kRotationTimeout);
  ASSERT_TRUE(took.has_value()) << "ec-1 still accepted " << kRotationTimeout
                                << " after it was removed";
  RecordProperty("seconds_until_removed_key_rejected", absl::StrCat(absl::ToDoubleSeconds(*took)));
  EXPECT_TRUE(IsRejection(CallWith(EcKey()), {}, Message(VerifyReason::kUnknownKey)));
  for (const SigningKey* key : {&RsaKey(), &EdKey(), &OtherEcKey()}) ExpectAccepted(*key);
  EXPECT_EQ(server_->process().pid(), pid);
  EXPECT_TRUE(server_->process().Running());
}

TEST_F(KeyRotationTest, ABrokenJwksFileKeepsTheLastGoodKeys) {
  jwks_->WriteText("{\"keys\": [");
  // The periodic reload fails within a few intervals and says so; the keys stay.
  ASSERT_TRUE(server_->process().WaitForOutput("reload of jwks failed", kRotationTimeout))
      << server_->Output();
  for (const SigningKey* key : {&RsaKey(), &EcKey(), &EdKey()}) ExpectAccepted(*key);
  EXPECT_TRUE(IsRejection(CallWith(OtherEcKey()), {}, Message(VerifyReason::kUnknownKey)));
}

}  // namespace
}  // namespace misc
