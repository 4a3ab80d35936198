"""The unit's picture for its coordinators: meetings, reminders, help now, the waiting list
and feedback over time, each as a plot with its numbers in a table and a CSV download."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from insight.export import figure_csv
from insight.figures import Picture, unit_picture
from insight.ranges import InsightRange, insight_range
from insight.suppression import SUPPRESSED
from insight.tables import BY_KEY, FIGURES, Column, Figure
from web.decorators import coordinator_required, user_tz
from web.forms_insight import InsightRangeForm
from web.insight_svg import bar_chart


@dataclass
class ShownFigure:
    figure: Figure
    plot: SafeString
    head: list[str]
    rows: list[list[str]]
    csv_query: str


def _range(request: HttpRequest) -> tuple[InsightRangeForm, InsightRange]:
    """The range asked for; a range that cannot be shown falls back to the default, with the
    reason on the form."""
    tz = user_tz(request.user)
    today = timezone.now().astimezone(tz).date()
    form = InsightRangeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            return form, insight_range(first=data["from"], last=data["to"], by=data["by"], today=today, tz=tz)
        except ApplicationError as exc:
            for name, errors in (exc.fields or {}).items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
    rng = insight_range(first=None, last=None, by=None, today=today, tz=tz)
    if not form.is_bound:
        # Show the range the page is for, so the next choice starts from it.
        form = InsightRangeForm(initial={"from": rng.first, "to": rng.last, "by": rng.by})
    return form, rng


def period_label(value: date, by: str) -> str:
    if by == "week":
        return _("week %(week)s") % {"week": value.isocalendar().week}
    return formats.date_format(value, "n/Y")


def _text(value: Any, column: Column, by: str) -> str:
    if value is None:
        return "–"
    if value == SUPPRESSED:
        return _("fewer than 5")
    if column.kind == "label":
        if isinstance(value, date):
            if column.key == "month":
                return formats.date_format(value, "F Y")
            return f"{period_label(value, by)} ({formats.date_format(value, 'j.n.Y')})"
        if column.key == "hour":
            return f"{value:02d}–{(value + 1) % 24:02d}"
        return str(value)
    if column.kind == "percent":
        return f"{formats.number_format(value, 1)} %"
    if column.kind in ("minutes", "days", "average"):
        return formats.number_format(value, 1)
    return str(value)


def _category(row: dict[str, Any], column: Column, by: str) -> str:
    value = row.get(column.key)
    if isinstance(value, date):
        return period_label(value, "month" if column.key == "month" else by)
    if column.key == "hour":
        return f"{value:02d}"
    return str(value)[:12]


def _show(figure: Figure, picture: Picture, query: str) -> ShownFigure:
    by = picture.range.by
    rows = figure.rows(picture)
    label = figure.columns[0]
    columns = {c.key: c for c in figure.columns}
    plot = bar_chart(
        title=str(figure.title),
        categories=[_category(row, label, by) for row in rows],
        series=[(str(columns[key].label), [row.get(key) for row in rows]) for key in figure.plotted],
        percent=columns[figure.plotted[0]].kind == "percent",
    )
    return ShownFigure(
        figure=figure,
        plot=plot,
        head=[str(c.label) for c in figure.columns],
        rows=[[_text(row.get(c.key), c, by) for c in figure.columns] for row in rows],
        csv_query=query,
    )


def _query(rng: InsightRange) -> str:
    return urlencode({"from": rng.first.isoformat(), "to": rng.last.isoformat(), "by": rng.by})


@coordinator_required
def unit_insight(request: HttpRequest) -> HttpResponse:
    form, rng = _range(request)
    picture = unit_picture(coordinator=request.user, rng=rng)
    query = _query(rng)
    shown = [_show(figure, picture, query) for figure in FIGURES]
    return render(request, "web/insight.html", {"form": form, "range": rng, "figures": shown})


@coordinator_required
def unit_insight_csv(request: HttpRequest, key: str) -> HttpResponse:
    figure = BY_KEY.get(key)
    if figure is None:
        raise Http404
    _form, rng = _range(request)
    picture = unit_picture(coordinator=request.user, rng=rng)
    response = HttpResponse(figure_csv(figure, picture), content_type="text/csv; charset=utf-8")
    name = f"{key}-{rng.first.isoformat()}-{rng.last.isoformat()}-{rng.by}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
