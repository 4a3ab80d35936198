"""Triangel's own gauges, computed when Prometheus scrapes (``ops.selectors``), and the length
of the Celery queues in Redis."""

from collections.abc import Iterator
from datetime import datetime

import redis
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ops import selectors

_OUTBOX_KEY = "ops:outbox-counts"


def _age(now_ts: float, then: datetime | None) -> float:
    return max(0.0, now_ts - then.timestamp()) if then is not None else 0.0


def _outbox_counts() -> dict[tuple[str, str], int]:
    """The outbox by status and channel, counted at most every METRICS_OUTBOX_SECONDS per
    process: one GROUP BY over the whole outbox took 0.43 s at a million rows
    (docs/operations.md), too much for every scrape; the backlog's age is read fresh every time."""
    cache = caches["default"]
    counts = cache.get(_OUTBOX_KEY)
    if counts is None:
        counts = [(status, channel, n) for (status, channel), n in selectors.deliveries_by_status_and_channel().items()]
        cache.set(_OUTBOX_KEY, counts, settings.METRICS_OUTBOX_SECONDS)
    return {(status, channel): n for status, channel, n in counts}


class TriangelCollector(Collector):
    """Reads the figures from the database at each scrape (the outbox count at most every
    METRICS_OUTBOX_SECONDS): nothing is counted in a process that a restart or a second
    process would lose."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        ts = now.timestamp()
        yield from self._deliveries(now, ts)
        yield from self._help(now, ts)
        total, failing = selectors.external_calendars()
        yield GaugeMetricFamily("triangel_external_calendars", "Calendars workers have connected.", value=total)
        yield GaugeMetricFamily(
            "triangel_external_calendars_failing",
            "Connected calendars whose last read failed (busy time from them is getting old).",
            value=failing,
        )
        yield from self._queues()

    def _deliveries(self, now: datetime, ts: float) -> Iterator[Metric]:
        # A gauge named _total: rows in the outbox now, by status and channel (the purge takes old
        # ones away, so it can fall); the alert rules in docs/operations.md use its increase.
        rows = GaugeMetricFamily(
            "triangel_deliveries_total", "Messages in the outbox by status and channel.", labels=["status", "channel"]
        )
        for (status, channel), n in sorted(_outbox_counts().items()):
            rows.add_metric([status, channel], n)
        yield rows
        yield GaugeMetricFamily(
            "triangel_deliveries_oldest_due_seconds",
            "Age of the oldest message that is due and not yet claimed for sending (0 when none).",
            value=_age(ts, selectors.deliveries_oldest_due(now=now)),
        )

    def _help(self, now: datetime, ts: float) -> Iterator[Metric]:
        figures = selectors.help_figures(now=now)
        waiting = GaugeMetricFamily(
            "triangel_help_requests_waiting",
            "Requests for help now that nobody has answered, by status (waiting: the unit is closed).",
            labels=["status"],
        )
        oldest = GaugeMetricFamily(
            "triangel_help_requests_oldest_waiting_seconds",
            "Age of the oldest unanswered request for help, by status (0 when none).",
            labels=["status"],
        )
        for status, n in sorted(figures.waiting.items()):
            waiting.add_metric([status], n)
            oldest.add_metric([status], _age(ts, figures.oldest[status]))
        yield waiting
        yield oldest
        yield GaugeMetricFamily(
            "triangel_help_requests_escalation_overdue_seconds",
            "How long the oldest due escalation step has waited for the sweep (0 when none is due).",
            value=_age(ts, figures.escalation_due),
        )
        yield GaugeMetricFamily(
            "triangel_help_requests_unanswered_after_escalation",
            "Requests whose whole duty chain, the leader last, was alerted without anyone answering.",
            value=figures.unanswered_after_chain,
        )

    def _queues(self) -> Iterator[Metric]:
        broker = settings.CELERY_BROKER_URL
        if not broker.startswith(("redis://", "rediss://")):
            return  # the filesystem broker of a local run has no queue to measure
        queues = GaugeMetricFamily(
            "triangel_celery_queue_length", "Tasks waiting in the broker's queue.", labels=["queue"]
        )
        client = redis.Redis.from_url(broker, socket_timeout=2, socket_connect_timeout=2)
        try:
            for name in settings.METRICS_CELERY_QUEUES:
                queues.add_metric([name], client.llen(name))
        except redis.RedisError:
            # The broker being down is /health/'s to report; the other figures still go out.
            return
        finally:
            client.close()
        yield queues
