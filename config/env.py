"""Strict helpers for reading settings from the environment.

Settings fail loudly on malformed values instead of silently falling back,
so a typo in production configuration is caught at start-up.
"""

import os

import holidays
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_pairs(name: str) -> list[tuple[str, str]]:
    """``key=value,key=value`` as (key, value) pairs in the order written; none when unset."""
    pairs = []
    for item in env_list(name, []):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name} must be a list of key=value, got {item!r}")
        pairs.append((key.strip(), value.strip()))
    return pairs


def env_origins(name: str) -> list[str]:
    """A list of web origins (``https://host[:port]``, no path)."""
    origins = env_list(name, [])
    for origin in origins:
        scheme, sep, rest = origin.partition("://")
        if scheme not in ("http", "https") or not sep or not rest or "/" in rest:
            raise ImproperlyConfigured(f"{name} must list origins such as https://login.example.no, got {origin!r}")
    return origins


def env_country(name: str, default: str) -> str:
    """An ISO country code the holidays package knows (upper case), or empty for none."""
    code = env_str(name, default).strip().upper()
    if code:
        try:
            holidays.country_holidays(code)
        except NotImplementedError as exc:
            raise ImproperlyConfigured(f"{name} must be a country code such as NO, got {code!r}") from exc
    return code
