"""The page fixtures of tests/web, for the unit's picture."""

from tests.web.conftest import _fresh_rate_limits, web_client  # noqa: F401
