"""Valid Norwegian national identity numbers (fødselsnummer) for the tests, made from a birth
date and an individual number: no real person's number is written in the tests."""

from datetime import date

from stdnum.no import fodselsnummer


def make_pid(born: date = date(1990, 1, 1), individual: int = 123) -> str:
    """The first valid number for ``born`` from ``individual`` on (some give no check digit)."""
    for serial in range(individual, 500):
        base = f"{born:%d%m%y}{serial:03d}"
        first = fodselsnummer.calc_check_digit1(base)
        second = fodselsnummer.calc_check_digit2(base + first) if len(first) == 1 else "10"
        if len(first) == 1 and len(second) == 1:
            return base + first + second
    raise AssertionError(f"no number for {born} from {individual}")


def with_wrong_check_digit(pid: str) -> str:
    return pid[:-1] + str((int(pid[-1]) + 1) % 10)
