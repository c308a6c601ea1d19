"""The build's one reach past a public API, kept here so that it is found and dropped in one place.

:func:`terminate_workers` stops a :class:`concurrent.futures.ProcessPoolExecutor`'s workers in
the middle of their work (a chapter failed, or Ctrl-C). ``shutdown(cancel_futures=True)``
cancels only what has not started, and would wait for running chapters to finish. Python
3.14 adds the public ``terminate_workers()``; before it, the executor's worker processes
are only reachable through its private ``_processes`` mapping, read here and nowhere else.
Nothing in the build overrides or reads a private part of jupyter_client, nbclient,
papermill or Sphinx.
"""

from __future__ import annotations

import contextlib

__all__ = ["terminate_workers"]


def terminate_workers(pool) -> bool:
    """Send SIGTERM to every live worker of process pool ``pool``; returns whether it had any."""
    public = getattr(pool, "terminate_workers", None)
    if callable(public):  # Python 3.14 and later
        with contextlib.suppress(Exception):
            public()
        return True
    workers = list((getattr(pool, "_processes", None) or {}).values())
    for proc in workers:
        with contextlib.suppress(Exception):
            proc.terminate()
    return bool(workers)
