-- Departure alerts (issue 4): raised when an at-risk customer contacts the company or an agent opens
-- the record; the offer chosen (or why none) is kept as it was shown, and the agent's outcome is
-- recorded on the same row, where training and the offers report read it back.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    raised_at TEXT NOT NULL,
    trigger TEXT NOT NULL CHECK (trigger IN ('event', 'view')),
    interaction_id INTEGER REFERENCES interactions(id),
    model_version INTEGER NOT NULL,
    risk REAL NOT NULL,
    reasons TEXT NOT NULL,
    offer_id TEXT,
    offer TEXT,
    no_offer_reason TEXT,
    outcome TEXT CHECK (outcome IN ('accepted', 'declined', 'not_relevant')),
    outcome_at TEXT,
    outcome_by TEXT,
    outcome_note TEXT
) STRICT;
CREATE INDEX alerts_customer_id_raised_at_idx ON alerts (customer_id, raised_at);
