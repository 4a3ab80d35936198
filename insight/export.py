"""One figure of the unit's picture as CSV: the table beside its plot, hidden cells included
as hidden ("<5" in the reader's words)."""

import csv
import io
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from insight.figures import Picture
from insight.suppression import SUPPRESSED
from insight.tables import Figure


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if value == SUPPRESSED:
        return _("fewer than 5")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def figure_csv(figure: Figure, picture: Picture) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(column.label) for column in figure.columns])
    for row in figure.rows(picture):
        writer.writerow([cell_text(row.get(column.key)) for column in figure.columns])
    return out.getvalue()
