-- Customer value (issue 3): the expected discounted cost to serve over the CLV horizon, deducted from the
-- potential (clv_minor = purchases_clv_minor + contracts_clv_minor - service_clv_minor). Snapshots taken
-- before this column existed hold 0 (their potential was gross).
ALTER TABLE customer_value_snapshots ADD COLUMN service_clv_minor INTEGER NOT NULL DEFAULT 0;
