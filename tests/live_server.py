"""The real gallery server on a free port, for browser tests: it lives in server/testing.py
(the benchmark uses it too); these names stay importable from here for the tests."""

from server.testing import LiveServer, free_port, wait_for_port

__all__ = ["LiveServer", "free_port", "wait_for_port"]
