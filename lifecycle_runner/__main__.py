"""``python -m lifecycle_runner``: see :mod:`lifecycle_runner.cli`."""

from lifecycle_runner.cli import main

raise SystemExit(main())
