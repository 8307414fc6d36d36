// misc-rest end to end: the real binary on the seeded test database, next to the real
// misc-server on the same database, called over HTTP/1.1 and over gRPC. Whatever a handler
// answers over gRPC, misc-rest must answer as JSON, and everything it refuses itself must be
// refused with the right HTTP status before any handler runs.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "google/rpc/status.pb.h"
#include "misc/area/v1/area.pb.h"
#include "misc/genre/v1/genre.pb.h"
#include "misc/restaurant/v1/restaurant.pb.h"
#include "misc/review/v1/review.pb.h"
#include "misc/rollout/v1/rollout.pb.h"
#include "test/auth/auth_test_util.h"
#include "test/support/eventually.h"
#include "test/support/grpc_assertions.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/rest_server.h"
#include "test/support/viewer_server_test.h"

namespace misc::testing {
namespace {

using google::protobuf::Message;

// Calls `method` ("/pkg.Service/Method") on `channel` with `request` as `authorization` and
// fills `response`.
grpc::Status CallGrpc(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                      const Message& request, Message& response,
                      const std::string& authorization = "") {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  grpc::ByteBuffer request_bytes;
  grpc::ByteBuffer response_bytes;
  bool own = false;
  EXPECT_TRUE(grpc::SerializationTraits<Message>::Serialize(request, &request_bytes, &own).ok());
  grpc::Status result;
  absl::Notification done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_bytes, &response_bytes,
                 [&](grpc::Status status) {
                   result = std::move(status);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (result.ok()) {
    EXPECT_TRUE(grpc::SerializationTraits<Message>::Deserialize(&response_bytes, &response).ok());
  }
  return result;
}

// Parses an HTTP answer's JSON body into `message`, strictly (an unknown field fails).
::testing::AssertionResult ParseJson(const std::string& json, Message& message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(json, &message, options);
  if (parsed.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << parsed.ToString() << " in " << json;
}

httplib::Headers AuthorizationHeader(const std::string& authorization) {
  if (authorization.empty()) return {};
  return {{"Authorization", authorization}};
}

class RestIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_url_ = new std::string(SeededDatabaseUrl());
    jwks_ = new auth::testing::JwksFile({auth::testing::RsaKey()});
    std::vector<std::string> flags = JwtFlags(jwks_->path());
    grpc_ = ServerProcess::Start(*database_url_, flags).release();
    flags.push_back("--access_log_flush_interval=0s");
    flags.push_back("--http_request_timeout=1s");
    flags.push_back("--http_max_body_bytes=4096");
    flags.push_back("--http_max_header_bytes=12288");
    rest_ = RestProcess::Start(*database_url_, flags).release();
  }

  static void TearDownTestSuite() {
    delete rest_;
    delete grpc_;
    delete jwks_;
    delete database_url_;
  }

  void SetUp() override {
    ASSERT_NE(grpc_, nullptr);
    ASSERT_NE(rest_, nullptr);
    client_ = rest_->Client();
  }

  // Asks misc-rest `path` (GET, or POST with `body`) and misc-server `method` with `request`,
  // both as `authorization`, and expects the same answer: 200 and an equal message.
  void ExpectSameAnswer(const std::string& path, const std::string& method, const Message& request,
                        const std::string& authorization = "", const std::string& post_body = "") {
    SCOPED_TRACE(path);
    std::unique_ptr<Message> over_grpc(request.New());  // Replaced below by the output type.
    const google::protobuf::MethodDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
            absl::StrReplaceAll(method.substr(1), {{"/", "."}}));
    ASSERT_NE(descriptor, nullptr) << method;
    const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(
        descriptor->output_type());
    over_grpc.reset(prototype->New());
    std::unique_ptr<Message> over_rest(prototype->New());
    const grpc::Status status =
        CallGrpc(grpc_->channel(), method, request, *over_grpc, authorization);
    ASSERT_TRUE(status.ok()) << status.error_message();
    httplib::Result result = post_body.empty()
                                 ? client_->Get(path, AuthorizationHeader(authorization))
                                 : client_->Post(path, AuthorizationHeader(authorization),
                                                 post_body, "application/json");
    ASSERT_TRUE(result) << httplib::to_string(result.error());
    ASSERT_EQ(result->status, 200) << result->body;
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
    ASSERT_TRUE(ParseJson(result->body, *over_rest));
    std::string difference;
    google::protobuf::util::MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&difference);
    EXPECT_TRUE(differencer.Compare(*over_grpc, *over_rest)) << difference;
  }

