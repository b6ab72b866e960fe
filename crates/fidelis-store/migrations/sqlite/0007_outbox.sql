-- Outgoing actions and campaigns: the outbox (durable queue of messages with their delivery state),
-- the suppressions of the contact policy, campaign planning columns, telesales call tasks and
-- responses posted or imported for a campaign.

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    source_kind TEXT NOT NULL CHECK (source_kind IN ('rule', 'campaign', 'manual')),
    source TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'suppressed', 'cancelled')),
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
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at);
CREATE INDEX outbox_customer_idx ON outbox (customer_id, next_attempt_at);
CREATE INDEX outbox_source_idx ON outbox (source_kind, source, customer_id);

CREATE TABLE contact_suppressions (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    channel TEXT,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('rule', 'campaign', 'manual')),
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT,
    at TEXT NOT NULL
) STRICT;
CREATE INDEX contact_suppressions_customer_idx ON contact_suppressions (customer_id, at);
CREATE INDEX contact_suppressions_source_idx ON contact_suppressions (source_kind, source, customer_id);

-- Campaign plans: imported (past) campaigns are done; new ones start as drafts.
ALTER TABLE campaigns ADD COLUMN status TEXT NOT NULL DEFAULT 'done';
ALTER TABLE campaigns ADD COLUMN target TEXT;
ALTER TABLE campaigns ADD COLUMN exclusions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE campaigns ADD COLUMN offer TEXT;
ALTER TABLE campaigns ADD COLUMN offer_product_id INTEGER REFERENCES products(id);
ALTER TABLE campaigns ADD COLUMN channels TEXT NOT NULL DEFAULT '[]';
ALTER TABLE campaigns ADD COLUMN budget_minor INTEGER;
ALTER TABLE campaigns ADD COLUMN seed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN response_window_days INTEGER NOT NULL DEFAULT 30;
ALTER TABLE campaigns ADD COLUMN template TEXT NOT NULL DEFAULT '{}';
ALTER TABLE campaign_members ADD COLUMN stratum TEXT;
ALTER TABLE campaign_members ADD COLUMN channel TEXT;
CREATE INDEX campaign_members_campaign_idx ON campaign_members (campaign_id, grp);

-- Telesales: one call task per outbox message, in an agent's queue until an outcome is recorded.
CREATE TABLE call_tasks (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    source TEXT NOT NULL,
    agent TEXT,
    state TEXT NOT NULL CHECK (state IN ('open', 'done')),
    outcome TEXT,
    notes TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT
) STRICT;
CREATE INDEX call_tasks_agent_idx ON call_tasks (agent, state, id);

-- Responses posted to the API or imported, beside the transactions and contracts a report attributes.
CREATE TABLE campaign_responses (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    revenue_minor INTEGER NOT NULL DEFAULT 0,
    margin_minor INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL,
    UNIQUE (campaign_id, customer_id, kind, at)
) STRICT;
