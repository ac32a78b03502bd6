"""Which files are taken: the type is read from the content (its first bytes, and for Office
documents the zip's ``[Content_Types].xml``), never from the name or the declared type. A name
whose extension says another allowed type than the content is refused too (an HTML page named
``report.png``), and text that looks like markup (HTML, XML, SVG) is never plain text."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 8192
ALLOWED_TEXT = (
    "PDF, PNG, JPEG, GIF, WebP, plain text or CSV, Word, Excel or PowerPoint (.docx, .xlsx, .pptx)"
)

_OFFICE = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
# The extensions each type is known by: a name with one of these must have that content.
EXTENSIONS = {
    "application/pdf": {"pdf"},
    "image/png": {"png"},
    "image/jpeg": {"jpg", "jpeg"},
    "image/gif": {"gif"},
    "image/webp": {"webp"},
    "text/plain": {"txt", "text", "md"},
    "text/csv": {"csv"},
    **{kind: {ext} for kind, ext in zip(_OFFICE.values(), ("docx", "xlsx", "pptx"), strict=True)},
}
_KNOWN = {ext: kind for kind, exts in EXTENSIONS.items() for ext in exts}
LABELS = {
    "application/pdf": "a PDF document",
    "image/png": "a PNG image",
    "image/jpeg": "a JPEG image",
    "image/gif": "a GIF image",
    "image/webp": "a WebP image",
    "text/plain": "plain text",
    "text/csv": "a CSV file",
}
# What browsers sniff as markup (WHATWG MIME sniffing), after leading white space.
_MARKUP = re.compile(
    rb"^\s*<(?:!doctype|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|"
    rb"!--|\?xml|svg)[\s>/]",
    re.IGNORECASE,
)


class Refused(Exception):
    """The file is not of an allowed type; ``str(self)`` says why, for the person."""


@dataclass(frozen=True)
class TextCheck:
    """What the upload saw while the file streamed in: valid UTF-8 without NUL bytes."""

    utf8: bool
    nul: bool


def content_type(path: Path, head: bytes, text: TextCheck, file_name: str) -> str:
    """The checked type of the file at ``path`` (``head``: its first bytes), or ``Refused``."""
    kind = _sniff(path, head, text)
    if kind is None:
        raise Refused(f"This type of file is not allowed. Allowed: {ALLOWED_TEXT}.")
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    named = _KNOWN.get(extension)
    if kind == "text/plain" and named == "text/csv":
        return "text/csv"
    if named is not None and named != kind:
        said = LABELS.get(named, f"a .{extension} file")
        raise Refused(f"The file is named .{extension} but its content is not {said}.")
    return kind


def _sniff(path: Path, head: bytes, text: TextCheck) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return _office(path)
    if text.utf8 and not text.nul and head and not _MARKUP.match(head.lstrip(b"\xef\xbb\xbf")):
        return "text/plain"
    return None


def _office(path: Path) -> str | None:
    """An Office Open XML document: a zip whose ``[Content_Types].xml`` names its main part."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1024 * 1024:
                return None
            types = archive.read(info).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    for main, kind in _OFFICE.items():
        if f'ContentType="{main}"' in types:
            return kind
    return None
