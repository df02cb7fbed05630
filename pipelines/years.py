"""Which years a raw directory holds (contract section 1): the `<source>/<year>/` folders plus
every period in the Kolada files."""
from __future__ import annotations

import re
from pathlib import Path

from . import config

_PERIOD_RE = re.compile(r'"period"\s*:\s*"?(\d{4})')


def discover_years(root: Path) -> list[int]:
    years: set[int] = set()
    for source in config.YEAR_SOURCES:
        folder = root / source
        if folder.is_dir():
            years.update(int(p.name) for p in folder.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}", p.name))
    kolada = root / "kolada"
    if kolada.is_dir():
        for path in kolada.glob("*.json"):
            if path.name != "kpi.json":
                years.update(int(y) for y in _PERIOD_RE.findall(path.read_text(encoding="utf-8-sig", errors="replace")))
    return sorted(years)


def raw_fingerprint(root: Path, year: int) -> str:
    """Names, sizes and modification times of every raw file that feeds `year`: the sensor's cursor."""
    parts = []
    for source in config.YEAR_SOURCES:
        folder = root / source / str(year)
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                st = p.stat()
                parts.append(f"{source}/{p.name}:{st.st_size}:{st.st_mtime_ns}")
    kolada = root / "kolada"
    if kolada.is_dir():
        for p in sorted(kolada.glob("*.json")):
            st = p.stat()
            parts.append(f"kolada/{p.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)
