"""Journeys: visit, signup, maybe connect, maybe first value, then use or drift away.

The planted effects live here, on one logistic model of "does this connected user reach
first value", so the marts have a known answer to find.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from activation_warehouse.dev.generate.connections import (
    SECOND_CONNECTION_RATE,
    _connect_times,
    _connection_events,
    _Connections,
    _draw_connections,
)
from activation_warehouse.dev.generate.draw import (
    _ANON,
    _CLIENT,
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    _lognormal,
    _pick,
    _uniform_between,
)
from activation_warehouse.dev.generate.events import (
    ANON_PATHS,
    _bursts,
    _client_events,
    _concat_events,
    _events,
    _Events,
    _session_events,
    _sessions,
)
from activation_warehouse.dev.generate.flags import _flag_exposures
from activation_warehouse.dev.generate.population import _BAND_ENTERPRISE, _Accounts, _Users
from activation_warehouse.dev.generate.shapes import SHAPES, JourneyShape


MISSING_SIGNUP_EVENT_RATE = 0.025  # tracking gaps: the app DB has the user, the tracker missed it


def _pre_signup_events(rng: np.random.Generator, users: _Users, shape: JourneyShape) -> _Events:
    """Anonymous page views: the visit that led to signup, and for some an earlier one.

    They carry only the anonymous id; the signed_up event later ties it to the user.
    """
    n = len(users)
    everyone = np.arange(n)
    landing = users.signup - rng.integers(2 * MINUTE, 40 * MINUTE, n)
    earlier_users = everyone[rng.random(n) < shape.earlier_visit_rate]
    earlier = users.signup[earlier_users] - np.maximum(
        _lognormal(rng, 2 * DAY, 1.0, earlier_users.size), HOUR
    )
    owner = np.concatenate([everyone, earlier_users])
    starts = np.concatenate([landing, earlier])
    counts = 1 + rng.poisson(shape.landing_pages_mean, owner.size)
    session, t = _bursts(rng, starts, counts)
    before = t < users.signup[owner[session]]  # the signup itself ends the landing visit
    return _client_events(rng, owner[session][before], t[before], "page_viewed", ANON_PATHS, _ANON)


def _signup_events(rng: np.random.Generator, users: _Users, shape: JourneyShape) -> _Events:
    """signed_up at the app database's created_at, then a short onboarding look-around."""
    n = len(users)
    tracked = np.flatnonzero(rng.random(n) >= MISSING_SIGNUP_EVENT_RATE)
    signed = _client_events(rng, tracked, users.signup[tracked], "signed_up")
    counts = 1 + rng.poisson(shape.onboarding_pages_mean, n)
    session, t = _bursts(rng, users.signup + rng.integers(5 * SECOND, 2 * MINUTE, n), counts)
    return _concat_events([signed, _client_events(rng, session, t, "page_viewed")])


# Planted effects. Everything acts on one logistic model of "does this connected user reach
# first value", so each effect is a readable log-odds shift (about +/-0.4 ≈ +/-10 points near
# 50%). ACTIVATION_BASE_LOGIT is tuned so ~50% of mature, in-scope connected users drop.
ACTIVATION_BASE_LOGIT = -0.2
#: Minutes from connecting to data ready, as the activation_drivers buckets cut it.
READY_BUCKET_EDGES_MINUTES = (5, 60, 1440)
READY_LOGIT = (0.9, 0.3, -0.7, -1.3)  # [0,5), [5,60), [60,1440), 1440+ minutes
NEVER_READY_LOGIT = -2.3
SYNC_FAILED_LOGIT = -0.8
EMPTY_STATE_LOGIT = -0.6
TEMPLATE_GALLERY_LOGIT = 0.7
GUIDED_SETUP_TREATMENT_LOGIT = 0.5
BAND_LOGIT = (-0.3, -0.1, 0.05, 0.1, -0.4, 0.0)  # per SIZE_BANDS
CHANNEL_LOGIT = (0.0, 0.6, -0.1, -0.2)  # per CHANNELS

#: Within 30 minutes after connecting: P(empty_state_viewed) while data is not ready yet
#: (ready after 10 minutes, or never) and once it is; P(template_gallery_viewed).
EMPTY_STATE_RATE_NOT_READY = 0.55
EMPTY_STATE_RATE_READY = 0.12
TEMPLATE_GALLERY_RATE = 0.3
#: First-value kinds (metrics spec: any of them is first value) and how common each is.
VALUE_EVENTS = {"dashboard_created": 0.6, "report_scheduled": 0.2, "teammate_invited": 0.2}
#: Of users who did not activate within the window: who come back for another look, and who
#: activate after the window closed.
RETURN_AFTER_DROP_RATE = 0.45
LATE_ACTIVATION_RATE = 0.1
ACTIVATION_WINDOW = 14 * DAY
#: What a session of product use by activated users holds (how many sessions, and how long
#: users keep coming, are the journey shape's: see shapes.py).
USAGE_EVENTS = {"page_viewed": 45, "insight_viewed": 35, "dashboard_created": 8,
                "report_scheduled": 4, "teammate_invited": 2, "template_gallery_viewed": 3,
                "empty_state_viewed": 3}
