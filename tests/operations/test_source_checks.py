"""The tree passes pyflakes' rules (ruff's F: an import unused, a name undefined, a variable
assigned and never read), as each merge was checked by hand before; F811 (a redefinition) is
left out, since a test module's fixture parameters take the names of the fixtures it imports."""
from __future__ import annotations

import subprocess
import sys

from tests.peers.ralph_lrs import REPO_ROOT


def test_pyflakes_rules_find_nothing_in_the_tree():
    checked = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "F", "--ignore", "F811",
                              "adapter", "lti", "xapi", "bench", "tests"],
                             cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
