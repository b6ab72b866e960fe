-- Initial schema: the customer database (docs/data-format.md lists the fields).
-- Money in integer minor units with a currency; times in UTC (TEXT, RFC 3339).

CREATE TABLE channels (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    cost_per_contact_minor INTEGER NOT NULL,
    cost_per_minute_minor INTEGER NOT NULL,
    currency TEXT NOT NULL
) STRICT;

CREATE TABLE stores (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    city TEXT,
    postcode TEXT,
    latitude REAL,
    longitude REAL,
    opened_on TEXT
) STRICT;

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    kind TEXT NOT NULL,
    price_minor INTEGER NOT NULL,
    unit_cost_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    complexity INTEGER NOT NULL,
    launch_date TEXT
) STRICT;
CREATE INDEX products_category_idx ON products (category);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    first_name TEXT,
    last_name TEXT,
    email TEXT,
    phone TEXT,
    address TEXT,
    postcode TEXT,
    city TEXT,
    country TEXT NOT NULL,
    latitude REAL,
    longitude REAL,
    birth_date TEXT,
    gender TEXT,
    household_id TEXT,
    income_band TEXT,
    assets_band TEXT,
    solvent INTEGER NOT NULL,
    status TEXT NOT NULL,
    acquisition_date TEXT,
    acquisition_channel_id INTEGER REFERENCES channels(id),
    attributes TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX customers_email_idx ON customers (email);
CREATE INDEX customers_phone_idx ON customers (phone);
CREATE INDEX customers_last_name_idx ON customers (last_name);
CREATE INDEX customers_household_id_idx ON customers (household_id);

CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL,
    status TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (customer_id, channel, purpose)
) STRICT;

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    objective TEXT,
    channel_id INTEGER REFERENCES channels(id),
    start_date TEXT NOT NULL,
    end_date TEXT,
    cost_per_contact_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    control_share REAL NOT NULL
) STRICT;

CREATE TABLE transactions (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    channel_id INTEGER REFERENCES channels(id),
    store_id INTEGER REFERENCES stores(id),
    occurred_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL,
    cost_minor INTEGER NOT NULL,
    discount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL
) STRICT;
CREATE INDEX transactions_customer_id_occurred_at_idx ON transactions (customer_id, occurred_at);

CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    channel_id INTEGER REFERENCES channels(id),
    start_date TEXT NOT NULL,
    end_date TEXT,
    status TEXT NOT NULL,
    monthly_fee_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    cancelled_on TEXT,
    cancellation_reason TEXT
) STRICT;
CREATE INDEX contracts_customer_id_idx ON contracts (customer_id);
CREATE INDEX contracts_end_date_idx ON contracts (end_date);

CREATE TABLE usage (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    period TEXT NOT NULL,
    metric TEXT NOT NULL,
    value REAL NOT NULL,
    UNIQUE (customer_id, period, metric)
) STRICT;

CREATE TABLE interactions (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    direction TEXT NOT NULL,
    operation TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    duration_seconds INTEGER NOT NULL,
    agent TEXT,
    outcome TEXT,
    cost_minor INTEGER,
    campaign_id INTEGER REFERENCES campaigns(id),
    currency TEXT NOT NULL
) STRICT;
CREATE INDEX interactions_customer_id_occurred_at_idx ON interactions (customer_id, occurred_at);

CREATE TABLE life_events (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    details TEXT
) STRICT;
CREATE INDEX life_events_customer_id_idx ON life_events (customer_id);

CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    category TEXT NOT NULL,
    department TEXT,
    product_id INTEGER REFERENCES products(id),
    channel_id INTEGER REFERENCES channels(id),
    opened_at TEXT NOT NULL,
    first_response_at TEXT,
    resolved_at TEXT,
    status TEXT NOT NULL,
    compensation_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    body TEXT
) STRICT;
CREATE INDEX complaints_customer_id_idx ON complaints (customer_id);

CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    answered_on TEXT NOT NULL,
    kind TEXT NOT NULL,
    score INTEGER NOT NULL,
    comment TEXT
) STRICT;
CREATE INDEX surveys_customer_id_idx ON surveys (customer_id);

CREATE TABLE campaign_members (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    grp TEXT NOT NULL,
    contacted_at TEXT,
    UNIQUE (campaign_id, customer_id)
) STRICT;
CREATE INDEX campaign_members_customer_id_idx ON campaign_members (customer_id);
