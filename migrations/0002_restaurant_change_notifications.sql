-- Change notifications for misc's restaurant cache (services/restaurant/module.cc): every
-- statement that inserts, updates, deletes or truncates restaurants sends one NOTIFY on channel
-- misc_restaurants, delivered when its transaction commits, with the ids it changed
-- (comma-separated), or '*' when it truncated the table or changed more rows than a payload
-- can name (NOTIFY payloads are under 8000 bytes: 400 ids of up to 19 digits fit). Statement
-- triggers with transition tables, so a bulk load costs one notification, not one per row.

CREATE FUNCTION misc_notify_restaurants_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changed bigint;
  ids text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('misc_restaurants', '*');
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT count(*), string_agg(restaurant_id::text, ',') INTO changed, ids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT count(*), string_agg(restaurant_id::text, ',') INTO changed, ids FROM old_rows;
  ELSE
    -- An UPDATE may change the key itself: both the old and the new ids are stale.
    SELECT count(*), string_agg(id::text, ',') INTO changed, ids
      FROM (SELECT restaurant_id AS id FROM old_rows
            UNION SELECT restaurant_id FROM new_rows) AS touched;
  END IF;
  IF changed = 0 THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('misc_restaurants', CASE WHEN changed > 400 THEN '*' ELSE ids END);
  RETURN NULL;
END
$$;

CREATE TRIGGER restaurants_notify_insert AFTER INSERT ON restaurants
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION misc_notify_restaurants_changed();
CREATE TRIGGER restaurants_notify_update AFTER UPDATE ON restaurants
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION misc_notify_restaurants_changed();
CREATE TRIGGER restaurants_notify_delete AFTER DELETE ON restaurants
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION misc_notify_restaurants_changed();
CREATE TRIGGER restaurants_notify_truncate AFTER TRUNCATE ON restaurants
  FOR EACH STATEMENT EXECUTE FUNCTION misc_notify_restaurants_changed();
