"""Charts as inline SVG, written directly (`_Plot`) in matplotlib's geometry, styles and text layout.

A report has 25-50 charts; a matplotlib figure and its SVG backend cost 35-140 ms each, the SVG
written here 0.2-1 ms. matplotlib still provides what decides the drawing (tick locators,
limits, marker paths, text metrics), and its figures (the `*_mpl` functions, no pyplot) are the
oracle the tests compare every text element against.

Text stays text in the SVG (svg.fonttype 'none'): it is searchable and prints sharply. A suppressed
cell has no value in the warehouse, so no chart can draw one: it is written "för få svar" instead.
"""
from __future__ import annotations

import io
import re
import textwrap

import matplotlib

matplotlib.use("Agg", force=False)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402
from matplotlib.transforms import blended_transform_factory  # noqa: E402

from . import fmt  # noqa: E402

# Okabe-Ito: distinguishable with the common colour-vision deficiencies; series also differ in marker
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
STYLES = ["-", "--", "-.", ":"]
INK, GREY, LIGHT = "#222222", "#666666", "#BBBBBB"

RC = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 7.5,
    "axes.edgecolor": GREY,
    "axes.labelcolor": INK,
    "axes.titlesize": 8,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": GREY,
    "ytick.color": GREY,
    "legend.frameon": False,
    "legend.fontsize": 6.8,
}


def _decimal(x, _pos=None) -> str:
    return fmt.num(x, 0) if float(x).is_integer() else fmt.num(x, 1)


def _svg(fig: Figure, salt: str) -> str:
    with matplotlib.rc_context({**RC, "svg.hashsalt": salt}):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    return text.replace("<svg ", '<svg class="chart" role="img" ', 1)


def _fig(w: float, h: float) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(w, h))


def _year_axis(ax, years: list[int]) -> None:
    if len(years) <= 8:
        ax.set_xticks(years)
        ax.set_xticklabels([str(y) for y in years])
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: str(int(x))))
    if years:
        ax.set_xlim(min(years) - 0.5, max(years) + 0.5)


def _value_runs(hist: dict) -> tuple[list[int], dict[int, float], list[list[tuple[int, float]]], list[int]]:
    """(the chart's years, the values by year, the runs of consecutive years with a value, the
    years whose value is hidden): a gap where a year has no value, so a line never crosses a
    hidden or missing year."""
    years = sorted({y for y, _v, _s in hist["values"]} | set(hist["targets"]) | set(hist["peers"]))
    values = {y: v for y, v, _s in hist["values"] if v is not None}
    hidden = [y for y, v, s in hist["values"] if v is None and s]
    runs: list[list[tuple[int, float]]] = []
    run: list[tuple[int, float]] = []
    for y in years + [None]:
        if y is not None and y in values:
            run.append((y, values[y]))
            continue
        if run:
            runs.append(run)
        run = []
    return years, values, runs, hidden


def indicator_chart(hist: dict, title: str, salt: str) -> str | None:
    """The indicator's value in every published year, its target in the years the goal model had it,
    the peer median and the national value. The legend is printed once per goal, in the HTML.

    There are 20-40 of these in a report, so they are written as SVG directly (`_Plot`) instead of
    through a matplotlib figure (~35 ms each): the same geometry, styles, ticks (matplotlib's own
    locator and limits) and text placement as the figure they replace (`indicator_chart_mpl`)."""
    if not hist or not (hist["values"] or hist["targets"]):
        return None
    years, values, runs, hidden = _value_runs(hist)
    peers = sorted(hist["peers"].items())
    national = sorted(hist["national"].items())
    targets = sorted(hist["targets"].items())
    ys = [v for r in runs for _y, v in r] + [t for _y, t in targets] + [v for _y, v in peers] + [v for _y, v in national]
    plot = _Plot(2.2, 1.55, left=0.17, right=0.97, top=0.72, bottom=0.14, salt=salt)
    plot.x_limits(min(years) - 0.5, max(years) + 0.5)
    plot.y_autoscale(ys, margin=0.3, nbins=4)
    if len(years) <= 8:
        plot.x_ticks(years, [str(y) for y in years])
    else:
        ticks = plot.ticks_in_view(MaxNLocator(integer=True, nbins=8).tick_values(*plot.xlim), plot.xlim)
        plot.x_ticks(ticks, [str(int(x)) for x in ticks])
    plot.y_ticks(plot.yticks, [_decimal(t) for t in plot.yticks], grid="#E5E5E5")
    # matplotlib's drawing order (by zorder, then in order of addition): riket, the axis, the
    # targets and the peers, the spines, the values and the texts
    if national:
        plot.line(national, GREY, 0.9, dash=_dashes("-.", 0.9), marker="^", ms=2.8)
    plot.draw_axis()
    for y, t in targets:
        plot.line([(y - 0.4, t), (y + 0.4, t)], PALETTE[1], 1.3, dash=_dashes("--", 1.3), cap=None)
    if peers:
        plot.line(peers, PALETTE[2], 1.0, dash=_dashes(":", 1.0), marker="s", ms=2.8)
    plot.spines()
    for r in runs:
        plot.line(r, PALETTE[0], 1.5, marker="o", ms=3.2)
    for y in hidden:
        plot.text(plot.px(y), plot.ay(0.04), fmt.SUPPRESSED, 5.8, ha="middle", va="bottom", fill=GREY, italic=True)
    if not values and not hidden:
        plot.text(plot.ax(0.5), plot.ay(0.93), "inget publicerat värde", 6.5, ha="middle", va="top", fill=GREY, italic=True)
    plot.text(0.03 * plot.w, 0.03 * plot.h, _wrap_lines(title, 36, 3), 6.2, ha="start", va="top", bold=True,
              linespacing=1.15)
    return plot.svg()


