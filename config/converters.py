"""The ``<id:…>`` path converter: an object's id in a URL.

Django's ``<int:…>`` takes any number of digits, and an id past what a database column can hold
reached the database: SQLite cannot bind it (a 500), PostgreSQL looks it up in vain. ``<id:…>``
matches only the ids a column can hold, so a larger number matches no URL and is the same 404
as an id that does not exist, before any view or query runs.

Every ``urls`` module that names ids imports this module, which registers the converter.
"""

from django.urls import register_converter

from config.fields import MAX_ID


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("beyond any id")  # Django reads it as "this URL does not match"
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