  // Expects misc-rest's answer `result` to be HTTP `http_status` with a google.rpc.Status body of
  // gRPC code `code`; returns the status.
  static google::rpc::Status ExpectError(const httplib::Result& result, int http_status,
                                         grpc::StatusCode code) {
    google::rpc::Status status;
    EXPECT_TRUE(result);
    if (!result) return status;
    EXPECT_EQ(result->status, http_status) << result->body;
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
    EXPECT_TRUE(ParseJson(result->body, status));
    EXPECT_EQ(status.code(), static_cast<int>(code)) << result->body;
    return status;
  }

  // The field names of the BadRequest detail of `status`.
  static std::vector<std::string> Violations(const google::rpc::Status& status) {
    grpc::Status as_grpc(static_cast<grpc::StatusCode>(status.code()), status.message(),
                         status.SerializeAsString());
    return FieldViolations(as_grpc);
  }

  static inline std::string* database_url_ = nullptr;
  static inline auth::testing::JwksFile* jwks_ = nullptr;
  static inline ServerProcess* grpc_ = nullptr;
  static inline RestProcess* rest_ = nullptr;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(RestIntegrationTest, EveryRouteAnswersWhatGrpcAnswers) {
  restaurant::v1::GetRestaurantRequest get_restaurant;
  get_restaurant.set_restaurant_id(1);
  ExpectSameAnswer("/v1/restaurants/1", "/misc.restaurant.v1.RestaurantService/GetRestaurant",
                   get_restaurant);
  restaurant::v1::BatchGetRestaurantsRequest batch;
  batch.add_restaurant_ids(3);
  batch.add_restaurant_ids(1);
  batch.add_restaurant_ids(3);
  ExpectSameAnswer("/v1/restaurants:batchGet",
                   "/misc.restaurant.v1.RestaurantService/BatchGetRestaurants", batch, "",
                   R"({"restaurantIds": ["3", "1", 3]})");
  restaurant::v1::ListRestaurantsRequest list_restaurants;
  list_restaurants.set_area_id(1301);
  list_restaurants.set_page_size(3);
  ExpectSameAnswer("/v1/restaurants?area_id=1301&pageSize=3",
                   "/misc.restaurant.v1.RestaurantService/ListRestaurants", list_restaurants);
  review::v1::ListReviewsRequest list_reviews;
  list_reviews.set_restaurant_id(191);
  list_reviews.set_page_size(5);
  ExpectSameAnswer("/v1/restaurants/191/reviews?page_size=5",
                   "/misc.review.v1.ReviewService/ListReviews", list_reviews);
  review::v1::GetReviewRequest get_review;
  get_review.set_review_id(1);
  ExpectSameAnswer("/v1/reviews/1", "/misc.review.v1.ReviewService/GetReview", get_review);
  ExpectSameAnswer("/v1/prefectures", "/misc.area.v1.AreaService/ListPrefectures",
                   area::v1::ListPrefecturesRequest());
  area::v1::ListAreasRequest list_areas;
  list_areas.set_prefecture_id(13);
  ExpectSameAnswer("/v1/prefectures/13/areas", "/misc.area.v1.AreaService/ListAreas", list_areas);
  area::v1::GetAreaRequest get_area;
  get_area.set_area_id(1301);
  ExpectSameAnswer("/v1/areas/1301", "/misc.area.v1.AreaService/GetArea", get_area);
  ExpectSameAnswer("/v1/genres", "/misc.genre.v1.GenreService/ListGenres",
                   genre::v1::ListGenresRequest());
  genre::v1::GetGenreRequest get_genre;
  get_genre.set_genre_id(1);
  ExpectSameAnswer("/v1/genres/1", "/misc.genre.v1.GenreService/GetGenre", get_genre);
  ExpectSameAnswer("/v1/rollout/targets", "/misc.rollout.v1.RolloutService/GetRolloutTargets",
                   rollout::v1::GetRolloutTargetsRequest());
  rollout::v1::CheckRolloutTargetRequest check;
  check.set_restaurant_id(1);
  ExpectSameAnswer("/v1/rollout/targets/1", "/misc.rollout.v1.RolloutService/CheckRolloutTarget",
                   check);
}

TEST_F(RestIntegrationTest, JsonFollowsTheProto3Mapping) {
  httplib::Result result = client_->Get("/v1/restaurants/1");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  // lowerCamelCase names, int64 as strings, unset scalars printed.
  EXPECT_TRUE(absl::StrContains(result->body, R"("restaurantId":"1")")) << result->body;
  EXPECT_TRUE(absl::StrContains(result->body, R"("closed":false)")) << result->body;
  EXPECT_FALSE(absl::StrContains(result->body, "restaurant_id")) << result->body;
  EXPECT_FALSE(absl::StrContains(result->body, "viewer")) << "anonymous: " << result->body;
}

TEST_F(RestIntegrationTest, PageTokensPassThroughOpaque) {
  // Walk a restaurant's reviews over REST, continuing once over gRPC with a REST token.
  std::string token;
  int reviews = 0;
  for (int page = 0; page < 100; ++page) {
    httplib::Result result =
        client_->Get(absl::StrCat("/v1/restaurants/191/reviews?page_size=20&page_token=",
                                  httplib::detail::encode_query_param(token)));
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << result->body;
    review::v1::ListReviewsResponse response;
    ASSERT_TRUE(ParseJson(result->body, response));
    if (page == 1) {
      review::v1::ListReviewsRequest request;
      request.set_restaurant_id(191);
      request.set_page_size(20);
      request.set_page_token(token);
      review::v1::ListReviewsResponse over_grpc;
      ASSERT_TRUE(CallGrpc(grpc_->channel(), "/misc.review.v1.ReviewService/ListReviews", request,
                           over_grpc)
                      .ok());
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(over_grpc, response));
    }
    reviews += response.reviews_size();
    token = response.next_page_token();
    if (token.empty()) break;
  }
  EXPECT_TRUE(token.empty()) << "the walk ends";
  EXPECT_EQ(reviews,
            QueryInt64(*database_url_, "SELECT count(*) FROM reviews WHERE restaurant_id = 191"));
}

