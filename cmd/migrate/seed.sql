-- Sample data for misc, generated set-based in PostgreSQL (no row-by-row inserts).
--
-- misc-migrate embeds this file at build time and runs it in one transaction, step by step
-- (each `-- @step <name>` line starts a step; the tool logs how long each one takes). The
-- tables it fills are empty when it starts (the tool checks, or truncates them for --replace).
-- Inputs, set by the tool with set_config() before the first step:
--   misc_seed.restaurants             number of restaurants (ids 1..N)
--   misc_seed.reviews_per_restaurant  average number of reviews per restaurant
--
-- Determinism: every per-row choice comes from pg_temp.seed_rand(key, salt), a hash of the
-- row's id, so the same inputs always give the same rows whatever plan PostgreSQL picks;
-- setseed() pins random() too, for anything that might use it later. Only the time anchor
-- (midnight UTC of the day the seed runs) moves: times are spread over the 3 years before it.

-- @step setup
SELECT setseed(0.42);
-- The temp tables below have no statistics, so the planner overestimates and JIT-compiles
-- tiny queries (seconds of compiling for milliseconds of work).
SET LOCAL jit = off;

-- A uniform number in [0, 1) derived from (key, salt): the seed's only source of "chance".
CREATE OR REPLACE FUNCTION pg_temp.seed_rand(key bigint, salt bigint) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (hashint8extended(key, salt) & 281474976710655)::double precision
               / 281474976710656 $$;

-- An integer in [0, n) derived from (key, salt).
CREATE OR REPLACE FUNCTION pg_temp.seed_pick(key bigint, salt bigint, n bigint) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT floor(pg_temp.seed_rand(key, salt) * n)::integer $$;

-- The rating (1..5) of review `review_id` at a restaurant of the given quality. Used both to
-- insert reviews and to compute restaurants.rating_average, so the two always agree.
CREATE OR REPLACE FUNCTION pg_temp.seed_rating(review_id bigint, quality double precision)
  RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT greatest(1, least(5, round(quality + (pg_temp.seed_rand(review_id, 21) - 0.5)
                                                    * 2.6)))::integer $$;

-- Foreign keys are checked row by row, and every check locks the referenced row (a write to
-- a page just written). Loading is much faster with them dropped here and re-added at the end
-- (step "foreign keys"), where each is validated in one pass, as pg_restore does. Their
-- definitions come from the catalog, so they stay whatever the migrations made them, and the
-- transaction puts them back if anything fails.
CREATE TEMP TABLE seed_foreign_keys ON COMMIT DROP AS
SELECT conrelid::regclass::text AS table_name, conname AS name,
       pg_get_constraintdef(oid) AS definition
FROM pg_constraint
WHERE contype = 'f'
  AND conrelid IN ('prefectures'::regclass, 'areas'::regclass, 'genres'::regclass,
                   'restaurants'::regclass, 'reviews'::regclass, 'review_likes'::regclass,
                   'bookmarks'::regclass, 'rollout_targets'::regclass);
DO $$
DECLARE
  fk record;
BEGIN
  FOR fk IN SELECT * FROM seed_foreign_keys LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.table_name, fk.name);
  END LOOP;
END
$$;

CREATE TEMP TABLE seed_params ON COMMIT DROP AS
SELECT current_setting('misc_seed.restaurants')::bigint AS restaurants,
       current_setting('misc_seed.reviews_per_restaurant')::bigint AS reviews_per_restaurant,
       date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS anchor;

-- @step prefectures
-- JIS X 0401 codes.
INSERT INTO prefectures (prefecture_id, name, name_en) VALUES
  (1, '北海道', 'Hokkaido'), (2, '青森県', 'Aomori'), (3, '岩手県', 'Iwate'),
  (4, '宮城県', 'Miyagi'), (5, '秋田県', 'Akita'), (6, '山形県', 'Yamagata'),
  (7, '福島県', 'Fukushima'), (8, '茨城県', 'Ibaraki'), (9, '栃木県', 'Tochigi'),
  (10, '群馬県', 'Gunma'), (11, '埼玉県', 'Saitama'), (12, '千葉県', 'Chiba'),
  (13, '東京都', 'Tokyo'), (14, '神奈川県', 'Kanagawa'), (15, '新潟県', 'Niigata'),
  (16, '富山県', 'Toyama'), (17, '石川県', 'Ishikawa'), (18, '福井県', 'Fukui'),
  (19, '山梨県', 'Yamanashi'), (20, '長野県', 'Nagano'), (21, '岐阜県', 'Gifu'),
  (22, '静岡県', 'Shizuoka'), (23, '愛知県', 'Aichi'), (24, '三重県', 'Mie'),
  (25, '滋賀県', 'Shiga'), (26, '京都府', 'Kyoto'), (27, '大阪府', 'Osaka'),
  (28, '兵庫県', 'Hyogo'), (29, '奈良県', 'Nara'), (30, '和歌山県', 'Wakayama'),
  (31, '鳥取県', 'Tottori'), (32, '島根県', 'Shimane'), (33, '岡山県', 'Okayama'),
  (34, '広島県', 'Hiroshima'), (35, '山口県', 'Yamaguchi'), (36, '徳島県', 'Tokushima'),
  (37, '香川県', 'Kagawa'), (38, '愛媛県', 'Ehime'), (39, '高知県', 'Kochi'),
  (40, '福岡県', 'Fukuoka'), (41, '佐賀県', 'Saga'), (42, '長崎県', 'Nagasaki'),
  (43, '熊本県', 'Kumamoto'), (44, '大分県', 'Oita'), (45, '宮崎県', 'Miyazaki'),
  (46, '鹿児島県', 'Kagoshima'), (47, '沖縄県', 'Okinawa');

