-- The read model served by misc. Every service reads; nothing in misc writes these tables
-- (the site's writers and the sample-data loader do).

CREATE TABLE prefectures (
  prefecture_id bigint PRIMARY KEY CHECK (prefecture_id BETWEEN 1 AND 47),  -- JIS X 0401 code
  name          text   NOT NULL,
  name_en       text   NOT NULL
);

CREATE TABLE areas (
  area_id       bigint PRIMARY KEY CHECK (area_id > 0),
  prefecture_id bigint NOT NULL REFERENCES prefectures,
  name          text   NOT NULL,
  name_en       text   NOT NULL
);
CREATE INDEX areas_prefecture_idx ON areas (prefecture_id, area_id);

CREATE TABLE genres (
  genre_id        bigint PRIMARY KEY CHECK (genre_id > 0),
  parent_genre_id bigint REFERENCES genres,  -- NULL for a top-level genre
  name            text   NOT NULL,
  name_en         text   NOT NULL,
  CHECK (parent_genre_id IS DISTINCT FROM genre_id)
);

CREATE TABLE restaurants (
  restaurant_id     bigint           PRIMARY KEY CHECK (restaurant_id > 0),
  name              text             NOT NULL,
  name_kana         text             NOT NULL DEFAULT '',
  area_id           bigint           NOT NULL REFERENCES areas,
  genre_ids         bigint[]         NOT NULL DEFAULT '{}',
  address           text             NOT NULL DEFAULT '',
  latitude          double precision NOT NULL DEFAULT 0,
  longitude         double precision NOT NULL DEFAULT 0,
  lunch_budget_yen  integer          NOT NULL DEFAULT 0 CHECK (lunch_budget_yen >= 0),
  dinner_budget_yen integer          NOT NULL DEFAULT 0 CHECK (dinner_budget_yen >= 0),
  rating_average    double precision NOT NULL DEFAULT 0,
  review_count      integer          NOT NULL DEFAULT 0 CHECK (review_count >= 0),
  closed            boolean          NOT NULL DEFAULT false,
  update_time       timestamptz      NOT NULL DEFAULT now()
);
-- ListRestaurants walks these in keyset order (review_count DESC, restaurant_id ASC). The
-- order is indexed as (-review_count, restaurant_id) so that "after the cursor" is one row
-- comparison and a deep page is an index range scan, the same cost as the first page.
CREATE INDEX restaurants_rank_idx ON restaurants ((-review_count), restaurant_id)
  WHERE NOT closed;
CREATE INDEX restaurants_area_rank_idx ON restaurants (area_id, (-review_count), restaurant_id)
  WHERE NOT closed;
CREATE INDEX restaurants_genre_ids_idx ON restaurants USING gin (genre_ids) WHERE NOT closed;

CREATE TABLE reviews (
  review_id     bigint      PRIMARY KEY CHECK (review_id > 0),
  restaurant_id bigint      NOT NULL REFERENCES restaurants,
  author_name   text        NOT NULL,
  rating        integer     NOT NULL CHECK (rating BETWEEN 1 AND 5),
  title         text        NOT NULL DEFAULT '',
  body          text        NOT NULL DEFAULT '',
  create_time   timestamptz NOT NULL DEFAULT now(),
  like_count    integer     NOT NULL DEFAULT 0 CHECK (like_count >= 0)
);
-- ListReviews: newest first, keyset on (create_time DESC, review_id DESC).
CREATE INDEX reviews_restaurant_time_idx ON reviews (restaurant_id, create_time DESC, review_id DESC);

CREATE TABLE review_likes (
  user_id     bigint      NOT NULL CHECK (user_id > 0),
  review_id   bigint      NOT NULL REFERENCES reviews,
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, review_id)
);

CREATE TABLE bookmarks (
  user_id       bigint      NOT NULL CHECK (user_id > 0),
  restaurant_id bigint      NOT NULL REFERENCES restaurants,
  create_time   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, restaurant_id)
);

-- Restaurants whose pages the new system serves. Every change bumps rollout_state.version in
-- the same transaction, so pollers can ask "has anything changed since version N?" cheaply.
CREATE TABLE rollout_targets (
  restaurant_id bigint      PRIMARY KEY REFERENCES restaurants,
  create_time   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rollout_state (
  singleton   boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  version     bigint      NOT NULL,
  update_time timestamptz NOT NULL
);
INSERT INTO rollout_state (version, update_time) VALUES (1, now());

CREATE FUNCTION rollout_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE rollout_state SET version = version + 1, update_time = now();
  RETURN NULL;
END;
$$;

CREATE TRIGGER rollout_targets_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rollout_targets
  FOR EACH STATEMENT EXECUTE FUNCTION rollout_bump_version();
