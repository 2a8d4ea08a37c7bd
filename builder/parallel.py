"""A parallel map over forked worker processes: the build's cold cards are checked and rendered on
every core (builder/fast.py). Knows nothing about cards.
"""

from __future__ import annotations

import os
import signal
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_MIN_ITEMS = 1_000  # below this, starting worker processes costs more than it saves
_job: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def _start_worker(nice: int) -> None:
    """A worker leaves Ctrl-C to the build process, which stops the pool (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(nice)


def _run_chunk(bounds: tuple[int, int]) -> list[Any]:
    assert _job is not None
    fn, items = _job
    return [fn(item) for item in items[bounds[0] : bounds[1]]]


def parallel_map(fn: Callable[[T], R], items: Sequence[T], jobs: int,
                 progress: Callable[[int], None] | None = None, min_items: int | None = None,
                 lazy: bool = False, nice: int = 0) -> Iterable[R]:
    """``[fn(x) for x in items]``, in order, over ``jobs`` forked worker processes.

    The workers inherit ``fn`` and ``items`` from this process (fork), so nothing but the results
    crosses a pipe. Falls back to a plain loop for few items, one job, or where fork is unavailable.
    ``lazy``: an iterator that yields each result as soon as it and those before it are done (the
    caller can act on the first results while the workers compute the rest); else a list.
    ``nice``: the workers' niceness (``os.nice``), so a process that consumes their results as they
    come (the build's .apkg writer) keeps up with them.
    """
    results = _parallel(fn, items, jobs, progress, PARALLEL_MIN_ITEMS if min_items is None else min_items, nice)
    return results if lazy else list(results)


def _parallel(fn: Callable[[T], R], items: Sequence[T], jobs: int, progress: Callable[[int], None] | None,
              min_items: int, nice: int) -> Iterator[R]:
    global _job
    jobs = min(jobs, os.cpu_count() or 1)
    if jobs < 2 or len(items) < max(2, min_items):
        yield from _serial(fn, items, progress)
        return
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        yield from _serial(fn, items, progress)
        return
    size = max(1 if min_items < 50 else 50, -(-len(items) // (jobs * 16)))  # several chunks per worker: balanced
    chunks = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _job = (fn, items)
    try:
        with context.Pool(jobs, initializer=_start_worker, initargs=(nice,)) as pool:
            done = 0
            for part in pool.imap(_run_chunk, chunks):
                done += len(part)
                yield from part
                if progress:
                    progress(done)
    finally:
        _job = None


def _serial(fn: Callable[[T], R], items: Iterable[T], progress: Callable[[int], None] | None) -> Iterator[R]:
    n = 0
    for n, item in enumerate(items, 1):
        yield fn(item)
        if progress and n % 250 == 0:
            progress(n)
    if progress:
        progress(n)
