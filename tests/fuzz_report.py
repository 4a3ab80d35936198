"""The figures of the schema fuzzing (tests/test_api_schema_fuzz.py), kept for the run's summary.

The fuzz test counts what it does into a ``FuzzTally`` on ``config.stash``; ``tests/conftest.py``
prints it at the end of the run, so the figures can be quoted whether the run passed or not.
"""

from collections import Counter
from dataclasses import dataclass, field

import pytest

# What each failure of schemathesis is counted as: the four promises the fuzzing checks.
FAILURE_KINDS = {
    "ServerError": "server errors",
    "ContentTypeServerError": "server errors",
    "JsonSchemaError": "non-conforming responses",
    "MalformedJson": "non-conforming responses",
    "DiscriminatorMismatch": "non-conforming responses",
    "UndefinedStatusCode": "undocumented status codes",
    "UndefinedContentType": "content-type mismatches",
    "MissingContentType": "content-type mismatches",
    "MalformedMediaType": "content-type mismatches",
    "ContentDeserializationError": "content-type mismatches",
}
REPORTED_KINDS = ("server errors", "non-conforming responses", "undocumented status codes", "content-type mismatches")


@dataclass
class FuzzTally:
    operations: dict[str, set[str]] = field(default_factory=dict)  # caller → operation labels
    calls: Counter[str] = field(default_factory=Counter)  # caller → requests sent
    answers: Counter[str] = field(default_factory=Counter)  # "2xx", "4xx", … → answers
    failures: Counter[str] = field(default_factory=Counter)  # kind → failed calls
    # Operations that answered a success at least once: their success schema was checked too,
    # not only their error answers.
    succeeded: set[str] = field(default_factory=set)

    def called(self, caller: str, operation: str, status_code: int) -> None:
        self.operations.setdefault(caller, set()).add(operation)
        self.calls[caller] += 1
        self.answers[f"{status_code // 100}xx"] += 1
        if 200 <= status_code < 300:
            self.succeeded.add(operation)

    def failed(self, failure_names: set[str]) -> None:
        for kind in {FAILURE_KINDS.get(name, "other failures") for name in failure_names}:
            self.failures[kind] += 1

    def summary(self) -> str:
        everything = set().union(*self.operations.values()) if self.operations else set()
        per_caller = ", ".join(
            f"{caller}: {len(ops)} operations, {self.calls[caller]} calls" for caller, ops in self.operations.items()
        )
        kinds = [*REPORTED_KINDS, *sorted(set(self.failures) - set(REPORTED_KINDS))]
        failures = ", ".join(f"{self.failures[kind]} {kind}" for kind in kinds)
        answers = ", ".join(f"{n} {kind}" for kind, n in sorted(self.answers.items()))
        return (
            f"{len(everything)} operations, {sum(self.calls.values())} calls ({per_caller}; answers: {answers}); "
            f"{failures}; a success answer checked against its schema for {len(self.succeeded & everything)} "
            f"of {len(everything)} operations"
        )


FUZZ_TALLY = pytest.StashKey[FuzzTally]()
