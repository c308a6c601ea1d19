"""The build: validated parameters -> executed chapters -> Jupyter Book -> published site.

One module per arrow of the data flow, each importing only those before it:

- :mod:`sorabook.book.plan`: where the book is, what each chapter declares in its
  ``parameters`` cell, and the one hashing scheme of the build (chapter cache keys, site
  keys); :func:`~sorabook.book.plan.plan` gives a :class:`~sorabook.book.plan.ChapterRun`
  per chapter;
- :mod:`sorabook.book.execute`: runs the chapters with papermill in a pool of workers, each
  kernel on its own IPC connection files, and keeps the chapter cache;
- :mod:`sorabook.book.site`: stages the configuration, pages, generated pages and provenance
  boxes, runs Jupyter Book strictly, collects what the notebooks recorded and exports
  ``results.json`` / ``results.csv``;
- :mod:`sorabook.book.publish`: the lock, the swap into place, and
  :func:`~sorabook.book.publish.build`, which strings them together.

Kernels: :mod:`sorabook.book.kernels` (the warm fork server, standard library only) and
:mod:`sorabook.book.provisioner` (jupyter_client's kernel provisioner API). Sphinx:
:mod:`sorabook.book.sphinxext`. The build imports :mod:`sorabook.params`,
:mod:`sorabook.report`, :mod:`sorabook.results`, :mod:`sorabook.resultcache` and
:mod:`sorabook.generated`; none of them imports it. Nothing is imported here, so that
``python -m sorabook.book.kernels`` and the plan stay light.
"""
