"""Querysets that note who saw which person's rows (``audit.log``) when they run.

A model whose rows are a person's information uses ``AuditedQuerySet`` as its manager; its
selectors call ``audited(viewer=…, what=…)`` on what they return to staff and peers. Nothing
is noted until the rows are fetched (a count or an existence check shows no information),
and only rows that come back are noted: the log says what was shown, not what was asked.
"""

from collections.abc import Callable
from typing import Any, Self

from django.db import models
from django.db.models.query import ModelIterable

from audit import log


class AuditedQuerySet(models.QuerySet):
    # (viewer, what, the person a row is about, whether rows are being changed)
    _audit: tuple[Any, str, Callable[[Any], int | None], bool] | None = None
    # How to find the person a row is about; set by each model (``audited_by``).
    subject_of: Callable[[Any], int | None] = staticmethod(lambda row: None)

    def audited(self, *, viewer: Any, what: str, change: bool = False) -> Self:
        """This queryset, noting for ``viewer`` the people its rows are about when it runs."""
        if not log.watches(viewer):
            return self
        clone = self._chain()
        clone._audit = (viewer, what, type(self).subject_of, change)
        return clone

    def _clone(self) -> Self:
        clone = super()._clone()
        clone._audit = self._audit
        return clone

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._audit is not None and self._iterable_class is ModelIterable:
            viewer, what, subject_of, change = self._audit
            log.saw(
                viewer=viewer,
                what=what,
                subjects=[(subject_of(row), row.pk) for row in self._result_cache],
                change=change,
            )


def audited_by(subject_of: Callable[[Any], int | None]) -> models.Manager:
    """A manager whose querysets can be ``audited``; ``subject_of(row)`` is the person a row is
    about (``lambda a: a.client_id``), read without a query."""
    queryset = type("AuditedQuerySet", (AuditedQuerySet,), {"subject_of": staticmethod(subject_of)})
    return queryset.as_manager()
