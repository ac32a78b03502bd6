"""The cyclic garbage collector of a served process, run by its event loop between tasks rather
than wherever an allocation happens to cross a threshold.

Why: under load on CPython 3.11, with three or more worker threads rendering at once, the
served app died of a corrupt heap (a segmentation fault in whatever allocated next), on
SQLite and PostgreSQL alike. It needed the collector: with automatic collection off it did not
happen, and with only one or two worker threads it did not either. A collection starts inside
whichever allocation crosses the young generation's threshold, which may be in the middle of
the interpreter's or an extension's C code in a request's thread, and it runs Python code
(weakref callbacks, finalizers) during which the other threads run. Here no request thread
ever starts one: automatic collection is off, and the loop makes the same collections the
interpreter would (the oldest generation whose count passed its threshold), at a point where
no C code is half done. Measured on the bench's large plan (tests/benchmarks/NOTES.md,
2026-12-04): no crash where the same load crashed every run, at the same resident memory and
pages a second.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

# How often the loop looks at the generations' counts. A young collection of what 50 ms of
# rendering allocated takes a few milliseconds; the interpreter would have made several
# smaller ones in the same time.
POLL_SECONDS = 0.05
# The young generation's threshold while the loop collects (the interpreter's is 700). A
# request leaves almost nothing to the collector (a render lets go of its page's data as it
# ends: ``app.web.templating.release``), so what a young collection scans is mostly the objects
# of the requests still being answered, alive and promoted for nothing. With 700 the loop made
# 11 to 14 young collections a second under the plan page's load (15-20 ms a second, every thread
# stopped meanwhile); with 20,000, one or two a minute.
YOUNG_THRESHOLD = 20_000


def due_generation() -> int | None:
    """The generation the interpreter would collect now (the oldest whose count passed its
    threshold, once the young one's has), or None. Its further rule for full collections (only
    when a quarter of the long-lived objects are new) is not visible from Python: here the
    oldest generation goes by its count too, and the start's ``gc.freeze`` keeps it small."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if thresholds[0] == 0 or counts[0] <= thresholds[0]:
        return None
    return next(g for g in (2, 1, 0) if g == 0 or counts[g] > thresholds[g])


def collect_due() -> int | None:
    """Make the collection that is due, if one is: its generation, or None."""
    generation = due_generation()
    if generation is not None:
        gc.collect(generation)
    return generation


async def _collect_while_running(every: float) -> None:
    while True:
        await asyncio.sleep(every)
        collect_due()


@asynccontextmanager
async def collected_by_the_loop(
    every: float = POLL_SECONDS, young: int = YOUNG_THRESHOLD
) -> AsyncIterator[None]:
    """While inside: automatic collection off, the running loop collecting what is due every
    ``every`` seconds, the young generation's threshold ``young``. On the way out, automatic
    collection and the thresholds are back as they were."""
    was_enabled, thresholds = gc.isenabled(), gc.get_threshold()
    gc.disable()
    gc.set_threshold(young, *thresholds[1:])
    task = asyncio.create_task(_collect_while_running(every), name="garbage collector")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        gc.set_threshold(*thresholds)
        if was_enabled:
            gc.enable()
