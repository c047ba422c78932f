-- 0001: the first schema of the PostgreSQL store.
--
-- Mirrors the JSON store's domain (tracking/ledger.py, tracking/records.py): camera sessions,
-- each member's all-time totals per server, per-local-day rows, the original file format's
-- unattributed totals, the admin actions (the audit log) and the shards' heartbeats.
-- Ids are Discord snowflakes (bigint, >= 1); seconds are bigint and never negative except a
-- member's net manual adjustment. Every timestamp is a timestamptz (an instant) and defaults
-- to now(): the real instant whatever the session's TimeZone.
-- Applied by store/pg/migrate.py in one transaction, under the migrations' advisory lock.

-- One camera session: minted at camera-on with its own id, so a replayed checkpoint or close
-- names the session it credits. `credited_seconds` is the session's "credited until" watermark
-- (started_at + credited_seconds): a credit only moves it forward, so a replay credits 0 s.
CREATE TABLE camera_sessions (
    session_id       uuid        PRIMARY KEY,
    guild_id         bigint      NOT NULL CHECK (guild_id >= 1),
    user_id          bigint      NOT NULL CHECK (user_id >= 1),
    started_at       timestamptz NOT NULL DEFAULT now(),
    credited_seconds bigint      NOT NULL DEFAULT 0 CHECK (credited_seconds >= 0),
    is_open          boolean     NOT NULL DEFAULT true,
    ended_at         timestamptz,
    -- A session is open exactly while it has no end.
    CONSTRAINT camera_sessions_open_has_no_end CHECK (is_open = (ended_at IS NULL)),
    CONSTRAINT camera_sessions_end_after_start CHECK (ended_at IS NULL OR ended_at >= started_at)
);

-- At most one open session per (server, member); closed ones are kept apart from it.
CREATE UNIQUE INDEX camera_sessions_one_open
    ON camera_sessions (guild_id, user_id)
    WHERE is_open;

-- A member's all-time figures in one server (tracking.ledger.MemberStats).
CREATE TABLE member_totals (
    guild_id   bigint      NOT NULL CHECK (guild_id >= 1),
    user_id    bigint      NOT NULL CHECK (user_id >= 1),
    -- Camera seconds, manual adjustments included.
    seconds    bigint      NOT NULL DEFAULT 0 CHECK (seconds >= 0),
    sessions   bigint      NOT NULL DEFAULT 0 CHECK (sessions >= 0),
    longest    bigint      NOT NULL DEFAULT 0 CHECK (longest >= 0),
    -- Net seconds added (or, when negative, removed) by hand.
    adjusted   bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, user_id)
);

-- All-time top-N of a server and a member's position: seconds first, then the lower id
-- (the ledger's tie-break).
CREATE INDEX member_totals_ranking
    ON member_totals (guild_id, seconds DESC, user_id);

-- A member's figures on one local day of the server's time zone (sessions split at local
-- midnight, DST included, before they reach this table).
CREATE TABLE member_days (
    guild_id bigint NOT NULL CHECK (guild_id >= 1),
    user_id  bigint NOT NULL CHECK (user_id >= 1),
    day      date   NOT NULL,
    seconds  bigint NOT NULL DEFAULT 0 CHECK (seconds >= 0),
    sessions bigint NOT NULL DEFAULT 0 CHECK (sessions >= 0),
    PRIMARY KEY (guild_id, user_id, day)
);

-- Top-N of a server over a range of days (day, week, month): an index-only scan of the
-- range, summed per member. A member's own days use the primary key.
CREATE INDEX member_days_by_day
    ON member_days (guild_id, day)
    INCLUDE (user_id, seconds, sessions);

-- Totals of the original file format not yet tied to a server (one row per member).
CREATE TABLE unattributed_totals (
    user_id  bigint PRIMARY KEY CHECK (user_id >= 1),
    seconds  bigint NOT NULL DEFAULT 0 CHECK (seconds >= 0),
    sessions bigint NOT NULL DEFAULT 0 CHECK (sessions >= 0)
);

-- One manual change by an admin (store.audit.AuditEntry). The action id is minted before the
-- first try, so a retry after "commit status unknown" (INSERT ... ON CONFLICT DO NOTHING)
-- never applies it twice.
CREATE TABLE admin_actions (
    action_id  uuid        PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    guild_id   bigint      NOT NULL CHECK (guild_id >= 1),
    admin_id   bigint      NOT NULL CHECK (admin_id >= 1),
    admin_name text,
    action     text        NOT NULL CHECK (action IN ('adjust', 'reset')),
    -- The member changed; none when a whole server was reset.
    user_id    bigint      CHECK (user_id >= 1),
    user_name  text,
    -- Seconds asked for (adjust) and actually applied (a removal stops at zero).
    seconds    bigint,
    applied    bigint,
    reason     text,
    CONSTRAINT admin_actions_adjust_names_member_and_seconds CHECK (
        action <> 'adjust' OR (user_id IS NOT NULL AND seconds IS NOT NULL AND seconds <> 0)
    )
);

-- A server's newest audit entries first.
CREATE INDEX admin_actions_latest
    ON admin_actions (guild_id, at DESC);

-- The last sign of life of each shard's owner: another process may take over a shard whose
-- heartbeat is old.
CREATE TABLE shard_heartbeats (
    shard_id integer     PRIMARY KEY CHECK (shard_id >= 0),
    owner    text        NOT NULL,
    beat_at  timestamptz NOT NULL DEFAULT now()
);
