"""Which years a raw directory holds (contract section 1): the `<source>/<year>/` folders plus
every period in the Kolada files.

Both functions look only at what the loaders may read (`ingest/rawfiles.py`): a Kolada file that
is a link out of the raw directory is not read for its periods, and a link loop or a name that is
not UTF-8 stops neither (the year's load reports it)."""
from __future__ import annotations

import re
from pathlib import Path

from . import config
from .ingest import rawfiles
from .ingest.kolada import readable_kolada_files

_PERIOD_RE = re.compile(r'"period"\s*:\s*"?(\d{4})')


def discover_years(root: Path) -> list[int]:
    years: set[int] = set()
    for source in config.YEAR_SOURCES:
        folder = root / source
        if folder.is_dir():
            years.update(int(p.name) for p in rawfiles.entries(folder) if re.fullmatch(r"[0-9]{4}", p.name) and p.is_dir())
    for path in readable_kolada_files(root):
        try:
            years.update(int(y) for y in _PERIOD_RE.findall(path.read_text(encoding="utf-8-sig", errors="replace")))
        except OSError:  # gone since it was listed: its load reports it
            continue
    return sorted(years)


def _listing(folder: Path, pattern: str | None = None) -> list[Path]:
    try:
        if not folder.is_dir():
            return []
        return sorted(folder.glob(pattern) if pattern else folder.iterdir())
    except OSError:
        return []


def raw_fingerprint(root: Path, year: int) -> str:
    """Names, sizes and modification times of every raw file that feeds `year`: the sensor's cursor.
    A link counts with what it leads to (one that leads nowhere or in a loop, with itself); a name
    that is not UTF-8 is escaped."""
    parts = []
    for source in config.YEAR_SOURCES:
        for p in _listing(root / source / str(year)):
            size, mtime = rawfiles.fingerprint_stat(p)
            parts.append(f"{source}/{rawfiles.shown(p.name)}:{size}:{mtime}")
    for p in _listing(root / "kolada", "*.json"):
        size, mtime = rawfiles.fingerprint_stat(p)
        parts.append(f"kolada/{rawfiles.shown(p.name)}:{size}:{mtime}")
    return "|".join(parts)
