-- Recurring campaigns (issue 7): a campaign with a trigger in the rules' syntax (an event kind or a
-- schedule) runs day by day; each day it fires makes one wave, a campaign of its own (assigned,
-- queued and reported like any other) tied to its parent. Each customer's occasion (the event that
-- fired: kind, date, detail) enters one wave at most.
CREATE TABLE campaign_recurrences (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns(id),
    trigger_spec TEXT NOT NULL,
    send_within_days BIGINT NOT NULL
);

CREATE TABLE campaign_waves (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns(id),
    parent_id BIGINT NOT NULL REFERENCES campaigns(id),
    occasion DATE NOT NULL,
    -- The response window, [window_from, window_to), as times and as days.
    window_from TIMESTAMPTZ NOT NULL,
    window_to TIMESTAMPTZ NOT NULL,
    window_from_day DATE NOT NULL,
    window_to_day DATE NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (parent_id, occasion)
);

CREATE TABLE campaign_occasions (
    parent_id BIGINT NOT NULL REFERENCES campaigns(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    occasion_key TEXT NOT NULL,
    wave_id BIGINT NOT NULL REFERENCES campaigns(id),
    PRIMARY KEY (parent_id, customer_id, occasion_key)
);
