"""Reading an upload as it streams in: the multipart body is parsed a chunk at a time
(python-multipart's streaming parser), the file part written to a temporary file while it is
hashed (SHA-256), counted and checked for text; past the size limit reading stops at once
(``TooLarge``: 413), before the rest of the body is even received.

Nothing is buffered whole: neither by Starlette (the route reads ``request.stream()``, and the
security middleware leaves such a body alone, ``app.web.security.STREAMED_FORMS``) nor here.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

from app.attachments.kinds import HEAD_BYTES, TextCheck

# Bytes fed to the parser at a time: however large a chunk the server hands over, no more
# than this passes the limit before reading stops.
SLICE = 64 * 1024
# What a form's other fields (its CSRF token) and the parts' headers may add to the body.
FORM_ALLOWANCE = 64 * 1024
FIELD_LIMIT = 4096
FILE_FIELD = "file"


class TooLarge(Exception):
    """The file is larger than the limit (or the body says so before it is read)."""


class BadUpload(Exception):
    """The form is not one file with its fields; ``str(self)`` says what is wrong."""


def megabytes(size: int) -> str:
    """A limit as people read it: "25 MB"."""
    value = size / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 1 else f"{size / 1024:.0f} KB"


def file_size(size: int) -> str:
    """A file's size as people read it: "2.4 MB", "12 KB", "80 bytes"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


class Spool:
    """The file part on its way in: a temporary file, its SHA-256, its size, its first bytes,
    and whether it is UTF-8 text without NUL bytes so far."""

    def __init__(self, limit: int, directory: str | None = None) -> None:
        handle, name = tempfile.mkstemp(prefix="jp-upload-", dir=directory)
        self.path = Path(name)
        self.file = os.fdopen(handle, "wb")
        self.limit = limit
        self.size = 0
        self.hash = hashlib.sha256()
        self.head = b""
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.utf8 = True
        self.nul = False

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge()
        self.hash.update(data)
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self.nul = self.nul or b"\x00" in data
        if self.utf8:
            try:
                self.decoder.decode(data)
            except UnicodeDecodeError:
                self.utf8 = False
        self.file.write(data)

    def close(self) -> TextCheck:
        self.file.close()
        if self.utf8:
            try:
                self.decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8 = False
        return TextCheck(utf8=self.utf8, nul=self.nul)

    def discard(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


@dataclass
class Received:
    """The file as received: where it is (a temporary file, the caller removes it), its name
    as the person's computer called it, size, SHA-256, first bytes and text check."""

    path: Path
    file_name: str
    size: int
    sha256: str
    head: bytes
    text: TextCheck

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    file_name: str | None = None
    value: bytearray = field(default_factory=bytearray)


class UploadReader:
    """Feed it the body's chunks (``feed``), then ``finish``. ``check_fields(fields)`` is
    called with the fields read so far when the file part begins, before any of its bytes is
    kept: the CSRF check of a form that comes as a stream."""

    def __init__(
        self,
        boundary: bytes,
        *,
        limit: int,
        check_fields: Callable[[dict[str, str]], None],
        directory: str | None = None,
    ) -> None:
        self.limit = limit
        self.check_fields = check_fields
        self.directory = directory
        self.received = 0
        self.fields: dict[str, str] = {}
        self.spool: Spool | None = None
        self.file_name = ""
        self.part = _Part()
        self._field_name: list[bytes] = []
        self._field_value: list[bytes] = []
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": lambda d, s, e: self._field_name.append(d[s:e]),
                "on_header_value": lambda d, s, e: self._field_value.append(d[s:e]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._data,
                "on_part_end": self._end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        for start in range(0, len(chunk), SLICE):
            piece = chunk[start : start + SLICE]
            self.received += len(piece)
            if self.received > self.limit + FORM_ALLOWANCE:
                raise TooLarge()
            self.parser.write(piece)

    def finish(self) -> Received:
        self.parser.finalize()
        spool = self.spool
        if spool is None:
            raise BadUpload("Choose a file to upload.")
        text = spool.close()
        if spool.size == 0:
            spool.discard()
            raise BadUpload("The file is empty." if self.file_name else "Choose a file to upload.")
        return Received(
            path=spool.path,
            file_name=self.file_name,
            size=spool.size,
            sha256=spool.hash.hexdigest(),
            head=spool.head,
            text=text,
        )

    def discard(self) -> None:
        if self.spool is not None:
            self.spool.discard()

    def _begin(self) -> None:
        self.part = _Part()

    def _header_end(self) -> None:
        name = b"".join(self._field_name).lower()
        self.part.headers[name] = b"".join(self._field_value).strip(b" \t")
        self._field_name.clear()
        self._field_value.clear()

    def _headers_finished(self) -> None:
        _disposition, options = parse_options_header(self.part.headers.get(b"content-disposition"))
        self.part.name = options.get(b"name", b"").decode("utf-8", errors="replace")
        raw_name = options.get(b"filename")
        if raw_name is None:
            return
        if self.part.name != FILE_FIELD or self.spool is not None:
            raise BadUpload("Send one file at a time.")
        self.check_fields(self.fields)
        self.part.file_name = raw_name.decode("utf-8", errors="replace")
        self.file_name = self.part.file_name
        self.spool = Spool(self.limit, self.directory)

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.part.file_name is not None:
            assert self.spool is not None
            self.spool.write(data[start:end])
            return
        self.part.value += data[start:end]
        if len(self.part.value) > FIELD_LIMIT:
            raise BadUpload("A field of the form is too long.")

    def _end(self) -> None:
        if self.part.file_name is None and self.part.name:
            self.fields[self.part.name] = bytes(self.part.value).decode("utf-8", errors="replace")
