"""``python -m adapter.cli``: the ``coachbridge`` command without the installed script."""
from adapter.cli import main

raise SystemExit(main())
