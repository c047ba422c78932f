"""`AuditLog.forget_names`: a member who erased their data is no longer named in the log."""

from __future__ import annotations

import json
import os
import stat

from store.audit import AuditEntry, AuditLog

GUILD, OTHER = 111111111111111111, 222222222222222222
CHEFE, ANA, BIA = 300000000000000001, 300000000000000002, 300000000000000003
AT = "2026-01-01T00:00:00+00:00"


def adjust(guild, admin, admin_name, user, user_name):
    return AuditEntry(AT, guild, admin, admin_name, "adjust", user, user_name, 60, 60, "bônus")


def test_names_of_the_member_go_in_that_server_only(tmp_path):
    log = AuditLog(tmp_path / "video_ranking.audit.jsonl")
    log.append(adjust(GUILD, CHEFE, "chefe", ANA, "ana"))
    log.append(adjust(GUILD, ANA, "ana", BIA, "bia"))
    log.append(adjust(OTHER, CHEFE, "chefe", ANA, "ana"))
    assert log.forget_names(GUILD, ANA) == 2
    about, by, elsewhere = log.read_all().entries
    assert (about.admin_name, about.user_id, about.user_name) == ("chefe", ANA, None)
    assert (by.admin_id, by.admin_name, by.user_name) == (ANA, None, "bia")
    assert elsewhere.user_name == "ana"
    assert about.reason == "bônus" and about.applied == 60  # the action stays whole


def test_unreadable_lines_are_kept_byte_for_byte_and_the_mode_stays(tmp_path):
    path = tmp_path / "video_ranking.audit.jsonl"
    log = AuditLog(path)
    log.append(adjust(GUILD, CHEFE, "chefe", ANA, "ana"))
    with path.open("ab") as handle:
        handle.write(b'{"at": "torn\n')
    log.append(adjust(GUILD, CHEFE, "chefe", BIA, "bia"))
    log.forget_names(GUILD, ANA)
    first, torn, last = path.read_bytes().splitlines()
    assert "name" not in json.loads(first)
    assert torn == b'{"at": "torn'
    assert json.loads(last)["name"] == "bia"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_log_without_the_member_is_not_rewritten(tmp_path):
    path = tmp_path / "video_ranking.audit.jsonl"
    log = AuditLog(path)
    log.append(adjust(GUILD, CHEFE, "chefe", BIA, "bia"))
    before = os.stat(path).st_ino
    assert log.forget_names(GUILD, ANA) == 0
    assert os.stat(path).st_ino == before
    assert AuditLog(tmp_path / "missing.jsonl").forget_names(GUILD, ANA) == 0
