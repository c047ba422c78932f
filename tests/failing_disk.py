"""A disk that fills up on demand, for the store's own modules (what simcord cannot model)."""

from __future__ import annotations

import errno
import os


class FailingOs:
    """`os` as the store's modules see it; writes and fsyncs fail with ENOSPC while `full`."""

    def __init__(self) -> None:
        self.full = False
        self.refused = 0

    def __getattr__(self, name: str):
        return getattr(os, name)

    def _check(self) -> None:
        if self.full:
            self.refused += 1
            raise OSError(errno.ENOSPC, "No space left on device")

    def write(self, fd: int, data) -> int:
        self._check()
        return os.write(fd, data)

    def fsync(self, fd: int) -> None:
        self._check()
        os.fsync(fd)
