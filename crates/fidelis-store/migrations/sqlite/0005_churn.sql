-- Departure and acquisition models (issue 4): the model registry and the latest departure scores.
-- A model row keeps everything needed to read it back and show it: its training window, parameters,
-- feature list, metrics (with the ROC and lift curves of the dashboard) and the serialised model.
-- At most one model per kind is active. `churn_scores` holds one row per customer, the latest
-- scoring run, replaced as a whole by the next one; the agent screen reads it by primary key.

CREATE TABLE churn_models (
    version INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('churn', 'acquisition')),
    created_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    horizon_days INTEGER,
    snapshots TEXT NOT NULL DEFAULT '[]',
    params TEXT NOT NULL DEFAULT '{}',
    features TEXT NOT NULL DEFAULT '[]',
    metrics TEXT NOT NULL DEFAULT '{}',
    model TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX churn_models_active_idx ON churn_models (kind) WHERE active = 1;

CREATE TABLE churn_scores (
    customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
    model_version INTEGER NOT NULL REFERENCES churn_models(version),
    as_of TEXT NOT NULL,
    risk REAL NOT NULL,
    decile INTEGER NOT NULL,
    reasons TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX churn_scores_risk_idx ON churn_scores (risk);
