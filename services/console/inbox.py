"""What waits for the signed-in user, read from the services' lists (`/inbox`)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette

from services.console.upstream import collect, found, many
from services.sdk import AimsError, AsyncAimsClient, ServiceUnreachable

LIST = 500  # items per list read; an inbox is about what is open, not the whole history
EXPIRING = timedelta(days=30)
APPROVERS = {"approver", "admin"}
OVERSEERS = {"risk_officer", "admin"}  # see every overdue treatment, not only their own
COUNT_TTL = 15.0  # seconds a navigation-bar count is reused for the same user


@dataclass
class Section:
    """One kind of thing waiting, its items, or why it could not be read."""

    key: str
    title: str
    items: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    hidden: bool = False  # the user's roles may not read it


@dataclass
class Me:
    """The signed-in user as the pages see them."""

    sub: str
    roles: set[str]


async def _section(key: str, title: str, read: Callable[[], Awaitable[list[dict[str, Any]]]]
                   ) -> Section:  # fmt: skip
    """A section read by `read`; a 403 hides it, other failures are said in it."""
    try:
        return Section(key, title, await read())
    except AimsError as exc:
        if exc.status == 403:
            return Section(key, title, hidden=True)
        if exc.status == 401:
            raise
        return Section(key, title, error=f"{exc.service}: {exc.detail}")
    except ServiceUnreachable as exc:
        return Section(key, title, error=f"the {exc.service} service cannot be reached")
    except (KeyError, TypeError, ValueError) as exc:  # an answer not of the documented shape
        return Section(key, title, error=f"an unexpected answer ({type(exc).__name__}: {exc})")


async def _titles(aims: AsyncAimsClient, service: str, path: str, ids: set[str],
                  key: str = "title") -> dict[str, str]:  # fmt: skip
    """Titles of things by id, each read once (a missing one keeps its id)."""
    ordered = sorted(ids)
    docs = await many(found(aims.get(service, f"{path}/{i}")) for i in ordered)
    return {i: str((d or {}).get(key) or i) for i, d in zip(ordered, docs, strict=True)}


async def acceptances(aims: AsyncAimsClient, me: Me) -> list[dict[str, Any]]:
    """Acceptance requests waiting for a decision, not the ones I asked for."""
    if not me.roles & APPROVERS:
        return []
    pending = await collect(aims.pages("risk", "/v1/acceptances", page_size=LIST,
                                       status="requested"))  # fmt: skip
    pending = [a for a in pending if a.get("requested_by") != me.sub]
    titles = await _titles(aims, "risk", "/v1/risks", {str(a["risk_id"]) for a in pending})
    return [{"id": a["id"], "title": titles[str(a["risk_id"])], "href": f"/risks/{a['risk_id']}",
             "detail": a.get("justification", ""), "by": a.get("requested_by"),
             "level": a.get("level"), "due": a.get("expires_at"),
             "decide": f"/acceptances/{a['id']}/decide"} for a in pending]  # fmt: skip


def _excluded(approval: dict[str, Any], me: Me) -> bool:
    """Whether separation of duties keeps me from deciding this approval."""
    excluded = approval.get("excluded") or {}
    people = {p for names in excluded.values() if isinstance(names, list) for p in names}
    return me.sub in people or approval.get("requested_by") == me.sub


async def approvals(aims: AsyncAimsClient, me: Me) -> list[dict[str, Any]]:
    """Four-eyes changes waiting for a second person, in the risk and registry services."""
    out: list[dict[str, Any]] = []
    for service in ("risk", "registry"):
        waiting = await collect(aims.pages(service, "/v1/approvals", page_size=LIST,
                                           status="pending"))  # fmt: skip
        for a in waiting:
            if not _excluded(a, me):
                subject = a.get("subject") or {}
                href = str(subject.get("href") or "")
                doc = await found(aims.get(service, href)) if href.startswith("/v1/") else None
                name = (doc or {}).get("title") or (doc or {}).get("name") or subject.get("id")
                out.append({"id": a["approval_id"], "title": str(name),
                            "detail": f"{a.get('decision')}: {a.get('change')}",
                            "by": a.get("requested_by"), "reason": a.get("reason", ""),
                            "decide": f"/approvals/{service}/{a['approval_id']}/decide",
                            "comment_required_to_reject": True})  # fmt: skip
    return out


async def impact_assessments(aims: AsyncAimsClient, me: Me) -> list[dict[str, Any]]:
    """Impact assessments submitted for approval (not ones I wrote or submitted)."""
    if not me.roles & APPROVERS:
        return []
    found_ = await collect(aims.pages("risk", "/v1/impact-assessments", page_size=LIST,
                                      status="submitted"))  # fmt: skip
    mine = [i for i in found_ if i.get("author") != me.sub]
    names = await _titles(aims, "registry", "/v1/systems", {str(i["system_id"]) for i in mine},
                          key="name")  # fmt: skip
    return [{"id": i["id"], "title": f"Impact assessment of {names[str(i['system_id'])]}",
             "href": f"/impact-assessments/{i['id']}", "by": i.get("author"),
             "detail": f"severity {i.get('severity') or 'not stated'}",
             "decide": f"/impact-assessments/{i['id']}/decide", "approve_only": True}
            for i in mine]  # fmt: skip


async def nonconformities(aims: AsyncAimsClient, me: Me) -> list[dict[str, Any]]:
    """Open nonconformities I own, and open corrective actions I own, with due dates."""
    listed = await collect(aims.pages("evidence", "/v1/nonconformities", page_size=LIST))
    open_ = [n for n in listed if n.get("status") != "closed"]
    out = [{"id": n["id"], "title": n["title"], "href": f"/nonconformities/{n['id']}",
            "detail": f"nonconformity, {n.get('actions_open', 0)} action(s) open"}
           for n in open_ if n.get("owner") == me.sub]  # fmt: skip
    # No list of corrective actions by owner exists: read the open nonconformities' actions.
    details = await many(found(aims.get("evidence", f"/v1/nonconformities/{n['id']}"))
                         for n in open_[:100])  # fmt: skip
    for nc in filter(None, details):
        for act in nc.get("corrective_actions") or []:
            if act.get("owner") == me.sub and not act.get("completed"):
                out.append({"id": act["id"], "title": act["description"], "due": act.get("due"),
                            "href": f"/nonconformities/{nc['id']}",
                            "detail": f"corrective action of: {nc['title']}"})  # fmt: skip
    return out


async def overdue_treatments(aims: AsyncAimsClient, me: Me) -> list[dict[str, Any]]:
    """Treatments past their due date (mine; every one for risk officers and admins)."""
    owner = None if me.roles & OVERSEERS else me.sub
    late = await collect(aims.pages("risk", "/v1/treatments", page_size=LIST, overdue="true",
                                    owner=owner))  # fmt: skip
    titles = await _titles(aims, "risk", "/v1/risks", {str(t["risk_id"]) for t in late})
    return [{"id": t["id"], "title": titles[str(t["risk_id"])], "due": t.get("due"),
             "href": f"/risks/{t['risk_id']}", "by": t.get("owner"),
             "detail": f"treatment ({t.get('option')}): {t.get('plan')}"}
            for t in late]  # fmt: skip


async def expiring_evidence(aims: AsyncAimsClient, me: Me) -> list[dict[str, Any]]:
    """Current evidence whose validity ends within 30 days."""
    soon = await collect(aims.pages("evidence", "/v1/evidence", page_size=LIST,
                                    expires_within_days=EXPIRING.days))  # fmt: skip
    return [{"id": e["id"], "title": e["title"], "due": e.get("valid_until"),
             "href": f"/evidence/{e['id']}", "detail": e.get("kind", "")}
            for e in soon]  # fmt: skip


async def incident_deadlines(aims: AsyncAimsClient, me: Me) -> list[dict[str, Any]]:
    """Open AI incidents whose Art. 73 notification has not been sent yet."""
    items = await collect(aims.pages("evidence", "/v1/incidents", page_size=LIST))
    waiting = [i for i in items if i.get("status") != "closed" and not i.get("initial_notified_at")
               and i.get("notification_due_at")]  # fmt: skip
    return [{"id": i["id"], "title": i["title"], "due": i["notification_due_at"],
             "href": "/incidents", "overdue": i.get("overdue", False),
             "detail": f"{i.get('deadline_article', '')} {i.get('severity', '')}"}
            for i in waiting]  # fmt: skip


async def breaches(aims: AsyncAimsClient, me: Me) -> list[dict[str, Any]]:
    """Monitoring breaches not yet reviewed, of every system."""
    open_ = await collect(aims.pages("registry", "/v1/breaches", page_size=200, status="open"))
    names = await _titles(aims, "registry", "/v1/systems",
                          {str(b["system_id"]) for b in open_}, key="name")  # fmt: skip
    return [{"id": b["id"], "title": f"{names[str(b['system_id'])]}: {b.get('metric')}",
             "due": b.get("detected_at"), "href": f"/systems/{b['system_id']}",
             "detail": f"{b.get('crossings')} crossing(s)"} for b in open_]  # fmt: skip


async def my_requests(aims: AsyncAimsClient, me: Me) -> list[dict[str, Any]]:
    """What I asked for, with its status: acceptances, four-eyes changes, assessments."""
    asked = [a for a in await collect(aims.pages("risk", "/v1/acceptances", page_size=LIST))
             if a.get("requested_by") == me.sub]  # fmt: skip
    titles = await _titles(aims, "risk", "/v1/risks", {str(a["risk_id"]) for a in asked})
    out = [{"id": a["id"], "title": titles[str(a["risk_id"])], "status": a.get("status"),
            "href": f"/risks/{a['risk_id']}", "detail": "acceptance of the risk",
            "by": a.get("decided_by")} for a in asked]  # fmt: skip
    for service in ("risk", "registry"):
        for a in await collect(aims.pages(service, "/v1/approvals", page_size=LIST,
                                          requested_by=me.sub)):  # fmt: skip
            out.append({"id": a["approval_id"], "title": str(a.get("decision")),
                        "status": a.get("status"), "detail": str(a.get("change")),
                        "by": a.get("decided_by")})  # fmt: skip
    return out


READERS: list[tuple[str, str, Callable[[AsyncAimsClient, Me], Awaitable[list[dict[str, Any]]]]]] = [
    ("acceptances", "Acceptance requests waiting for my approval", acceptances),
    ("approvals", "Four-eyes changes waiting for a second person", approvals),
    ("impact", "Impact assessments submitted for approval", impact_assessments),
    ("nonconformities", "Nonconformities and corrective actions I own", nonconformities),
    ("treatments", "Treatments overdue", overdue_treatments),
    ("evidence", "Evidence expiring within 30 days", expiring_evidence),
    ("incidents", "Incidents with a notification deadline", incident_deadlines),
    ("breaches", "Monitoring breaches to review", breaches),
    ("mine", "My requests", my_requests),
]  # fmt: skip


async def inbox(aims: AsyncAimsClient, me: Me) -> list[Section]:
    """Every section of the user's inbox, read at once."""

    def reader(fn: Callable[[AsyncAimsClient, Me], Awaitable[list[dict[str, Any]]]]
               ) -> Callable[[], Awaitable[list[dict[str, Any]]]]:  # fmt: skip
        return lambda: fn(aims, me)

    return await many((_section(k, t, reader(fn)) for k, t, fn in READERS), at_once=4)


def waiting(sections: list[Section]) -> int:
    """How many things wait for the user (their own requests are not counted)."""
    return sum(len(s.items) for s in sections if s.key != "mine")


async def count(app: Starlette, aims: AsyncAimsClient, token: str, me: Me) -> int | None:
    """The navigation bar's count, reused for a few seconds; None when it cannot be read
    (AimsError 401 when the services refuse the token)."""
    cache: dict[str, tuple[float, int]] = app.state.inbox_counts
    hit = cache.get(token)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    try:
        n = waiting(await inbox(aims, me))
    except AimsError as exc:
        if exc.status == 401:
            raise  # a refused token: the page sends the user to sign in again
        return None
    except ServiceUnreachable:
        return None
    if len(cache) > 1000:  # one entry per signed-in user; forget them all now and then
        cache.clear()
    cache[token] = (time.monotonic() + COUNT_TTL, n)
    return n


def forget(app: Starlette, token: str) -> None:
    """Drop the user's cached count (after a write of theirs)."""
    app.state.inbox_counts.pop(token, None)
