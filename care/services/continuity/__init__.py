"""Writes for continuity: what stays with the person when their worker changes. ``plan`` (the
goals and agreements they keep with their worker) and ``handover`` (to a new worker)."""

from care.services.continuity.handover import (
    HandoverPlan,
    PlannedMove,
    handover_preview,
    handover_run,
    reoffer_dismiss,
)
from care.services.continuity.plan import TEXT_MAX, plan_entry_add, plan_entry_change

__all__ = [
    "TEXT_MAX",
    "HandoverPlan",
    "PlannedMove",
    "handover_preview",
    "handover_run",
    "plan_entry_add",
    "plan_entry_change",
    "reoffer_dismiss",
]
