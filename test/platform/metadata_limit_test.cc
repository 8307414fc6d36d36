#include "src/server/metadata_limit.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/status/status.h"

namespace misc::server {
namespace {

// Adds a field named `name_storage` whose RFC 7541 size (name + value + 32) is `bytes` to
// `metadata`. The storage keeps the strings alive, as gRPC's call does for real metadata.
void AddField(RequestMetadata& metadata, std::string& name_storage, std::string& value_storage,
              size_t bytes) {
  value_storage.assign(bytes - name_storage.size() - 32, 'v');
  metadata.emplace(name_storage, value_storage);
}

TEST(HeaderListBytesTest, CountsNameValueAndThirtyTwoPerField) {
  const std::string name = "x-a";
  const std::string value = "12345";
  const std::string other = "authorization";
  RequestMetadata metadata;
  EXPECT_EQ(HeaderListBytes(metadata), 0u);
  metadata.emplace(name, value);
  metadata.emplace(other, value);
  metadata.emplace(other, "");  // A repeated name counts again.
  EXPECT_EQ(HeaderListBytes(metadata), (3 + 5 + 32) + (13 + 5 + 32) + (13 + 0 + 32));
}

TEST(CheckHeaderListSizeTest, AcceptsUpToTheAdvertisedLimitAndRefusesPastIt) {
  std::string first_name = "x-pad-1";
  std::string second_name = "x-pad-2";
  std::string first_value;
  std::string second_value;
  RequestMetadata metadata;
  // Many fields count together: two halves of the limit are exactly the limit.
  AddField(metadata, first_name, first_value, kMaxMetadataBytes / 2);
  AddField(metadata, second_name, second_value, kMaxMetadataBytes / 2);
  ASSERT_EQ(HeaderListBytes(metadata), static_cast<size_t>(kMaxMetadataBytes));
  EXPECT_TRUE(CheckHeaderListSize(metadata).ok());

  const std::string one_more_name = "x";
  metadata.emplace(one_more_name, "");
  const absl::Status refused = CheckHeaderListSize(metadata);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  // Nothing of the metadata is echoed back.
  EXPECT_EQ(refused.message().find("x-pad"), absl::string_view::npos) << refused;
}

}  // namespace
}  // namespace misc::server
