-- 0002: per-week and per-month rows, the change log and the batches already folded, and
-- the functions that apply a camera credit exactly once.
--
-- Weeks start on Monday and months on the 1st, of the local days the bot splits sessions by
-- (tracking/periods.py): a week's row is the sum of its days' rows, kept in the same
-- transaction, so a period's top-N is one index range scan.

CREATE TABLE member_weeks (
    guild_id bigint NOT NULL CHECK (guild_id >= 1),
    user_id  bigint NOT NULL CHECK (user_id >= 1),
    -- The Monday the week starts on.
    week     date   NOT NULL CHECK (extract(isodow FROM week) = 1),
    seconds  bigint NOT NULL DEFAULT 0 CHECK (seconds >= 0),
    sessions bigint NOT NULL DEFAULT 0 CHECK (sessions >= 0),
    PRIMARY KEY (guild_id, user_id, week)
);

CREATE INDEX member_weeks_ranking
    ON member_weeks (guild_id, week, seconds DESC, user_id)
    INCLUDE (sessions);

CREATE TABLE member_months (
    guild_id bigint NOT NULL CHECK (guild_id >= 1),
    user_id  bigint NOT NULL CHECK (user_id >= 1),
    -- The 1st of the month.
    month    date   NOT NULL CHECK (extract(day FROM month) = 1),
    seconds  bigint NOT NULL DEFAULT 0 CHECK (seconds >= 0),
    sessions bigint NOT NULL DEFAULT 0 CHECK (sessions >= 0),
    PRIMARY KEY (guild_id, user_id, month)
);

CREATE INDEX member_months_ranking
    ON member_months (guild_id, month, seconds DESC, user_id)
    INCLUDE (sessions);

-- The change log: every change is durable once its row is here (one INSERT per batch, so
-- a camera event costs about one commit). The owner of a shard folds its rows into the
-- tables above in batches (store/pg/writes.py `fold`) and deletes them; until then a load
-- replays them, as the JSON store replays its journal over its snapshot. `change` is the
-- change as a journal line (tracking/records.py); `effect` is what a manual adjustment did
-- to the member's days, as the ledger applied it (NULL for other changes). A retried batch
-- (after "commit status unknown") lands on the same (batch_id, item) and adds nothing.
CREATE TABLE change_log (
    position   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id   uuid        NOT NULL,
    item       integer     NOT NULL CHECK (item >= 0),
    guild_id   bigint      NOT NULL CHECK (guild_id >= 1),
    change     text        NOT NULL,
    effect     text,
    written_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT change_log_batch_item UNIQUE (batch_id, item)
);

-- A shard's rows are those of its servers: `(guild_id >> 22) % shard_count` (Discord's rule),
-- whatever count the process that logged them ran with.

