"""Tests of `ui/`."""
