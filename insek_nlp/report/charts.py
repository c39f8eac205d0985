"""Inline SVG charts for the HTML report: no JavaScript, no external files, printable.

Every label is XML-escaped (labels can come from citizen text); the functions
return :class:`markupsafe.Markup`, so the template inserts them unchanged.
"""

from __future__ import annotations

from markupsafe import Markup, escape

LEVEL_COLOURS = {"stark": "#2e7d32", "erwähnt": "#f9a825", "fehlt": "#c62828"}
_FONT = "font-family:'DejaVu Sans',Arial,sans-serif;font-size:11px"


def _text(x: float, y: float, s: str, *, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {extra}>{escape(s)}</text>'


def _svg_open(width: float, height: float) -> str:
    # Scales down to the page width on screen and in print, never up.
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
            f'style="{_FONT};width:100%;max-width:{width}px;height:auto">')


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def coverage_heatmap(coverage: dict) -> Markup:
    """Documents (columns) × themes (rows); colour = level, number = assigned passages."""
    docs = coverage["documents"]
    themes = coverage["themes"]
    if not docs or not themes:
        return Markup("")
    label_w, cell_w, cell_h, head_h = 330, 80, 22, 150
    width = label_w + cell_w * len(docs) + 150  # room for the last rotated header
    height = head_h + cell_h * len(themes) + 10
    parts = [_svg_open(width, height), "<title>Themenabdeckung je Dokument und Thema</title>"]
    for j, d in enumerate(docs):
        x = label_w + j * cell_w + cell_w / 2
        parts.append(_text(x, head_h - 6, _short(d["label"], 28), extra=f'transform="rotate(-40 {x:.1f} '
                                                                           f'{head_h - 6})"'))
    for i, (tid, label) in enumerate(themes):
        y = head_h + i * cell_h
        parts.append(_text(label_w - 6, y + cell_h * 0.68, _short(label, 52), anchor="end"))
        for j, d in enumerate(docs):
            cell = coverage["cells"].get((d["id"], tid))
            if cell is None:
                continue
            colour = LEVEL_COLOURS[cell["level"]]
            opacity = 0.35 if d["kind"] == "comments" else 0.9
            x = label_w + j * cell_w
            parts.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{colour}" '
                         f'fill-opacity="{opacity}"><title>{escape(d["label"])} – {escape(label)}: '
                         f'{escape(cell["level"])}, {cell["n"]}</title></rect>')
            parts.append(_text(x + cell_w / 2, y + cell_h * 0.68, f"{cell['level']} {cell['n']}", anchor="middle",
                               extra='fill="#000"' if cell["level"] == "erwähnt" else 'fill="#fff"'))
    parts.append("</svg>")
    return Markup("".join(parts))


def grouped_bars(rows: list[tuple[str, list[int]]], series: list[tuple[str, str]], *, title: str) -> Markup:
    """Horizontal grouped bars: one group per row label, one bar per series (name, colour)."""
    if not rows:
        return Markup("")
    label_w, bar_h, gap, plot_w = 230, 11, 8, 420
    group_h = bar_h * len(series) + gap
    legend_h = 22
    height = legend_h + group_h * len(rows) + 10
    width = label_w + plot_w + 60
    vmax = max((v for _, vals in rows for v in vals), default=0) or 1
    parts = [_svg_open(width, height), f"<title>{escape(title)}</title>"]
    x = label_w
    for name, colour in series:
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 16, 14, name))
        x += 16 + 7 * len(name) + 20
    for i, (label, vals) in enumerate(rows):
        y0 = legend_h + i * group_h
        parts.append(_text(label_w - 6, y0 + group_h / 2, _short(label, 34), anchor="end"))
        for k, ((name, colour), v) in enumerate(zip(series, vals)):
            w = plot_w * v / vmax
            y = y0 + k * bar_h
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 1}" fill="{colour}">'
                         f"<title>{escape(label)} – {escape(name)}: {v}</title></rect>")
            parts.append(_text(label_w + w + 4, y + bar_h - 2, str(v)))
    parts.append("</svg>")
    return Markup("".join(parts))
