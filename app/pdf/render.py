"""HTML to PDF with WeasyPrint: the document's template, its print stylesheet, nothing fetched.

Rendering is CPU-bound (about a second for a large plan): the routes are plain ``def``, so it
runs in a worker thread, never on the event loop, and at most one rendering per core runs at
once. The HTML holds everything it shows (the chart is inline SVG, the stylesheet is passed
in), so the fetcher refuses every URL: a document never reaches out of the server, whatever
text the plan holds. WeasyPrint (a second to import) is imported by the first rendering, not
by every process that imports the app.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from typing import Any

from app.web.templating import ROOT, Templates

STYLESHEET = ROOT / "static" / "pdf.css"
TEMPLATE = "pdf/plan.html"
# More renderings at once than cores would only slow each of them down and take worker
# threads the pages need.
_TURNS = threading.BoundedSemaphore(os.cpu_count() or 2)


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


@cache
def _stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def pdf_of(templates: Templates, context: dict[str, Any]) -> bytes:
    """The document ``templates/pdf/plan.html`` renders from ``context``, as PDF bytes."""
    html = templates.env.get_template(TEMPLATE).render(context)
    make_html, make_css, fetcher_class = _weasyprint()
    fetcher = fetcher_class()
    document = make_html(string=html, base_url=str(ROOT), url_fetcher=fetcher)
    css = make_css(string=_stylesheet(), url_fetcher=fetcher)
    with _TURNS:
        pdf = document.write_pdf(stylesheets=[css])
    return bytes(pdf)
