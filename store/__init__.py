"""Persistence behind `database.py`: journal, snapshots, start-up recovery, file layout, audit log.

Blocking file I/O lives here; the store runs it off the event loop. Never imports `discord`.
"""
