// End-to-end tests of `misc-migrate seed` against the throwaway PostgreSQL.
#include <signal.h>

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cmd/migrate/session.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/postgres.h"
#include "test/support/subprocess.h"

namespace misc::migrate {
namespace {

using ::misc::testing::RunResult;
using ::testing::HasSubstr;

constexpr char kBinary[] = MISC_MIGRATE_BINARY;
constexpr char kRealMigrations[] = MISC_MIGRATIONS_DIR;

// Runs misc-migrate on `url` with the real migrations.
RunResult Migrate(const std::string& url, std::vector<std::string> args) {
  args.push_back("--database_url=" + url);
  args.push_back(absl::StrCat("--migrations_dir=", kRealMigrations));
  return misc::testing::RunAndWait(kBinary, args, {}, absl::Seconds(300));
}

// Returns a fresh database with the schema applied.
std::string MigratedDatabase() {
  std::string url = misc::testing::CreateFreshDatabase("seed_test");
  const RunResult up = Migrate(url, {"up"});
  EXPECT_EQ(up.exit_code, 0) << up.output;
  return url;
}

std::string Query(const std::string& url, std::string_view sql) {
  absl::StatusOr<std::string> value = misc::testing::QueryValue(url, sql);
  return value.ok() ? *value : absl::StrCat("ERROR: ", value.status().ToString());
}

// One database seeded once, shared by the read-only checks below.
class SeededDatabaseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    url_ = new std::string(MigratedDatabase());
    const RunResult seed =
        Migrate(*url_, {"seed", "--restaurants=300", "--reviews_per_restaurant=8"});
    ASSERT_EQ(seed.exit_code, 0) << seed.output;
    ASSERT_THAT(seed.output, HasSubstr("seeded 300 restaurants"));
  }
  static void TearDownTestSuite() {
    delete url_;
    url_ = nullptr;
  }
  std::string Q(std::string_view sql) { return Query(*url_, sql); }

  static std::string* url_;
};
std::string* SeededDatabaseTest::url_ = nullptr;

TEST_F(SeededDatabaseTest, LoadsThe47PrefecturesInJisOrder) {
  EXPECT_EQ(Q("SELECT count(*) FROM prefectures"), "47");
  EXPECT_EQ(Q("SELECT name || ' ' || name_en FROM prefectures WHERE prefecture_id = 1"),
            "北海道 Hokkaido");
  EXPECT_EQ(Q("SELECT name || ' ' || name_en FROM prefectures WHERE prefecture_id = 13"),
            "東京都 Tokyo");
  EXPECT_EQ(Q("SELECT name || ' ' || name_en FROM prefectures WHERE prefecture_id = 47"),
            "沖縄県 Okinawa");
}

TEST_F(SeededDatabaseTest, EveryPrefectureHasAtLeastTwoAreasAndTokyoHasShibuya) {
  EXPECT_EQ(Q("SELECT count(*) FROM prefectures p WHERE (SELECT count(*) FROM areas a "
              "WHERE a.prefecture_id = p.prefecture_id) < 2"),
            "0");
  EXPECT_EQ(Q("SELECT count(*) FROM areas WHERE prefecture_id = 13 AND name = '渋谷' "
              "AND name_en = 'Shibuya'"),
            "1");
}

TEST_F(SeededDatabaseTest, GenresFormATreeWithTopLevelParentsNull) {
  EXPECT_EQ(Q("SELECT name FROM genres WHERE genre_id = 1 AND parent_genre_id IS NULL"), "和食");
  EXPECT_EQ(Q("SELECT p.name FROM genres g JOIN genres p ON p.genre_id = g.parent_genre_id "
              "WHERE g.name = '寿司'"),
            "和食");
}

