"""Files a person downloads: a CSV of a list they see, with the one writer every domain uses.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab
or a carriage return) as a formula, so text people typed could run in the reader's
spreadsheet (CSV injection). Every such text cell gets a leading ``'`` (OWASP's rule), which
spreadsheets show as text and do not keep. Numbers and dates are written by us and left as
they are; dates as ISO dates, which every spreadsheet reads. UTF-8 with a byte order mark,
so that a spreadsheet opening the file does not guess another encoding.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from fastapi.responses import Response

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"


def cell(value: object) -> str:
    """One cell's text: nothing for None, an ISO date, a number as it is, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value.value if isinstance(value, Enum) else value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The whole file: the header, then one line per row (CRLF lines, as RFC 4180 has them)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def file_name(*parts: str, suffix: str, default: str = "export") -> str:
    """A file name safe in a header and on every file system: the parts' letters (accents
    dropped) and digits, lower case, joined by hyphens, at most 100 characters before
    ``suffix`` ("Bücher & Co", "actions" → "bucher-co-actions.csv")."""
    plain = unicodedata.normalize("NFKD", " ".join(parts)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:100].strip("-")
    return (slug or default) + suffix


def attachment(content: str | bytes, *, media_type: str, filename: str) -> Response:
    """A download (``Content-Disposition: attachment``) named ``filename``."""
    body = content.encode("utf-8") if isinstance(content, str) else content
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def csv_download(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, filename: str
) -> Response:
    return attachment(csv_text(header, rows), media_type=CSV_TYPE, filename=filename)
