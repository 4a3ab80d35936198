"""Querysets built and compiled once, then run again as plain SQL.

Building and compiling a queryset costs about a millisecond of CPU on a small server;
running the SQL it produces costs a tenth of that. The few queries on the hottest paths
(signing in with a token, a meeting type with its permission check) are therefore built
with the ORM once per shape, with stand-in values where the parameters go, and every later
call runs the same SQL with the real values. The queryset stays the one source of the
query's rules; only its compilation is remembered.

Parameters are whole values (ids, keys) compared by equality. A queryset whose SQL changes
with a parameter's value rather than only its position (``None`` becoming ``IS NULL``, a
list of varying length) must put that difference into ``key``.
"""

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Model, QuerySet

_compiled: dict[tuple, tuple[str, tuple[int | None, ...], tuple[Any, ...], dict]] = {}


def _stand_in(index: int, value: object) -> int | str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ImproperlyConfigured("Prepared query parameters must be integers or strings.")
    # Values no real row or request uses, so each can be found again among the parameters.
    return -7_000_000_017 - index if isinstance(value, int) else f"~stand-in-{index}~"


def _compile(build: Callable[..., QuerySet], args: Sequence[int | str | None], using: str) -> tuple:
    stand_ins = [None if a is None else _stand_in(i, a) for i, a in enumerate(args)]
    queryset = build(*stand_ins)
    compiler = queryset.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    positions: list[int | None] = []
    for param in params:
        found = next(
            (i for i, s in enumerate(stand_ins) if s is not None and type(param) is type(s) and param == s), None
        )
        positions.append(found)
    if {i for i, a in enumerate(args) if a is not None} - set(positions):
        raise ImproperlyConfigured("A prepared query's parameter did not reach the SQL unchanged.")
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = compiler.get_converters(fields)
    return sql, tuple(positions), tuple(params), converters


def rows(
    name: str,
    build: Callable[..., QuerySet],
    args: Sequence[int | str | None],
    *,
    key: Hashable = None,
    using: str = "default",
) -> list[tuple]:
    """Rows of ``build(*args)`` (a ``values_list`` queryset), compiled once per ``(name, key)``.

    A ``None`` argument is passed to ``build`` as it is (``IS NULL``, or not used by this
    shape) and is part of the shape, not a parameter."""
    shape = (f"{using}:{name}", key, tuple(a is None for a in args))
    entry = _compiled.get(shape)
    if entry is None:
        entry = _compile(build, args, using)
        _compiled[shape] = entry
    sql, positions, params, converters = entry
    values = [args[p] if p is not None else params[i] for i, p in enumerate(positions)]
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        result = cursor.fetchall()
    if converters:
        # What the compiler's apply_converters does, with this thread's connection.
        converted = []
        for row in result:
            row = list(row)
            for pos, (functions, expression) in converters.items():
                value = row[pos]
                for function in functions:
                    value = function(value, expression, connection)
                row[pos] = value
            converted.append(tuple(row))
        result = converted
    return result


def field_paths(model: type[Model], prefix: str = "") -> list[str]:
    """The ``values_list`` paths of a model's concrete columns, for :func:`instance`."""
    return [f"{prefix}{field.attname}" for field in model._meta.concrete_fields]


def instance(model: type[Model], values: Sequence[Any], using: str = "default") -> Model:
    """A model instance from a row's values in :func:`field_paths` order, as the ORM makes it."""
    return model.from_db(using, [field.attname for field in model._meta.concrete_fields], list(values))
