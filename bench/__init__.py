"""The benchmark: `python -m bench` (or `make bench`) prints one table.

It compares the original design (one JSON file, locked, read and rewritten whole
on every camera event) with the store (ledger in memory, one fsync'd journal line
per event, snapshots off the event loop), at 1k to 1M tracked members, and checks
the results against the targets the project set for itself. `--quick` runs the
same measurements at tiny sizes, as a smoke test.

Everything runs in temporary folders that are removed at the end.
"""
