"""Fixtures: the services as real processes, for the demo (see tests/support/console.py)."""

from tests.support.console import stack

__all__ = ["stack"]
