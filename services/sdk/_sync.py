"""`AimsClient`: the async client run on a private event loop, for blocking code.

The loop runs on a daemon thread of its own, so the blocking client works anywhere, even
inside a program that already runs an event loop. Each method below is derived from its
async twin by `_blocking` (or `_iterating` for lists): same parameters, same answer.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, Concatenate, ParamSpec, TypeVar, Unpack

from services.sdk._async import AsyncAimsClient, Options

P = ParamSpec("P")
T = TypeVar("T")


class _Portal:
    """An event loop on a daemon thread; blocking code hands it coroutines and waits."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="aims-sdk", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the loop; its result (or exception) once it is done."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()  # e.g. Ctrl-C while waiting: do not leave the call running
            raise

    def iterate(self, items: AsyncIterator[T]) -> Iterator[T]:
        """The items of an async iterator, one step on the loop each."""
        try:
            while step := self.run(_step(items)):
                yield step[0]
        finally:
            aclose = getattr(items, "aclose", None)
            if aclose is not None:
                self.run(aclose())

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


async def _step(items: AsyncIterator[T]) -> list[T]:
    """The next item as a list of one; [] at the end."""
    try:
        return [await anext(items)]
    except StopAsyncIteration:
        return []


def _blocking(
    method: Callable[Concatenate[AsyncAimsClient, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[AimsClient, P], T]:
    """The blocking twin of an async method."""

    @functools.wraps(method)
    def call(self: AimsClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._portal.run(method(self._client, *args, **kwargs))

    return call


def _iterating(
    method: Callable[Concatenate[AsyncAimsClient, P], AsyncIterator[T]],
) -> Callable[Concatenate[AimsClient, P], Iterator[T]]:
    """The blocking twin of an async method that yields items."""

    @functools.wraps(method)
    def call(self: AimsClient, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        return self._portal.iterate(method(self._client, *args, **kwargs))

    return call


class AimsClient:
    """Blocking client with the methods of `AsyncAimsClient`."""

    def __init__(
        self, token: str, urls: dict[str, str] | None = None, **options: Unpack[Options]
    ) -> None:
        self._portal = _Portal()
        self._client = AsyncAimsClient(token, urls, **options)
        self._owner = True

    def with_token(self, token: str) -> AimsClient:
        """The same client acting for another token, on the same connections and loop."""
        other = AimsClient.__new__(AimsClient)
        other._portal, other._owner = self._portal, False
        other._client = self._client.with_token(token)
        return other

    def __enter__(self) -> AimsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and stop the loop (a `with_token` client leaves them)."""
        if self._owner:
            self._portal.run(self._client.close())
            self._portal.stop()

    @property
    def position(self) -> int:
        """The highest log position any answer reported (pass it as `min_position`)."""
        return self._client.position

    request = _blocking(AsyncAimsClient.request)
    get = _blocking(AsyncAimsClient.get)
    post = _blocking(AsyncAimsClient.post)
    put = _blocking(AsyncAimsClient.put)
    patch = _blocking(AsyncAimsClient.patch)
    pages = _iterating(AsyncAimsClient.pages)
    caught_up = _blocking(AsyncAimsClient.caught_up)
    register_system = _blocking(AsyncAimsClient.register_system)
    get_system = _blocking(AsyncAimsClient.get_system)
    register_model_version = _blocking(AsyncAimsClient.register_model_version)
    decide = _blocking(AsyncAimsClient.decide)
    record_deployment = _blocking(AsyncAimsClient.record_deployment)
    upload_evidence = _blocking(AsyncAimsClient.upload_evidence)
    systems = _iterating(AsyncAimsClient.systems)
    system_history = _iterating(AsyncAimsClient.system_history)
    risks = _iterating(AsyncAimsClient.risks)
    soa = _blocking(AsyncAimsClient.soa)
    deployment_decision = _blocking(AsyncAimsClient.deployment_decision)
    audit_trail_page = _blocking(AsyncAimsClient.audit_trail_page)
    audit_trail = _iterating(AsyncAimsClient.audit_trail)
    integrity = _blocking(AsyncAimsClient.integrity)
    export_audit_pack = _blocking(AsyncAimsClient.export_audit_pack)