-- Every batch already folded, by its id: a batch kept in a file by a stop during an
-- outage is written at the next start unless its id is here or in the change log.
CREATE TABLE applied_batches (
    batch_id   uuid        PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- Changes the fold could not apply (a hand edit the ledger did not know, say), kept with
-- the database's reason instead of being dropped.
CREATE TABLE rejected_changes (
    position    bigint      PRIMARY KEY,
    batch_id    uuid        NOT NULL,
    change      text        NOT NULL,
    effect      text,
    reason      text        NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now()
);

-- The order audit entries were written in, for entries of the same instant (newest first is
-- by time, then by this).
ALTER TABLE admin_actions ADD COLUMN written bigint GENERATED ALWAYS AS IDENTITY;
DROP INDEX admin_actions_latest;
CREATE INDEX admin_actions_latest ON admin_actions (guild_id, at DESC, written DESC);

-- A credit's parts as (local day, seconds, sessions) rows: the seconds of each day, and the
-- sessions on the day they count on.
CREATE FUNCTION figure_parts(
    p_days date[], p_day_seconds bigint[], p_sessions bigint, p_session_day date
) RETURNS TABLE (day date, seconds bigint, sessions bigint)
LANGUAGE sql IMMUTABLE AS $$
    SELECT part.day, part.seconds, 0::bigint
    FROM unnest(p_days, p_day_seconds) AS part(day, seconds)
    UNION ALL
    SELECT p_session_day, 0, p_sessions WHERE p_session_day IS NOT NULL AND p_sessions <> 0;
$$;

-- Add figures to a member: all-time totals, and each local day (with its week and month).
-- `p_days`/`p_day_seconds` are parallel; the sessions count on `p_session_day`. Seconds may be
-- negative (a manual removal), never below what is there: the CHECKs refuse it. Rows are
-- updated first and inserted only when absent, since a CHECK judges the row an INSERT
-- proposes even when ON CONFLICT would turn it into an update.
CREATE FUNCTION add_member_figures(
    p_guild       bigint,
    p_user        bigint,
    p_seconds     bigint,
    p_sessions    bigint,
    p_longest     bigint,
    p_adjusted    bigint,
    p_days        date[],
    p_day_seconds bigint[],
    p_session_day date
) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE member_totals SET
        seconds    = seconds + p_seconds,
        sessions   = sessions + p_sessions,
        longest    = greatest(longest, p_longest),
        adjusted   = adjusted + p_adjusted,
        updated_at = now()
    WHERE guild_id = p_guild AND user_id = p_user;
    IF NOT FOUND THEN
        INSERT INTO member_totals (guild_id, user_id, seconds, sessions, longest, adjusted)
        VALUES (p_guild, p_user, p_seconds, p_sessions, p_longest, p_adjusted);
    END IF;

    WITH parts AS (
        SELECT part.day, sum(part.seconds) AS seconds, sum(part.sessions) AS sessions
        FROM figure_parts(p_days, p_day_seconds, p_sessions, p_session_day) AS part
        GROUP BY part.day
    ), updated AS (
        UPDATE member_days AS d
        SET seconds = d.seconds + parts.seconds, sessions = d.sessions + parts.sessions
        FROM parts
        WHERE d.guild_id = p_guild AND d.user_id = p_user AND d.day = parts.day
        RETURNING d.day
    )
    INSERT INTO member_days (guild_id, user_id, day, seconds, sessions)
    SELECT p_guild, p_user, parts.day, parts.seconds, parts.sessions FROM parts
    WHERE parts.day NOT IN (SELECT day FROM updated);

    WITH parts AS (
        SELECT date_trunc('week', part.day)::date AS week,
               sum(part.seconds) AS seconds, sum(part.sessions) AS sessions
        FROM figure_parts(p_days, p_day_seconds, p_sessions, p_session_day) AS part
        GROUP BY 1
    ), updated AS (
        UPDATE member_weeks AS w
        SET seconds = w.seconds + parts.seconds, sessions = w.sessions + parts.sessions
        FROM parts
        WHERE w.guild_id = p_guild AND w.user_id = p_user AND w.week = parts.week
        RETURNING w.week
    )
    INSERT INTO member_weeks (guild_id, user_id, week, seconds, sessions)
    SELECT p_guild, p_user, parts.week, parts.seconds, parts.sessions FROM parts
    WHERE parts.week NOT IN (SELECT week FROM updated);

    WITH parts AS (
        SELECT date_trunc('month', part.day)::date AS month,
               sum(part.seconds) AS seconds, sum(part.sessions) AS sessions
        FROM figure_parts(p_days, p_day_seconds, p_sessions, p_session_day) AS part
        GROUP BY 1
    ), updated AS (
        UPDATE member_months AS m
        SET seconds = m.seconds + parts.seconds, sessions = m.sessions + parts.sessions
        FROM parts
        WHERE m.guild_id = p_guild AND m.user_id = p_user AND m.month = parts.month
        RETURNING m.month
    )
    INSERT INTO member_months (guild_id, user_id, month, seconds, sessions)
    SELECT p_guild, p_user, parts.month, parts.seconds, parts.sessions FROM parts
    WHERE parts.month NOT IN (SELECT month FROM updated);
END
$$;

-- End every open session of a member but one (`p_keep`, may be NULL) at its watermark.
CREATE FUNCTION end_other_sessions(p_guild bigint, p_user bigint, p_keep uuid) RETURNS void
LANGUAGE sql AS $$
    UPDATE camera_sessions
    SET is_open = false, ended_at = started_at + make_interval(secs => credited_seconds)
    WHERE guild_id = p_guild AND user_id = p_user AND is_open
      AND session_id IS DISTINCT FROM p_keep;
$$;

-- Credit one camera session: `p_credited` is the session's new "credited until" watermark
-- (seconds from its start) and `p_seconds` what the credit adds. The watermark only moves
-- forward: a replayed checkpoint or close finds it there already and credits 0 s (a close
-- still ends the session). A member's other open session (one a crash left open) ends at its
-- own watermark when this one is first seen. Returns the seconds credited.
CREATE FUNCTION credit_session(
    p_session     uuid,
    p_guild       bigint,
    p_user        bigint,
    p_started_at  timestamptz,
    p_credited    bigint,
    p_open        boolean,
    p_seconds     bigint,
    p_sessions    bigint,
    p_longest     bigint,
    p_days        date[],
    p_day_seconds bigint[],
    p_session_day date
) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_credited bigint;
    v_open     boolean;
    v_ended    timestamptz := CASE WHEN p_open THEN NULL
                                   ELSE p_started_at + make_interval(secs => p_credited) END;
BEGIN
    SELECT credited_seconds, is_open INTO v_credited, v_open
    FROM camera_sessions WHERE session_id = p_session FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM end_other_sessions(p_guild, p_user, NULL);
        INSERT INTO camera_sessions
            (session_id, guild_id, user_id, started_at, credited_seconds, is_open, ended_at)
        VALUES (p_session, p_guild, p_user, p_started_at, p_credited, p_open, v_ended);
    ELSIF p_credited > v_credited THEN
        IF p_open AND NOT v_open THEN
            PERFORM end_other_sessions(p_guild, p_user, p_session);
        END IF;
        UPDATE camera_sessions
        SET credited_seconds = p_credited, is_open = p_open, ended_at = v_ended
        WHERE session_id = p_session;
    ELSE
        IF v_open AND NOT p_open THEN
            UPDATE camera_sessions
            SET is_open = false, ended_at = started_at + make_interval(secs => credited_seconds)
            WHERE session_id = p_session;
        END IF;
        RETURN 0;
    END IF;
    PERFORM add_member_figures(p_guild, p_user, p_seconds, p_sessions, p_longest, 0,
                               p_days, p_day_seconds, p_session_day);
    RETURN p_seconds;
END
$$;
