"""Periodic audit work, run by every worker's sweeper: integrate pending events.

The sweeper runs every `BWV_SWEEP_INTERVAL_SECONDS`; the hook also starts the worker's own
integrator loop (every `BWV_AUDIT_INTEGRATE_INTERVAL_SECONDS`), so events reach a signed checkpoint
within about a second. Several workers never integrate at once (see `integrator`).
"""

from __future__ import annotations

from openbwv.audit.service import ensure_loop, integrate


def integrate_audit_events() -> int:
    ensure_loop()
    return integrate(wait=False).integrated