RETURN_EVENTS = {"page_viewed": 50, "insight_viewed": 20, "empty_state_viewed": 20,
                 "template_gallery_viewed": 10}
EXPLORE_EVENTS = {"page_viewed": 60, "empty_state_viewed": 20, "template_gallery_viewed": 15,
                  "insight_viewed": 5}
#: Enterprise (501+) users who go through the security review step.
SECURITY_REVIEW_RATE = 0.4


def _activation_probability(
    conns: _Connections, early_empty: np.ndarray, early_gallery: np.ndarray,
    treated: np.ndarray, band: np.ndarray, channel: np.ndarray,
) -> np.ndarray:
    """P(first value) for each first connection: the planted effects in one place."""
    minutes = (conns.ready - conns.t) / MINUTE
    bucket = np.searchsorted(np.array(READY_BUCKET_EDGES_MINUTES), minutes, side="right")
    logit = (
        ACTIVATION_BASE_LOGIT
        + np.where(conns.ready >= 0, np.array(READY_LOGIT)[bucket], NEVER_READY_LOGIT)
        + SYNC_FAILED_LOGIT * (conns.failures > 0)
        + EMPTY_STATE_LOGIT * early_empty
        + TEMPLATE_GALLERY_LOGIT * early_gallery
        + GUIDED_SETUP_TREATMENT_LOGIT * treated
        + np.array(BAND_LOGIT)[band]
        + np.array(CHANNEL_LOGIT)[channel]
    )
    return 1.0 / (1.0 + np.exp(-logit))


def _value_times(
    rng: np.random.Generator, conns: _Connections, signup: np.ndarray, activates: np.ndarray
) -> np.ndarray:
    """When each first connection's user reaches first value, or -1.

    Value comes after data is ready (or, when it never is, after poking at sample data):
    often minutes later in the same session, else days later. A user the model activates
    gets it inside the 14-day window; others may still get there after the window closes.
    """
    n = len(conns.t)
    base = np.where(conns.ready >= 0, conns.ready, conns.t + _lognormal(rng, 30 * MINUTE, 1.0, n))
    quick = rng.random(n) < 0.45
    delay = np.where(quick, _lognormal(rng, 6 * MINUTE, 0.8, n), _lognormal(rng, 36 * HOUR, 0.9, n))
    value = base + np.maximum(delay, 20 * SECOND)
    window_end = signup + ACTIVATION_WINDOW
    squeeze = activates & (base < window_end) & (value > window_end)
    value[squeeze] = _uniform_between(rng, base[squeeze], window_end[squeeze])
    late = (~activates) & (rng.random(n) < LATE_ACTIVATION_RATE)
    value[late] = np.maximum(window_end[late], base[late]) + rng.integers(HOUR, 20 * DAY, late.sum())
    return np.where(activates | late, value, -1)


@dataclass
class _Journeys:
    """What the batch's users did, at the user level: enough to write every table."""

    connections: _Connections  # first and later ones
    exposures: dict[str, np.ndarray]
    events: _Events


def _journeys(
    rng: np.random.Generator, accounts: _Accounts, users: _Users, end_us: int,
    shape: JourneyShape = SHAPES["demo"],
) -> _Journeys:
    """Every user's journey: visit, signup, maybe connect, maybe value, then use or drift."""
    band = accounts.band[users.account]
    channel = accounts.channel[users.account]
    connect_at = _connect_times(rng, users, end_us, shape)
    variant, exposures = _flag_exposures(rng, users, connect_at, end_us)

    who = np.flatnonzero(connect_at >= 0)
    first = _draw_connections(rng, who, connect_at[who], end_us, shape)
    ready_late = (first.ready < 0) | (first.ready - first.t > 10 * MINUTE)
    early_empty = rng.random(who.size) < np.where(ready_late, EMPTY_STATE_RATE_NOT_READY,
                                                   EMPTY_STATE_RATE_READY)
    early_gallery = rng.random(who.size) < TEMPLATE_GALLERY_RATE
    p = _activation_probability(first, early_empty, early_gallery, variant[who] == "treatment",
                                band[who], channel[who])
    activates = rng.random(who.size) < p
    value_at = _value_times(rng, first, users.signup[who], activates)

    second = _second_connections(rng, first, end_us, shape)
    conns = _Connections(*(np.concatenate([getattr(first, f), getattr(second, f)])
                           for f in _Connections.__dataclass_fields__))
    blocks = [
        _pre_signup_events(rng, users, shape),
        _signup_events(rng, users, shape),
        _connection_events(rng, conns, end_us, shape),
        _early_events(rng, first, early_empty, early_gallery, shape),
        _value_and_usage_events(rng, who, value_at, end_us, shape),
        _return_events(rng, first, users.signup[who], activates, value_at, shape),
        _explore_events(rng, users, connect_at, end_us, shape),
        _security_review_events(rng, users, band),
    ]
    return _Journeys(conns, exposures, _concat_events(blocks))


