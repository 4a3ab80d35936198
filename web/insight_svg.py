"""Plots of the unit's picture as SVG drawn on the server: no JavaScript, text in the page's
language, and the numbers in a table beside each (the plot is a picture of that table)."""

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from insight.suppression import SUPPRESSED

WIDTH = 720
HEIGHT = 280
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 36, 44
# Colours that differ for common colour blindness (Okabe–Ito), each with a dark enough shade
# against white; the legend names them and the table holds the numbers.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#6A3D9A")


def _f(value: float) -> str:
    return f"{value:.1f}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    step = 10 ** (len(str(int(value))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * step:
            return factor * step
    return 10 * step


def _number(value: Any) -> float | None:
    if value is None or value == SUPPRESSED:
        return None
    return float(value)


def _axis(*, top: float, percent: bool, plot_h: float) -> list[str]:
    parts: list[str] = []
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        tick = top * i / 4
        text = f"{tick:g}{' %' if percent else ''}"
        parts.append(
            format_html('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d0d0d0"/>', LEFT, WIDTH - RIGHT, _f(y), _f(y))
        )
        parts.append(
            format_html('<text x="{}" y="{}" text-anchor="end" font-size="11">{}</text>', LEFT - 4, _f(y + 4), text)
        )
    return parts


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Any]]],
    percent: bool = False,
) -> SafeString:
    """A grouped bar chart: one group per category (period, hour, worker), one bar per series.
    Hidden and missing values draw no bar."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    values = [n for _label, data in series for v in data if (n := _number(v)) is not None]
    top = 100.0 if percent else _nice_max(max(values, default=0))
    parts = _axis(top=top, percent=percent, plot_h=plot_h)
    count = max(1, len(categories))
    group_w = plot_w / count
    bar_w = max(1.0, group_w * 0.8 / max(1, len(series)))
    every = max(1, round(count / 12))
    for c, label in enumerate(categories):
        x0 = LEFT + c * group_w + group_w * 0.1
        for s, (_name, data) in enumerate(series):
            value = _number(data[c]) if c < len(data) else None
            if value is None:
                continue
            h = plot_h * min(value, top) / top
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    _f(x0 + s * bar_w),
                    _f(TOP + plot_h - h),
                    _f(bar_w),
                    _f(h),
                    COLOURS[s % len(COLOURS)],
                )
            )
        if c % every == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text>',
                    _f(LEFT + c * group_w + group_w / 2),
                    HEIGHT - BOTTOM + 16,
                    label,
                )
            )
    x = LEFT
    for s, (name, _data) in enumerate(series):
        parts.append(format_html('<rect x="{}" y="8" width="12" height="12" fill="{}"/>', x, COLOURS[s % len(COLOURS)]))
        parts.append(format_html('<text x="{}" y="18" font-size="12">{}</text>', x + 16, name))
        x += 24 + 7 * len(name)
    body = "".join(parts)
    return mark_safe(  # noqa: S308  (every piece above is built with format_html, which escapes)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" class="plot" focusable="false">{body}</svg>'
    )
