"""The container files: `Dockerfile`, `.dockerignore` and `compose.yaml` (structure only).

Images cannot be pulled here, so nothing is built; the files are parsed and checked for
what the bot needs from its container: a non-root user, SIGTERM reaching the bot, the data
on a volume, a read-only root with a writable /tmp, and a stop grace longer than the
store's close wait.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

import config
from store.pg.store import CLOSE_WAIT_SECONDS
from tests.test_process import REPO

Instruction = tuple[str, str]


def dockerfile(path: Path) -> list[list[Instruction]]:
    """The Dockerfile's instructions (continuations joined, comments dropped), by stage."""
    lines: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    stages: list[list[Instruction]] = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), rest.strip()))
    return stages


def _scalar(text: str) -> object:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return [_scalar(item) for item in text[1:-1].split(",") if item.strip()]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return {"true": True, "false": False}.get(text, text)


def yaml_subset(text: str) -> object:
    """Block mappings and lists of scalars, as compose.yaml is written (no anchors, no `|`)."""
    rows = []
    for raw in text.splitlines():
        content = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if content.strip():
            rows.append((len(content) - len(content.lstrip()), content.strip()))

    def block(start: int, indent: int) -> tuple[object, int]:
        if rows[start][1].startswith("- "):
            items: list[object] = []
            at = start
            while at < len(rows) and rows[at][0] == indent and rows[at][1].startswith("- "):
                items.append(_scalar(rows[at][1][2:]))
                at += 1
            return items, at
        mapping: dict[str, object] = {}
        at = start
        while at < len(rows) and rows[at][0] == indent:
            key, _, value = rows[at][1].partition(":")
            at += 1
            if value.strip():
                mapping[key] = _scalar(value)
            elif at < len(rows) and rows[at][0] > indent:
                mapping[key], at = block(at, rows[at][0])
            elif at < len(rows) and rows[at][0] == indent and rows[at][1].startswith("- "):
                mapping[key], at = block(at, indent)
            else:
                mapping[key] = None
        return mapping, at

    parsed, end = block(0, rows[0][0])
    assert end == len(rows), f"unparsed from line {rows[end]}"
    return parsed


def seconds(duration: str) -> float:
    """A compose duration such as `45s` or `1m30s`."""
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.fullmatch(r"((\d+)h)?((\d+)m)?((\d+)s)?", duration)
    assert parts and duration, duration
    return sum(int(parts[i + 1]) * units[parts[i][-1]] for i in (1, 3, 5) if parts[i])


@pytest.fixture(scope="module")
def stages() -> list[list[Instruction]]:
    return dockerfile(REPO / "Dockerfile")


@pytest.fixture(scope="module")
def compose() -> dict:
    parsed = yaml_subset((REPO / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(parsed, dict)
    return parsed


def values(stage: list[Instruction], keyword: str) -> list[str]:
    return [rest for name, rest in stage if name == keyword]


def environment(stage: list[Instruction]) -> dict[str, str]:
    found = {}
    for rest in values(stage, "ENV"):
        for pair in shlex.split(rest):
            name, _, value = pair.partition("=")
            found[name] = value
    return found


# ------------------------------------------------------------------ Dockerfile


def test_the_image_is_built_in_two_stages_ending_on_python_slim(stages):
    assert len(stages) >= 2
    assert values(stages[-1], "FROM") == ["python:3.11-slim"]
    final = " ".join(values(stages[-1], "RUN"))
    assert "pip install" not in final  # requirements are installed in the builder only
    builder = values(stages[0], "FROM")[0].split()[-1]
    assert f"--from={builder} /opt/venv /opt/venv" in values(stages[-1], "COPY")


def test_the_bot_runs_as_a_fixed_non_root_user(stages):
    (user,) = values(stages[-1], "USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) > 0 and (not gid or int(gid) > 0)


def test_the_entrypoint_is_exec_form_so_sigterm_reaches_the_bot(stages):
    (entrypoint,) = values(stages[-1], "ENTRYPOINT")
    assert json.loads(entrypoint) == ["python", "bot.py"]
    assert not values(stages[-1], "CMD")


def test_the_data_lives_on_a_volume_and_matplotlib_writes_to_tmp(stages):
    assert values(stages[-1], "VOLUME") == ["/data"]
    env = environment(stages[-1])
    assert env["DATA_FILE"] == "/data/video_ranking.json"
    assert env["MPLCONFIGDIR"].startswith("/tmp/")
    assert env["PYTHONUNBUFFERED"] == "1"


def test_the_image_holds_every_package_of_the_bot_and_no_tests(stages):
    copied = {rest.split()[0] for rest in values(stages[-1], "COPY") if "--from" not in rest}
    packages = {
        path.parent.name
        for path in REPO.glob("*/__init__.py")
        if path.parent.name not in {"tests", "bench"}
    }
    assert packages <= copied, packages - copied
    assert "*.py" in copied and "tests" not in copied and "." not in copied


def test_dockerignore_keeps_the_environment_tests_and_git_out():
    ignored = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "tests", ".git", ".env", "secrets"} <= ignored


# ------------------------------------------------------------------ compose.yaml


def test_compose_runs_the_bot_read_only_without_capabilities(compose):
    bot = compose["services"]["bot"]
    assert bot["read_only"] is True
    assert bot["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in bot["security_opt"]
    assert any(str(mount).split(":")[0] == "/tmp" for mount in bot["tmpfs"])
    assert "data:/data" in bot["volumes"] and "data" in compose["volumes"]


def test_compose_stop_grace_outlasts_the_stores_close_wait(compose):
    bot = compose["services"]["bot"]
    assert bot.get("stop_signal", "SIGTERM") == "SIGTERM"
    assert seconds(bot["stop_grace_period"]) > CLOSE_WAIT_SECONDS


def test_compose_rotates_the_logs(compose):
    logging = compose["services"]["bot"]["logging"]
    assert logging["driver"] == "json-file"
    assert set(logging["options"]) >= {"max-size", "max-file"}


def test_compose_passes_the_token_as_a_secret_the_bot_reads(compose):
    bot = compose["services"]["bot"]
    assert bot["env_file"] == ".env"
    assert config.TOKEN_CREDENTIAL in bot["secrets"]
    assert config.TOKEN_CREDENTIAL in compose["secrets"]
    assert bot["environment"]["CREDENTIALS_DIRECTORY"] == "/run/secrets"


def test_compose_healthcheck_asks_the_bots_own_health_endpoint(compose):
    bot = compose["services"]["bot"]
    port = bot["environment"]["METRICS_PORT"]
    command = " ".join(bot["healthcheck"]["test"])
    assert command.startswith("CMD python -c ")
    assert f"http://127.0.0.1:{port}/healthz" in command


def test_postgresql_is_an_optional_service_under_a_profile(compose):
    postgres = compose["services"]["postgres"]
    assert postgres["profiles"] == ["postgres"]
    assert "depends_on" not in compose["services"]["bot"]  # the bot starts without the profile
    text = (REPO / "compose.yaml").read_text(encoding="utf-8")
    assert "DATABASE_URL=postgresql://" in text and "SHARD_COUNT=" in text