TEST_F(RestIntegrationTest, LoggedInAnonymousAndInvalidTokensBehaveAsOverGrpc) {
  const int64_t bookmarked = QueryInt64(
      *database_url_,
      absl::StrCat("SELECT min(restaurant_id) FROM bookmarks WHERE user_id = ", kDemoUser));
  restaurant::v1::GetRestaurantRequest request;
  request.set_restaurant_id(bookmarked);
  const std::string path = absl::StrCat("/v1/restaurants/", bookmarked);
  const std::string bearer = absl::StrCat("Bearer ", TokenNow(auth::testing::RsaKey(), kDemoUser));
  ExpectSameAnswer(path, "/misc.restaurant.v1.RestaurantService/GetRestaurant", request, bearer);
  httplib::Result logged_in = client_->Get(path, AuthorizationHeader(bearer));
  ASSERT_TRUE(logged_in);
  EXPECT_TRUE(absl::StrContains(logged_in->body, R"("viewer":{"bookmarked":true})"))
      << logged_in->body;

  for (const std::string& bad :
       {std::string("Bearer not-a-jwt"), std::string("Basic abc"), absl::StrCat(bearer, "x")}) {
    SCOPED_TRACE(bad);
    restaurant::v1::GetRestaurantResponse unused;
    const grpc::Status over_grpc =
        CallGrpc(grpc_->channel(), "/misc.restaurant.v1.RestaurantService/GetRestaurant", request,
                 unused, bad);
    ASSERT_EQ(over_grpc.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    httplib::Result result = client_->Get(path, AuthorizationHeader(bad));
    const google::rpc::Status status = ExpectError(result, 401, grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(status.message(), over_grpc.error_message());
    EXPECT_EQ(result->get_header_value("WWW-Authenticate"), "Bearer");
    EXPECT_FALSE(absl::StrContains(result->body, bad.substr(7))) << "no token echoed";
  }
}

TEST_F(RestIntegrationTest, HandlerErrorsKeepTheirCodeAndDetails) {
  review::v1::ListReviewsRequest request;
  request.set_restaurant_id(191);
  request.set_page_size(-1);
  review::v1::ListReviewsResponse unused;
  const grpc::Status over_grpc =
      CallGrpc(grpc_->channel(), "/misc.review.v1.ReviewService/ListReviews", request, unused);
  ASSERT_EQ(over_grpc.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status status = ExpectError(client_->Get("/v1/restaurants/191/reviews?page_size=-1"),
                                           400, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.message(), over_grpc.error_message());
  EXPECT_EQ(Violations(status), std::vector<std::string>{"page_size"});

  status = ExpectError(client_->Get("/v1/restaurants/99999999"), 404, grpc::StatusCode::NOT_FOUND);
  ASSERT_EQ(status.details_size(), 1);
  EXPECT_EQ(status.details(0).type_url(), "type.googleapis.com/google.rpc.ResourceInfo");
  ExpectError(client_->Get("/v1/restaurants/0"), 400, grpc::StatusCode::INVALID_ARGUMENT);
  ExpectError(
      client_->Post("/v1/restaurants:batchGet", R"({"restaurantIds":[]})", "application/json"), 400,
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RestIntegrationTest, RefusesBadRequestsBeforeAnyHandler) {
  ExpectError(client_->Get("/v1/nothing"), 404, grpc::StatusCode::NOT_FOUND);
  ExpectError(client_->Get("/"), 404, grpc::StatusCode::NOT_FOUND);

  httplib::Result result = client_->Delete("/v1/genres");
  ExpectError(result, 405, grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(result->get_header_value("Allow"), "GET");
  result = client_->Get("/v1/restaurants:batchGet");
  ExpectError(result, 405, grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(result->get_header_value("Allow"), "POST");

  const std::pair<std::string, std::string> bodies[] = {
      {R"({"restaurantIds":)", "body"},
      {R"(["1"])", "body"},
      {R"({"restaurantIdz":["1"]})", "restaurantIdz"},
      {R"({"restaurantIds":["one"]})", "body"},
  };
  for (const auto& [body, field] : bodies) {
    const google::rpc::Status status =
        ExpectError(client_->Post("/v1/restaurants:batchGet", body, "application/json"), 400,
                    grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(Violations(status), std::vector<std::string>{field}) << body;
  }
  const std::pair<std::string, std::string> parameters[] = {
      {"/v1/restaurants/abc", "restaurant_id"},
      {"/v1/restaurants/1%2F2", "restaurant_id"},
      {"/v1/restaurants?page_size=ten", "page_size"},
      {"/v1/restaurants?area_id=1&area_id=2", "area_id"},
      {"/v1/restaurants?sort=name", "sort"},
      {"/v1/rollout/targets?known_version=99999999999999999999", "known_version"},
  };
  for (const auto& [path, field] : parameters) {
    const google::rpc::Status status =
        ExpectError(client_->Get(path), 400, grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(Violations(status), std::vector<std::string>{field}) << path;
  }
  httplib::Result timeout = client_->Get("/v1/genres", {{"Grpc-Timeout", "soon"}});
  EXPECT_EQ(Violations(ExpectError(timeout, 400, grpc::StatusCode::INVALID_ARGUMENT)),
            std::vector<std::string>{"Grpc-Timeout"});

  // Limits set by flag in SetUpTestSuite: 4 KiB of body, 12 KiB of headers.
  result = client_->Post("/v1/restaurants:batchGet",
                         absl::StrCat(R"({"restaurantIds":[)", std::string(5000, ' '), "]}"),
                         "application/json");
  ExpectError(result, 413, grpc::StatusCode::INVALID_ARGUMENT);
  result = rest_->Client()->Get("/v1/genres", {{"X-Padding", std::string(16 << 10, 'a')}});
  ExpectError(result, 431, grpc::StatusCode::INVALID_ARGUMENT);
  // ... and a token of 8 KiB, the largest misc-server takes, still fits.
  result = client_->Get("/v1/genres", {{"Authorization", "Bearer " + std::string(8 << 10, 'a')}});
  ExpectError(result, 401, grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(RestIntegrationTest, ClosesASlowClientAfterTheRequestTimeout) {
  // --http_request_timeout=1s: a client trickling its headers is closed though never quiet.
  const int fd = ConnectLoopback(rest_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /v1/genres HTTP/1.1\r\n"));
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    if (!SendAll(fd, "X")) break;
    closed = ClosedByPeerWithin(fd, absl::Milliseconds(100));
  }
  EXPECT_TRUE(closed) << "still open after 10 s of trickling";
  close(fd);
  httplib::Result result = client_->Get("/v1/genres");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST_F(RestIntegrationTest, HealthAndReadiness) {
  httplib::Result result = client_->Get("/healthz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  result = client_->Get("/readyz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, R"({"status":"SERVING"})");
  result = client_->Get("/readyz?service=misc.restaurant.v1.RestaurantService");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  ExpectError(client_->Get("/readyz?service=no.such.Service"), 404, grpc::StatusCode::NOT_FOUND);
  result = client_->Post("/healthz", "", "text/plain");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 405);
}

// The probes of every server binary, on the metrics listener: the same verdicts.
TEST_F(RestIntegrationTest, MetricsListenerAnswersHealthzAndReadyz) {
  httplib::Client metrics("127.0.0.1", rest_->metrics_port());
  for (const char* path : {"/healthz", "/readyz"}) {
    httplib::Result result = metrics.Get(path);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 200) << path;
    EXPECT_EQ(result->body, R"({"status":"SERVING"})") << path;
  }
}

TEST_F(RestIntegrationTest, CountsAndLogsEveryRequestWithItsCall) {
  httplib::Result result = client_->Get("/v1/genres/1");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  const std::string traceparent = result->get_header_value("traceparent");
  ASSERT_EQ(traceparent.size(), 55u) << traceparent;
  const std::string trace_id = traceparent.substr(3, 32);
  ASSERT_TRUE(client_->Get("/v1/nothing"));
  httplib::Request made_up;
  made_up.method = "FROB";
  made_up.path = "/v1/genres";
  httplib::Response made_up_answer;
  httplib::Error made_up_error = httplib::Error::Success;
  ASSERT_TRUE(client_->send(made_up, made_up_answer, made_up_error)) << made_up_error;

  const std::string metrics = rest_->Metrics();
  EXPECT_TRUE(absl::StrContains(
      metrics,
      R"(misc_http_requests_total{code="200",method="GET",route="/v1/genres/{genre_id}"})"))
      << metrics;
  EXPECT_TRUE(absl::StrContains(
      metrics, R"(misc_http_requests_total{code="404",method="GET",route="unmatched"})"));
  EXPECT_TRUE(absl::StrContains(
      metrics,
      R"(misc_http_request_duration_seconds_count{method="GET",route="/v1/genres/{genre_id}"})"));
  // A method a client made up is "other": callers cannot create series at will.
  EXPECT_FALSE(absl::StrContains(metrics, "FROB")) << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, R"(method="other")")) << metrics;
  // The call behind it, counted as misc-server counts its calls.
  EXPECT_TRUE(absl::StrContains(metrics, R"(grpc_method="GetGenre")")) << metrics;

  // One line for the request, one for the call it made, tied by the trace id.
  ASSERT_TRUE(Eventually(
      [&] {
        const std::string output = rest_->Output();
        return absl::StrContains(
                   output,
                   absl::StrCat(
                       R"("log":"http_access","method":"GET","route":"/v1/genres/{genre_id}","path":"/v1/genres/1","status":200,"code":"OK")")) &&
               absl::StrContains(output, absl::StrCat(R"("method":"GetGenre")")) &&
               absl::StrContains(output, absl::StrCat(R"("trace_id":")", trace_id, R"("})"));
      },
      absl::Seconds(5)))
      << rest_->Output();
  size_t lines_with_trace = 0;
  for (absl::string_view line : absl::StrSplit(rest_->Output(), '\n')) {
    if (absl::StrContains(line, trace_id)) ++lines_with_trace;
  }
  EXPECT_EQ(lines_with_trace, 2u);
}

}  // namespace
}  // namespace misc::testing
