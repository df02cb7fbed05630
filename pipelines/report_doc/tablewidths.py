"""Column widths of the report's tables as a browser (and WeasyPrint) lays them out, for the Typst PDF.

report.css leaves the tables to CSS's automatic table layout: each column's min-content width
(its longest unbreakable piece) and max-content width (its longest unwrapped line), a percentage
column (the indicator column, 30 %), then the table's width shared out between those guesses
(https://www.w3.org/TR/css-tables-3/#width-distribution-algorithm, as WeasyPrint implements it
in weasyprint/layout/table.py). Typst's auto columns share out width differently, and where a
cell wraps decides where a page breaks; so the PDF gets the widths CSS would give, measured with
the same font's advance widths (DejaVu Sans; kerning left out: a fraction of a point a cell).

A cell is a list of pieces: (text, size in pt, bold, italic, wraps) on lines of their own, or
joined into one line with `same_line`. Widths are in pt.
"""
from __future__ import annotations

import functools
import re

MM = 72 / 25.4

Piece = tuple  # (text, size, bold, italic, wraps)


@functools.cache
def _font(bold: bool, italic: bool):
    from fontTools.ttLib import TTFont
    from matplotlib.font_manager import FontProperties, findfont

    path = findfont(FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal",
                                   style="italic" if italic else "normal"), fallback_to_default=False)
    font = TTFont(path, lazy=True)
    cmap, hmtx, upem = font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm
    return cmap, hmtx, upem


@functools.lru_cache(maxsize=65536)
def width(text: str, size: float, bold: bool = False, italic: bool = False) -> float:
    cmap, hmtx, upem = _font(bold, italic)
    units = 0
    for ch in text:
        if ch == "\u00ad":  # a soft hyphen takes no room unless the word breaks there
            continue
        glyph = cmap.get(ord(ch)) or cmap.get(0x25A1)
        units += hmtx[glyph][0] if glyph in hmtx else upem // 2
    return units * size / upem


_BREAK = re.compile(r"[ \u200b]+")  # where a line may break: spaces (not the no-break space)


def _piece_min_max(p: Piece) -> tuple[float, float]:
    text, size, bold, italic, wraps = p
    full = width(text, size, bold, italic)
    if not wraps:
        return full, full
    parts = []
    for word in _BREAK.split(text):
        segs = word.split("\u00ad")  # a soft hyphen: a break, with a hyphen shown
        parts += [s + "\u2010" for s in segs[:-1]] + [segs[-1]]
    return max((width(w, size, bold, italic) for w in parts if w), default=0.0), full


def cell_min_max(lines: list[list[Piece]]) -> tuple[float, float]:
    """A cell of lines (blocks), each a run of pieces on one line: its min- and max-content width."""
    lo = hi = 0.0
    for run in lines:
        mins, maxs = zip(*(_piece_min_max(p) for p in run)) if run else ((0.0,), (0.0,))
        # pieces that do not wrap are glued to their neighbours (white-space: nowrap cells)
        glued = sum(m for m, p in zip(mins, run) if not p[4])
        lo = max(lo, max(mins), glued if glued else 0.0)
        hi = max(hi, sum(maxs))
    return lo, hi


def auto_widths(rows: list[list[tuple[float, float]]], available: float, padding: float,
                percent: dict[int, float] | None = None) -> list[float]:
    """CSS's automatic table layout for a table of `width: 100%` in `available` pt: the column
    widths (padding included) from each cell's (min, max) content width."""
    percent = percent or {}
    n = max(len(r) for r in rows)
    mins = [0.0] * n
    maxs = [0.0] * n
    for r in rows:
        for i, (lo, hi) in enumerate(r):
            mins[i] = max(mins[i], lo + padding)
            maxs[i] = max(maxs[i], hi + padding)
    maxs = [max(a, b) for a, b in zip(mins, maxs)]
    assignable = max(available, sum(mins))
    min_guess = mins[:]
    pct_guess = mins[:]
    max_guess = maxs[:]
    for i, p in percent.items():
        pct_guess[i] = max(p / 100 * assignable, mins[i])
        max_guess[i] = pct_guess[i]
    guesses = (min_guess, pct_guess, pct_guess, max_guess)
    if assignable * (1 + 1e-9) < sum(max_guess):
        lower = upper = None
        for g in guesses:
            if sum(g) <= assignable * (1 + 1e-9):
                lower = g
            else:
                break
        for g in guesses[::-1]:
            if sum(g) >= assignable * (1 - 1e-9):
                upper = g
            else:
                break
        if upper is lower or lower is None:
            return list(upper if lower is None else upper)
        added = [u - lo for u, lo in zip(upper, lower)]
        ratio = (assignable - sum(lower)) / sum(added)
        return [lo + a * ratio for lo, a in zip(lower, added)]
    widths = max_guess[:]
    excess = assignable - sum(max_guess)
    grow = [i for i in range(n) if i not in percent and maxs[i] > 0]
    if grow:
        total = sum(maxs[i] for i in grow)
        for i in grow:
            widths[i] += maxs[i] * excess / total
    else:
        grow = [i for i in range(n) if i not in percent] or [i for i in range(n) if i in percent]
        for i in grow:
            widths[i] += excess / len(grow)
    return widths


