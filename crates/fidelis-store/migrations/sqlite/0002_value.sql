-- Customer value (issue 3): one row per refresh, one snapshot row per customer and refresh, and the P&L
-- roll-ups of each refresh. Snapshots are never updated: a customer's trajectory across the value
-- matrix is the sequence of its rows over the runs. Money in integer minor units of `currency`.

CREATE TABLE refresh_runs (
    id INTEGER PRIMARY KEY,
    as_of TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    customers INTEGER NOT NULL,
    currency TEXT NOT NULL,
    purchase_model TEXT NOT NULL,
    horizon_months INTEGER NOT NULL,
    annual_discount_rate REAL NOT NULL,
    complaint_handling_cost_minor INTEGER NOT NULL,
    profitability_cut_minor INTEGER NOT NULL,
    potential_cut_minor INTEGER NOT NULL,
    models TEXT NOT NULL DEFAULT '{}',
    warnings TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX refresh_runs_as_of_idx ON refresh_runs (as_of);

CREATE TABLE customer_value_snapshots (
    run_id INTEGER NOT NULL REFERENCES refresh_runs(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    sales_minor INTEGER NOT NULL,
    refunds_minor INTEGER NOT NULL,
    contract_fees_minor INTEGER NOT NULL,
    revenue_minor INTEGER NOT NULL,
    product_cost_minor INTEGER NOT NULL,
    gross_margin_minor INTEGER NOT NULL,
    interaction_cost_minor INTEGER NOT NULL,
    complaint_cost_minor INTEGER NOT NULL,
    compensation_minor INTEGER NOT NULL,
    campaign_cost_minor INTEGER NOT NULL,
    cost_to_serve_minor INTEGER NOT NULL,
    net_minor INTEGER NOT NULL,
    purchases_clv_minor INTEGER NOT NULL,
    contracts_clv_minor INTEGER NOT NULL,
    clv_minor INTEGER NOT NULL,
    p_alive REAL,
    running_contracts INTEGER NOT NULL,
    quadrant TEXT NOT NULL,
    strategy TEXT NOT NULL,
    PRIMARY KEY (run_id, customer_id)
) STRICT;
CREATE INDEX customer_value_snapshots_customer_id_idx ON customer_value_snapshots (customer_id, run_id);

CREATE TABLE pnl_rollups (
    run_id INTEGER NOT NULL REFERENCES refresh_runs(id),
    dimension TEXT NOT NULL,
    key TEXT NOT NULL,
    sales_minor INTEGER NOT NULL,
    refunds_minor INTEGER NOT NULL,
    contract_fees_minor INTEGER NOT NULL,
    revenue_minor INTEGER NOT NULL,
    product_cost_minor INTEGER NOT NULL,
    gross_margin_minor INTEGER NOT NULL,
    interaction_cost_minor INTEGER NOT NULL,
    complaint_cost_minor INTEGER NOT NULL,
    compensation_minor INTEGER NOT NULL,
    campaign_cost_minor INTEGER NOT NULL,
    cost_to_serve_minor INTEGER NOT NULL,
    net_minor INTEGER NOT NULL,
    PRIMARY KEY (run_id, dimension, key)
) STRICT;