# matplotlib's dash patterns (lines.*_pattern), scaled by the line width as it does
_DASH = {"--": (3.7, 1.6), ":": (1.0, 1.65), "-.": (6.4, 1.6, 1.0, 1.6)}


def _dashes(style: str, lw: float) -> str:
    return ",".join(_n(d * lw) for d in _DASH[style])


def _n(v: float) -> str:
    """A coordinate as matplotlib's SVG writer prints it."""
    s = f"{v:f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


_MARKERS: dict[tuple, tuple[str, str]] = {}


def _marker(marker, ms: float) -> tuple[str, str]:
    """(SVG path, join style) of a matplotlib marker of size `ms` pt, y downwards, as its SVG
    backend writes it (from MarkerStyle's own path and transform; cached)."""
    key = (str(marker), ms)
    if key not in _MARKERS:
        from matplotlib.markers import MarkerStyle
        from matplotlib.path import Path as MPath
        from matplotlib.transforms import Affine2D

        style = MarkerStyle(marker)
        tr = style.get_transform() + Affine2D().scale(ms, -ms)
        out = []
        for verts, code in style.get_path().iter_segments(tr, simplify=False):
            pts = " ".join(_n(v) for v in verts)
            out.append({MPath.MOVETO: "M", MPath.LINETO: "L", MPath.CURVE3: "Q", MPath.CURVE4: "C"}.get(code, "z")
                       + ("" if code == MPath.CLOSEPOLY else " " + pts))
        _MARKERS[key] = (" ".join(out), str(style.get_joinstyle()))
    return _MARKERS[key]


class _TextMetrics:
    """Ink ascent and descent of a string (matplotlib's TextToPath, the SVG backend's own measure)
    and the font's ascender/descender, for placing text exactly where matplotlib places it."""

    def __init__(self):
        from matplotlib.font_manager import FontProperties, findfont
        from matplotlib.ft2font import FT2Font
        from matplotlib.textpath import TextToPath

        self._t2p, self._fp, self._cache = TextToPath(), FontProperties, {}
        font = FT2Font(findfont(FontProperties(family=RC["font.family"])))
        os2, em = font.get_sfnt_table("OS/2"), font.get_sfnt_table("head")["unitsPerEm"]
        self.ascender, self.descender = os2["sTypoAscender"] / em, -os2["sTypoDescender"] / em
        self.line_gap = os2["sTypoLineGap"] / em

    def measure(self, s: str, size: float, bold: bool, italic: bool) -> tuple[float, float, float]:
        """(width, ink ascent, ink descent) of one line."""
        key = (s, size, bold, italic)
        if key not in self._cache:
            prop = self._fp(family=RC["font.family"], size=size, weight="bold" if bold else "normal",
                            style="italic" if italic else "normal")
            w, h, d = self._t2p.get_text_width_height_descent(s, prop, ismath=False)
            self._cache[key] = (w, h - d, d)
        return self._cache[key]

    def ink(self, s: str, size: float, bold: bool, italic: bool) -> tuple[float, float]:
        _w, a, d = self.measure(s, size, bold, italic)
        return a, d


_METRICS: _TextMetrics | None = None


def _metrics() -> _TextMetrics:
    global _METRICS
    if _METRICS is None:
        _METRICS = _TextMetrics()
    return _METRICS


