"""Reading the pages the way a person (or a screen reader) does: links, forms, fields."""

from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

from django.utils.dateparse import parse_datetime


@dataclass
class Form:
    action: str
    method: str
    inputs: dict[str, str | list[str]] = field(default_factory=dict)


class PageParser(HTMLParser):
    """Collects links, forms (with their hidden and pre-filled values), labels and fields."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.label_for: set[str] = set()
        # (tag, attributes) of every control a person fills in.
        self.fields: list[tuple[str, dict[str, str]]] = []
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag != "input" or a.get("type", "text") not in ("hidden", "submit", "button", "reset"):
                self.fields.append((tag, a))
            if self._form is not None and a.get("name"):
                self._add_value(a)

    def _add_value(self, a: dict[str, str]) -> None:
        """What the browser would send for this control, as the test client takes it."""
        name, kind = a["name"], a.get("type", "text")
        if kind in ("checkbox", "radio"):
            if "checked" not in a:
                return
            value = a.get("value", "on")
        else:
            value = a.get("value", "")
        inputs = self._form.inputs
        if name not in inputs:
            inputs[name] = value
        elif kind == "checkbox":
            previous = inputs[name]
            inputs[name] = [*previous, value] if isinstance(previous, list) else [previous, value]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def parse(response) -> PageParser:
    parser = PageParser()
    parser.feed(response.content.decode())
    return parser


def links_to(response, prefix: str) -> list[str]:
    return [unescape(h) for h in parse(response).links if urlparse(h).path.startswith(prefix)]


def offered_starts(response, type_id: int) -> list[datetime]:
    """The start times a booking page offers, read from its links to the confirm page."""
    starts = []
    for href in links_to(response, f"/book/{type_id}/confirm/"):
        value = parse_qs(urlparse(href).query)["start"][0]
        starts.append(parse_datetime(value))
    return starts


def forms_posting_to(response, action: str) -> list[Form]:
    return [f for f in parse(response).forms if f.action == action and f.method == "post"]
