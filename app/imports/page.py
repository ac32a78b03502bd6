"""The import page every kind of import shares (``templates/imports/show.html``): the upload
form with the template to download, then the preview of every row with its problems in place,
and the confirmation. The domain's routes check the rows and make the items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import File, Request, UploadFile
from fastapi.responses import Response

from app.imports.preview import Preview
from app.imports.reading import MAX_BYTES, MAX_ROWS, Column, TableProblem, size_problem
from app.kit.pages import render
from app.models import ImportDraft

# The uploaded file, as a route reads it: ``file: Upload = None``.
Upload = Annotated[UploadFile | None, File()]
TEMPLATE = "imports/show.html"
TOO_LARGE = 413


class UploadProblem(TableProblem):
    """A file that is not there or too large (``status``: 422 or 413)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def read_upload(upload: UploadFile | None) -> tuple[str, bytes]:
    """The file's name and bytes; never more than the limit is read into memory."""
    if upload is None or not upload.filename:
        raise UploadProblem("Choose a file to import (CSV or XLSX).")
    data = upload.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        upload.file.seek(0, 2)
        raise UploadProblem(size_problem(upload.file.tell()), TOO_LARGE)
    problem = size_problem(len(data))
    if problem:
        raise UploadProblem(problem)
    return upload.filename, data


@dataclass(frozen=True)
class ImportSpec:
    """One kind of import, as its page presents it."""

    title: str  # "Import accounts"
    one: str  # "account"
    many: str  # "accounts"
    intro: str
    columns: Sequence[Column]
    url: str  # the page; the upload posts here too
    back_url: str
    back_label: str
    context: dict[str, Any] = field(default_factory=dict)  # e.g. the account, for its nav

    @property
    def confirm_url(self) -> str:
        return f"{self.url}/confirm"

    @property
    def template_url(self) -> str:
        return f"{self.url}/template.csv"


def show(
    request: Request,
    spec: ImportSpec,
    *,
    status_code: int = 200,
    preview: Preview | None = None,
    draft: ImportDraft | None = None,
    file_name: str = "",
    problem: str = "",
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """The page: the upload form (with ``form``'s values kept and ``errors`` on its fields, a
    ``problem`` with the file), and the ``preview`` of the rows read when there is one."""
    context = {
        "spec": spec,
        "preview": preview,
        "draft": draft,
        "file_name": file_name,
        "problem": problem,
        "errors": errors or {},
        "form": form or {},
        "max_mb": MAX_BYTES // 1024 // 1024,
        "max_rows": MAX_ROWS,
        "headers": {column.name: column.header for column in spec.columns},
        "account": None,  # an account's import: its account and access, for its navigation
        "access": None,
        "ask_period": False,
        **spec.context,
    }
    if preview is not None and status_code == 200 and not preview.ok:
        status_code = 422
    return render(request, TEMPLATE, context, status_code=status_code)


def template_file(body: str, name: str) -> Response:
    """The CSV template to fill in, downloaded (UTF-8 with a BOM, so spreadsheets open it as
    UTF-8)."""
    return Response(
        "\ufeff" + body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
