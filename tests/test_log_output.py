"""The log line formats and the filter that keeps secrets out of every record."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

import log_output
from log_output import MASK, JsonFormatter, SecretFilter, secrets_of

TOKEN = "MTQ1NjA3NDQ0Mzk4MDgwMDAwMQ.GunitTst.never-to-be-printed-1b2c3d"


def record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("bate-ponto.test", logging.WARNING, __file__, 1, msg, args, None)
    made.__dict__.update(extra)
    return made


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """The root logger configured by the test, writing here; put back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    output = io.StringIO()
    yield output
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def configure_into(output: io.StringIO, log_format: str, secrets: list[str]) -> None:
    log_output.configure("DEBUG", log_format, secrets)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(output)


def test_json_line_has_time_level_logger_message_and_the_context_given():
    line = json.loads(
        JsonFormatter().format(record("%s ligou", "ana", event="camera_on", server=7, member=9))
    )
    assert line.pop("time").endswith("Z")
    assert line == {
        "level": "WARNING",
        "logger": "bate-ponto.test",
        "message": "ana ligou",
        "event": "camera_on",
        "server": 7,
        "member": 9,
    }


def test_json_line_leaves_out_context_that_is_not_known():
    line = json.loads(JsonFormatter().format(record("sem contexto", shard=None)))
    assert set(line) == {"time", "level", "logger", "message"}


def test_json_time_is_iso_8601_in_utc():
    made = record("x")
    made.created = 1_700_000_000.25
    assert json.loads(JsonFormatter().format(made))["time"] == "2023-11-14T22:13:20.250Z"


def test_json_keeps_a_traceback_on_its_one_line():
    try:
        raise ValueError("quebrou")
    except ValueError:
        made = logging.LogRecord("x", logging.ERROR, "", 0, "falhou", None, sys.exc_info())
    text = JsonFormatter().format(made)
    assert "\n" not in text
    assert "ValueError: quebrou" in json.loads(text)["exception"]


def test_filter_masks_the_secret_in_the_message_and_its_arguments():
    made = record(f"token {TOKEN} e %s", f"de novo {TOKEN}")
    assert SecretFilter([TOKEN]).filter(made)
    assert made.getMessage() == f"token {MASK} e de novo {MASK}"


def test_filter_masks_the_secret_in_a_traceback_in_both_formats(stream):
    for log_format in ("text", "json"):
        configure_into(stream, log_format, [TOKEN])
        try:
            raise RuntimeError(f"login failed for {TOKEN}")
        except RuntimeError:
            logging.getLogger("bate-ponto").exception("erro inesperado")
    output = stream.getvalue()
    assert output.count("login failed for ********") == 2
    assert TOKEN not in output


def test_filter_masks_a_stack(stream):
    secret = "test_filter_masks_a_stack"  # this function's name shows in the stack
    configure_into(stream, "text", [secret])
    logging.getLogger("x").info("pilha", stack_info=True)
    assert secret not in stream.getvalue()
    assert f"in {MASK}" in stream.getvalue()


def test_text_format_is_the_default_and_shows_no_context(stream):
    configure_into(stream, "text", [])
    logging.getLogger("bate-ponto").info("oi", extra={"event": "camera_on"})
    (line,) = stream.getvalue().splitlines()
    assert line.endswith(" - bate-ponto - INFO - oi")


def test_configured_json_writes_one_object_per_line(stream):
    configure_into(stream, "json", [TOKEN])
    logging.getLogger("bate-ponto").info("token %s", TOKEN, extra={"member": 3})
    (line,) = stream.getvalue().splitlines()
    assert json.loads(line)["message"] == f"token {MASK}"
    assert json.loads(line)["member"] == 3


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://bate:senha-secreta@db:5432/ranking", ["senha-secreta"]),
        ("postgresql://bate@db/ranking", []),
        ("postgresql://bate:a%2Fb@db/ranking", ["a%2Fb", "a/b"]),
        ("host=db password='com espaço' dbname=x", ["com espaço"]),
        ("", []),
    ],
)
def test_secrets_are_the_token_and_the_database_password(url, expected):
    assert secrets_of(TOKEN, url) == [TOKEN, *expected]


def test_a_filter_without_secrets_changes_nothing():
    made = record("%s", "x")
    assert SecretFilter(["", ""]).filter(made)
    assert made.args == ("x",)
