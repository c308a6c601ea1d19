"""sorabook: the compute economics of video generation, re-derived.

The package's folders follow the data flow, bottom up; nothing imports upward:

- :mod:`sorabook.params`: every assumption, validated (registry, scenarios, files, distributions);
- :mod:`sorabook.model`: all arithmetic, on plain numbers (NumPy only where arrays are needed);
- :mod:`sorabook.results`: every result and claim defined once as a function of the parameters;
- :mod:`sorabook.book`: the notebook API, generated pages, figures and the build of the site;
- :mod:`sorabook.cli`: the command line.

Importing the package is cheap: each layer imports its heavy dependencies when it needs them.
"""

__version__ = "0.2.0"