-- @step areas
-- Real neighbourhoods: id = prefecture * 100 + n, the reading (for branch names), the start of
-- a street address, the centre, and a weight (how many restaurants it gets, relatively).
CREATE TEMP TABLE seed_areas (
  area_id       bigint PRIMARY KEY,
  prefecture_id bigint NOT NULL,
  name          text   NOT NULL,
  name_en       text   NOT NULL,
  kana          text   NOT NULL,
  city          text   NOT NULL,
  latitude      double precision NOT NULL,
  longitude     double precision NOT NULL,
  weight        integer NOT NULL
) ON COMMIT DROP;
INSERT INTO seed_areas VALUES
  (101, 1, '札幌', 'Sapporo', 'さっぽろ', '札幌市中央区北5条西', 43.0686, 141.3508, 5),
  (102, 1, 'すすきの', 'Susukino', 'すすきの', '札幌市中央区南4条西', 43.0555, 141.3530, 4),
  (103, 1, '函館', 'Hakodate', 'はこだて', '函館市若松町', 41.7737, 140.7264, 2),
  (104, 1, '小樽', 'Otaru', 'おたる', '小樽市稲穂', 43.1979, 140.9941, 2),
  (105, 1, '旭川', 'Asahikawa', 'あさひかわ', '旭川市宮下通', 43.7629, 142.3580, 1),
  (201, 2, '青森', 'Aomori', 'あおもり', '青森市新町', 40.8284, 140.7346, 1),
  (202, 2, '弘前', 'Hirosaki', 'ひろさき', '弘前市大町', 40.5985, 140.4852, 1),
  (203, 2, '八戸', 'Hachinohe', 'はちのへ', '八戸市三日町', 40.5108, 141.4895, 1),
  (301, 3, '盛岡', 'Morioka', 'もりおか', '盛岡市大通', 39.7020, 141.1451, 1),
  (302, 3, '一関', 'Ichinoseki', 'いちのせき', '一関市上大槻街', 38.9263, 141.1369, 1),
  (401, 4, '仙台駅前', 'Sendai Station', 'せんだいえきまえ', '仙台市青葉区中央', 38.2601, 140.8822, 3),
  (402, 4, '国分町', 'Kokubuncho', 'こくぶんちょう', '仙台市青葉区国分町', 38.2644, 140.8700, 2),
  (403, 4, '石巻', 'Ishinomaki', 'いしのまき', '石巻市中央', 38.4296, 141.3026, 1),
  (501, 5, '秋田', 'Akita', 'あきた', '秋田市中通', 39.7170, 140.1290, 1),
  (502, 5, '角館', 'Kakunodate', 'かくのだて', '仙北市角館町', 39.5958, 140.5620, 1),
  (601, 6, '山形', 'Yamagata', 'やまがた', '山形市香澄町', 38.2486, 140.3275, 1),
  (602, 6, '米沢', 'Yonezawa', 'よねざわ', '米沢市中央', 37.9221, 140.1167, 1),
  (701, 7, '郡山', 'Koriyama', 'こおりやま', '郡山市駅前', 37.3983, 140.3883, 1),
  (702, 7, '会津若松', 'Aizuwakamatsu', 'あいづわかまつ', '会津若松市中町', 37.4948, 139.9298, 1),
  (703, 7, '福島', 'Fukushima', 'ふくしま', '福島市栄町', 37.7544, 140.4594, 1),
  (801, 8, '水戸', 'Mito', 'みと', '水戸市宮町', 36.3706, 140.4766, 1),
  (802, 8, 'つくば', 'Tsukuba', 'つくば', 'つくば市吾妻', 36.0827, 140.1116, 1),
  (901, 9, '宇都宮', 'Utsunomiya', 'うつのみや', '宇都宮市馬場通り', 36.5594, 139.8828, 2),
  (902, 9, '日光', 'Nikko', 'にっこう', '日光市松原町', 36.7477, 139.6195, 1),
  (1001, 10, '高崎', 'Takasaki', 'たかさき', '高崎市八島町', 36.3227, 139.0128, 1),
  (1002, 10, '前橋', 'Maebashi', 'まえばし', '前橋市本町', 36.3895, 139.0634, 1),
  (1101, 11, '大宮', 'Omiya', 'おおみや', 'さいたま市大宮区大門町', 35.9063, 139.6239, 3),
  (1102, 11, '浦和', 'Urawa', 'うらわ', 'さいたま市浦和区高砂', 35.8589, 139.6573, 2),
  (1103, 11, '川越', 'Kawagoe', 'かわごえ', '川越市元町', 35.9251, 139.4858, 2),
  (1201, 12, '千葉', 'Chiba', 'ちば', '千葉市中央区富士見', 35.6131, 140.1133, 2),
  (1202, 12, '船橋', 'Funabashi', 'ふなばし', '船橋市本町', 35.7017, 139.9853, 2),
  (1203, 12, '柏', 'Kashiwa', 'かしわ', '柏市柏', 35.8621, 139.9710, 2),
  (1204, 12, '浦安', 'Urayasu', 'うらやす', '浦安市北栄', 35.6653, 139.8930, 1),
  (1301, 13, '渋谷', 'Shibuya', 'しぶや', '渋谷区道玄坂', 35.6580, 139.7016, 10),
  (1302, 13, '新宿', 'Shinjuku', 'しんじゅく', '新宿区新宿', 35.6909, 139.7003, 10),
  (1303, 13, '銀座', 'Ginza', 'ぎんざ', '中央区銀座', 35.6717, 139.7650, 8),
  (1304, 13, '池袋', 'Ikebukuro', 'いけぶくろ', '豊島区南池袋', 35.7295, 139.7109, 7),
  (1305, 13, '恵比寿', 'Ebisu', 'えびす', '渋谷区恵比寿南', 35.6467, 139.7101, 5),
  (1306, 13, '六本木', 'Roppongi', 'ろっぽんぎ', '港区六本木', 35.6628, 139.7314, 5),
  (1307, 13, '浅草', 'Asakusa', 'あさくさ', '台東区浅草', 35.7119, 139.7983, 5),
  (1308, 13, '上野', 'Ueno', 'うえの', '台東区上野', 35.7138, 139.7773, 5),
  (1309, 13, '吉祥寺', 'Kichijoji', 'きちじょうじ', '武蔵野市吉祥寺本町', 35.7033, 139.5797, 4),
  (1310, 13, '中目黒', 'Nakameguro', 'なかめぐろ', '目黒区上目黒', 35.6440, 139.6988, 3),
  (1311, 13, '神楽坂', 'Kagurazaka', 'かぐらざか', '新宿区神楽坂', 35.7019, 139.7407, 3),
  (1312, 13, '築地', 'Tsukiji', 'つきじ', '中央区築地', 35.6654, 139.7707, 3),
  (1313, 13, '秋葉原', 'Akihabara', 'あきはばら', '千代田区外神田', 35.6984, 139.7731, 4),
  (1314, 13, '新橋', 'Shimbashi', 'しんばし', '港区新橋', 35.6662, 139.7583, 5),
  (1401, 14, '横浜駅', 'Yokohama Station', 'よこはまえき', '横浜市西区南幸', 35.4657, 139.6223, 5),
  (1402, 14, 'みなとみらい', 'Minatomirai', 'みなとみらい', '横浜市西区みなとみらい', 35.4575, 139.6322, 3),
  (1403, 14, '横浜中華街', 'Yokohama Chinatown', 'よこはまちゅうかがい', '横浜市中区山下町', 35.4437, 139.6466, 3),
  (1404, 14, '川崎', 'Kawasaki', 'かわさき', '川崎市川崎区駅前本町', 35.5311, 139.6969, 3),
  (1405, 14, '鎌倉', 'Kamakura', 'かまくら', '鎌倉市小町', 35.3192, 139.5502, 2),
  (1501, 15, '新潟', 'Niigata', 'にいがた', '新潟市中央区古町通', 37.9161, 139.0364, 2),
  (1502, 15, '長岡', 'Nagaoka', 'ながおか', '長岡市大手通', 37.4462, 138.8512, 1),
  (1601, 16, '富山', 'Toyama', 'とやま', '富山市桜町', 36.7011, 137.2137, 1),
  (1602, 16, '高岡', 'Takaoka', 'たかおか', '高岡市末広町', 36.7544, 137.0255, 1),
  (1701, 17, '金沢駅', 'Kanazawa Station', 'かなざわえき', '金沢市木ノ新保町', 36.5781, 136.6480, 2),
  (1702, 17, '片町', 'Katamachi', 'かたまち', '金沢市片町', 36.5618, 136.6517, 2),
  (1703, 17, 'ひがし茶屋街', 'Higashi Chaya', 'ひがしちゃやがい', '金沢市東山', 36.5724, 136.6668, 1),
  (1801, 18, '福井', 'Fukui', 'ふくい', '福井市中央', 36.0621, 136.2234, 1),
  (1802, 18, '敦賀', 'Tsuruga', 'つるが', '敦賀市本町', 35.6452, 136.0554, 1),
  (1901, 19, '甲府', 'Kofu', 'こうふ', '甲府市丸の内', 35.6664, 138.5689, 1),
  (1902, 19, '富士吉田', 'Fujiyoshida', 'ふじよしだ', '富士吉田市上吉田', 35.4876, 138.8077, 1),
  (2001, 20, '長野', 'Nagano', 'ながの', '長野市南長野', 36.6433, 138.1887, 1),
  (2002, 20, '松本', 'Matsumoto', 'まつもと', '松本市中央', 36.2309, 137.9646, 1),
  (2003, 20, '軽井沢', 'Karuizawa', 'かるいざわ', '北佐久郡軽井沢町軽井沢', 36.3428, 138.6350, 1),
  (2101, 21, '岐阜', 'Gifu', 'ぎふ', '岐阜市橋本町', 35.4095, 136.7570, 1),
  (2102, 21, '高山', 'Takayama', 'たかやま', '高山市上三之町', 36.1417, 137.2596, 1),
  (2201, 22, '静岡', 'Shizuoka', 'しずおか', '静岡市葵区紺屋町', 34.9718, 138.3890, 2),
  (2202, 22, '浜松', 'Hamamatsu', 'はままつ', '浜松市中区砂山町', 34.7038, 137.7350, 2),
  (2203, 22, '熱海', 'Atami', 'あたみ', '熱海市田原本町', 35.1036, 139.0778, 1),
  (2301, 23, '名駅', 'Meieki', 'めいえき', '名古屋市中村区名駅', 35.1709, 136.8815, 5),
  (2302, 23, '栄', 'Sakae', 'さかえ', '名古屋市中区栄', 35.1681, 136.9086, 5),
  (2303, 23, '大須', 'Osu', 'おおす', '名古屋市中区大須', 35.1590, 136.9010, 3),
  (2304, 23, '豊橋', 'Toyohashi', 'とよはし', '豊橋市花田町', 34.7628, 137.3822, 1),
  (2401, 24, '津', 'Tsu', 'つ', '津市羽所町', 34.7344, 136.5105, 1),
  (2402, 24, '伊勢', 'Ise', 'いせ', '伊勢市宇治今在家町', 34.4633, 136.7230, 1),
  (2403, 24, '四日市', 'Yokkaichi', 'よっかいち', '四日市市諏訪栄町', 34.9660, 136.6244, 1),
  (2501, 25, '大津', 'Otsu', 'おおつ', '大津市春日町', 35.0036, 135.8653, 1),
  (2502, 25, '彦根', 'Hikone', 'ひこね', '彦根市本町', 35.2744, 136.2597, 1),
  (2601, 26, '祇園', 'Gion', 'ぎおん', '京都市東山区祇園町南側', 35.0037, 135.7750, 5),
  (2602, 26, '河原町', 'Kawaramachi', 'かわらまち', '京都市中京区河原町通', 35.0050, 135.7690, 5),
  (2603, 26, '京都駅', 'Kyoto Station', 'きょうとえき', '京都市下京区東塩小路町', 34.9858, 135.7588, 4),
  (2604, 26, '嵐山', 'Arashiyama', 'あらしやま', '京都市右京区嵯峨天龍寺', 35.0094, 135.6668, 2),
  (2701, 27, '梅田', 'Umeda', 'うめだ', '大阪市北区梅田', 34.7025, 135.4959, 8),
  (2702, 27, '難波', 'Namba', 'なんば', '大阪市中央区難波', 34.6659, 135.5013, 8),
  (2703, 27, '心斎橋', 'Shinsaibashi', 'しんさいばし', '大阪市中央区心斎橋筋', 34.6748, 135.5012, 6),
  (2704, 27, '天王寺', 'Tennoji', 'てんのうじ', '大阪市天王寺区悲田院町', 34.6466, 135.5136, 4),
  (2705, 27, '新世界', 'Shinsekai', 'しんせかい', '大阪市浪速区恵美須東', 34.6525, 135.5063, 3),
  (2706, 27, '北新地', 'Kitashinchi', 'きたしんち', '大阪市北区曾根崎新地', 34.6975, 135.4970, 3),
  (2707, 27, '鶴橋', 'Tsuruhashi', 'つるはし', '大阪市天王寺区下味原町', 34.6654, 135.5300, 2),
  (2801, 28, '三宮', 'Sannomiya', 'さんのみや', '神戸市中央区三宮町', 34.6913, 135.1955, 4),
  (2802, 28, '元町', 'Motomachi', 'もとまち', '神戸市中央区元町通', 34.6886, 135.1870, 3),
  (2803, 28, '姫路', 'Himeji', 'ひめじ', '姫路市駅前町', 34.8268, 134.6904, 2),
  (2804, 28, '西宮', 'Nishinomiya', 'にしのみや', '西宮市北口町', 34.7463, 135.3614, 2),
  (2901, 29, '奈良', 'Nara', 'なら', '奈良市東向中町', 34.6836, 135.8278, 2),
  (2902, 29, '橿原', 'Kashihara', 'かしはら', '橿原市内膳町', 34.5097, 135.7925, 1),
  (3001, 30, '和歌山', 'Wakayama', 'わかやま', '和歌山市友田町', 34.2324, 135.1910, 1),
  (3002, 30, '白浜', 'Shirahama', 'しらはま', '西牟婁郡白浜町', 33.6780, 135.3480, 1),
  (3101, 31, '鳥取', 'Tottori', 'とっとり', '鳥取市栄町', 35.4935, 134.2263, 1),
  (3102, 31, '米子', 'Yonago', 'よなご', '米子市弥生町', 35.4243, 133.3393, 1),
  (3201, 32, '松江', 'Matsue', 'まつえ', '松江市朝日町', 35.4645, 133.0625, 1),
  (3202, 32, '出雲', 'Izumo', 'いずも', '出雲市今市町', 35.3613, 132.7557, 1),
  (3301, 33, '岡山', 'Okayama', 'おかやま', '岡山市北区本町', 34.6654, 133.9183, 2),
  (3302, 33, '倉敷', 'Kurashiki', 'くらしき', '倉敷市中央', 34.5959, 133.7719, 1),
  (3401, 34, '広島', 'Hiroshima', 'ひろしま', '広島市中区紙屋町', 34.3953, 132.4575, 3),
  (3402, 34, '流川', 'Nagarekawa', 'ながれかわ', '広島市中区流川町', 34.3925, 132.4650, 2),
  (3403, 34, '尾道', 'Onomichi', 'おのみち', '尾道市土堂', 34.4045, 133.1938, 1),
  (3404, 34, '宮島', 'Miyajima', 'みやじま', '廿日市市宮島町', 34.2960, 132.3198, 1),
  (3501, 35, '下関', 'Shimonoseki', 'しものせき', '下関市竹崎町', 33.9499, 130.9220, 1),
  (3502, 35, '山口', 'Yamaguchi', 'やまぐち', '山口市中市町', 34.1786, 131.4738, 1),
  (3601, 36, '徳島', 'Tokushima', 'とくしま', '徳島市寺島本町', 34.0740, 134.5513, 1),
  (3602, 36, '鳴門', 'Naruto', 'なると', '鳴門市撫養町', 34.1723, 134.6092, 1),
  (3701, 37, '高松', 'Takamatsu', 'たかまつ', '高松市丸亀町', 34.3428, 134.0466, 2),
  (3702, 37, '丸亀', 'Marugame', 'まるがめ', '丸亀市通町', 34.2896, 133.7981, 1),
  (3801, 38, '松山', 'Matsuyama', 'まつやま', '松山市大街道', 33.8416, 132.7697, 2),
  (3802, 38, '道後', 'Dogo', 'どうご', '松山市道後湯之町', 33.8521, 132.7863, 1),
  (3803, 38, '今治', 'Imabari', 'いまばり', '今治市北宝来町', 34.0661, 132.9978, 1),
  (3901, 39, '高知', 'Kochi', 'こうち', '高知市帯屋町', 33.5597, 133.5311, 1),
  (3902, 39, '四万十', 'Shimanto', 'しまんと', '四万十市中村', 32.9911, 132.9334, 1),
  (4001, 40, '天神', 'Tenjin', 'てんじん', '福岡市中央区天神', 33.5911, 130.3989, 5),
  (4002, 40, '博多', 'Hakata', 'はかた', '福岡市博多区博多駅中央街', 33.5897, 130.4207, 5),
  (4003, 40, '中洲', 'Nakasu', 'なかす', '福岡市博多区中洲', 33.5928, 130.4066, 4),
  (4004, 40, '大名', 'Daimyo', 'だいみょう', '福岡市中央区大名', 33.5880, 130.3925, 3),
  (4005, 40, '小倉', 'Kokura', 'こくら', '北九州市小倉北区魚町', 33.8847, 130.8827, 2),
  (4101, 41, '佐賀', 'Saga', 'さが', '佐賀市駅前中央', 33.2645, 130.2976, 1),
  (4102, 41, '唐津', 'Karatsu', 'からつ', '唐津市中央町', 33.4500, 129.9683, 1),
  (4201, 42, '長崎', 'Nagasaki', 'ながさき', '長崎市浜町', 32.7448, 129.8810, 2),
  (4202, 42, '佐世保', 'Sasebo', 'させぼ', '佐世保市下京町', 33.1681, 129.7250, 1),
  (4301, 43, '熊本', 'Kumamoto', 'くまもと', '熊本市中央区下通', 32.8032, 130.7110, 2),
  (4302, 43, '阿蘇', 'Aso', 'あそ', '阿蘇市黒川', 32.9520, 131.1210, 1),
  (4401, 44, '大分', 'Oita', 'おおいた', '大分市府内町', 33.2382, 131.6126, 1),
  (4402, 44, '別府', 'Beppu', 'べっぷ', '別府市北浜', 33.2846, 131.5012, 1),
  (4403, 44, '由布院', 'Yufuin', 'ゆふいん', '由布市湯布院町川上', 33.2630, 131.3550, 1),
  (4501, 45, '宮崎', 'Miyazaki', 'みやざき', '宮崎市橘通西', 31.9111, 131.4239, 1),
  (4502, 45, '都城', 'Miyakonojo', 'みやこのじょう', '都城市栄町', 31.7196, 131.0617, 1),
  (4601, 46, '天文館', 'Tenmonkan', 'てんもんかん', '鹿児島市東千石町', 31.5903, 130.5555, 2),
  (4602, 46, '鹿児島中央', 'Kagoshima-Chuo', 'かごしまちゅうおう', '鹿児島市中央町', 31.5837, 130.5414, 2),
  (4603, 46, '霧島', 'Kirishima', 'きりしま', '霧島市国分中央', 31.7411, 130.7633, 1),
  (4701, 47, '国際通り', 'Kokusai-dori', 'こくさいどおり', '那覇市牧志', 26.2150, 127.6880, 3),
  (4702, 47, '那覇新都心', 'Naha Shintoshin', 'なはしんとしん', '那覇市おもろまち', 26.2247, 127.6960, 1),
  (4703, 47, '北谷', 'Chatan', 'ちゃたん', '中頭郡北谷町美浜', 26.3160, 127.7570, 1),
  (4704, 47, '石垣', 'Ishigaki', 'いしがき', '石垣市大川', 24.3406, 124.1560, 1);

