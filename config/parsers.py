"""The API's JSON parser, with a bound on nesting.

A body nested a thousand levels deep made Python's JSON parser run out of recursion: a 500
on any endpoint, even before signing in. Nothing in Triangel's API nests more than a few
levels, so deeper bodies are refused with a 400.
"""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def depth_of(data: Any) -> int:
    """How deeply lists and objects nest in ``data`` (0 for a plain value), without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        too_deep = ParseError(_("The request body nests too deeply (at most %(depth)d levels).") % {"depth": MAX_DEPTH})
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if depth_of(data) > MAX_DEPTH:
            raise too_deep
        return data
