"""A stand-in Discord for subprocess tests (see sitecustomize.py)."""
