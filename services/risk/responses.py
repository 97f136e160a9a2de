"""What the risk routes answer besides their 2xx: documented problems and the write reply.

The "unchanged: the resource, else the write response" helper is `shared.http.deps.saved`.
"""

from __future__ import annotations

from typing import Any

Documented = dict[int | str, dict[str, Any]]

BAD_LIST: Documented = {
    400: {"description": "a cursor this API did not return, or a min_position past the log"}
}
PENDING: Documented = {
    202: {
        "description": "the change lowers protection: it waits for an approver (the body is"
        " the approval, `Location` its address)"
    }
}
NOT_FOUND: Documented = {404: {"description": "no such resource (or none yet at `as_of`)"}}
CONFLICT: Documented = {409: {"description": "the command does not fit the current state"}}
FORBIDDEN: Documented = {
    403: {"description": "the caller may not do this (role, ownership, separation of duties)"}
}
STALE: Documented = {412: {"description": "If-Match names a version the resource is no longer at"}}
INVALID: Documented = {
    422: {"description": "the request breaks the schema or a rule it cannot express"}
}


def documented(*parts: Documented) -> Documented:
    """The union of documented responses, for a route's `responses=`."""
    return {code: doc for part in parts for code, doc in part.items()}


READ_ONE = documented(NOT_FOUND, INVALID)
LIST = documented(BAD_LIST, INVALID)
CREATE = documented(CONFLICT, INVALID)
WRITE = documented(CONFLICT, STALE, INVALID)
CHANGE = documented(NOT_FOUND, CONFLICT, STALE, INVALID)
# A change that may wait for an approver (202) and that separation of duties may refuse.
GUARDED = documented(PENDING, FORBIDDEN, NOT_FOUND, CONFLICT, STALE, INVALID)
DECIDE = documented(FORBIDDEN, NOT_FOUND, CONFLICT, INVALID)
