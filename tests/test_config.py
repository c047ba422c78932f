"""Settings: read when asked, environment before `.env`, data paths independent of the CWD."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from dotenv import dotenv_values

import config
from bot import create_bot
from config import PROJECT_DIR, SettingsError, is_placeholder_token, load_settings


@pytest.fixture
def env_file(tmp_path):
    path = tmp_path / ".env"
    path.write_text("")
    return path


def test_defaults_are_the_documented_ones(env_file):
    settings = load_settings({}, env_file)
    assert settings.command_prefix == "!"
    assert settings.data_file == PROJECT_DIR / "video_ranking.json"
    assert settings.log_level == "INFO"
    assert settings.log_format == "text"
    assert settings.timezone == ZoneInfo("America/Sao_Paulo")
    assert settings.checkpoint_seconds == 60
    assert settings.token == ""


def test_a_relative_data_file_is_beside_bot_py_whatever_the_working_directory(
    env_file, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    settings = load_settings({"DATA_FILE": "dados/ranking.json"}, env_file)
    assert settings.data_file == PROJECT_DIR / "dados" / "ranking.json"


def test_an_absolute_data_file_is_kept(env_file, tmp_path):
    target = tmp_path / "ranking.json"
    assert load_settings({"DATA_FILE": str(target)}, env_file).data_file == target


def test_the_environment_wins_over_the_env_file(env_file):
    env_file.write_text("COMMAND_PREFIX=?\nLOG_LEVEL=DEBUG\n")
    settings = load_settings({"COMMAND_PREFIX": "$"}, env_file)
    assert settings.command_prefix == "$"
    assert settings.log_level == "DEBUG"


def test_the_token_never_shows_in_repr(env_file):
    settings = load_settings({"DISCORD_TOKEN": "segredo.muito.secreto"}, env_file)
    assert settings.token == "segredo.muito.secreto"
    assert "segredo" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TIMEZONE", "Lugar/Nenhum"),
        ("CHECKPOINT_SECONDS", "0"),
        ("CHECKPOINT_SECONDS", "abc"),
        ("CHECKPOINT_SECONDS", "nan"),
        ("CHECKPOINT_SECONDS", "inf"),
        ("CHECKPOINT_SECONDS", "-inf"),
        ("CHECKPOINT_SECONDS", "4.9"),
        ("CHECKPOINT_SECONDS", "86401"),
        ("LOG_LEVEL", "VERBOSO"),
        ("LOG_FORMAT", "xml"),
        ("LEGACY_GUILD_ID", "123"),
    ],
)
def test_an_unusable_value_is_refused_naming_the_setting(env_file, name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value}, env_file)


@pytest.mark.parametrize(
    ("value", "expected"), [("json", "json"), ("JSON", "json"), ("text", "text")]
)
def test_log_format_is_text_or_json(env_file, value, expected):
    assert load_settings({"LOG_FORMAT": value}, env_file).log_format == expected


def test_create_bot_reads_the_settings_when_called(monkeypatch, tmp_path):
    monkeypatch.setenv("COMMAND_PREFIX", "?")
    monkeypatch.setenv("DATA_FILE", str(tmp_path / "a.json"))
    first = create_bot()
    monkeypatch.setenv("DATA_FILE", str(tmp_path / "b.json"))
    second = create_bot()
    assert first.settings.data_file == tmp_path / "a.json"
    assert second.settings.data_file == tmp_path / "b.json"
    assert second.settings.command_prefix == "?"


def test_a_developers_env_file_does_not_reach_the_tests(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "PROJECT_DIR", tmp_path)  # where the real `.env` would be
    (tmp_path / ".env").write_text("CHECKPOINT_SECONDS=abc\nCOMMAND_PREFIX=$\n")
    monkeypatch.setenv("DATA_FILE", str(tmp_path / "ranking.json"))
    monkeypatch.delenv("COMMAND_PREFIX", raising=False)
    monkeypatch.delenv("CHECKPOINT_SECONDS", raising=False)
    assert create_bot().settings.command_prefix == "!"
    monkeypatch.setattr(config, "ENV_FILE", None)  # as outside the tests: that file is read
    with pytest.raises(SettingsError, match="CHECKPOINT_SECONDS"):
        create_bot()


@pytest.mark.parametrize("value", ["5", "86400"])
def test_checkpoint_seconds_accepts_both_ends_of_its_range(env_file, value):
    assert load_settings({"CHECKPOINT_SECONDS": value}, env_file).checkpoint_seconds == float(value)


def test_the_token_of_env_example_is_recognised_as_a_placeholder():
    example = dotenv_values(PROJECT_DIR / ".env.example")
    assert is_placeholder_token(example["DISCORD_TOKEN"] or "")


@pytest.mark.parametrize(
    "token", ["your_bot_token_here", "<token do bot>", "SEU_TOKEN_AQUI", "changeme", "xxxxxxxx"]
)
def test_an_obvious_placeholder_token_is_recognised(token):
    assert is_placeholder_token(token)


def test_a_token_shaped_like_discords_is_not_a_placeholder():
    assert not is_placeholder_token("MTQ1NjA3NDQ0Mzk4MDgwMDAwMQ.GaBcDe.your-token-here_8Qm3xZk")


def test_without_shard_settings_the_count_is_left_to_discord(env_file):
    settings = load_settings({}, env_file)
    assert (settings.shard_count, settings.shard_ids) == (None, None)


@pytest.mark.parametrize(
    ("count", "ids", "expected"),
    [("2", "", (2, None)), ("4", "1, 3", (4, (1, 3))), ("1", "0", (1, (0,)))],
)
def test_shard_count_and_shard_ids_are_read(env_file, count, ids, expected):
    settings = load_settings({"SHARD_COUNT": count, "SHARD_IDS": ids}, env_file)
    assert (settings.shard_count, settings.shard_ids) == expected


@pytest.mark.parametrize(
    ("count", "ids", "named"),
    [
        ("0", "", "SHARD_COUNT"),
        ("-1", "", "SHARD_COUNT"),
        ("dois", "", "SHARD_COUNT"),
        ("2.5", "", "SHARD_COUNT"),
        ("", "0", "SHARD_COUNT"),  # SHARD_IDS needs SHARD_COUNT
        ("2", "2", "SHARD_IDS"),  # each id below the count
        ("2", "0,-1", "SHARD_IDS"),
        ("2", "0,", "SHARD_IDS"),
        ("3", "1,1", "SHARD_IDS"),  # no duplicates
    ],
)
def test_unusable_shard_settings_are_refused_in_one_line(env_file, count, ids, named):
    with pytest.raises(SettingsError, match=named) as raised:
        load_settings({"SHARD_COUNT": count, "SHARD_IDS": ids}, env_file)
    assert "\n" not in str(raised.value)
    assert " / " in str(raised.value)  # Portuguese, then English


def test_create_bot_is_one_connection_only_with_shard_count_1(monkeypatch, tmp_path):
    import discord

    monkeypatch.setenv("DATA_FILE", str(tmp_path / "a.json"))
    monkeypatch.setenv("SHARD_COUNT", "1")
    monkeypatch.delenv("SHARD_IDS", raising=False)
    single = create_bot()
    assert not isinstance(single, discord.AutoShardedClient)
    assert single.sessions.shard_count == 1
    monkeypatch.setenv("SHARD_COUNT", "3")
    monkeypatch.setenv("SHARD_IDS", "2,0")
    sharded = create_bot()
    assert isinstance(sharded, discord.AutoShardedClient)
    assert (sharded.shard_count, sharded.shard_ids, sharded.sessions.shard_count) == (3, [2, 0], 3)


def test_create_bot_without_shard_count_asks_discord_for_its_recommendation(monkeypatch, tmp_path):
    import discord

    monkeypatch.setenv("DATA_FILE", str(tmp_path / "a.json"))
    monkeypatch.delenv("SHARD_COUNT", raising=False)
    monkeypatch.delenv("SHARD_IDS", raising=False)
    recommended = create_bot()
    assert isinstance(recommended, discord.AutoShardedClient)
    assert (recommended.shard_count, recommended.shard_ids) == (None, None)  # GET /gateway/bot
    assert recommended.sessions.shard_count == 1  # until the count is known


def test_the_postgresql_store_needs_an_explicit_shard_count():
    from database import store_shards

    environ = {"DATABASE_URL": "postgresql://u@h/db"}
    with pytest.raises(SettingsError, match="SHARD_COUNT") as raised:
        store_shards(load_settings(environ, PROJECT_DIR / "none"))
    assert "\n" not in str(raised.value) and " / " in str(raised.value)
    settings = load_settings(
        {**environ, "SHARD_COUNT": "4", "SHARD_IDS": "3,1"}, PROJECT_DIR / "none"
    )
    assert (store_shards(settings).count, store_shards(settings).ids) == (4, (3, 1))
    single = load_settings({**environ, "SHARD_COUNT": "1"}, PROJECT_DIR / "none")
    assert (store_shards(single).count, store_shards(single).ids) == (1, (0,))


def test_database_url_is_read_and_never_shown():
    settings = load_settings({"DATABASE_URL": "postgresql://u:segredo@h/db"}, PROJECT_DIR / "none")
    assert settings.database_url == "postgresql://u:segredo@h/db"
    assert "segredo" not in repr(settings)


# ------------------------------------------------ the token as a systemd credential


@pytest.fixture
def credentials(tmp_path):
    """A `$CREDENTIALS_DIRECTORY` as systemd makes it for `LoadCredential=`."""
    folder = tmp_path / "credentials"
    folder.mkdir()
    return folder


def test_the_token_credential_wins_over_the_environment_and_the_env_file(env_file, credentials):
    (credentials / "discord_token").write_text("credencial.do.systemd\n")
    env_file.write_text("DISCORD_TOKEN=do.arquivo.env\n")
    environ = {"CREDENTIALS_DIRECTORY": str(credentials), "DISCORD_TOKEN": "do.ambiente"}
    settings = load_settings(environ, env_file)
    assert settings.token == "credencial.do.systemd"  # and the trailing newline is gone
    assert "credencial" not in repr(settings)


def test_without_the_credential_file_the_token_comes_from_the_environment(env_file, credentials):
    environ = {"CREDENTIALS_DIRECTORY": str(credentials), "DISCORD_TOKEN": "do.ambiente"}
    assert load_settings(environ, env_file).token == "do.ambiente"
    env_file.write_text("DISCORD_TOKEN=do.arquivo.env\n")
    assert load_settings({"CREDENTIALS_DIRECTORY": str(credentials)}, env_file).token == (
        "do.arquivo.env"
    )


def test_without_credentials_directory_a_credential_file_is_not_looked_for(
    env_file, credentials, monkeypatch
):
    (credentials / "discord_token").write_text("credencial.do.systemd")
    monkeypatch.chdir(credentials)
    assert load_settings({"DISCORD_TOKEN": "do.ambiente"}, env_file).token == "do.ambiente"


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda path: path.mkdir(), "Is a directory"),
        (lambda path: path.write_bytes(b"\xff\xfe token"), "not UTF-8"),
        (lambda path: path.write_text(" \n"), "is empty"),
    ],
    ids=["folder", "not-utf8", "empty"],
)
def test_a_credential_that_cannot_be_used_is_one_clear_settings_error(
    env_file, credentials, make, phrase
):
    make(credentials / "discord_token")
    environ = {"CREDENTIALS_DIRECTORY": str(credentials), "DISCORD_TOKEN": "do.ambiente"}
    with pytest.raises(SettingsError) as raised:
        load_settings(environ, env_file)
    message = str(raised.value)
    assert phrase in message and str(credentials / "discord_token") in message
    assert "\n" not in message and " / " in message


def test_health_and_metrics_are_off_by_default_and_bound_to_localhost(env_file):
    settings = load_settings({}, env_file)
    assert (settings.metrics_port, settings.metrics_host) == (None, "127.0.0.1")


def test_metrics_port_and_host_are_read(env_file):
    settings = load_settings({"METRICS_PORT": "9108", "METRICS_HOST": "0.0.0.0"}, env_file)
    assert (settings.metrics_port, settings.metrics_host) == (9108, "0.0.0.0")


@pytest.mark.parametrize("value", ["0", "65536", "abc", "-1", "9108.5", "٩١٠٨"])
def test_an_unusable_metrics_port_is_refused_naming_it(env_file, value):
    with pytest.raises(SettingsError, match=f"METRICS_PORT .*{value!r}"):
        load_settings({"METRICS_PORT": value}, env_file)
