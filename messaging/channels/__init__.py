"""The channel registry: every way a message leaves Triangel, looked up by name.

A channel is one module in this package, named after it, that registers a factory for its
backend with ``@register("name")``, and its line in ``messaging.models.Channel`` (the names
the outbox and people's preferences accept; Django writes the migration for the column's
check). The outbox asks ``backend_for(row.channel)`` and never knows more about a channel
than the ``Backend`` interface of ``messaging.channels.base``.
"""

import importlib
from collections.abc import Callable

from messaging.channels.base import (
    Attachment,
    Backend,
    ChannelError,
    Message,
    PermanentError,
    TemporaryError,
)

__all__ = [
    "Attachment",
    "Backend",
    "ChannelError",
    "Message",
    "PermanentError",
    "TemporaryError",
    "backend_for",
    "register",
]

_factories: dict[str, Callable[[], Backend]] = {}


def register(name: str) -> Callable[[Callable[[], Backend]], Callable[[], Backend]]:
    """Register the decorated factory as the backend of channel ``name``."""

    def add(factory: Callable[[], Backend]) -> Callable[[], Backend]:
        _factories[name] = factory
        return factory

    return add


def load() -> None:
    """Import every channel's module, which registers it (called when messaging is ready)."""
    from messaging.models import Channel

    for name in Channel.values:
        importlib.import_module(f"messaging.channels.{name}")


def backend_for(channel: str) -> Backend:
    """A backend for ``channel`` as the settings choose it. ``ChannelError`` for a name no
    module registered (the row fails permanently rather than being retried for ever)."""
    try:
        factory = _factories[channel]
    except KeyError as exc:
        raise PermanentError(f"no channel {channel!r}", destination_dead=False) from exc
    return factory()
