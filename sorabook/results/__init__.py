"""The results: every number the book states, defined once as a function of the parameters.

Layers, bottom up (nothing imports upward):

- :mod:`~sorabook.results.specs`: what a result and a claim are, their domains, number formats;
- :mod:`~sorabook.results.chain`: the steps from parameters to FLOPs, GPU time and GPUs;
- :mod:`~sorabook.results.corrections`: the corrections and the walk between article and corrected;
- ``ch01_latent`` ... ``ch08_uncertainty``: each chapter's results and the article's claims;
  :mod:`~sorabook.results.uncertainty` is chapter 8's Monte Carlo over the chain;
- :mod:`~sorabook.results.registry`: all of them in reading order, :func:`compute`;
- :mod:`~sorabook.results.export`: ``results.json`` / ``results.csv``;
  :mod:`~sorabook.results.cache`: ``sorabook results``' cache of computed values.

Import the submodules by name (``from sorabook.results import registry``).
"""
