"""Streaming multipart parsing: the file goes to the blob store as it arrives, never to memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from services.evidence.records.blobs import BlobStore, BlobWriter
from shared.http.problems import Problem

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MAX_FIELDS, MAX_FIELD_BYTES = 200, 64 * 1024
LIST_FIELDS = ("system_ids", "control_ids", "risk_ids")


@dataclass
class Upload:
    """The parsed form: text fields (lists for repeated names) and the stored file."""

    fields: dict[str, list[str]]
    sha256: str | None = None
    size: int = 0
    media_type: str | None = None
    filename: str | None = None
    writer: BlobWriter | None = None

    def commit(self) -> None:
        """Put the file in place (after the fields were found valid); settle or refuse next."""
        if self.writer is None:
            raise RuntimeError("the upload has no file to keep")
        self.writer.commit()

    def discard(self) -> None:
        if self.writer is not None:
            self.writer.discard()


@dataclass
class _Parser:
    blobs: BlobStore
    upload: Upload = field(default_factory=lambda: Upload({}))
    writer: BlobWriter | None = None
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header: bytes = b""
    value: bytes = b""
    name: str = ""
    buffer: bytearray = field(default_factory=bytearray)
    in_file: bool = False

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.part_begin, "on_header_field": self.header_field,
            "on_header_value": self.header_value, "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished, "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }  # fmt: skip

    def part_begin(self) -> None:
        self.headers, self.buffer, self.in_file = {}, bytearray(), False

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.header.lower()] = self.value
        self.header, self.value = b"", b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            if self.name != "file" or self.writer is not None:
                raise Problem(422, "send exactly one file, in the form field 'file'",
                              code="invalid_upload")  # fmt: skip
            self.in_file, self.writer = True, self.blobs.writer()
            self.upload.filename = options[b"filename"].decode("utf-8", "replace")[-255:] or None
            media = self.headers.get(b"content-type", b"application/octet-stream").decode()
            self.upload.media_type = media[:200]
        elif sum(map(len, self.upload.fields.values())) >= MAX_FIELDS:
            raise Problem(422, f"at most {MAX_FIELDS} form fields", code="invalid_upload")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file and self.writer is not None:  # in_file: the writer was just opened
            self.writer.write(data[start:end])
            return
        self.buffer += data[start:end]
        if len(self.buffer) > MAX_FIELD_BYTES:
            raise Problem(422, f"form field {self.name!r} is too long", code="invalid_upload")

    def part_end(self) -> None:
        if not self.in_file:
            text = self.buffer.decode("utf-8", "replace")
            self.upload.fields.setdefault(self.name, []).append(text)


async def receive_upload(request: Request, blobs: BlobStore) -> Upload:
    """Parse a multipart body, storing its file content-addressed as it streams in."""
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise Problem(415, "multipart/form-data needs a boundary", code="unsupported_media")
    state = _Parser(blobs)
    parser = MultipartParser(boundary, callbacks=state.callbacks())
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        if state.writer is None:
            raise Problem(422, "the upload has no file (form field 'file')", code="invalid_upload")
        state.writer.finish()
        state.upload.size, state.upload.writer = state.writer.size, state.writer
        state.upload.sha256 = state.writer.hexdigest
    except BaseException:
        if state.writer is not None:
            state.writer.discard()
        raise
    return state.upload


def form_values(fields: dict[str, list[str]]) -> dict[str, object]:
    """Form fields as a JSON-like dict: list fields repeat or hold a JSON/comma list."""
    import json

    values: dict[str, object] = {}
    for name, found in fields.items():
        if name in LIST_FIELDS:
            items: list[object] = []
            for raw in found:
                raw = raw.strip()
                if raw.startswith("["):
                    try:
                        items.extend(json.loads(raw))
                    except ValueError:
                        items.append(raw)
                else:
                    items.extend(p.strip() for p in raw.split(",") if p.strip())
            values[name] = items
        else:
            values[name] = found[-1] if len(found) == 1 else found
    return values