TEST_F(SeededDatabaseTest, RestaurantsHaveOneToThreeKnownGenresAndSomeAreClosed) {
  EXPECT_EQ(Q("SELECT count(*) FROM restaurants"), "300");
  EXPECT_EQ(Q("SELECT count(*) FROM restaurants WHERE cardinality(genre_ids) NOT BETWEEN 1 AND 3"),
            "0");
  EXPECT_EQ(Q("SELECT count(*) FROM restaurants r, unnest(r.genre_ids) AS g "
              "WHERE g NOT IN (SELECT genre_id FROM genres)"),
            "0");
  EXPECT_EQ(Q("SELECT count(*) > 0 FROM restaurants WHERE closed"), "t");
  EXPECT_EQ(Q("SELECT count(*) FROM restaurants WHERE name_kana = '' OR address = ''"), "0");
  EXPECT_EQ(Q("SELECT count(*) FROM restaurants WHERE latitude NOT BETWEEN 24 AND 46 "
              "OR longitude NOT BETWEEN 122 AND 146"),
            "0");
}

TEST_F(SeededDatabaseTest, ReviewCountAndRatingAverageMatchTheReviews) {
  EXPECT_EQ(Q("SELECT count(*) FROM restaurants r WHERE r.review_count <> "
              "(SELECT count(*) FROM reviews v WHERE v.restaurant_id = r.restaurant_id)"),
            "0");
  EXPECT_EQ(Q("SELECT count(*) FROM restaurants r WHERE abs(r.rating_average - coalesce("
              "(SELECT avg(rating) FROM reviews v WHERE v.restaurant_id = r.restaurant_id), 0)) "
              "> 1e-9"),
            "0");
  EXPECT_EQ(Q("SELECT count(*) > 0 FROM restaurants WHERE review_count = 0"), "t");
  EXPECT_EQ(Q("SELECT max(review_count) > 3 * 8 FROM restaurants"), "t");
}

TEST_F(SeededDatabaseTest, LikeCountMatchesTheLikes) {
  EXPECT_EQ(Q("SELECT count(*) FROM reviews v WHERE v.like_count <> "
              "(SELECT count(*) FROM review_likes l WHERE l.review_id = v.review_id)"),
            "0");
  EXPECT_EQ(Q("SELECT count(*) FROM review_likes WHERE user_id NOT BETWEEN 1 AND 1000"), "0");
}

TEST_F(SeededDatabaseTest, ReviewBodiesVaryInLengthAndIncludeMultiByteText) {
  EXPECT_EQ(Q("SELECT count(*) > 0 FROM reviews WHERE char_length(body) > 100"), "t");
  EXPECT_EQ(Q("SELECT count(*) > 0 FROM reviews WHERE char_length(body) < 20"), "t");
  EXPECT_EQ(Q("SELECT count(*) > 0 FROM reviews WHERE body ~ '[\\U0001F300-\\U0001FAFF]'"), "t");
}

TEST_F(SeededDatabaseTest, SomeReviewsOfOneRestaurantShareTheirCreateTime) {
  EXPECT_EQ(Q("SELECT count(*) > 0 FROM (SELECT 1 FROM reviews GROUP BY restaurant_id, "
              "create_time HAVING count(*) > 1) AS ties"),
            "t");
  EXPECT_EQ(Q("SELECT count(*) FROM reviews WHERE create_time > now() "
              "OR create_time < now() - interval '3 years 1 day'"),
            "0");
}

TEST_F(SeededDatabaseTest, User42HasBookmarksAndLikes) {
  EXPECT_EQ(Q("SELECT count(*) >= 5 FROM bookmarks WHERE user_id = 42"), "t");
  EXPECT_EQ(Q("SELECT count(*) >= 3 FROM review_likes WHERE user_id = 42"), "t");
}

TEST_F(SeededDatabaseTest, AboutOneRestaurantInTenIsARolloutTarget) {
  EXPECT_EQ(Q("SELECT count(*) BETWEEN 10 AND 60 FROM rollout_targets"), "t");
}

TEST_F(SeededDatabaseTest, KeepsTheSchemasConstraints) {
  constexpr std::string_view kConstraints =
      "SELECT string_agg(conrelid::regclass || ' ' || pg_get_constraintdef(oid), ',' "
      "ORDER BY conrelid::regclass::text, conname) FROM pg_constraint "
      "WHERE connamespace = 'public'::regnamespace";
  const std::string migrated = MigratedDatabase();

  EXPECT_EQ(Q(kConstraints), Query(migrated, kConstraints));
  EXPECT_THAT(Q(kConstraints), HasSubstr("reviews FOREIGN KEY (restaurant_id)"));
}

