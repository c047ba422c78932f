"""The Portuguese members read: real plurals, durations without zero units."""

from __future__ import annotations

import re

import pytest

from ui import texts
from utils import format_seconds_to_time, plural

PSEUDO_PLURAL = re.compile(r"\((?:s|es|ões|ães)\)")


def templates():
    """Every string in `texts`, nested ones included."""
    found = []

    def walk(value):
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)

    for name in dir(texts):
        if name.isupper():
            walk(getattr(texts, name))
    return found


def test_no_text_uses_a_pseudo_plural():
    assert [t for t in templates() if PSEUDO_PLURAL.search(t)] == []


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(3600, "1h"), (3900, "1h 5min"), (45, "45s"), (7200, "2h"), (3605, "1h 5s"), (0, "0s")],
)
def test_durations_leave_out_zero_units(seconds, shown):
    assert format_seconds_to_time(seconds) == shown


@pytest.mark.parametrize(
    ("count", "pair", "shown"),
    [
        (1, texts.PAGES, "1 página"),
        (3, texts.MEMBERS, "3 membros"),
        (0, texts.SESSIONS, "0 sessões"),
    ],
)
def test_counts_take_the_noun_in_the_right_number(count, pair, shown):
    assert plural(count, *pair) == shown


def test_permission_refusal_names_the_permission():
    assert texts.NO_PERMISSION == (
        "Desculpe, só quem tem a permissão **Gerenciar Servidor** pode usar este comando."
    )
