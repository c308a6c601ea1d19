"""sorabook: the compute economics of video generation, re-derived.

The package holds every computation of the book: the parameter registry
(:mod:`sorabook.params`), one model module per section of the article
(:mod:`sorabook.latent`, ...), the headline results and the article's claims
(:mod:`sorabook.report`), and the build pipeline (:mod:`sorabook.book`).
Importing the package is cheap: the model modules need only NumPy, and the
pipeline's heavy dependencies are imported when a build starts.
"""

__version__ = "0.1.0"