INSERT INTO areas (area_id, prefecture_id, name, name_en)
SELECT area_id, prefecture_id, name, name_en FROM seed_areas;

-- One slot per unit of weight: a restaurant picks a slot uniformly, so an area of weight 10
-- gets ten times the restaurants of an area of weight 1.
CREATE TEMP TABLE seed_area_slots ON COMMIT DROP AS
SELECT (row_number() OVER (ORDER BY a.area_id, w) - 1)::integer AS slot, a.area_id
FROM seed_areas a CROSS JOIN LATERAL generate_series(1, a.weight) AS w;
ALTER TABLE seed_area_slots ADD PRIMARY KEY (slot);

-- @step genres
INSERT INTO genres (genre_id, parent_genre_id, name, name_en) VALUES
  (1, NULL, '和食', 'Japanese'),
  (2, NULL, '洋食', 'Western'),
  (3, NULL, '中華', 'Chinese'),
  (4, NULL, 'アジア・エスニック', 'Asian & Ethnic'),
  (5, NULL, 'カフェ', 'Cafe'),
  (6, NULL, '居酒屋', 'Izakaya'),
  (7, NULL, '焼肉', 'Yakiniku'),
  (8, NULL, 'スイーツ', 'Sweets'),
  (9, NULL, 'バー', 'Bar'),
  (101, 1, '寿司', 'Sushi'),
  (102, 1, 'ラーメン', 'Ramen'),
  (103, 1, '天ぷら', 'Tempura'),
  (104, 1, 'そば', 'Soba'),
  (105, 1, 'うどん', 'Udon'),
  (106, 1, 'うなぎ', 'Unagi'),
  (107, 1, '焼き鳥', 'Yakitori'),
  (108, 1, 'とんかつ', 'Tonkatsu'),
  (109, 1, 'お好み焼き', 'Okonomiyaki'),
  (110, 1, '懐石・会席料理', 'Kaiseki'),
  (111, 1, 'しゃぶしゃぶ', 'Shabu-shabu'),
  (112, 1, '定食・食堂', 'Set meals'),
  (1021, 102, 'つけ麺', 'Tsukemen'),
  (1022, 102, '豚骨ラーメン', 'Tonkotsu ramen'),
  (201, 2, 'イタリアン', 'Italian'),
  (202, 2, 'フレンチ', 'French'),
  (203, 2, 'ハンバーグ', 'Hamburg steak'),
  (204, 2, 'ステーキ', 'Steak'),
  (205, 2, 'ハンバーガー', 'Burgers'),
  (206, 2, 'ピザ', 'Pizza'),
  (207, 2, 'オムライス', 'Omurice'),
  (301, 3, '餃子', 'Gyoza'),
  (302, 3, '四川料理', 'Sichuan'),
  (303, 3, '飲茶・点心', 'Dim sum'),
  (304, 3, '担々麺', 'Dandan noodles'),
  (401, 4, 'タイ料理', 'Thai'),
  (402, 4, 'インド料理・カレー', 'Indian & curry'),
  (403, 4, '韓国料理', 'Korean'),
  (404, 4, 'ベトナム料理', 'Vietnamese'),
  (501, 5, '喫茶店', 'Kissaten'),
  (502, 5, 'パンケーキ', 'Pancakes'),
  (503, 5, 'パン・ベーカリー', 'Bakery'),
  (504, 5, 'コーヒースタンド', 'Coffee stand'),
  (601, 6, '海鮮居酒屋', 'Seafood izakaya'),
  (602, 6, '立ち飲み', 'Standing bar'),
  (603, 6, 'もつ鍋', 'Motsunabe'),
  (604, 6, '大衆酒場', 'Taishu sakaba'),
  (701, 7, 'ホルモン', 'Horumon'),
  (702, 7, 'ジンギスカン', 'Jingisukan'),
  (703, 7, '和牛焼肉', 'Wagyu yakiniku'),
  (801, 8, 'ケーキ', 'Cake'),
  (802, 8, '和菓子・甘味処', 'Wagashi'),
  (803, 8, 'かき氷', 'Shaved ice'),
  (901, 9, 'ワインバー', 'Wine bar'),
  (902, 9, '日本酒バー', 'Sake bar');

