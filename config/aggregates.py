"""SQL aggregates Django does not ship: percentiles for the insight figures."""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, DurationField, Expression, FloatField
from django.db.models.sql.compiler import SQLCompiler


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``: the
    interpolated percentile of the group, for numbers or intervals.

    SQLite has no ordered-set aggregates; there it answers NULL (shown as "–"), so a page on a
    development database works and PostgreSQL, which production runs, gives the figure."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression: Any, *, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def _resolve_output_field(self) -> Any:
        source = self.get_source_expressions()[0]
        if isinstance(getattr(source, "output_field", None), DurationField):
            return DurationField()
        return FloatField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        return "NULL", []


def percentile(expression: Expression | str, fraction: float, **extra: Any) -> Percentile:
    return Percentile(expression, fraction=fraction, **extra)
