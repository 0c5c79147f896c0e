"""The generator's knobs (DemoConfig) and the sizing rule that turns an event count into accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np

from activation_warehouse.dev.generate.shapes import journey_shape


@dataclass(frozen=True)
class DemoConfig:
    """Scale and seed of the demo data. Same config (with a fixed `end`) → same files."""

    accounts: int = 400  # scale knob 1
    users_per_account: float = 5.0  # mean; scale knob 2
    days: int = 120  # signups spread over the `days` before `end`; scale knob 3
    seed: int = 42
    end: datetime | None = None  # naive UTC; None means now (UTC, truncated to the second)
    shape: str = "demo"  # journey length: "demo" (~136 events/user) or "short" (~8); see shapes.py


#: Raw event rows per user by `days`, measured on this generator at 5 users per account
#: (re-measure after changing journeys). Not linear: product use lapses after a couple of
#: months while daily syncs go on, so longer windows add fewer events per day.
EVENTS_PER_USER_BY_DAYS = ((14, 22.0), (30, 40.0), (60, 73.0), (120, 136.0), (240, 240.0), (365, 327.0))
#: The same for the "short" shape (measured at 1,000 accounts): users lapse within days, so
#: `days` matters much less.
SHORT_EVENTS_PER_USER_BY_DAYS = ((14, 6.4), (30, 7.05), (60, 7.75), (120, 8.05), (240, 8.65), (365, 8.65))
_EVENTS_PER_USER_TABLES = {"demo": EVENTS_PER_USER_BY_DAYS, "short": SHORT_EVENTS_PER_USER_BY_DAYS}
#: Teammates join days after their account's first user, so small accounts have slightly
#: more events per user: this share more per user below 5 (less above).
EVENTS_PER_USER_SLOPE_BY_TEAM_SIZE = 0.03
#: The same for the "short" shape, where a teammate's few events barely depend on when
#: they join (measured at 100k events: 3 and 10 users per account land within 5% of the
#: target with it, 1 user per account 12% over).
SHORT_EVENTS_PER_USER_SLOPE_BY_TEAM_SIZE = 0.01
_TEAM_SIZE_SLOPES = {"demo": EVENTS_PER_USER_SLOPE_BY_TEAM_SIZE, "short": SHORT_EVENTS_PER_USER_SLOPE_BY_TEAM_SIZE}


def accounts_for_events(
    target_events: int, users_per_account: float = 5.0, days: int = 120, shape: str = "demo"
) -> int:
    """How many accounts give about target_events raw event rows (used by the benchmark).

    Read from measured tables rather than generated, so sizing a 10M-event run is instant.
    """
    journey_shape(shape)  # fail on an unknown name before sizing
    known_days, per_user = (np.array(v, dtype=float) for v in zip(*_EVENTS_PER_USER_TABLES[shape]))
    if days <= known_days[-1]:
        events_per_user = float(np.interp(days, known_days, per_user))
    else:  # beyond the table: keep the last measured slope
        slope = (per_user[-1] - per_user[-2]) / (known_days[-1] - known_days[-2])
        events_per_user = per_user[-1] + slope * (days - known_days[-1])
    events_per_user *= float(np.clip(1 + _TEAM_SIZE_SLOPES[shape] * (5 - users_per_account),
                                     0.8, 1.2))
    return max(1, round(target_events / (users_per_account * events_per_user)))


def _end_us(end: datetime | None) -> int:
    """`end` as epoch microseconds; aware datetimes are converted to UTC first."""
    if end is None:
        end = datetime.now(timezone.utc).replace(microsecond=0)
    if end.tzinfo is not None:
        end = end.astimezone(timezone.utc).replace(tzinfo=None)
    return (end - datetime(1970, 1, 1)) // timedelta(microseconds=1)


def _check_config(config: DemoConfig) -> None:
    if config.accounts < 1 or config.days < 1 or config.users_per_account < 1:
        raise ValueError(f"DemoConfig needs accounts ≥ 1, days ≥ 1, users_per_account ≥ 1: {config}")
    journey_shape(config.shape)