-- What a restaurant of each genre is called, and how expensive it is (1 cheap .. 4 fine
-- dining). Every genre below a top-level one can be a restaurant's genre. Rows are numbered
-- (i) in the order of their top-level genre, so the genres under one top-level genre are
-- i = top_start .. top_start + top_count - 1.
CREATE TEMP TABLE seed_genre_styles (
  i         integer PRIMARY KEY,
  genre_id  bigint  NOT NULL,
  prefixes  text[]  NOT NULL,
  kanas     text[]  NOT NULL,
  price     integer NOT NULL,
  top_start integer NOT NULL,
  top_count integer NOT NULL
) ON COMMIT DROP;
INSERT INTO seed_genre_styles
SELECT i, genre_id, prefixes, kanas, price, min(i) OVER (PARTITION BY top_id),
       count(*) OVER (PARTITION BY top_id)
FROM (
  SELECT (row_number() OVER (ORDER BY coalesce(p.parent_genre_id, p.genre_id), s.genre_id)
          - 1)::integer AS i,
         s.genre_id, s.prefixes, s.kanas, s.price,
         coalesce(p.parent_genre_id, p.genre_id) AS top_id
  FROM (VALUES
  (101, ARRAY['鮨', '寿司処', '江戸前鮨'], ARRAY['すし', 'すしどころ', 'えどまえずし'], 4),
  (102, ARRAY['麺屋', 'らーめん', '中華そば'], ARRAY['めんや', 'らーめん', 'ちゅうかそば'], 1),
  (1021, ARRAY['つけ麺', '麺処'], ARRAY['つけめん', 'めんどころ'], 1),
  (1022, ARRAY['博多ラーメン', '豚骨らーめん'], ARRAY['はかたらーめん', 'とんこつらーめん'], 1),
  (103, ARRAY['天ぷら', '天麩羅'], ARRAY['てんぷら', 'てんぷら'], 3),
  (104, ARRAY['手打ちそば', '蕎麦処'], ARRAY['てうちそば', 'そばどころ'], 2),
  (105, ARRAY['讃岐うどん', '饂飩'], ARRAY['さぬきうどん', 'うどん'], 1),
  (106, ARRAY['鰻', 'うなぎ処'], ARRAY['うなぎ', 'うなぎどころ'], 3),
  (107, ARRAY['炭火焼鳥', '鳥', '串焼き'], ARRAY['すみびやきとり', 'とり', 'くしやき'], 2),
  (108, ARRAY['とんかつ', 'かつ'], ARRAY['とんかつ', 'かつ'], 2),
  (109, ARRAY['お好み焼き', '鉄板焼'], ARRAY['おこのみやき', 'てっぱんやき'], 2),
  (110, ARRAY['日本料理', '割烹', '料亭'], ARRAY['にほんりょうり', 'かっぽう', 'りょうてい'], 4),
  (111, ARRAY['しゃぶしゃぶ', '和牛しゃぶしゃぶ'], ARRAY['しゃぶしゃぶ', 'わぎゅうしゃぶしゃぶ'], 3),
  (112, ARRAY['食堂', '定食屋'], ARRAY['しょくどう', 'ていしょくや'], 1),
  (201, ARRAY['トラットリア', 'リストランテ', 'オステリア'], ARRAY['とらっとりあ', 'りすとらんて', 'おすてりあ'], 3),
  (202, ARRAY['ビストロ', 'レストラン', 'ブラッスリー'], ARRAY['びすとろ', 'れすとらん', 'ぶらっすりー'], 4),
  (203, ARRAY['ハンバーグ', '洋食屋'], ARRAY['はんばーぐ', 'ようしょくや'], 2),
  (204, ARRAY['ステーキハウス', 'グリル'], ARRAY['すてーきはうす', 'ぐりる'], 3),
  (205, ARRAY['バーガーショップ', 'バーガーズ'], ARRAY['ばーがーしょっぷ', 'ばーがーず'], 1),
  (206, ARRAY['ピッツェリア', 'ピッツァ'], ARRAY['ぴっつぇりあ', 'ぴっつぁ'], 2),
  (207, ARRAY['洋食', 'キッチン'], ARRAY['ようしょく', 'きっちん'], 1),
  (301, ARRAY['餃子', '餃子房'], ARRAY['ぎょうざ', 'ぎょうざぼう'], 1),
  (302, ARRAY['四川飯店', '四川料理'], ARRAY['しせんはんてん', 'しせんりょうり'], 3),
  (303, ARRAY['飲茶', '点心'], ARRAY['やむちゃ', 'てんしん'], 2),
  (304, ARRAY['担々麺'], ARRAY['たんたんめん'], 1),
  (401, ARRAY['タイ料理', 'バーン'], ARRAY['たいりょうり', 'ばーん'], 2),
  (402, ARRAY['インド料理', 'カレー'], ARRAY['いんどりょうり', 'かれー'], 1),
  (403, ARRAY['韓国料理', '韓国家庭料理'], ARRAY['かんこくりょうり', 'かんこくかていりょうり'], 2),
  (404, ARRAY['フォー', 'ベトナム料理'], ARRAY['ふぉー', 'べとなむりょうり'], 1),
  (501, ARRAY['喫茶', '珈琲店'], ARRAY['きっさ', 'こーひーてん'], 1),
  (502, ARRAY['パンケーキカフェ'], ARRAY['ぱんけーきかふぇ'], 2),
  (503, ARRAY['ベーカリー', 'ブーランジェリー'], ARRAY['べーかりー', 'ぶーらんじぇりー'], 1),
  (504, ARRAY['コーヒースタンド', 'カフェ'], ARRAY['こーひーすたんど', 'かふぇ'], 1),
  (601, ARRAY['海鮮居酒屋', '魚河岸'], ARRAY['かいせんいざかや', 'うおがし'], 2),
  (602, ARRAY['立ち飲み', '酒場'], ARRAY['たちのみ', 'さかば'], 1),
  (603, ARRAY['もつ鍋'], ARRAY['もつなべ'], 2),
  (604, ARRAY['大衆酒場', '居酒屋'], ARRAY['たいしゅうさかば', 'いざかや'], 1),
  (701, ARRAY['ホルモン'], ARRAY['ほるもん'], 2),
  (702, ARRAY['ジンギスカン'], ARRAY['じんぎすかん'], 2),
  (703, ARRAY['焼肉', '炭火焼肉'], ARRAY['やきにく', 'すみびやきにく'], 3),
  (801, ARRAY['パティスリー', '洋菓子店'], ARRAY['ぱてぃすりー', 'ようがしてん'], 1),
  (802, ARRAY['和菓子', '甘味処'], ARRAY['わがし', 'かんみどころ'], 1),
  (803, ARRAY['氷菓', 'かき氷'], ARRAY['ひょうか', 'かきごおり'], 1),
  (901, ARRAY['ワインバー', 'ワイン食堂'], ARRAY['わいんばー', 'わいんしょくどう'], 3),
  (902, ARRAY['日本酒バー', '酒処'], ARRAY['にほんしゅばー', 'さけどころ'], 3)
  ) AS s (genre_id, prefixes, kanas, price)
  JOIN genres g ON g.genre_id = s.genre_id
  JOIN genres p ON p.genre_id = g.parent_genre_id
) AS styles;

