"""Journey shapes: how long and busy users' journeys are (DemoConfig.shape).

Why two: the default "demo" shape follows users for months (~136 raw events per user over
120 days), which is right for the planted-effect marts but not for products where most
people sign up, maybe connect, do a handful of things and lapse (~7 events per user, so
≈ 140k users per million events). The "short" shape keeps every path the warehouse has
(anonymous visits, signup, connections and syncs, first value, returns, exploring, the
enterprise review, and all the dirt added later) but with far fewer sessions and events,
so a benchmark at a given event count exercises many more users and identities. Measured:
6.4 (14 days) to 8.7 (365 days) raw events per user, 8.0 at the default 120 days, i.e.
≈ 125k users per million events (config.SHORT_EVENTS_PER_USER_BY_DAYS).

Only rates and lengths differ between shapes, never which random draws are made, so the
"demo" shape gives byte-identical files to the generator before shapes existed.
"""

from __future__ import annotations

from dataclasses import dataclass

from activation_warehouse.dev.generate.draw import DAY


@dataclass(frozen=True)
class JourneyShape:
    """The journey-length knobs one shape sets (the rest of the generator is shared)."""

    earlier_visit_rate: float  # share of users with an anonymous visit days before signup
    landing_pages_mean: float  # extra page views in a pre-signup visit (Poisson mean)
    onboarding_pages_mean: float  # extra page views right after signup
    connect_rate_scale: float  # times the per-role share of users who connect a source
    connect_flow_pages_mean: float  # extra pages of the connect flow before the click
    early_pages_mean: float  # extra page views in the 30 minutes after connecting
    disconnect_rate: float  # connections their owner disconnects (daily syncs stop then)
    disconnect_after_max: int  # latest disconnect after connecting, µs (earliest: a day)
    usage_sessions_per_day_mean: float  # activated users' sessions per day
    usage_lifetime_mean: int  # how long activated users keep coming, µs (exponential mean)
    usage_session_events: float  # events per usage session (mean)
    return_visits_mean: float  # extra return visits of drop-offs who come back
    explore_visits_mean: float  # look-around sessions of users who never connect


SHAPES: dict[str, JourneyShape] = {
    "demo": JourneyShape(
        earlier_visit_rate=0.45, landing_pages_mean=2.0, onboarding_pages_mean=1.5,
        connect_rate_scale=1.0, connect_flow_pages_mean=1.5, early_pages_mean=1.0,
        disconnect_rate=0.08, disconnect_after_max=60 * DAY,
        usage_sessions_per_day_mean=0.6, usage_lifetime_mean=60 * DAY, usage_session_events=6.0,
        return_visits_mean=0.6, explore_visits_mean=1.2,
    ),
    # Half as many users connect; most lapse within days: their sources get disconnected
    # after a day or so, usage stops after a session or two. A few (0.5%) still sync daily
    # until `end`, so the incremental paths see long-lived connections too.
    "short": JourneyShape(
        earlier_visit_rate=0.05, landing_pages_mean=0.1, onboarding_pages_mean=0.1,
        connect_rate_scale=0.5, connect_flow_pages_mean=0.2, early_pages_mean=0.3,
        disconnect_rate=0.995, disconnect_after_max=2 * DAY,
        usage_sessions_per_day_mean=0.5, usage_lifetime_mean=2 * DAY, usage_session_events=2.0,
        return_visits_mean=0.1, explore_visits_mean=0.15,
    ),
}


def journey_shape(name: str) -> JourneyShape:
    """The shape called `name`, with the valid names in the error when it is unknown."""
    try:
        return SHAPES[name]
    except KeyError:
        raise ValueError(f"unknown journey shape {name!r}; choose one of {sorted(SHAPES)}") from None