TEST(SeedCommandTest, SameOptionsGiveTheSameData) {
  const std::string first = MigratedDatabase();
  const std::string second = MigratedDatabase();
  for (const std::string& url : {first, second}) {
    const RunResult seed = Migrate(url, {"seed", "--restaurants=50"});
    ASSERT_EQ(seed.exit_code, 0) << seed.output;
  }
  constexpr std::string_view kFingerprint =
      "SELECT md5(string_agg(concat_ws('|', r.restaurant_id, r.name, r.genre_ids, r.address, "
      "r.review_count, v.review_id, v.author_name, v.rating, v.body, v.like_count), ',' "
      "ORDER BY r.restaurant_id, v.review_id)) "
      "FROM restaurants r LEFT JOIN reviews v USING (restaurant_id)";

  EXPECT_EQ(Query(first, kFingerprint), Query(second, kFingerprint));
}

TEST(SeedCommandTest, RefusesADatabaseWithDataUnlessReplace) {
  const std::string url = MigratedDatabase();
  ASSERT_EQ(Migrate(url, {"seed", "--restaurants=20"}).exit_code, 0);

  const RunResult again = Migrate(url, {"seed", "--restaurants=30"});
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_THAT(again.output, HasSubstr("already has data"));
  EXPECT_THAT(again.output, HasSubstr("--replace"));
  EXPECT_EQ(Query(url, "SELECT count(*) FROM restaurants"), "20");

  const RunResult replaced = Migrate(url, {"seed", "--restaurants=30", "--replace"});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.output;
  EXPECT_EQ(Query(url, "SELECT count(*) FROM restaurants"), "30");
}

TEST(SeedCommandTest, SigtermRollsBackEverythingLoadedSoFar) {
  const std::string url = MigratedDatabase();
  constexpr std::string_view kForeignKeys =
      "SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE contype = 'f'";
  const std::string foreign_keys = Query(url, kForeignKeys);
  absl::StatusOr<std::unique_ptr<misc::testing::Subprocess>> process =
      misc::testing::Subprocess::Start(kBinary,
                                       {"seed", "--restaurants=1000000", "--database_url=" + url,
                                        absl::StrCat("--migrations_dir=", kRealMigrations)});
  ASSERT_TRUE(process.ok()) << process.status();
  ASSERT_TRUE((*process)->WaitForOutput("seed: genres done", absl::Seconds(60)))
      << (*process)->Output();

  (*process)->Signal(SIGTERM);
  absl::StatusOr<int> exit_code = (*process)->Wait(absl::Seconds(20));

  EXPECT_EQ(exit_code.value_or(-1), 128 + SIGTERM) << (*process)->Output();
  EXPECT_EQ(Query(url, "SELECT count(*) FROM prefectures"), "0");
  EXPECT_EQ(Query(url, "SELECT count(*) FROM restaurants"), "0");
  EXPECT_EQ(Query(url, kForeignKeys), foreign_keys)
      << "the foreign keys the seed drops while loading must be back";
}

TEST(SeedCommandTest, GivesUpWhileAnotherMiscMigrateHoldsTheLock) {
  const std::string url = MigratedDatabase();
  pqxx::connection holder(url);
  pqxx::nontransaction(holder).exec_params("SELECT pg_advisory_lock($1)", kAdvisoryLockKey);

  const RunResult result = Migrate(url, {"seed", "--restaurants=10", "--lock_timeout=200ms"});

  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("another misc-migrate holds the lock"));
  EXPECT_EQ(Query(url, "SELECT count(*) FROM restaurants"), "0");
}

TEST(SeedCommandTest, RefusesASchemaThatIsNotUpToDate) {
  const std::string url = misc::testing::CreateFreshDatabase("seed_test");

  const RunResult result = Migrate(url, {"seed", "--restaurants=10"});

  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("not up to date"));
}

}  // namespace
}  // namespace misc::migrate