def _second_connections(
    rng: np.random.Generator, first: _Connections, end_us: int, shape: JourneyShape
) -> _Connections:
    """Some users connect another source days later; it never changes their activation."""
    pick = np.flatnonzero(rng.random(len(first.t)) < SECOND_CONNECTION_RATE)
    t = first.t[pick] + np.maximum(_lognormal(rng, 7 * DAY, 1.0, pick.size), DAY)
    keep = t <= end_us
    return _draw_connections(rng, first.owner[pick][keep], t[keep], end_us, shape)


def _early_events(
    rng: np.random.Generator, first: _Connections, early_empty: np.ndarray, early_gallery: np.ndarray,
    shape: JourneyShape,
) -> _Events:
    """The 30 minutes after connecting: a few pages, and the empty state or gallery for some."""
    n = len(first.t)
    counts = 1 + rng.poisson(shape.early_pages_mean, n)
    session, t = _bursts(rng, first.t + rng.integers(20 * SECOND, 3 * MINUTE, n), counts)
    inside = t <= first.t[session] + 30 * MINUTE
    pages = _client_events(rng, first.owner[session][inside], t[inside], "page_viewed")
    e, g = np.flatnonzero(early_empty), np.flatnonzero(early_gallery)
    empty = _client_events(rng, first.owner[e], first.t[e] + rng.integers(30 * SECOND, 29 * MINUTE, e.size),
                           "empty_state_viewed")
    gallery = _client_events(rng, first.owner[g], first.t[g] + rng.integers(30 * SECOND, 29 * MINUTE, g.size),
                             "template_gallery_viewed")
    return _concat_events([pages, empty, gallery])


def _value_and_usage_events(
    rng: np.random.Generator, who: np.ndarray, value_at: np.ndarray, end_us: int, shape: JourneyShape
) -> _Events:
    """First value (with the pages leading to it), then sessions of use until the user lapses."""
    got = value_at >= 0
    owner, t = who[got], value_at[got]
    value = _client_events(rng, owner, t, _pick(rng, VALUE_EVENTS, owner.size))
    lead_counts = 1 + rng.poisson(0.8, owner.size)
    lead_owner = np.repeat(np.arange(owner.size), lead_counts)
    lead_t = t[lead_owner] - rng.integers(10 * SECOND, 5 * MINUTE, lead_owner.size)
    lead = _client_events(rng, owner[lead_owner], lead_t, "page_viewed")

    rate = rng.gamma(2.0, shape.usage_sessions_per_day_mean / 2.0, owner.size)
    stop = np.minimum(t + rng.exponential(shape.usage_lifetime_mean, owner.size).astype(np.int64), end_us)
    s_owner, s_start = _sessions(rng, owner, t + HOUR, stop, rate)
    usage = _session_events(rng, s_owner, s_start, shape.usage_session_events, USAGE_EVENTS)
    return _concat_events([value, lead, usage])


def _return_events(
    rng: np.random.Generator, first: _Connections, signup: np.ndarray, activates: np.ndarray,
    value_at: np.ndarray, shape: JourneyShape,
) -> _Events:
    """Drop-offs who come back days later for a look around, without reaching value then."""
    back = np.flatnonzero((~activates) & (rng.random(len(first.t)) < RETURN_AFTER_DROP_RATE))
    visits = 1 + rng.poisson(shape.return_visits_mean, back.size)
    which = np.repeat(back, visits)
    start = first.t[which] + np.maximum(_lognormal(rng, 3 * DAY, 1.0, which.size), 2 * HOUR)
    # A late activator's returns come before its value event, so the return is not it.
    later_value = value_at[which]
    start = np.where((later_value >= 0) & (start >= later_value), later_value - HOUR, start)
    keep = start > first.t[which] + HOUR
    return _session_events(rng, first.owner[which][keep], start[keep], 3.0, RETURN_EVENTS)


def _explore_events(
    rng: np.random.Generator, users: _Users, connect_at: np.ndarray, end_us: int, shape: JourneyShape
) -> _Events:
    """Users who never connect still look around for a session or two after signup."""
    idle = np.flatnonzero(connect_at < 0)
    visits = rng.poisson(shape.explore_visits_mean, idle.size)
    which = np.repeat(idle, visits)
    start = users.signup[which] + np.maximum(_lognormal(rng, DAY, 1.2, which.size), 40 * MINUTE)
    keep = start <= end_us
    return _session_events(rng, which[keep], start[keep], 3.0, EXPLORE_EVENTS)


def _security_review_events(rng: np.random.Generator, users: _Users, band: np.ndarray) -> _Events:
    """The enterprise path's extra step, only in 501+ companies."""
    who = np.flatnonzero((band == _BAND_ENTERPRISE) & (rng.random(len(users)) < SECURITY_REVIEW_RATE))
    t = users.signup[who] + np.maximum(_lognormal(rng, 3 * DAY, 1.0, who.size), 10 * MINUTE)
    review = _events(who, t, "security_review_completed", "{}", _CLIENT)
    page = _events(who, t - rng.integers(20 * SECOND, 3 * MINUTE, who.size), "page_viewed",
                   '{"path": "/settings/security"}', _CLIENT)
    return _concat_events([review, page])
