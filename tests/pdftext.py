"""Reading a PDF answer back as text (pypdf), for the tests of the plan's PDF and the sweeps
that read every answer a client gets."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Mapping

from pypdf import PdfReader

PDF = "application/pdf"


def pages(content: bytes) -> list[str]:
    """The text of every page, its whitespace made single spaces."""
    return list(_read(content)[1])


def text(content: bytes) -> str:
    """Every page's text and the document's metadata (title, author...)."""
    metadata, texts = _read(content)
    return "\n".join([*metadata, *texts])


@functools.lru_cache(maxsize=32)
def _read(content: bytes) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The metadata's values and the pages' texts of one document, read once: the sweeps get
    the same bytes again (the same PDF asked with and without htmx), and reading a plan's PDF
    back costs about 0.1 s."""
    assert content.startswith(b"%PDF-"), content[:40]
    reader = PdfReader(io.BytesIO(content))
    metadata = tuple(str(value) for value in (reader.metadata or {}).values())
    texts = tuple(re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages)
    return metadata, texts


def answer_text(headers: Mapping[str, str], body: str, content: bytes) -> str:
    """What a person reads of an answer: a PDF's text, otherwise the body as it is."""
    if headers.get("content-type", "").startswith(PDF):
        return text(content)
    return body
