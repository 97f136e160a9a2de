"""A test that has not finished after a while is reported with what it waits on.

pytest-timeout fails a test that runs past its limit; a little before that, this plugin
writes every thread's stack and every asyncio task's await chain to stderr, which pytest
shows with the failure. A hang then names its cause instead of only its test.
"""

from __future__ import annotations

import asyncio
import faulthandler
import sys
import threading
import types
from collections.abc import Iterator
from typing import Any

import pytest


def _await_chain(task: asyncio.Task[Any]) -> list[str]:
    lines: list[str] = []
    awaitable: Any = task.get_coro()
    while awaitable is not None and len(lines) < 50:
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "gi_frame", None)
        if isinstance(frame, types.FrameType):
            code = frame.f_code
            lines.append(f"    {code.co_filename}:{frame.f_lineno} in {code.co_name}")
        else:
            lines.append(f"    {awaitable!r}")
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "gi_yieldfrom", None)
    return lines


def _tasks() -> list[asyncio.Task[Any]]:
    registry: Any = getattr(asyncio.tasks, "_all_tasks", None) or getattr(
        asyncio.tasks, "_scheduled_tasks", ()
    )
    for _ in range(5):
        try:
            return [t for t in list(registry) if not t.done()]
        except RuntimeError:  # the set changed while it was copied
            continue
    return []


def dump(nodeid: str) -> None:
    out = sys.stderr
    out.write(f"\n==== {nodeid} is still running: threads and asyncio tasks ====\n")
    faulthandler.dump_traceback(file=out, all_threads=True)
    for task in _tasks():
        out.write(f"  task {task.get_name()} {task.get_coro()!r}\n")
        out.write("\n".join(_await_chain(task)) + "\n")
    out.flush()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    limit = item.config.getini("timeout")
    seconds = float(limit or 0)
    timer = None
    if seconds > 60:
        timer = threading.Timer(seconds - 30, dump, args=(item.nodeid,))
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
