"""Reading an uploaded table (CSV or XLSX) into rows of text, within limits.

Nothing here knows what the rows mean: a domain names its columns (``Column``), and gets each
data row's text by column name, with the row's number as the person sees it in their
spreadsheet (the header is row 1). Every cell is text: a cell that looks like a formula
(``=SUM(A1:A3)``) is kept as the text it is, never evaluated; an XLSX is opened read-only and
its formulas are read as they were written, not as their last computed value. Its XML is
parsed through defusedxml (openpyxl uses it when it is installed, and it is a dependency): a
workbook with a DTD, an entity ("billion laughs") or an external entity is refused, with a
message, before anything in it is expanded or fetched.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook

MAX_BYTES = 2 * 1024 * 1024  # 2 MB
MAX_ROWS = 2000  # data rows, not counting the header
MAX_COLUMNS = 30  # columns read; the rest of a wide sheet is ignored
MAX_CELL = 4000  # characters kept of one cell (the checks then refuse what is too long)
MAX_LINES = 10 * MAX_ROWS  # lines read, blank ones included
MAX_UNPACKED = 40 * 1024 * 1024  # an XLSX's parts once unzipped (a small zip can unpack huge)
XLSX_MAGIC = b"PK\x03\x04"
CSV_TYPE = "text/csv"
DELIMITERS = (",", ";", "\t")  # the first is the default
UNREADABLE_XLSX = (
    "This file cannot be read as an Excel workbook (.xlsx). Save it again as .xlsx or "
    "as CSV UTF-8, then upload it again."
)
UNSAFE_XML = (
    "This workbook holds XML that is never read here (a document type or entity "
    "declaration, which Excel does not write). Save it again from Excel as .xlsx, or as CSV "
    "UTF-8, then upload it again."
)


class TableProblem(Exception):
    """Why the file as a whole cannot be read, phrased for the person who uploaded it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    """A column a domain reads: its field name, the header it is known by (as the template
    writes it) and other headers people use for it."""

    name: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet numbers it (the header is row 1)
    values: dict[str, str]


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)


def header_key(text: str) -> str:
    """A header as compared: case-folded, with only its letters and digits ("Lead's E-mail"
    and "lead email" are the same)."""
    return "".join(c for c in text.casefold() if c.isalnum())


def size_problem(size: int) -> str:
    if size == 0:
        return "The file is empty. Choose the file with your rows (CSV or XLSX)."
    if size > MAX_BYTES:
        return (
            f"The file is {size / 1024 / 1024:.1f} MB; at most {MAX_BYTES // 1024 // 1024} MB "
            f"can be imported at once. Split it into files of at most {MAX_ROWS:,} rows."
        )
    return ""


def read_table(data: bytes, file_name: str, columns: Sequence[Column]) -> Table:
    """The data rows of the file (CSV in UTF-8, with or without BOM, or XLSX), by column name.
    Raises ``TableProblem`` for a file that cannot be read, is too large, has too many rows or
    lacks a required column."""
    problem = size_problem(len(data))
    if problem:
        raise TableProblem(problem)
    if data.startswith(XLSX_MAGIC):
        lines = _xlsx_lines(data)
    elif file_name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise TableProblem(
            "This file is not an Excel workbook (.xlsx) that can be read. Save it as .xlsx "
            "or as CSV UTF-8, then upload it again."
        )
    else:
        lines = _csv_lines(data)
    return _table(lines, columns)


def _csv_lines(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableProblem(
            "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” (or as "
            ".xlsx), then upload it again."
        ) from None
    if "\x00" in text:
        raise TableProblem("This is not a CSV file. Upload a CSV (UTF-8) or an XLSX file.")
    # Spreadsheets in some locales separate with ";" (or a tab): the header line tells.
    header = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=header.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise TableProblem(f"The CSV file cannot be read: {error}.") from None


def _xlsx_lines(data: bytes) -> Iterator[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as parts:
            unpacked = sum(part.file_size for part in parts.infolist())
        if unpacked > MAX_UNPACKED:
            raise TableProblem(
                "This workbook is too large once unpacked. Keep only the sheet with the rows "
                "to import (the first sheet is read), or save it as CSV UTF-8."
            )
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise TableProblem(UNSAFE_XML if _refused_xml(exc) else UNREADABLE_XLSX) from None
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield [_cell_text(value) for value in values]
    except ValueError as exc:  # the sheet is parsed while it is read
        raise TableProblem(UNSAFE_XML if _refused_xml(exc) else UNREADABLE_XLSX) from None
    finally:
        workbook.close()


def _refused_xml(exc: BaseException) -> bool:
    """Whether defusedxml (which openpyxl parses with when it is installed: a dependency)
    refused the workbook's XML: a DTD, an entity (an "XML bomb"), an external reference."""
    cause: BaseException | None = exc  # openpyxl raises its own error "from" defusedxml's
    while cause is not None:
        if type(cause).__module__.split(".")[0] == "defusedxml":
            return True
        cause = cause.__cause__
    return False


def _cell_text(value: object) -> str:
    """A cell as the text it shows: a formula as written, a whole number without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _table(lines: Iterable[list[str]], columns: Sequence[Column]) -> Table:
    table = Table()
    where: dict[str, int] | None = None
    for number, cells in enumerate(lines, start=1):
        if number > MAX_LINES:
            raise TableProblem(
                f"The file has more than {MAX_LINES:,} lines (blank ones included). Remove "
                "the empty lines, or split it into several files."
            )
        cells = [cell[:MAX_CELL] for cell in cells[:MAX_COLUMNS]]
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (a spreadsheet's empty rows) are not rows
        if where is None:
            where = match_columns(cells, columns)
            continue
        if len(table.rows) == MAX_ROWS:
            raise TableProblem(
                f"The file has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} can be "
                "imported at once. Split it into several files."
            )
        values = {name: cells[i].strip() if i < len(cells) else "" for name, i in where.items()}
        table.rows.append(Row(number, values))
    if where is None or not table.rows:
        raise TableProblem(
            "The file has no rows to import: it needs a header row, then one row per entry "
            "(download the template to see how)."
        )
    return table


def match_columns(headers: Sequence[str], columns: Sequence[Column]) -> dict[str, int]:
    """Where each column is, by its header (case and punctuation do not matter); a missing
    required column, or one given twice, is refused with the headers that were expected."""
    found: dict[str, int] = {}
    keys = [header_key(h) for h in headers]
    for column in columns:
        names = {header_key(column.header), *(header_key(a) for a in column.aliases)}
        at = [i for i, key in enumerate(keys) if key in names]
        if len(at) > 1:
            raise TableProblem(f"The column “{column.header}” is in the header row twice.")
        if at:
            found[column.name] = at[0]
        elif column.required:
            expected = ", ".join(f"“{c.header}”" for c in columns if c.required)
            raise TableProblem(
                f"The header row has no column “{column.header}”. The first row must name the "
                f"columns: {expected} (download the template to see how)."
            )
    return found


def template_csv(columns: Sequence[Column], example: Sequence[Sequence[str]]) -> str:
    """A CSV with the columns' headers and example rows, for people to fill in."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    writer.writerows(example)
    return out.getvalue()
