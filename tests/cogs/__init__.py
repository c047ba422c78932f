"""Tests of `cogs/`."""
