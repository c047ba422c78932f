-- 0003: per-server settings and per-member choices, one JSONB document each.
--
-- The documents are `tracking.server_settings` records (validated when read; defaults left
-- out). A server or member at the defaults has no row. Only the process that owns a
-- server's shard writes its rows; `updated_at` is for people reading the table.

CREATE TABLE server_settings (
    guild_id   bigint      PRIMARY KEY CHECK (guild_id >= 1),
    settings   jsonb       NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE member_settings (
    guild_id   bigint      NOT NULL CHECK (guild_id >= 1),
    user_id    bigint      NOT NULL CHECK (user_id >= 1),
    settings   jsonb       NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, user_id)
);

-- The audit log also records settings changes (which setting, and the change as admins
-- read it) and members who erased their own data.
ALTER TABLE admin_actions
    DROP CONSTRAINT admin_actions_action_check,
    ADD COLUMN setting text,
    ADD COLUMN change  text,
    ADD CONSTRAINT admin_actions_action_check
        CHECK (action IN ('adjust', 'reset', 'config', 'erase')),
    ADD CONSTRAINT admin_actions_config_names_setting
        CHECK (action <> 'config' OR setting IS NOT NULL);
