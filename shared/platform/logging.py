"""structlog JSON logs; request and correlation ids ride along via contextvars."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_REDACT = ("authorization", "token", "secret", "password", "signature", "content")


def _redact(_: object, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for k in list(event):
        if any(word in k.lower() for word in _REDACT):
            event[k] = "[redacted]"
    return event


def configure(level: str = "INFO", json: bool = True) -> None:
    """Configure structlog and the standard library to write one JSON object per line."""
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")
    for noisy in ("uvicorn.access", "pgserver", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
