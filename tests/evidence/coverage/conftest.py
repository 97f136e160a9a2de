"""Fixtures: the services as real processes (see tests/support/console.py)."""

from tests.support.console import module_stack

__all__ = ["module_stack"]
