#include "bench/transport/answers.h"

#include <cstdint>
#include <string>

#include "misc/genre/v1/genre.pb.h"

namespace misc::transport {
namespace {

struct SeedGenre {
  int64_t genre_id;
  int64_t parent_genre_id;  // 0 for a top-level genre
  const char* name;
  const char* name_en;
};

// cmd/migrate/seed.sql's genres, in misc's order (by depth, then id): the same 54 genres make
// the same ListGenresResponse bytes as misc sends for a seeded database.
constexpr SeedGenre kSeedGenres[] = {
    {1, 0, "和食", "Japanese"},
    {2, 0, "洋食", "Western"},
    {3, 0, "中華", "Chinese"},
    {4, 0, "アジア・エスニック", "Asian & Ethnic"},
    {5, 0, "カフェ", "Cafe"},
    {6, 0, "居酒屋", "Izakaya"},
    {7, 0, "焼肉", "Yakiniku"},
    {8, 0, "スイーツ", "Sweets"},
    {9, 0, "バー", "Bar"},
    {101, 1, "寿司", "Sushi"},
    {102, 1, "ラーメン", "Ramen"},
    {103, 1, "天ぷら", "Tempura"},
    {104, 1, "そば", "Soba"},
    {105, 1, "うどん", "Udon"},
    {106, 1, "うなぎ", "Unagi"},
    {107, 1, "焼き鳥", "Yakitori"},
    {108, 1, "とんかつ", "Tonkatsu"},
    {109, 1, "お好み焼き", "Okonomiyaki"},
    {110, 1, "懐石・会席料理", "Kaiseki"},
    {111, 1, "しゃぶしゃぶ", "Shabu-shabu"},
    {112, 1, "定食・食堂", "Set meals"},
    {201, 2, "イタリアン", "Italian"},
    {202, 2, "フレンチ", "French"},
    {203, 2, "ハンバーグ", "Hamburg steak"},
    {204, 2, "ステーキ", "Steak"},
    {205, 2, "ハンバーガー", "Burgers"},
    {206, 2, "ピザ", "Pizza"},
    {207, 2, "オムライス", "Omurice"},
    {301, 3, "餃子", "Gyoza"},
    {302, 3, "四川料理", "Sichuan"},
    {303, 3, "飲茶・点心", "Dim sum"},
    {304, 3, "担々麺", "Dandan noodles"},
    {401, 4, "タイ料理", "Thai"},
    {402, 4, "インド料理・カレー", "Indian & curry"},
    {403, 4, "韓国料理", "Korean"},
    {404, 4, "ベトナム料理", "Vietnamese"},
    {501, 5, "喫茶店", "Kissaten"},
    {502, 5, "パンケーキ", "Pancakes"},
    {503, 5, "パン・ベーカリー", "Bakery"},
    {504, 5, "コーヒースタンド", "Coffee stand"},
    {601, 6, "海鮮居酒屋", "Seafood izakaya"},
    {602, 6, "立ち飲み", "Standing bar"},
    {603, 6, "もつ鍋", "Motsunabe"},
    {604, 6, "大衆酒場", "Taishu sakaba"},
    {701, 7, "ホルモン", "Horumon"},
    {702, 7, "ジンギスカン", "Jingisukan"},
    {703, 7, "和牛焼肉", "Wagyu yakiniku"},
    {801, 8, "ケーキ", "Cake"},
    {802, 8, "和菓子・甘味処", "Wagashi"},
    {803, 8, "かき氷", "Shaved ice"},
    {901, 9, "ワインバー", "Wine bar"},
    {902, 9, "日本酒バー", "Sake bar"},
    {1021, 102, "つけ麺", "Tsukemen"},
    {1022, 102, "豚骨ラーメン", "Tonkotsu ramen"},
};

grpc::Slice SerializedGenres() {
  genre::v1::ListGenresResponse response;
  for (const SeedGenre& seed : kSeedGenres) {
    genre::v1::Genre* genre = response.add_genres();
    genre->set_genre_id(seed.genre_id);
    genre->set_parent_genre_id(seed.parent_genre_id);
    genre->set_name(seed.name);
    genre->set_name_en(seed.name_en);
  }
  return grpc::Slice(response.SerializeAsString());
}

}  // namespace

Answers::Answers() : genres_wire_(SerializedGenres()) {
  health_.set_status(grpc::health::v1::HealthCheckResponse::SERVING);
}

grpc::ByteBuffer Answers::GenresWire() const {
  grpc::Slice wire = genres_wire_;  // Another reference to the same bytes.
  return grpc::ByteBuffer(&wire, 1);
}

rollout::v1::CheckRolloutTargetResponse Answers::Rollout(
    const rollout::v1::CheckRolloutTargetRequest& request) {
  rollout::v1::CheckRolloutTargetResponse response;
  response.set_target(request.restaurant_id() % 10 == 0);
  response.set_version(1);
  return response;
}

area::v1::GetAreaResponse Answers::Area(const area::v1::GetAreaRequest& request) {
  area::v1::GetAreaResponse response;
  area::v1::Area* area = response.mutable_area();
  area->set_area_id(request.area_id());
  area->set_prefecture_id(13);
  area->set_name("渋谷");
  area->set_name_en("Shibuya");
  return response;
}

}  // namespace misc::transport
