"""All arithmetic of the book (the bottom layer, beside :mod:`sorabook.params`).

One module per subject: :mod:`hardware` (GPU peaks; the one conversion of FLOPs to GPU time),
:mod:`latent` (compression; the one tokeniser and latent-frame rule), :mod:`transformer` (the
one layer-by-layer counter), :mod:`scaling` (a template scaled to a parameter budget),
:mod:`dit` (the DiT paper's models and tables), :mod:`counting` (how a pass over a clip is
counted), :mod:`training`, :mod:`inference`, :mod:`fleet`, :mod:`presets` (published video
transformers) and :mod:`predict` (the predictor and its calibration).

Nothing here imports the parameter registry, the results, the notebooks or the build, and no
module imports NumPy when it is imported: every function takes plain numbers and returns
floats, written with plain operators and :mod:`math` (so the same code runs under Pyodide in
the browser), and also takes NumPy arrays where the Monte Carlo passes them; NumPy is imported
inside a function only for an array argument or an array result (a figure's curve).
Submodules are imported by name (``from sorabook.model import latent``).
"""
