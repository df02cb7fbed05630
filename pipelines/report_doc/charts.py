"""Charts as inline SVG, drawn with matplotlib (no pyplot: no global state, safe in a server).

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


def indicator_chart(hist: dict, title: str, salt: str) -> str | None:
    """The indicator's value in every published year, its target in the years the goal model had it,
    the peer median and the national value. The legend is printed once per goal, in the HTML."""
    if not hist or not (hist["values"] or hist["targets"]):
        return None
    with matplotlib.rc_context(RC):
        fig = _fig(2.2, 1.55)
        ax = fig.add_subplot()
        years = sorted({y for y, _v, _s in hist["values"]} | set(hist["targets"]) | set(hist["peers"]))
        values = {y: v for y, v, _s in hist["values"] if v is not None}
        hidden = [y for y, v, s in hist["values"] if v is None and s]
        # a gap where a year has no value: never a line across a hidden or missing year
        run: list[tuple[int, float]] = []
        for y in years + [None]:
            if y is not None and y in values:
                run.append((y, values[y]))
                continue
            if run:
                ax.plot([p[0] for p in run], [p[1] for p in run], color=PALETTE[0], marker="o", ms=3.2, lw=1.5, zorder=3)
            run = []
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
    break between them; a series never crosses from one panel to the other."""
    if not panels:
        return None
    widths = [max(len(p["years"]), 1.6) for p in panels]
    fig_w = 6.6
    n_leg = max(sum(min(2, len(textwrap.wrap(s["label"], _chars(fig_w, w, sum(widths))))) for s in p["series"])
                for p, w in zip(panels, widths))
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


def _chars(fig_w: float, w: float, total: float) -> int:
    """How many legend characters fit under a panel of relative width w."""
    return max(24, int(fig_w * w / total * 15))