-- The part of a restaurant's name after its genre word, with its reading.
CREATE TEMP TABLE seed_name_cores (i integer PRIMARY KEY, name text, kana text) ON COMMIT DROP;
INSERT INTO seed_name_cores
SELECT (row_number() OVER () - 1)::integer, name, kana
FROM (VALUES
  ('一心', 'いっしん'), ('さくら', 'さくら'), ('大吉', 'だいきち'), ('福助', 'ふくすけ'),
  ('花月', 'かげつ'), ('松風', 'まつかぜ'), ('すずき', 'すずき'), ('田中', 'たなか'),
  ('山田屋', 'やまだや'), ('まつもと', 'まつもと'), ('龍門', 'りゅうもん'),
  ('金太郎', 'きんたろう'), ('喜楽', 'きらく'), ('一期一会', 'いちごいちえ'),
  ('萬福', 'まんぷく'), ('吉乃', 'よしの'), ('和', 'なごみ'), ('蔵', 'くら'), ('海', 'うみ'),
  ('灯', 'あかり'), ('月光', 'げっこう'), ('千歳', 'ちとせ'), ('徳', 'とく'), ('笑', 'えみ'),
  ('葵', 'あおい'), ('楓', 'かえで'), ('凛', 'りん'), ('小春', 'こはる'), ('ひなた', 'ひなた'),
  ('こころ', 'こころ'), ('ソーレ', 'そーれ'), ('ルミエール', 'るみえーる'),
  ('ボヌール', 'ぼぬーる'), ('アミーゴ', 'あみーご'), ('ラ・ルーナ', 'ら・るーな'),
  ('天龍', 'てんりゅう'), ('紅花', 'べにばな'), ('銀杏', 'いちょう'), ('風花', 'かざはな'),
  ('縁', 'えにし'), ('陽だまり', 'ひだまり'), ('四季', 'しき'), ('匠', 'たくみ'),
  ('大将', 'たいしょう'), ('玄', 'げん'), ('虎', 'とら'), ('白樺', 'しらかば'),
  ('雅', 'みやび'), ('清水', 'しみず'), ('北斗', 'ほくと'), ('朝日', 'あさひ'),
  ('浜', 'はま'), ('鶴亀', 'つるかめ'), ('八兵衛', 'はちべえ'), ('宝', 'たから'),
  ('武蔵', 'むさし'), ('弁慶', 'べんけい'), ('ことぶき', 'ことぶき'), ('あじさい', 'あじさい'),
  ('てっちゃん', 'てっちゃん'), ('よしだ', 'よしだ'), ('はなまる', 'はなまる'),
  ('𠮷田', 'よしだ'), ('Ｋｉｔｃｈｅｎ　Ｍ', 'きっちんえむ')
) AS c (name, kana);

