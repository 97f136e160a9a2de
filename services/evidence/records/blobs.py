"""Content-addressed storage of uploaded evidence: `<blob_dir>/<sha256>`, written atomically."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from shared.http.problems import Problem

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


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
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        return BlobWriter(self)


class BlobWriter:
    """Streams bytes to a temporary file while hashing; `commit` renames it into place."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        fd, name = tempfile.mkstemp(dir=store.root / "tmp", prefix="upload-")
        self._file, self._tmp = os.fdopen(fd, "wb"), Path(name)
        self._hash, self.size = hashlib.sha256(), 0

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
        """All bytes received: flush them to disk."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def commit(self) -> str:
        """Keep the blob under its hash (after `finish`); returns the hex sha256."""
        digest = self.hexdigest
        target = self.store.root / digest
        if target.exists():  # same bytes already stored
            self._tmp.unlink(missing_ok=True)
        else:
            os.replace(self._tmp, target)
            os.chmod(target, 0o444)
        return digest

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._tmp.unlink(missing_ok=True)
