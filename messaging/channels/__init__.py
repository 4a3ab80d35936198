"""The channel registry: every way a message leaves Triangel, looked up by name.

A channel is one module in this package that registers a factory for its backend with
``@register("name")``, plus its line in ``CHANNEL_MODULES`` (and in ``messaging.models.Channel``,
the names the outbox accepts). The outbox asks ``backend_for(row.channel)`` and never knows
more about a channel than the ``Backend`` interface of ``messaging.channels.base``.
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

# The channels there are: each module registers itself when imported (MessagingConfig.ready).
CHANNEL_MODULES = ("messaging.channels.sms", "messaging.channels.email")

_factories: dict[str, Callable[[], Backend]] = {}


def register(name: str) -> Callable[[Callable[[], Backend]], Callable[[], Backend]]:
    """Register the decorated factory as the backend of channel ``name``."""

    def add(factory: Callable[[], Backend]) -> Callable[[], Backend]:
        _factories[name] = factory
        return factory

    return add


def load() -> None:
    for module in CHANNEL_MODULES:
        importlib.import_module(module)


def backend_for(channel: str) -> Backend:
    """A backend for ``channel`` as the settings choose it. ``ChannelError`` for a name no
    module registered (the row fails permanently rather than being retried for ever)."""
    try:
        factory = _factories[channel]
    except KeyError as exc:
        raise PermanentError(f"no channel {channel!r}", destination_dead=False) from exc
    return factory()