-- Branch suffixes; "%" stands for the area name.
CREATE TEMP TABLE seed_branches (i integer PRIMARY KEY, name text, kana text) ON COMMIT DROP;
INSERT INTO seed_branches
SELECT (row_number() OVER () - 1)::integer, name, kana
FROM (VALUES ('本店', 'ほんてん'), ('%店', '%てん'), ('%店', '%てん'), ('駅前店', 'えきまえてん'),
             ('別館', 'べっかん'), ('二号店', 'にごうてん'), ('総本店', 'そうほんてん'),
             ('東口店', 'ひがしぐちてん'), ('%本店', '%ほんてん')) AS b (name, kana);

-- @step restaurants
-- How many reviews each restaurant gets and how good it is. Most restaurants get a few
-- (about 15% none), 2% are popular and get 5 to 25 times the average.
CREATE TEMP TABLE seed_plan ON COMMIT DROP AS
SELECT id AS restaurant_id, review_count, quality,
       sum(review_count) OVER (ORDER BY id) - review_count AS review_offset
FROM (
  SELECT id,
         (CASE WHEN pg_temp.seed_rand(id, 1) < 0.02
               THEN round(p.reviews_per_restaurant * (5 + 20 * pg_temp.seed_rand(id, 2)))
               ELSE round(p.reviews_per_restaurant * 2.1 * power(pg_temp.seed_rand(id, 2), 2))
          END)::integer AS review_count,
         2.2 + 2.4 * pg_temp.seed_rand(id, 3) AS quality
  FROM seed_params p CROSS JOIN generate_series(1, p.restaurants) AS id
) AS x;
ALTER TABLE seed_plan ADD PRIMARY KEY (restaurant_id);

INSERT INTO restaurants (restaurant_id, name, name_kana, area_id, genre_ids, address, latitude,
                         longitude, lunch_budget_yen, dinner_budget_yen, rating_average,
                         review_count, closed, update_time)
SELECT r.id,
       g.prefixes[1 + pg_temp.seed_pick(r.id, 12, cardinality(g.prefixes))] || ' ' || c.name
         || coalesce(' ' || replace(b.name, '%', a.name), ''),
       g.kanas[1 + pg_temp.seed_pick(r.id, 12, cardinality(g.kanas))] || c.kana
         || coalesce(replace(b.kana, '%', a.kana), ''),
       a.area_id,
       ARRAY[g.genre_id]
         || CASE WHEN r.genre_count >= 2 THEN ARRAY[g2.genre_id] ELSE '{}' END
         || CASE WHEN r.genre_count >= 3 AND g3.genre_id <> g2.genre_id
                 THEN ARRAY[g3.genre_id] ELSE '{}' END,  -- 1..3 distinct genres
       pf.name || a.city || (1 + pg_temp.seed_pick(r.id, 20, 5)) || '丁目'
         || (1 + pg_temp.seed_pick(r.id, 21, 20)) || '-' || (1 + pg_temp.seed_pick(r.id, 22, 15))
         || CASE WHEN pg_temp.seed_rand(r.id, 23) < 0.4
                 THEN ' ' || (ARRAY['さくらビル', '第二松本ビル', 'グランドタワー', 'ハイツ青山',
                                    '駅前会館', 'KOWAビル'])[1 + pg_temp.seed_pick(r.id, 24, 6)]
                      || ' ' || (1 + pg_temp.seed_pick(r.id, 25, 9)) || 'F'
                 ELSE '' END,
       round((a.latitude + (pg_temp.seed_rand(r.id, 26) - 0.5) * 0.02)::numeric, 6),
       round((a.longitude + (pg_temp.seed_rand(r.id, 27) - 0.5) * 0.025)::numeric, 6),
       CASE WHEN pg_temp.seed_rand(r.id, 28) < 0.2 THEN 0  -- no lunch service
            ELSE (round((ARRAY[900, 1300, 2500, 6000])[g.price]
                        * (0.7 + 0.7 * pg_temp.seed_rand(r.id, 29)) / 100) * 100)::integer END,
       (round((ARRAY[1500, 3500, 7000, 20000])[g.price]
              * (0.7 + 0.8 * pg_temp.seed_rand(r.id, 30)) / 500) * 500)::integer,
       coalesce((SELECT avg(pg_temp.seed_rating(pl.review_offset + n, pl.quality))::float8
                 FROM generate_series(1, pl.review_count) AS n), 0),
       pl.review_count,
       pg_temp.seed_rand(r.id, 31) < 0.05,
       p.anchor - make_interval(secs => pg_temp.seed_pick(r.id, 32, 86400 * 365))
