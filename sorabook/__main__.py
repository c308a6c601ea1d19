"""``python -m sorabook`` runs the command line."""

from sorabook.cli import main

raise SystemExit(main())