# ---- the report's tables (sizes from report.css)

CONTENT_WIDTH = (210 - 14 - 14) * MM  # A4 less the page margins
BADGE = 4.2 * MM + 1.2  # .st: 4.2 mm and a 0.6 pt border each side


def _badge_text(text: str, size: float) -> float:
    """A status light, a space, 1.2 mm and the word (white-space: nowrap)."""
    return BADGE + width(" ", size) + 1.2 * MM + width(text, size)


def indicator_columns(indicators: list[dict], depth: int) -> list[float]:
    """table.ind of a goal (indented 4 mm a level, at most 3): 8 columns, the first 30 %."""
    T, SUB, TH = 7.4, 6.3, 6.8
    head = [[[(h, TH, True, False, True)]] for h in
            ("Indikator", "Utfall", "Mål", "Status", "Nivå", "Förändring", "Jämförelse\u00adkommuner", "Riket")]
    rows = [[cell_min_max(c) for c in head]]
    for i in indicators:
        value = (i["value"], 8.0, True, False, False) if i["has_value"] else (i["value"], 7.2, False, True, False)
        target = [[(i["target"], T, False, False, False)]] + ([[(i["partly"], SUB, False, False, True)]] if i["partly"] else [])
        status = _badge_text(i["status"]["text"], T)
        if i["change"]:
            change = [[(i["arrow"], T, True, False, False), (" " + i["change"], T, False, False, False)],
                      [(i["trend"] + (f" (mot {i['prev']})" if i["prev"] else ""), SUB, False, False, True)]]
        else:
            change = [[("–", T, False, False, False)]]
        rows.append([
            cell_min_max([[(i["label"], T, False, False, True)], [(f"{i['id']} · {i['org']} · {i['unit_text']}", SUB, False, False, True)]]),
            cell_min_max([[value]]),
            cell_min_max(target),
            (status, status),
            cell_min_max([[(i["band"] or "–", T, False, False, True)]]),
            cell_min_max(change),
            cell_min_max([[(i["peer"] or "–", T, False, False, True)]]),
            cell_min_max([[(i["national"] or "–", T, False, False, True)]]),
        ])
    return auto_widths(rows, CONTENT_WIDTH - 4 * MM * min(depth, 3), 2.4 * MM, {0: 30.0})


def summary_columns(summary: list[dict], status_texts: list[str]) -> list[float]:
    """table.sum: the area, then four lights for goals and four counts for indicators."""
    head = [cell_min_max([[("Område", 7.0, False, False, True)]])]
    for _ in range(2):
        head += [(max(BADGE, lo), max(BADGE, hi)) for lo, hi in
                 (cell_min_max([[(t, 7.0, False, False, True)]]) for t in status_texts)]
    rows = [head]
    for a in summary:
        row = [cell_min_max([[(a["name"], 9.5, True, False, True)]])]
        for light in a["lights"]:
            w = width(str(light["count"]), 10.0, True) + ((4.6 * MM + 1.2 + width(" ", 10.0)) if light["count"] else 0)
            row.append((w, w))
        for light in a["indicators"]:
            w = width(str(light["count"]), 9.0)
            row.append((w, w))
        rows.append(row)
    return auto_widths(rows, CONTENT_WIDTH, 3.0 * MM)
