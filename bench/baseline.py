"""The original design, kept here as the baseline.

One JSON file holds every member's totals. Each camera event takes the file's
lock (portalocker), loads the whole file, changes one member and rewrites the
whole file atomically (temp file in the same folder, flush + fsync, `os.replace`).
Its cost grows with the number of members; this module exists to show by how much.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import portalocker


def write_original_file(path: Path, user_ids: list[int], seconds: list[int]) -> None:
    """Write a ranking in the original format (2-space indent), as the old bot left it."""
    parts = [
        f'  "{user}": {{\n    "total_seconds": {total},\n    "sessions": {1 + total // 3600}\n  }}'
        for user, total in zip(user_ids, seconds, strict=True)
    ]
    path.write_text("{\n" + ",\n".join(parts) + "\n}\n", encoding="utf-8")


class OriginalStore:
    """`update_video_time` of the original `database.py` / `database_lock.py`."""

    def __init__(self, path: Path) -> None:
        """Use the ranking at `path`, locked through a `.lock` file beside it."""
        self.path = path
        self.lock_path = path.with_name(f"{path.name}.lock")
        self.temp_path = path.with_name(f".{path.name}.tmp")

    def update_video_time(self, user_id: int, seconds: int) -> None:
        """Add one finished session to a member: lock, load all, change one, rewrite all."""
        with portalocker.Lock(self.lock_path, mode="a", flags=portalocker.LockFlags.EXCLUSIVE):
            data = json.loads(self.path.read_text(encoding="utf-8"))
            entry = data.setdefault(str(user_id), {"total_seconds": 0, "sessions": 0})
            entry["total_seconds"] += seconds
            entry["sessions"] += 1
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
            with self.temp_path.open("w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(self.temp_path, self.path)