FROM (
  SELECT id,
         pg_temp.seed_pick(id, 10, (SELECT count(*) FROM seed_area_slots)) AS area_slot,
         pg_temp.seed_pick(id, 11, n.genres) AS genre1,
         (pg_temp.seed_pick(id, 11, n.genres) + 1 + pg_temp.seed_pick(id, 13, n.genres - 1))
           % n.genres AS genre2,
         (pg_temp.seed_pick(id, 11, n.genres) + 1 + pg_temp.seed_pick(id, 14, n.genres - 1))
           % n.genres AS genre3,
         CASE WHEN pg_temp.seed_rand(id, 15) < 0.55 THEN 1
              WHEN pg_temp.seed_rand(id, 15) < 0.90 THEN 2 ELSE 3 END AS genre_count,
         pg_temp.seed_pick(id, 16, (SELECT count(*) FROM seed_name_cores)) AS core,
         CASE WHEN pg_temp.seed_rand(id, 17) < 0.3
              THEN pg_temp.seed_pick(id, 18, (SELECT count(*) FROM seed_branches)) END AS branch
  FROM seed_params p
  CROSS JOIN (SELECT count(*)::integer AS genres FROM seed_genre_styles) AS n
  CROSS JOIN generate_series(1, p.restaurants) AS id
) AS r
CROSS JOIN seed_params p
JOIN seed_plan pl ON pl.restaurant_id = r.id
JOIN seed_area_slots s ON s.slot = r.area_slot
JOIN seed_areas a ON a.area_id = s.area_id
JOIN prefectures pf ON pf.prefecture_id = a.prefecture_id
JOIN seed_genre_styles g ON g.i = r.genre1
-- The second genre is usually a sibling of the first (ラーメン with つけ麺, not with ケーキ).
JOIN seed_genre_styles g2
  ON g2.i = CASE WHEN pg_temp.seed_rand(r.id, 19) < 0.7 AND g.top_count > 1
                 THEN g.top_start + (g.i - g.top_start + 1
                                     + pg_temp.seed_pick(r.id, 13, g.top_count - 1)) % g.top_count
                 ELSE r.genre2 END
JOIN seed_genre_styles g3 ON g3.i = r.genre3
JOIN seed_name_cores c ON c.i = r.core
LEFT JOIN seed_branches b ON b.i = r.branch;

-- @step review texts
-- Pools the reviews draw from: 1,024 authors, a list of titles, 4,096 bodies.
CREATE TEMP TABLE seed_authors (i integer PRIMARY KEY, name text NOT NULL) ON COMMIT DROP;
INSERT INTO seed_authors
SELECT i,
       CASE WHEN pg_temp.seed_rand(i, 40) < 0.4
            THEN (ARRAY['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤',
                        '吉田', '山田', '佐々木', '山口', '松本', '井上', '木村', '林', '斎藤', '清水'])
                   [1 + pg_temp.seed_pick(i, 41, 20)] || ' '
                 || (ARRAY['花子', '太郎', '健', 'さくら', '翔太', '陽菜', '大輔', '美咲', '蓮', '結衣',
                           '拓海', '葵', '悠人', '七海', '颯', '凛', '陽翔', '愛', '誠', '真由美'])
                      [1 + pg_temp.seed_pick(i, 42, 20)]
            WHEN pg_temp.seed_rand(i, 40) < 0.75
            THEN (ARRAY['グルメ太郎', '食べ歩き女子', 'ラーメン部長', '酒好きおじさん🍶', 'もぐもぐ',
                        'yuki_eats', 'Tokyo Foodie', 'はらぺこ😋', '週末グルメ', '辛いもの好き🌶️',
                        'カフェ巡り☕', '甘党ひよこ🐤', '呑兵衛', 'ﾗｰﾒﾝ四天王', 'Ｍ．Ｓ', 'ぼっち飯',
                        '出張族', 'パン好き🥐', '寿司は正義🍣', 'くいしんぼう'])
                   [1 + pg_temp.seed_pick(i, 43, 20)]
                 || CASE WHEN pg_temp.seed_rand(i, 44) < 0.5
                         THEN (1 + pg_temp.seed_pick(i, 45, 99))::text ELSE '' END
            ELSE (ARRAY['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤'])
                   [1 + pg_temp.seed_pick(i, 46, 10)] || ' ' || chr(65 + pg_temp.seed_pick(i, 47, 26))
                 || '.'
       END
FROM generate_series(0, 1023) AS i;

CREATE TEMP TABLE seed_titles (i integer PRIMARY KEY, title text NOT NULL) ON COMMIT DROP;
INSERT INTO seed_titles
SELECT (row_number() OVER () - 1)::integer, title
FROM unnest(ARRAY[
  '', '', '', 'また来たい！', '絶品でした', 'コスパ最高', '期待外れでした…', '記念日に利用しました🎂',
  '行列の理由がわかる', '普段使いに◎', 'ランチで訪問', '夜の部で再訪', '雰囲気が良い店',
  '接客が素晴らしい', '量が多い！', '深夜でも営業していて助かる', '𠮷野家より好きかも',
  'ﾃﾞｶ盛りﾁｬﾚﾝｼﾞ', '★★★★☆', '家族で利用👨‍👩‍👧', 'デートにおすすめ💑', '一人でも入りやすい',
  '予約必須です', '久しぶりの訪問', '季節限定メニューが最高🍁', 'ちょっと残念', '味は普通かな',
  '通いたくなる味', '隠れ家的なお店', '出張のついでに', '友人のおすすめで', 'ＣＰ高め',
  '名物を食べに', '締めの一杯🍜', '甘いものは別腹🍰', 'お酒の種類が豊富🍶', 'テイクアウトしました',
  '雨の日でも並ぶ☔', '開店直後に入店', 'ミシュランの噂も？'
]) AS title;

CREATE TEMP TABLE seed_bodies (i integer PRIMARY KEY, body text NOT NULL) ON COMMIT DROP;
-- Hand-made edge cases for UTF-8 truncation near 100 code points: an emoji exactly at the
-- 100th, one at the 101st, a ZWJ family sequence straddling the limit, a combining accent at
-- the 101st, a 4-byte CJK character, and a body of only emoji.
INSERT INTO seed_bodies VALUES
  (0, repeat('あ', 99) || '🍣'),
  (1, repeat('あ', 100) || '🍣'),
  (2, repeat('い', 98) || U&'\+01F468\200D\+01F469\200D\+01F467' || 'でした'),
  (3, repeat('う', 99) || U&'e\0301' || 'の香り'),
  (4, '🍜'),
  (5, repeat('美味しい！', 30)),
  (6, '𠮷野家より好き' || repeat('🍣', 100)),
  (7, '一段落目です。' || E'\n\n' || '二段落目です。改行も含むレビュー。');

INSERT INTO seed_bodies
SELECT i,
       CASE WHEN pg_temp.seed_rand(i, 50) < 0.15
            THEN short_phrases[1 + pg_temp.seed_pick(i, 51, cardinality(short_phrases))]
            ELSE (SELECT string_agg(sentences[1 + pg_temp.seed_pick(i * 64 + j, 52,
                                                                   cardinality(sentences))],
                                    CASE WHEN pg_temp.seed_pick(i * 64 + j, 53, 5) = 0
                                         THEN E'\n' ELSE '' END
                                    ORDER BY j)
                  FROM generate_series(1, CASE WHEN pg_temp.seed_rand(i, 54) < 0.45
                                               THEN 2 + pg_temp.seed_pick(i, 55, 2)
                                               WHEN pg_temp.seed_rand(i, 54) < 0.85
                                               THEN 4 + pg_temp.seed_pick(i, 55, 3)
                                               ELSE 7 + pg_temp.seed_pick(i, 55, 6) END) AS j)
       END
