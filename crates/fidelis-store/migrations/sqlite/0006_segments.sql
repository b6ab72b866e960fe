-- Segments over time (issue 5): one row per segment refresh, the membership snapshot of every
-- segmentation (rfm, rfm_code, value, cluster, rules, ...) and each segment's profile against the
-- population. Snapshots are only inserted: a segment's size and value over time are its rows over
-- the runs. `value_run_id` is the value refresh whose snapshots give the segments' margin and CLV.

CREATE TABLE segment_runs (
    id INTEGER PRIMARY KEY,
    as_of TEXT NOT NULL,
    created_at TEXT NOT NULL,
    customers INTEGER NOT NULL,
    value_run_id INTEGER REFERENCES refresh_runs(id),
    details TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX segment_runs_as_of_idx ON segment_runs (as_of);

CREATE TABLE segment_members (
    run_id INTEGER NOT NULL REFERENCES segment_runs(id),
    segmentation TEXT NOT NULL,
    segment TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    PRIMARY KEY (run_id, segmentation, segment, customer_id)
) STRICT;
CREATE INDEX segment_members_customer_id_idx ON segment_members (customer_id, run_id);

CREATE TABLE segment_profiles (
    run_id INTEGER NOT NULL REFERENCES segment_runs(id),
    segmentation TEXT NOT NULL,
    segment TEXT NOT NULL,
    fact TEXT NOT NULL,
    segment_mean REAL,
    population_mean REAL,
    PRIMARY KEY (run_id, segmentation, segment, fact)
) STRICT;
