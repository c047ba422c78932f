"""How `!auditoriavideo` shows an audit log entry.

A member who erased their data is never named: their erasure reads "um membro", and
entries that named them read `texts.ERASED_MEMBER` in the name's place.
"""

from __future__ import annotations

from datetime import datetime

from database import AuditEntry
from ui import texts
from utils import escape_name, format_seconds_to_time, truncate_string


def audit_line(entry: AuditEntry) -> str:
    """How `!auditoriavideo` shows an entry (Discord renders the time in the reader's zone)."""
    stamp = int(datetime.fromisoformat(entry.at).timestamp())
    admin = escape_name(entry.admin_name or texts.ERASED_MEMBER)
    target = escape_name(entry.user_name or texts.ERASED_MEMBER)
    if entry.action == "erase":
        line = texts.AUDIT_ERASE.format(ts=stamp)
    elif entry.action == "config":
        setting = texts.SETTING_NAMES.get(entry.setting or "", entry.setting or "?")
        line = texts.AUDIT_SETTING.format(
            ts=stamp, admin=admin, setting=setting, change=escape_name(entry.change or "")
        )
    elif entry.action == "adjust":
        applied = entry.applied if entry.applied is not None else entry.seconds or 0
        sign = "+" if applied >= 0 else "-"
        line = texts.AUDIT_ADJUST.format(
            ts=stamp,
            admin=admin,
            target=target,
            change=f"{sign}{format_seconds_to_time(abs(applied))}",
        )
    elif entry.user_id is None:
        line = texts.AUDIT_RESET_ALL.format(ts=stamp, admin=admin)
    else:
        line = texts.AUDIT_RESET_MEMBER.format(ts=stamp, admin=admin, target=target)
    if entry.reason:
        line += "\n" + texts.AUDIT_REASON.format(
            reason=escape_name(truncate_string(entry.reason, 200))
        )
    return line