FROM generate_series(8, 4095) AS i
CROSS JOIN (SELECT ARRAY[
  '美味しかった！', '😋', '最高👍', 'また行きます。', '普通。', 'コスパ◎', '★★★★★',
  'ごちそうさまでした🙏', '並びました…', '😋🍜✨', 'うまい！', 'リピ確定', 'ｳﾏｲ!!', '星3つ。',
  '🍣🍣🍣'
] AS short_phrases, ARRAY[
  '平日の昼に訪問しました。', '開店前から行列ができていて、30分ほど並んで入店しました。',
  'スープは濃厚なのに後味がすっきりしていて、最後の一滴まで飲み干してしまいました🍜',
  '店内はカウンターのみで、大将との距離が近いのが魅力です。',
  'お刺身の盛り合わせは鮮度抜群で、特に中トロが口の中でとろけました🐟',
  '接客はやや素っ気ない印象でしたが、料理の味で十分に挽回していると思います。',
  'ランチセットはサラダとドリンク付きで1,200円とかなりお得です。', 'ご飯のおかわりが無料なのも嬉しいポイント。',
  '𠮷野家の牛丼も好きですが、ここの丼はまた別格です。', '予約をしておいて正解でした。週末は満席のようです。',
  '天ぷらは衣が薄くサクサクで、素材の甘みがしっかり感じられます。',
  'デザートの抹茶プリンが絶品で、これだけでも来る価値あり🍵', '少し値段は張りますが、特別な日に使いたいお店です✨',
  '駅から徒歩3分とアクセスも良好。', '店員さんの笑顔が素敵で、居心地の良い時間を過ごせました😊',
  '味付けがやや濃いめなので、お酒が進みます🍺', '残念ながら今回は麺が少し伸びていました。',
  '次回は夜のコースも試してみたいと思います。', 'カレーはスパイスが効いていて、辛さも選べるのが良いですね🌶️',
  'テラス席は犬連れでもOKとのことでした🐕', 'ｶﾞｯﾂﾘ系が好きな人にはたまらないボリューム。',
  '全体的に満足度の高いお店でした。', 'ＣＰを考えると★４つです。',
  '焼き鳥はどれも焼き加減が絶妙で、特につくねが印象に残りました。',
  '日本酒の品揃えが豊富で、店主のおすすめを飲み比べできます🍶',
  'ケーキは甘さ控えめで、コーヒーとの相性が抜群でした☕🍰',
  '正直、口コミほどの感動はありませんでしたが、普通に美味しいです。',
  '観光客も多いですが、地元の人にも愛されている雰囲気がありました。',
  'お会計は二人で8,000円ほど。', '子連れでも気兼ねなく入れるのがありがたい👶',
  'Wi-Fiと電源があるので、作業にも使えます💻', '季節ごとにメニューが変わるので、何度来ても飽きません🍂',
  '餃子はパリッとした羽根つきで、肉汁がたっぷり。', '〆のラーメンまでしっかり堪能しました。',
  'BGMのジャズが心地よく、ゆっくり過ごせました🎷', 'お店の外観からは想像できないほど本格的な味です。',
  '注文してから提供までが早く、忙しいランチタイムには助かります。',
  'パンは焼きたてで、クロワッサンのバターの香りがたまりません🥐',
  '辛さ5倍にしたら汗が止まりませんでした🥵', 'ここのジンギスカンは臭みがなく、羊肉が苦手な人でも食べやすいと思います。',
  '店内は少し狭いですが、それもまた味わいの一つ。', '混雑時は90分制とのことでした。',
  '「また来てね」と声をかけてもらえて嬉しかったです♪', '友人との女子会で利用しました👭',
  '写真映えするかき氷で、SNSでも話題になっているそうです🍧'
] AS sentences) AS lists;

-- @step reviews
-- review ids are dense: restaurant r owns ids review_offset+1 .. review_offset+review_count.
-- Every 7th review of a restaurant shares the create_time of the one before it, so keyset
-- pagination on (create_time, review_id) meets ties.
INSERT INTO reviews (review_id, restaurant_id, author_name, rating, title, body, create_time,
                     like_count)
SELECT v.review_id, v.restaurant_id, au.name, pg_temp.seed_rating(v.review_id, v.quality),
       t.title, b.body, v.create_time, v.like_count
FROM (
  SELECT pl.restaurant_id, pl.quality, pl.review_offset + n AS review_id,
         p.anchor - make_interval(secs => pg_temp.seed_pick(
             pl.review_offset + n - CASE WHEN n % 7 = 0 THEN 1 ELSE 0 END, 60, 86400 * 365 * 3))
           AS create_time,
         CASE WHEN pg_temp.seed_rand(pl.review_offset + n, 61) < 0.002
              THEN 20 + pg_temp.seed_pick(pl.review_offset + n, 62, 180)
              ELSE floor(8 * power(pg_temp.seed_rand(pl.review_offset + n, 62), 10))::integer
         END AS like_count,
         pg_temp.seed_pick(pl.review_offset + n, 63, 1024) AS author_i,
         pg_temp.seed_pick(pl.review_offset + n, 64, (SELECT count(*) FROM seed_titles)) AS title_i,
         pg_temp.seed_pick(pl.review_offset + n, 65, 4096) AS body_i
  FROM seed_params p
  CROSS JOIN seed_plan pl
  CROSS JOIN LATERAL generate_series(1, pl.review_count) AS n
) AS v
JOIN seed_authors au ON au.i = v.author_i
JOIN seed_titles t ON t.i = v.title_i
JOIN seed_bodies b ON b.i = v.body_i;

-- @step review likes
-- Users 1..1000. The liking users of one review are distinct: 131 is coprime to 1000 and no
-- review has more than 1000 likes.
INSERT INTO review_likes (user_id, review_id, create_time)
SELECT (r.review_id * 7919 + k * 131) % 1000 + 1, r.review_id,
       least(p.anchor, r.create_time + make_interval(secs => pg_temp.seed_pick(
                                                         r.review_id * 1000 + k, 70, 86400 * 60)))
FROM seed_params p
CROSS JOIN reviews r
CROSS JOIN LATERAL generate_series(1, r.like_count) AS k
WHERE r.like_count > 0;

-- User 42 (the demo user) likes a dozen reviews spread over all of them; like_count follows.
WITH added AS (
  INSERT INTO review_likes (user_id, review_id, create_time)
  SELECT 42, r.review_id, least(p.anchor, r.create_time + interval '1 day')
  FROM seed_params p
  CROSS JOIN (SELECT sum(review_count) AS total FROM seed_plan) AS t
  CROSS JOIN generate_series(0, 11) AS k
  JOIN reviews r ON r.review_id = 1 + k * t.total / 12
  ON CONFLICT DO NOTHING
  RETURNING review_id
)
UPDATE reviews r SET like_count = r.like_count + 1 FROM added a WHERE r.review_id = a.review_id;

-- @step bookmarks
-- Users 1..1000 bookmark 0..24 restaurants each (user 42 exactly 12), all distinct per user
-- as long as 104729 (a prime) does not divide the number of restaurants.
INSERT INTO bookmarks (user_id, restaurant_id, create_time)
SELECT u, (u * 7919 + k * 104729) % p.restaurants + 1,
       p.anchor - make_interval(secs => pg_temp.seed_pick(u * 100 + k, 80, 86400 * 365 * 2))
FROM seed_params p
CROSS JOIN generate_series(1, 1000) AS u
CROSS JOIN LATERAL generate_series(
    1, least(p.restaurants, CASE WHEN u = 42 THEN 12
                                 ELSE floor(25 * power(pg_temp.seed_rand(u, 81), 2))::integer
                            END)) AS k
ON CONFLICT DO NOTHING;

-- @step rollout targets
-- About 10% of the restaurants are served by the new system.
INSERT INTO rollout_targets (restaurant_id, create_time)
SELECT r.restaurant_id, p.anchor - make_interval(secs => pg_temp.seed_pick(r.restaurant_id, 90, 86400 * 30))
FROM seed_params p CROSS JOIN restaurants r
WHERE pg_temp.seed_rand(r.restaurant_id, 91) < 0.1;

-- @step foreign keys
DO $$
DECLARE
  fk record;
BEGIN
  FOR fk IN SELECT * FROM seed_foreign_keys LOOP
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.table_name, fk.name, fk.definition);
  END LOOP;
END
$$;

-- @step analyze
ANALYZE prefectures, areas, genres, restaurants, reviews, review_likes, bookmarks, rollout_targets;
