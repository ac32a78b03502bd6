"""HTML to PDF with WeasyPrint: the document's template, its print stylesheet, nothing fetched.

Rendering is CPU-bound (about a second for a large plan): the routes are plain ``def``, so it
runs in a worker thread, never on the event loop, and at most one rendering per core runs at
once. A rendering that finds every turn taken waits ``TURN_WAIT_SECONDS`` at most, then is
answered 503 with ``Retry-After`` (``RenderersBusy``): a burst of PDF requests does not queue
without bound, each holding a worker thread and an admission slot (``app.web.admission``). The HTML holds everything it shows (the chart is inline SVG, the stylesheet is passed
in), so the fetcher refuses every URL: a document never reaches out of the server, whatever
text the plan holds. WeasyPrint (a second to import) is imported by the first rendering, not
by every process that imports the app.
"""

from __future__ import annotations

import os
import re
import threading
from functools import cache
from typing import Any

from app.web.errors import UnavailableError
from app.web.templating import ROOT, Templates

STYLESHEET = ROOT / "static" / "pdf.css"
TEMPLATE = "pdf/plan.html"
# More renderings at once than cores would only slow each of them down and take worker
# threads the pages need.
TURNS = os.cpu_count() or 2
_TURNS = threading.BoundedSemaphore(TURNS)
TURN_WAIT_SECONDS = 2.0


class RenderersBusy(UnavailableError):
    title = "Every PDF is being made for someone else"
    message = (
        "Jointplan is making as many PDFs as it can at once. Please try again in a few seconds."
    )
    retry_after = 5


@cache
def _weasyprint() -> tuple[Any, Any, Any]:
    """WeasyPrint's HTML and CSS, and a fetcher that refuses every URL (WeasyPrint leaves
    the resource out and goes on)."""
    import weasyprint  # slow to import: only when a PDF is asked for
    from weasyprint.urls import URLFetcher

    class NothingFetched(URLFetcher):  # type: ignore[misc]  # an untyped library
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"a PDF fetches nothing: {url[:80]}")

    return weasyprint.HTML, weasyprint.CSS, NothingFetched


# Where the stylesheet's part for the charts starts: the rest of it styles the document.
CHARTS_PART = "/* ---- Charts:"
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_VARIABLE = re.compile(r"var\((--[\w-]+)\)")
_DECLARATION = re.compile(r"(--[\w-]+)\s*:\s*([^;]+);")
_SVG_OPENING = re.compile(r"<svg\b[^>]*>")


@cache
def stylesheets() -> tuple[str, str]:
    """static/pdf.css as (the document's stylesheet, the charts' style). WeasyPrint draws an
    inline SVG with the styles inside it only, without CSS variables: the charts' part goes
    into each ``<svg>``, with every ``var(--x)`` replaced by its value in ``:root``."""
    css = STYLESHEET.read_text(encoding="utf-8")
    document, charts = css.split(CHARTS_PART, 1)
    root = re.search(r":root\s*\{([^}]*)\}", _COMMENT.sub("", document))
    assert root is not None, "static/pdf.css has no :root"
    tokens = dict(_DECLARATION.findall(root.group(1)))
    charts = _COMMENT.sub("", CHARTS_PART + charts)
    return document, _VARIABLE.sub(lambda m: tokens[m.group(1)].strip(), charts)


def with_chart_style(html: str, style: str) -> str:
    """``html`` with ``style`` (the charts' part of the stylesheet) inside each ``<svg>``."""
    return _SVG_OPENING.sub(lambda m: f"{m.group(0)}<style>{style}</style>", html)


def html_of(templates: Templates, context: dict[str, Any]) -> str:
    """The document ``templates/pdf/plan.html`` renders from ``context``, as HTML (cheap: what
    the PDF will show, e.g. to tell whether a reader's copy is still the same)."""
    _document_css, chart_css = stylesheets()
    return with_chart_style(templates.env.get_template(TEMPLATE).render(context), chart_css)


def pdf_of_html(html: str) -> bytes:
    """``html`` (from ``html_of``) as PDF bytes, in a rendering turn (``RenderersBusy`` when
    none frees up within ``TURN_WAIT_SECONDS``)."""
    document_css, _chart_css = stylesheets()
    make_html, make_css, fetcher_class = _weasyprint()
    fetcher = fetcher_class()
    document = make_html(string=html, base_url=str(ROOT), url_fetcher=fetcher)
    css = make_css(string=document_css, url_fetcher=fetcher)
    if not _TURNS.acquire(timeout=TURN_WAIT_SECONDS):
        raise RenderersBusy()
    try:
        pdf = document.write_pdf(stylesheets=[css])
    finally:
        _TURNS.release()
    return bytes(pdf)


def pdf_of(templates: Templates, context: dict[str, Any]) -> bytes:
    """The document ``templates/pdf/plan.html`` renders from ``context``, as PDF bytes."""
    return pdf_of_html(html_of(templates, context))
