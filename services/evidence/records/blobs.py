"""Content-addressed storage of uploaded evidence: `<blob_dir>/<sha256>`, written atomically.

Directories are 0700 and blobs 0400: only the service's user reads them, nobody edits
them. A blob is put in place before its event is appended (so a recorded event never
names a missing file), which means a refused event must take its blob back out, unless
another evidence record names the same bytes. Two uploads of the same bytes can race
(one refused, one recorded), so the rule is: every request keeps its own temporary copy
until its event is settled. A refused request that created the blob moves it aside
*first* and only then asks the log whether anyone references it (restoring it if so);
a recorded request puts its own copy back if the blob is missing when it settles. In
every interleaving the blob of a committed event ends up in place.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from shared.http.problems import Problem

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
DIR_MODE, FILE_MODE = 0o700, 0o400


class BlobStore:
    """Files named by the sha256 of their bytes; the same bytes are stored once."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root, self.max_bytes = root, max_bytes

    def path(self, sha256: str) -> Path | None:
        """Where the blob lives, or None when it is not stored here."""
        if not _SHA256.match(sha256):
            return None
        path = self.root / sha256
        return path if path.is_file() else None

    def writer(self) -> BlobWriter:
        for d in (self.root, self.root / "tmp"):
            d.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            os.chmod(d, DIR_MODE)  # also tightens a directory made before (or by umask)
        return BlobWriter(self)


class BlobWriter:
    """Streams bytes to a temporary file while hashing; `commit` puts the blob in place."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        fd, name = tempfile.mkstemp(dir=store.root / "tmp", prefix="upload-")
        self._file, self._tmp = os.fdopen(fd, "wb"), Path(name)
        self._hash, self.size = hashlib.sha256(), 0
        self.created = False  # whether `commit` created the blob (rather than found it)

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.store.max_bytes:
            raise Problem(413, f"the file exceeds the upload limit of {self.store.max_bytes} bytes",
                          code="too_large", limit=self.store.max_bytes)  # fmt: skip
        self._hash.update(chunk)
        self._file.write(chunk)

    @property
    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def finish(self) -> None:
        """All bytes received: flush them to disk (read-only from now on)."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.chmod(self._tmp, FILE_MODE)

    @property
    def _target(self) -> Path:
        return self.store.root / self.hexdigest

    def commit(self) -> str:
        """Put the blob in place under its hash (after `finish`); returns the hex sha256.

        The temporary copy stays until `settle` or `refuse`.
        """
        try:
            os.link(self._tmp, self._target)
            self.created = True
        except FileExistsError:
            pass  # the same bytes are already stored
        return self.hexdigest

    def settle(self) -> None:
        """The event was recorded: make sure its blob is in place; drop the copy."""
        if self._tmp.exists() and not self._target.exists():
            os.replace(self._tmp, self._target)  # a refused twin moved it aside meanwhile
        self._tmp.unlink(missing_ok=True)

    async def refuse(self, referenced: Callable[[str], Awaitable[bool]]) -> None:
        """The event was refused: take back a blob this request created, unless referenced."""
        try:
            if self.created:
                await self._take_back(referenced)
        finally:
            self.discard()

    async def _take_back(self, referenced: Callable[[str], Awaitable[bool]]) -> None:
        aside = self._tmp.with_name(self._tmp.name + ".aside")
        try:
            os.replace(self._target, aside)  # aside first, then ask the log (see above)
        except FileNotFoundError:
            return
        keep = True  # when the log cannot be asked, an orphan beats a missing blob
        try:
            keep = await referenced(self.hexdigest)
        finally:
            if keep and not self._target.exists():
                os.replace(aside, self._target)
            aside.unlink(missing_ok=True)

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._tmp.unlink(missing_ok=True)