class _Plot:
    """One axes in a figure, written as SVG in matplotlib's units (pt, y downwards) and styles."""

    def __init__(self, w_in: float, h_in: float, left: float, right: float, top: float, bottom: float, salt: str):
        import hashlib

        self.w, self.h = w_in * 72, h_in * 72
        self.x0, self.x1 = left * self.w, right * self.w
        self.y0, self.y1 = (1 - top) * self.h, (1 - bottom) * self.h  # top and bottom edge of the axes
        self.clip = "p" + hashlib.md5(salt.encode()).hexdigest()[:10]
        self.out: list[str] = [f'<path d="M 0 {_n(self.h)} L {_n(self.w)} {_n(self.h)} L {_n(self.w)} 0 L 0 0 z" style="fill: #ffffff"/>',
                               f'<path d="M {_n(self.x0)} {_n(self.y1)} L {_n(self.x1)} {_n(self.y1)} L {_n(self.x1)} {_n(self.y0)} '
                               f'L {_n(self.x0)} {_n(self.y0)} z" style="fill: #ffffff"/>']
        self.axis: list[str] = []
        self.markers: dict[tuple, str] = {}

    # --- limits and transforms
    def x_limits(self, a: float, b: float) -> None:
        self.xlim = (a, b)

    def y_autoscale(self, ys: list[float], margin: float, nbins: int) -> None:
        """matplotlib's autoscale_view for one axis with a MaxNLocator: nonsingular, margins, view limits."""
        loc = MaxNLocator(nbins=nbins)
        lo, hi = (min(ys), max(ys)) if ys else (float("-inf"), float("inf"))
        lo, hi = loc.nonsingular(lo, hi)
        delta = (hi - lo) * margin
        self.ylim = tuple(loc.view_limits(lo - delta, hi + delta))
        self.yticks = self.ticks_in_view(loc.tick_values(*self.ylim), self.ylim)

    @staticmethod
    def ticks_in_view(ticks, lim) -> list[float]:
        a, b = lim
        tol = 1e-10 * (b - a)
        return [float(t) for t in ticks if a - tol <= t <= b + tol]

    def px(self, x: float) -> float:
        return self.x0 + (x - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * (self.x1 - self.x0)

    def py(self, y: float) -> float:
        return self.y1 - (y - self.ylim[0]) / (self.ylim[1] - self.ylim[0]) * (self.y1 - self.y0)

    def ax(self, f: float) -> float:
        return self.x0 + f * (self.x1 - self.x0)

    def ay(self, f: float) -> float:
        return self.y1 - f * (self.y1 - self.y0)

    # --- axis
    def x_ticks(self, ticks, labels, size: float = 6.3, length: float = 2, grid: str | None = None) -> None:
        a = _metrics().ascender * size  # one line of digits: the font's ascender is above their ink
        for t, label in zip(ticks, labels):
            x = _n(self.px(t))
            if grid:
                self.axis.append(f'<path d="M {x} {_n(self.y1)} L {x} {_n(self.y0)}" clip-path="url(#{self.clip})" '
                                 f'style="fill: none; stroke: {grid.lower()}; stroke-width: 0.6; stroke-linecap: square"/>')
            self.axis.append(f'<path d="M {x} {_n(self.y1)} L {x} {_n(self.y1 + length)}" style="stroke: {GREY}; stroke-width: 0.8"/>')
            self.axis.append(self._text_el(self.px(t), self.y1 + length + 3.5 + a, label, size, "middle", fill=GREY))
        self.xtick_bottom = self.y1 + length + 3.5 + (_metrics().ascender + _metrics().descender) * size

    def x_label(self, s: str, size: float, fill: str) -> None:
        """Below the tick labels, 4 pt apart (matplotlib's labelpad)."""
        a, _d = _metrics().ink(s, size, False, False)
        self.axis.append(self._text_el((self.x0 + self.x1) / 2, self.xtick_bottom + 4 + max(a, _metrics().ascender * size),
                                       s, size, "middle", fill=fill))

    def vline(self, x: float, color: str, lw: float, dash: str) -> None:
        self.out.append(f'<path d="M {_n(self.px(x))} {_n(self.y1)} L {_n(self.px(x))} {_n(self.y0)}" clip-path="url(#{self.clip})" '
                        f'style="fill: none; stroke-dasharray: {dash}; stroke-dashoffset: 0; stroke: {color.lower()}; stroke-width: {_n(lw)}"/>')

    def barh(self, y: float, width: float, height: float, color: str, alpha: float) -> None:
        x0, x1 = _n(self.px(0)), _n(self.px(width))
        lo, hi = _n(self.py(y - height / 2)), _n(self.py(y + height / 2))
        self.out.append(f'<path d="M {x0} {lo} L {x1} {lo} L {x1} {hi} L {x0} {hi} z" clip-path="url(#{self.clip})" '
                        f'style="fill: {color.lower()}; opacity: {_n(alpha)}"/>')

    def y_ticks(self, ticks, labels, grid: str, size: float = 6.3, length: float = 2) -> None:
        a = _metrics().ascender * size  # tick labels are centred on their baseline's half ascent
        for t, label in zip(ticks, labels):
            y = _n(self.py(t))
            self.axis.append(f'<path d="M {_n(self.x0)} {y} L {_n(self.x1)} {y}" clip-path="url(#{self.clip})" '
                             f'style="fill: none; stroke: {grid.lower()}; stroke-width: 0.6; stroke-linecap: square"/>')
            self.axis.append(f'<path d="M {_n(self.x0)} {y} L {_n(self.x0 - length)} {y}" style="stroke: {GREY}; stroke-width: 0.8"/>')
            self.axis.append(self._text_el(self.x0 - length - 3.5, self.py(t) + a / 2, label, size, "end", fill=GREY))

    def draw_axis(self) -> None:
        self.out += self.axis

    def spines(self) -> None:
        style = f"fill: none; stroke: {GREY}; stroke-width: 0.8; stroke-linejoin: miter; stroke-linecap: square"
        self.out.append(f'<path d="M {_n(self.x0)} {_n(self.y1)} L {_n(self.x0)} {_n(self.y0)}" style="{style}"/>')
        self.out.append(f'<path d="M {_n(self.x0)} {_n(self.y1)} L {_n(self.x1)} {_n(self.y1)}" style="{style}"/>')

    # --- data
    def line(self, pts, color: str, lw: float, dash: str | None = None, marker: str | None = None, ms: float = 0,
             cap: str | None = "square") -> None:
        color = color.lower()
        d = " ".join(f"{'M' if i == 0 else 'L'} {_n(self.px(x))} {_n(self.py(y))}" for i, (x, y) in enumerate(pts))
        style = "fill: none; "
        if dash:
            style += f"stroke-dasharray: {dash}; stroke-dashoffset: 0; "
            cap = None
        style += f"stroke: {color}" + ("" if lw == 1.0 else f"; stroke-width: {_n(lw)}")
        if cap:
            style += f"; stroke-linecap: {cap}"
        if len(pts) > 1:
            self.out.append(f'<path d="{d}" clip-path="url(#{self.clip})" style="{style}"/>')
        if marker:
            self.markers_at([(self.px(x), self.py(y)) for x, y in pts], marker, ms, color)

    def markers_at(self, pts, marker, ms: float, color: str, mew: float = 1.0, clip: bool = True) -> None:
        """Markers at points in pt (the figure's coordinates)."""
        color = color.lower()
        path, joinstyle = _marker(marker, ms)
        key = (str(marker), ms, color, mew)
        join = "" if joinstyle == "round" else f"; stroke-linejoin: {joinstyle}"
        width = "" if mew == 1.0 else f"; stroke-width: {_n(mew)}"
        if key not in self.markers:
            self.markers[key] = f"m{self.clip[1:]}{len(self.markers)}"
            self.out.append(f'<defs><path id="{self.markers[key]}" d="{path}" style="stroke: {color}{width}{join}"/></defs>')
        uses = "".join(f'<use xlink:href="#{self.markers[key]}" x="{_n(x)}" y="{_n(y)}" '
                       f'style="fill: {color}; stroke: {color}{width}{join}"/>' for x, y in pts)
        self.out.append(f'<g clip-path="url(#{self.clip})">{uses}</g>' if clip else f"<g>{uses}</g>")

    # --- text
    def _text_el(self, x: float, y: float, s: str, size: float, anchor: str, fill: str | None = None,
                 bold: bool = False, italic: bool = False) -> str:
        style = ("font-style: italic; " if italic else "") + ("font-weight: 700; " if bold else "")
        style += f"font-size: {_n(size)}px; font-family: 'DejaVu Sans'; text-anchor: {anchor}"
        if fill:
            style += f"; fill: {fill.lower()}"
        return f'<text style="{style}" x="{_n(x)}" y="{_n(y)}">{_esc(s)}</text>'

    def text(self, x: float, y: float, s: str, size: float, ha: str, va: str, fill: str | None = None,
             bold: bool = False, italic: bool = False, linespacing: float | None = None) -> None:
        """matplotlib's Text layout: each line's ascent and descent (ink, at least the font's, or
        with a fixed line spacing the font's line height shared out around the ink), stacked from
        the top; va top / bottom anchors the first line's top or the last line's bottom."""
        m = _metrics()
        lines = s.split("\n")
        A, D = m.ascender * size, m.descender * size
        gap = m.line_gap * size if len(lines) > 1 else 0.0
        metrics = []
        for line in lines:
            a, d = m.ink(line, size, bold, italic) if line else (0.0, 0.0)
            if linespacing is None:
                a, d = max(a, A) + gap / 2, max(d, D) + gap / 2
            else:
                lead = linespacing * (A + D) - (a + d)
                a, d = a + lead / 2, d + lead / 2
            metrics.append((a, d))
        baselines, cur = [], 0.0
        for a, d in metrics:
            baselines.append(cur + a)
            cur += a + d
        # va top: the first line's top at y; bottom: the last line's descent ends at y; center: between
        shift = (y if va == "top" else y - cur if va == "bottom" else y - baselines[0] if va == "baseline"
                 else y - cur / 2)
        for line, b in zip(lines, baselines):
            if ha == "middle" and len(lines) > 1:  # matplotlib centres each line itself: start at centre - width / 2
                w = m.measure(line, size, bold, italic)[0] if line else 0.0
                self.out.append(self._text_el(x - w / 2, shift + b, line, size, "start", fill, bold, italic))
            else:
                self.out.append(self._text_el(x, shift + b, line, size, ha, fill, bold, italic))

    def layout(self, s: str, size: float) -> tuple[float, list[float], float]:
        """matplotlib's layout of a text of default line spacing: (height, line baselines from the
        top, descent below the last baseline)."""
        m = _metrics()
        lines = s.split("\n")
        A, D = m.ascender * size, m.descender * size
        gap = m.line_gap * size if len(lines) > 1 else 0.0
        cur, baselines, d = 0.0, [], 0.0
        for line in lines:
            a, d = m.ink(line, size, False, False) if line else (0.0, 0.0)
            a, d = max(a, A) + gap / 2, max(d, D) + gap / 2
            baselines.append(cur + a)
            cur += a + d
        return cur, baselines, d

    def svg(self) -> str:
        body = "\n".join(self.out)
        return (f'<svg class="chart" role="img" xmlns:xlink="http://www.w3.org/1999/xlink" width="{_n(self.w)}pt" '
                f'height="{_n(self.h)}pt" viewBox="0 0 {_n(self.w)} {_n(self.h)}" xmlns="http://www.w3.org/2000/svg" '
                f'version="1.1">\n<defs><style type="text/css">*{{stroke-linejoin: round; stroke-linecap: butt}}</style></defs>\n'
                f'{body}\n<defs><clipPath id="{self.clip}"><rect x="{_n(self.x0)}" y="{_n(self.y0)}" '
                f'width="{_n(self.x1 - self.x0)}" height="{_n(self.y1 - self.y0)}"/></clipPath></defs>\n</svg>\n')


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def indicator_chart_mpl(hist: dict, title: str, salt: str) -> str | None:
    """The indicator's value in every published year, its target in the years the goal model had it,
    the peer median and the national value. The legend is printed once per goal, in the HTML."""
    if not hist or not (hist["values"] or hist["targets"]):
        return None
    with matplotlib.rc_context(RC):
        fig = _fig(2.2, 1.55)
        ax = fig.add_subplot()
        years, values, runs, hidden = _value_runs(hist)
        for run in runs:
            ax.plot([p[0] for p in run], [p[1] for p in run], color=PALETTE[0], marker="o", ms=3.2, lw=1.5, zorder=3)
        for y, t in sorted(hist["targets"].items()):
            ax.hlines(t, y - 0.4, y + 0.4, colors=PALETTE[1], linestyles="--", lw=1.3, zorder=2)
        if hist["peers"]:
            ps = sorted(hist["peers"].items())
            ax.plot([p[0] for p in ps], [p[1] for p in ps], color=PALETTE[2], marker="s", ms=2.8, lw=1.0, ls=":", zorder=2)
        if hist["national"]:
            ns = sorted(hist["national"].items())
            ax.plot([p[0] for p in ns], [p[1] for p in ns], color=GREY, marker="^", ms=2.8, lw=0.9, ls="-.", zorder=1)
        _year_axis(ax, years)
        ax.margins(y=0.3)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.yaxis.set_major_formatter(FuncFormatter(_decimal))
        ax.tick_params(labelsize=6.3, length=2)
        ax.grid(axis="y", color="#E5E5E5", lw=0.6)
        for y in hidden:
            ax.text(y, 0.04, fmt.SUPPRESSED, transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                    fontsize=5.8, color=GREY, style="italic")
        if not values and not hidden:
            ax.text(0.5, 0.93, "inget publicerat värde", transform=ax.transAxes, ha="center", va="top",
                    fontsize=6.5, color=GREY, style="italic")
        fig.text(0.03, 0.97, _wrap_lines(title, 36, 3), ha="left", va="top", fontsize=6.2, fontweight="bold",
                 linespacing=1.15)
        fig.subplots_adjust(left=0.17, right=0.97, top=0.72, bottom=0.14)
    return _svg(fig, salt)


def _wrap_lines(text: str, width: int, lines: int) -> str:
    out = textwrap.wrap(text, width)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return "\n".join(out)


def unit_bars(hme: dict, salt: str, per_chart: int = 30) -> list[str]:
    """HME per unit as horizontal bars in tree order; suppressed units get the words, no bar.

    At most `per_chart` units a chart (30 fit on an A4 page under the section's heading), in
    charts of even size: 39 units are 20 + 19, not 30 + 9, and never a heading alone on a page.
    Written as SVG directly like the indicator charts (`unit_bars_mpl` is the matplotlib figure
    it replaces: same geometry, ticks and text placement)."""
    rows = hme["rows"]
    out = []
    n_charts = max(1, -(-len(rows) // per_chart))
    per_chart = -(-len(rows) // n_charts) if rows else per_chart
    total = next((r for r in rows if r["total"] and r["value"] is not None and not r["suppressed"]), None)
    for start in range(0, len(rows), per_chart):
        chunk = rows[start:start + per_chart]
        h_in = 0.6 + 0.2 * len(chunk)
        plot = _Plot(6.6, h_in, left=0.36, right=0.93, top=1 - 0.15 / h_in, bottom=0.45 / h_in, salt=f"{salt}-{start}")
        plot.x_limits(0, 100)
        plot.ylim = (-0.6, len(chunk) - 0.4)
        ys = list(range(len(chunk)))[::-1]
        # drawing order: the whole municipality's line (zorder 0), the axis, the bars, the spines, the texts
        if total:
            plot.vline(total["value"], INK, 0.7, _n(3 * 0.7) + "," + _n(2 * 0.7))
        # the default locator (AutoLocator): at most 9 bins on an axis this wide, steps 1, 2, 2.5, 5, 10
        ticks = plot.ticks_in_view(MaxNLocator(nbins=9, steps=[1, 2, 2.5, 5, 10]).tick_values(0, 100), (0, 100))
        plot.x_ticks(ticks, [_decimal(t) for t in ticks], size=7.5, length=3.5, grid="#E5E5E5")
        plot.x_label("index 0–100", 6.8, GREY)
        plot.draw_axis()
        texts = []
        for y, r in zip(ys, chunk):
            if r["suppressed"] or r["value"] is None:
                texts.append((plot.px(1), plot.py(y), fmt.SUPPRESSED, GREY, False, True))
                continue
            plot.barh(y, r["value"], 0.68, PALETTE[0] if not r["total"] else INK, 0.9 if r["total"] else 0.75)
            texts.append((plot.ax(1.015), plot.py(y), fmt.num(r["value"]), INK, r["total"], False))
        plot.spines()
        for x, y, s, fill, bold, italic in texts:
            plot.text(x, y, s, 6.8, ha="start", va="center", fill=fill, bold=bold, italic=italic)
        for y, r in zip(ys, chunk):
            plot.text((0.015 + 0.018 * r["depth"]) * plot.w, plot.py(y), r["label"], 6.8, ha="start", va="center",
                      fill=INK, bold=r["total"] or r["depth"] == 0)
        out.append(plot.svg())
    return out


def unit_bars_mpl(hme: dict, salt: str, per_chart: int = 30) -> list[str]:
    """HME per unit as horizontal bars in tree order; suppressed units get the words, no bar.

    At most `per_chart` units a chart (30 fit on an A4 page under the section's heading), in
    charts of even size: 39 units are 20 + 19, not 30 + 9, and never a heading alone on a page."""
    rows = hme["rows"]
    out = []
    n_charts = max(1, -(-len(rows) // per_chart))
    per_chart = -(-len(rows) // n_charts) if rows else per_chart
    for start in range(0, len(rows), per_chart):
        chunk = rows[start:start + per_chart]
        with matplotlib.rc_context(RC):
            fig = _fig(6.6, 0.6 + 0.2 * len(chunk))
            ax = fig.add_subplot()
            ys = list(range(len(chunk)))[::-1]
            for y, r in zip(ys, chunk):
                if r["suppressed"] or r["value"] is None:
                    ax.text(1, y, fmt.SUPPRESSED, va="center", ha="left", fontsize=6.8, color=GREY, style="italic")
                    continue
                color = PALETTE[0] if not r["total"] else INK
                ax.barh(y, r["value"], height=0.68, color=color, alpha=0.9 if r["total"] else 0.75)
                ax.text(1.015, y, fmt.num(r["value"]), transform=blended_transform_factory(ax.transAxes, ax.transData),
                        va="center", ha="left", fontsize=6.8, color=INK, fontweight="bold" if r["total"] else "normal",
                        clip_on=False)
            ax.set_yticks([])
            lab = blended_transform_factory(fig.transFigure, ax.transData)
            for y, r in zip(ys, chunk):
                ax.text(0.015 + 0.018 * r["depth"], y, r["label"], transform=lab, ha="left", va="center",
                        fontsize=6.8, color=INK, fontweight="bold" if r["total"] or r["depth"] == 0 else "normal",
                        clip_on=False)
            total = next((r for r in rows if r["total"] and r["value"] is not None and not r["suppressed"]), None)
            if total:
                ax.axvline(total["value"], color=INK, lw=0.7, ls=(0, (3, 2)), zorder=0)
            ax.set_xlim(0, 100)
            ax.set_ylim(-0.6, len(chunk) - 0.4)
            ax.xaxis.set_major_formatter(FuncFormatter(_decimal))
            ax.grid(axis="x", color="#E5E5E5", lw=0.6)
            ax.set_axisbelow(True)
            ax.tick_params(axis="y", length=0)
            ax.set_xlabel("index 0–100", fontsize=6.8, color=GREY)
            fig.subplots_adjust(left=0.36, right=0.93, top=1 - 0.15 / fig.get_figheight(),
                                bottom=0.45 / fig.get_figheight())
        out.append(_svg(fig, f"{salt}-{start}"))
    return out


def survey_panels(panels: list[dict], salt: str) -> str | None:
    """The citizen survey: one panel per unit (index before 2021, percent from 2021) with a visible
    break between them; a series never crosses from one panel to the other.

    Written as SVG directly like the other charts (`survey_panels_mpl` is the matplotlib figure it
    replaces): its gridspec, AutoLocator ticks, titles, the legend under each panel (matplotlib's
    packing of handles and wrapped labels) and the cut marks."""
    if not panels:
        return None
    widths, fig_w, n_leg = _survey_layout(panels)
    h_in = 2.1 + 0.13 * n_leg
    legend_h = (0.2 + 0.13 * n_leg) / h_in
    left, right, top, bottom = 0.07, 0.98, 0.9, legend_h + 0.09
    # GridSpec(1, n, width_ratios=widths, wspace=0.42).get_grid_positions
    cell = (right - left) / (len(panels) + 0.42 * (len(panels) - 1))
    norm = cell * len(panels) / sum(widths)
    x = left
    plots = []
    for k, (p, w) in enumerate(zip(panels, widths)):
        if k:
            x += 0.42 * cell
        plot = _Plot(fig_w, h_in, left=x, right=x + w * norm, top=top, bottom=bottom, salt=f"{salt}-{k}")
        x += w * norm
        plots.append(plot)
    out = [plots[0].out[0]]  # the figure's background, once
    clips = []
    for k, (plot, p, w) in enumerate(zip(plots, panels, widths)):
        chars = _chars(fig_w, w, sum(widths))
        plot.out = [f'<path d="M {_n(plot.x0)} {_n(plot.y1)} L {_n(plot.x1)} {_n(plot.y1)} L {_n(plot.x1)} {_n(plot.y0)} '
                    f'L {_n(plot.x0)} {_n(plot.y0)} z" style="fill: #ffffff"/>']
        plot.axis = []
        years = p["years"]
        plot.x_limits(min(years) - 0.5, max(years) + 0.5) if years else plot.x_limits(-0.055, 0.055)
        plot.ylim = (0.0, 100.0)
        if len(years) <= 8:
            plot.x_ticks(years, [str(y) for y in years], size=7.5, length=3.5)
        else:
            ticks = plot.ticks_in_view(MaxNLocator(integer=True, nbins=8).tick_values(*plot.xlim), plot.xlim)
            plot.x_ticks(ticks, [str(int(t)) for t in ticks], size=7.5, length=3.5)
        # the y axis's AutoLocator: as many bins as 2 tick labels' heights fit, at most 9
        nbins = max(1, min(9, int((plot.y1 - plot.y0) // (7.5 * 2))))
        yticks = plot.ticks_in_view(MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]).tick_values(0, 100), (0, 100))
        plot.y_ticks(yticks, [_decimal(t) for t in yticks], grid="#E5E5E5", size=7.5, length=3.5)
        plot.draw_axis()
        entries = []
        for i, s in enumerate(p["series"]):
            pts = [(y, s["values"][y][0]) for y in years
                   if y in s["values"] and not s["values"][y][1] and s["values"][y][0] is not None]
            if not pts:
                continue
            style = STYLES[i % 4]
            dash = None if style == "-" else _dashes(style, 1.3)
            plot.line(pts, PALETTE[i % 8], 1.3, dash=dash, marker=MARKERS[i % 8], ms=3.5)
            entries.append(("\n".join(textwrap.wrap(s["label"], chars)[:2]), PALETTE[i % 8], MARKERS[i % 8], dash))
        cut = [("left" if k + 1 < len(plots) else None), ("right" if k > 0 else None)]
        if cut[1]:  # the cut mark on this panel's left edge (drawn with the lines, zorder 2)
            plot.markers_at([(plot.x0, plot.y1)], [(-1, -1.6), (1, 1.6)], 9, INK, clip=False)
        if cut[0]:
            plot.markers_at([(plot.x1, plot.y1)], [(-1, -1.6), (1, 1.6)], 9, INK, clip=False)
        plot.spines()
        plot.text(plot.x0, plot.y0 - 6, "Betygsindex 0–100" if p["unit"] == "index" else "Andel positiva svar, %",
                  8, ha="start", va="baseline", bold=True)
        _legend(plot, entries, fontsize=6.0)
        out += plot.out
        clips.append(plot)
    for lp, rp in zip(plots[:-1], plots[1:]):
        # the words in the gap between two panels
        lp.out = []
        lp.text((lp.x1 + rp.x0) / 2, lp.y1 - 0.55 * (lp.y1 - lp.y0), "ny enkät\nfrån 2021:\nannat mått,\nej jämförbart",
                6.0, ha="middle", va="center", fill=GREY, italic=True)
        out += lp.out
    first = plots[0]
    first.out = out
    defs = "".join(f'<clipPath id="{p.clip}"><rect x="{_n(p.x0)}" y="{_n(p.y0)}" width="{_n(p.x1 - p.x0)}" '
                   f'height="{_n(p.y1 - p.y0)}"/></clipPath>' for p in clips[1:])
    return first.svg().replace("</clipPath></defs>", f"</clipPath>{defs}</defs>", 1)


def _legend(plot: "_Plot", entries: list[tuple], fontsize: float) -> None:
    """ax.legend(loc="upper left", bbox_to_anchor=(-0.12, -0.1), ncol=1, fontsize, handlelength=2.4,
    labelspacing=0.35), no frame: matplotlib's packing (borderaxespad 0.5, borderpad 0.4,
    handletextpad 0.8, handleheight 0.7, one marker in the middle of each handle line)."""
    if not entries:
        return
    fs = fontsize
    x = plot.ax(-0.12) + 0.5 * fs + 0.4 * fs
    top = plot.ay(-0.1) + 0.5 * fs + 0.4 * fs
    m = _metrics()
    lp_a = m.ink("lp", fs, False, False)[0]
    hl, hh = 2.4 * fs, 0.7 * fs
    for label, color, marker, dash in entries:
        height, baselines, last_d = plot.layout(label, fs)
        # TextArea(multilinebaseline=True): its descent is at least half its height less half of "lp"'s
        descent = max(0.5 * height - 0.5 * lp_a, last_d)
        above = max(height - descent, hh)  # the handle's box sits on the same baseline
        base = top + above
        y = base - hh / 2  # the handle line in the middle of its box
        pts = [(x, y), (x + hl / 2, y), (x + hl, y)]
        d = " ".join(f"{'M' if i == 0 else 'L'} {_n(a)} {_n(b)}" for i, (a, b) in enumerate(pts))
        style = "fill: none; " + (f"stroke-dasharray: {dash}; stroke-dashoffset: 0; " if dash else "")
        style += f"stroke: {color.lower()}; stroke-width: 1.3" + ("" if dash else "; stroke-linecap: square")
        plot.out.append(f'<path d="{d}" style="{style}"/>')
        plot.markers_at([(x + hl / 2, y)], marker, 3.5, color, clip=False)
        text_top = base - (height - descent)
        for line, b in zip(label.split("\n"), baselines):
            plot.out.append(plot._text_el(x + hl + 0.8 * fs, text_top + b, line, fs, "start"))
        top = base + descent + 0.35 * fs


def survey_panels_mpl(panels: list[dict], salt: str) -> str | None:
    """The citizen survey: one panel per unit (index before 2021, percent from 2021) with a visible
    break between them; a series never crosses from one panel to the other."""
    if not panels:
        return None
    widths, fig_w, n_leg = _survey_layout(panels)
    with matplotlib.rc_context(RC):
        fig = _fig(fig_w, 2.1 + 0.13 * n_leg)
        legend_h = (0.2 + 0.13 * n_leg) / fig.get_figheight()
        fig.subplots_adjust(left=0.07, right=0.98, top=0.9, bottom=legend_h + 0.09)
        gs = fig.add_gridspec(1, len(panels), width_ratios=widths, wspace=0.42)
        axes = [fig.add_subplot(gs[0, i]) for i in range(len(panels))]
        for k, (ax, p, w) in enumerate(zip(axes, panels, widths)):
            chars = _chars(fig_w, w, sum(widths))
            for i, s in enumerate(p["series"]):
                pts = [(y, s["values"][y][0]) for y in p["years"]
                       if y in s["values"] and not s["values"][y][1] and s["values"][y][0] is not None]
                if not pts:
                    continue
                label = "\n".join(textwrap.wrap(s["label"], chars)[:2])
                ax.plot([q[0] for q in pts], [q[1] for q in pts], color=PALETTE[i % 8], marker=MARKERS[i % 8],
                        ms=3.5, lw=1.3, ls=STYLES[i % 4], label=label)
            _year_axis(ax, p["years"])
            ax.set_ylim(0, 100)
            ax.yaxis.set_major_formatter(FuncFormatter(_decimal))
            ax.grid(axis="y", color="#E5E5E5", lw=0.6)
            ax.set_title("Betygsindex 0–100" if p["unit"] == "index" else "Andel positiva svar, %", loc="left")
            ax.legend(loc="upper left", bbox_to_anchor=(-0.12, -0.1), ncol=1, fontsize=6.0, handlelength=2.4,
                      labelspacing=0.35)
        if len(axes) > 1:
            # the break: cut marks on the facing edges, and the words in the gap
            for left, right in zip(axes[:-1], axes[1:]):
                left.spines["right"].set_visible(False)
                kw = dict(marker=[(-1, -1.6), (1, 1.6)], markersize=9, linestyle="none", color=INK, mec=INK,
                          mew=1, clip_on=False)
                left.plot([1], [0], transform=left.transAxes, **kw)
                right.plot([0], [0], transform=right.transAxes, **kw)
                bl, br = left.get_position(), right.get_position()
                fig.text((bl.x1 + br.x0) / 2, bl.y0 + 0.55 * (bl.y1 - bl.y0),
                         "ny enkät\nfrån 2021:\nannat mått,\nej jämförbart",
                         ha="center", va="center", fontsize=6.0, color=GREY, style="italic")
    return _svg(fig, salt)


def _survey_layout(panels: list[dict]) -> tuple[list[float], float, int]:
    """The citizen survey chart's panel widths (years, at least 1.6), figure width (inches) and
    legend lines (the tallest panel's, each label wrapped to at most two lines); one for the SVG
    chart and its matplotlib reference."""
    widths = [max(len(p["years"]), 1.6) for p in panels]
    fig_w = 6.6
    n_leg = max(sum(min(2, len(textwrap.wrap(s["label"], _chars(fig_w, w, sum(widths))))) for s in p["series"])
                for p, w in zip(panels, widths))
    return widths, fig_w, n_leg


def _chars(fig_w: float, w: float, total: float) -> int:
    """How many legend characters fit under a panel of relative width w."""
    return max(24, int(fig_w * w / total * 15))
