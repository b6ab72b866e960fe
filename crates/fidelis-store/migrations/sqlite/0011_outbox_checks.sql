-- The outbox's and suppressions' CHECK constraints as comparisons joined by OR instead of IN lists:
-- SQLite evaluates a CHECK's IN list of three or more values by building an ephemeral index on every
-- insert and update (a B-tree opened and closed per row), which took about a third of the time of
-- queueing a million-message campaign. Same values allowed, same rows, same ids.
--
-- The tables are rebuilt (SQLite cannot alter a CHECK): each new table is filled under a new name,
-- the old one dropped, the new one renamed. call_tasks, which references the outbox, is rebuilt with
-- it (children first), so no drop ever deletes a referenced row, and renaming `outbox_new` carries
-- call_tasks' reference to the name `outbox`.
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    source_kind TEXT NOT NULL CHECK (source_kind = 'rule' OR source_kind = 'campaign' OR source_kind = 'manual'),
    source TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state = 'pending' OR state = 'sending' OR state = 'sent' OR state = 'failed'
        OR state = 'suppressed' OR state = 'cancelled'),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    -- Set by each claim: the claimer reads back the rows it leased by this token.
    lease_token TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    provider_message_id TEXT
) STRICT;
INSERT INTO outbox_new (id, idempotency_key, customer_id, channel, purpose, payload, source_kind, source, state,
    attempts, next_attempt_at, lease_until, lease_token, last_error, created_at, sent_at, provider_message_id)
SELECT id, idempotency_key, customer_id, channel, purpose, payload, source_kind, source, state,
    attempts, next_attempt_at, lease_until, lease_token, last_error, created_at, sent_at, provider_message_id
FROM outbox;

CREATE TABLE call_tasks_new (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox_new(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    source TEXT NOT NULL,
    agent TEXT,
    state TEXT NOT NULL CHECK (state IN ('open', 'done')),
    outcome TEXT,
    notes TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT
) STRICT;
INSERT INTO call_tasks_new (id, outbox_id, customer_id, source, agent, state, outcome, notes, created_at, done_at)
SELECT id, outbox_id, customer_id, source, agent, state, outcome, notes, created_at, done_at FROM call_tasks;

DROP TABLE call_tasks;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
ALTER TABLE call_tasks_new RENAME TO call_tasks;
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at);
CREATE INDEX outbox_customer_idx ON outbox (customer_id, next_attempt_at);
CREATE INDEX outbox_source_idx ON outbox (source_kind, source, customer_id);
CREATE INDEX call_tasks_agent_idx ON call_tasks (agent, state, id);

CREATE TABLE contact_suppressions_new (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    channel TEXT,
    source_kind TEXT NOT NULL CHECK (source_kind = 'rule' OR source_kind = 'campaign' OR source_kind = 'manual'),
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT,
    at TEXT NOT NULL
) STRICT;
INSERT INTO contact_suppressions_new (id, customer_id, channel, source_kind, source, reason, detail, at)
SELECT id, customer_id, channel, source_kind, source, reason, detail, at FROM contact_suppressions;
DROP TABLE contact_suppressions;
ALTER TABLE contact_suppressions_new RENAME TO contact_suppressions;
CREATE INDEX contact_suppressions_customer_idx ON contact_suppressions (customer_id, at);
CREATE INDEX contact_suppressions_source_idx ON contact_suppressions (source_kind, source, customer_id);
