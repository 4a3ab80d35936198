"""The bounded expansion of recurrence rules (``reminders.rules.DayRule``) gives exactly what
dateutil gives, on a thousand generated rules over several windows, without dateutil's
unbounded search."""

import random
from datetime import date, datetime, timedelta

import pytest
from dateutil.rrule import rrulestr

from reminders.rules import DayRule
from reminders.schedule import InvalidSchedule, check_budget

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def generated_rule(rng: random.Random) -> str:
    freq = rng.choice(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"])
    parts = [f"FREQ={freq}"]
    if rng.random() < 0.4:
        parts.append(f"INTERVAL={rng.randint(2, 4)}")
    if rng.random() < 0.3:
        parts.append(f"BYMONTH={','.join(map(str, sorted(rng.sample(range(1, 13), rng.randint(1, 4)))))}")
    if rng.random() < 0.4:
        days = rng.sample(WEEKDAYS, rng.randint(1, 3))
        if freq in ("MONTHLY", "YEARLY") and rng.random() < 0.5:
            days = [f"{rng.choice([1, 2, 3, 4, -1, -2])}{d}" for d in days]
        parts.append(f"BYDAY={','.join(days)}")
    if rng.random() < 0.3:
        monthdays = rng.sample([1, 2, 15, 28, 29, 30, 31, -1, -2], rng.randint(1, 2))
        parts.append(f"BYMONTHDAY={','.join(map(str, monthdays))}")
    if rng.random() < 0.2:
        parts.append(f"WKST={rng.choice(WEEKDAYS)}")
    hours = sorted(rng.sample(range(24), rng.randint(1, 3)))
    parts.append(f"BYHOUR={','.join(map(str, hours))}")
    parts.append(f"BYMINUTE={rng.choice([0, 15, 30, 45])}")
    ending = rng.random()
    if ending < 0.15:
        parts.append(f"COUNT={rng.randint(1, 40)}")
    elif ending < 0.3:
        parts.append(f"UNTIL={(date(2027, 1, 1) + timedelta(days=rng.randint(0, 900))).strftime('%Y%m%d')}T120000")
    return ";".join(parts)


def rules(n: int) -> list[tuple[str, date]]:
    rng = random.Random(20261207)
    found = []
    while len(found) < n:
        text, start = generated_rule(rng), date(2027, 1, 1) + timedelta(days=rng.randint(0, 400))
        rule = rrulestr(text, dtstart=datetime.combine(start, datetime.min.time()))
        try:
            day_rule = DayRule.of(rule)
            check_budget(day_rule)
        except (ValueError, InvalidSchedule):
            continue  # never happens, or too close: dateutil would search such a rule for years
        found.append((text, start))
    return found


@pytest.mark.parametrize(("text", "start"), rules(1000))
def test_the_bounded_expansion_matches_dateutil(text, start):
    rule = rrulestr(text, dtstart=datetime.combine(start, datetime.min.time()))
    day_rule = DayRule.of(rule)
    for offset in (0, 45, 400, 1100):
        after = datetime.combine(start, datetime.min.time()) + timedelta(days=offset, hours=7)
        before = after + timedelta(days=60)
        assert day_rule.between(after, before) == rule.between(after, before, inc=True), (text, start, offset)


def test_a_rule_that_never_happens_costs_only_the_window():
    rule = rrulestr("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=8", dtstart=datetime(2027, 1, 1))
    day_rule = DayRule.of(rule)
    looked_at = []
    real_on = day_rule.on
    object.__setattr__(day_rule, "on", lambda day: looked_at.append(day) or real_on(day))
    assert day_rule.between(datetime(2027, 1, 1), datetime(2027, 3, 1)) == []
    assert len(looked_at) == 60


@pytest.mark.parametrize("part", ["BYWEEKNO=5", "BYYEARDAY=100", "BYSETPOS=1;BYDAY=MO", "BYEASTER=0"])
def test_parts_it_does_not_implement_are_refused(part):
    rule = rrulestr(f"FREQ=YEARLY;{part};BYHOUR=8", dtstart=datetime(2027, 1, 1))
    with pytest.raises(ValueError):
        DayRule.of(rule)
