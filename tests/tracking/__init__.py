"""Tests of `tracking/`."""
