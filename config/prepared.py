"""Querysets built and compiled once, then run again as plain SQL.

Building and compiling a queryset costs about a millisecond of CPU on a small server;
running the SQL it produces costs a tenth of that. The few queries on the hottest paths
(signing in with a token, a meeting type with its permission check) are therefore built
with the ORM once per shape, with stand-in values where the parameters go, and every later
call runs the same SQL with the real values. The queryset stays the one source of the
query's rules; only its compilation is remembered.

Parameters are whole values (ids, keys, aware datetimes) that reach the SQL unchanged:
``build`` must not compute with them (pass ``start - margin`` as a parameter of its own),
and a datetime that is not a parameter is refused, since it would be frozen into the SQL.
A queryset whose SQL changes with a parameter's value rather than only its position (a
list of varying length) must put that difference into ``key``.
"""

from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections
from django.db.models import Model, QuerySet

_MISSING = object()
_compiled: dict[tuple, tuple[str, tuple[int | None, ...], tuple[Any, ...], dict] | None] = {}


Arg = int | str | datetime | None


def _stand_in(index: int, value: object) -> int | str | datetime:
    # Values no real row or request uses, so each can be found again among the parameters.
    if isinstance(value, bool) or not isinstance(value, int | str | datetime):
        raise ImproperlyConfigured("Prepared query parameters must be integers, strings or datetimes.")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ImproperlyConfigured("Prepared query datetimes must be aware.")
        return datetime(1901, 1, 1, tzinfo=UTC) + timedelta(seconds=7 * index + 1)
    return -7_000_000_017 - index if isinstance(value, int) else f"~stand-in-{index}~"


def _adapt(value: Arg, connection: Any) -> Any:
    """A parameter as the ORM hands it to the database driver."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _compile(build: Callable[..., QuerySet], args: Sequence[Arg], using: str) -> tuple:
    connection = connections[using]
    stand_ins = [None if a is None else _stand_in(i, a) for i, a in enumerate(args)]
    adapted = [None if s is None else _adapt(s, connection) for s in stand_ins]
    queryset = build(*stand_ins)
    compiler = queryset.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # e.g. .none(): no rows whatever the values
        return None
    positions: list[int | None] = []
    for param in params:
        found = next(
            (i for i, s in enumerate(adapted) if s is not None and type(param) is type(s) and param == s), None
        )
        # A datetime literal (or its text on SQLite, near the 1901 stand-ins) came from arithmetic.
        if found is None and (isinstance(param, datetime) or (isinstance(param, str) and param[:3] == "190")):
            raise ImproperlyConfigured("A prepared query computed with a datetime parameter; pass the result instead.")
        positions.append(found)
    if {i for i, a in enumerate(args) if a is not None} - set(positions):
        raise ImproperlyConfigured("A prepared query's parameter did not reach the SQL unchanged.")
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = compiler.get_converters(fields)
    return sql, tuple(positions), tuple(params), converters


def rows(
    name: str,
    build: Callable[..., QuerySet],
    args: Sequence[Arg],
    *,
    key: Hashable = None,
    using: str = "default",
) -> list[tuple]:
    """Rows of ``build(*args)`` (a ``values_list`` queryset), compiled once per ``(name, key)``.

    A ``None`` argument is passed to ``build`` as it is (``IS NULL``, or not used by this
    shape) and is part of the shape, not a parameter."""
    shape = (f"{using}:{name}", key, tuple(a is None for a in args))
    entry = _compiled.get(shape, _MISSING)
    if entry is _MISSING:
        entry = _compile(build, args, using)
        _compiled[shape] = entry
    if entry is None:
        return []
    sql, positions, params, converters = entry
    connection = connections[using]
    values = [_adapt(args[p], connection) if p is not None else params[i] for i, p in enumerate(positions)]
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


_inserts: dict[tuple, str] = {}


def insert(objs: Sequence[Model], *, ignore_conflicts: bool = False, using: str = "default") -> None:
    """``bulk_create`` for the hot paths: one INSERT of every column, its SQL built once per
    model and row count. Values are prepared by the model fields as the ORM prepares them
    (defaults, ``auto_now``, JSON, UUIDs). Sends no signals, like ``bulk_create``. Sets the
    primary keys unless conflicts are ignored (then rows may be skipped and keys are unknown).
    """
    if not objs:
        return
    model = type(objs[0])
    opts = model._meta
    connection = connections[using]
    fields = [f for f in opts.concrete_fields if f is not opts.pk or getattr(objs[0], f.attname) is not None]
    shape = (using, model, len(objs), ignore_conflicts, len(fields))
    sql = _inserts.get(shape)
    if sql is None:
        # Only small statements are kept: one per row count, and hot paths insert a few rows.
        qn = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        # Only quoted identifiers of the model and placeholders: no value is in the text.
        sql = (
            f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
            f"VALUES {', '.join([row] * len(objs))}"
        )
        if ignore_conflicts:
            sql += " ON CONFLICT DO NOTHING"
        else:
            sql += f" RETURNING {qn(opts.pk.column)}"
        if len(objs) <= 16:
            _inserts[shape] = sql
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = None if ignore_conflicts else cursor.fetchall()
    for index, obj in enumerate(objs):
        if keys is not None:
            setattr(obj, opts.pk.attname, keys[index][0])
        obj._state.adding = False
        obj._state.db = using
