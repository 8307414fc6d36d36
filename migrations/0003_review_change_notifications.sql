-- Change notifications for misc's cache of review lists' first pages (services/review/module.cc):
-- every statement that inserts, updates, deletes or truncates reviews sends one NOTIFY on
-- channel misc_reviews, delivered when its transaction commits, with the ids of the restaurants
-- whose reviews it changed (comma-separated; an UPDATE names the old and the new restaurant),
-- or '*' when it truncated the table or touched more restaurants than a payload can name.
-- like_count and author_name are columns of reviews, so a like or a renamed author is a change
-- of reviews too. Statement triggers with transition tables, as in 0002.

CREATE FUNCTION misc_notify_reviews_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changed bigint;
  ids text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('misc_reviews', '*');
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT count(*), string_agg(id::text, ',') INTO changed, ids
      FROM (SELECT DISTINCT restaurant_id AS id FROM new_rows) AS touched;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT count(*), string_agg(id::text, ',') INTO changed, ids
      FROM (SELECT DISTINCT restaurant_id AS id FROM old_rows) AS touched;
  ELSE
    SELECT count(*), string_agg(id::text, ',') INTO changed, ids
      FROM (SELECT restaurant_id AS id FROM old_rows
            UNION SELECT restaurant_id FROM new_rows) AS touched;
  END IF;
  IF changed = 0 THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('misc_reviews', CASE WHEN changed > 400 THEN '*' ELSE ids END);
  RETURN NULL;
END
$$;

CREATE TRIGGER reviews_notify_insert AFTER INSERT ON reviews
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION misc_notify_reviews_changed();
CREATE TRIGGER reviews_notify_update AFTER UPDATE ON reviews
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION misc_notify_reviews_changed();
CREATE TRIGGER reviews_notify_delete AFTER DELETE ON reviews
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION misc_notify_reviews_changed();
CREATE TRIGGER reviews_notify_truncate AFTER TRUNCATE ON reviews
  FOR EACH STATEMENT EXECUTE FUNCTION misc_notify_reviews_changed();
