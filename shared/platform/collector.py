"""The cycle collector tuned for processes that make many short-lived objects.

A request or a fold allocates thousands of objects that reference counting frees; with
the default thresholds (a pass per 700 new objects) the collector runs many times per
request or batch, and its older passes walk every object the imports and the app made at
start (7% of the registry's CPU under gate decisions, a third of a fold's, profiled).
`collect_less` freezes what exists out of the passes and makes the youngest generation's
pass come per `threshold` new objects, so cyclic garbage stays bounded by that; the older
generations keep their default ratios, so a full pass still comes now and then.
"""

from __future__ import annotations

import gc

Thresholds = tuple[int, int, int]


def collect_less(threshold: int) -> Thresholds:
    """Freeze the objects alive now out of the collector's passes and collect the youngest
    generation per `threshold` new objects; returns the thresholds before."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(threshold, 10, 10)
    return before


def collect_as_before(before: Thresholds) -> None:
    """Undo `collect_less`: the thresholds `before`, and no object frozen."""
    gc.set_threshold(*before)
    gc.unfreeze()
