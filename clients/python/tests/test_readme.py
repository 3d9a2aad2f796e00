"""The README's quickstart runs as written and prints what the README says it prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def quickstart() -> tuple[str, str]:
    section = README.read_text().split("\n## Quickstart\n", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    printed = re.search(r"It prints:\n\n```\n(.*?)```", section, re.S)
    assert code and printed, "the Quickstart section lost its code or its output"
    return code.group(1), printed.group(1)


def test_the_quickstart_runs_as_written(workdir: Path) -> None:
    code, printed = quickstart()
    (workdir / "quickstart.py").write_text(code)
    # twice, as a reader would: the second run finds the first one's records and alias there
    for _ in range(2):
        done = subprocess.run([sys.executable, "quickstart.py"], capture_output=True, text=True, cwd=workdir, timeout=120)
        assert done.returncode == 0, done.stderr
        assert [" ".join(line.split()) for line in done.stdout.splitlines()] == [" ".join(line.split()) for line in printed.splitlines()]
