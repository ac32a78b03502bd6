"""Reading a PDF answer back as text (pypdf), for the tests of the plan's PDF and the sweeps
that read every answer a client gets."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

from pypdf import PdfReader

PDF = "application/pdf"


def pages(content: bytes) -> list[str]:
    """The text of every page, its whitespace made single spaces."""
    assert content.startswith(b"%PDF-"), content[:40]
    reader = PdfReader(io.BytesIO(content))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def text(content: bytes) -> str:
    """Every page's text and the document's metadata (title, author...)."""
    reader = PdfReader(io.BytesIO(content))
    metadata = [str(value) for value in (reader.metadata or {}).values()]
    return "\n".join([*metadata, *pages(content)])


def answer_text(headers: Mapping[str, str], body: str, content: bytes) -> str:
    """What a person reads of an answer: a PDF's text, otherwise the body as it is."""
    if headers.get("content-type", "").startswith(PDF):
        return text(content)
    return body
