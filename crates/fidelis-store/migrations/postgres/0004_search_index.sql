-- Name search walks this index in order and stops at the page size: (lower(last_name), external_id)
-- is both the filter and the sort, so a common prefix costs no more than a rare one.
DROP INDEX IF EXISTS customers_lower_last_name_idx;
CREATE INDEX customers_name_search_idx ON customers (lower(last_name) text_pattern_ops, external_id);
