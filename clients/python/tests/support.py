from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def write_json(path: Path, value: Any) -> Path:
    return write(path, json.dumps(value))
