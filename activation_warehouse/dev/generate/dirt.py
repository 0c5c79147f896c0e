"""Dirt: what a real tracking pipeline delivers. Rates are shares of delivered event rows.

Clean events become the rows the collector writes: times in the sender's notation and
received later, then duplicates, malformed and skewed times, renamed events, lost ids and
broken properties, at rates kept as constants so a reader sees what staging must survive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from activation_warehouse.dev.generate.draw import (
    _ANON,
    _BACKEND,
    _CLIENT,
    _STR,
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    _cat,
    _lognormal,
    _pick,
    _uniform_between,
    _uuids,
)
from activation_warehouse.dev.generate.events import _concat_events, _events, _Events
from activation_warehouse.dev.generate.population import CLIENT_OFFSETS, _Accounts, _Users


DUPLICATE_RATE = 0.02  # tracker retries: same event_id and payload, received again later
DUPLICATE_SAME_RECEIVED_SHARE = 0.1  # of those, delivered twice in the same instant
MALFORMED_OCCURRED_RATE = 0.003  # garbage, words, impossible dates, missing offsets
SKEW_FUTURE_RATE = 0.0005  # device clock ahead: occurred more than a day after received
SKEW_ANCIENT_RATE = 0.0005  # device clock reset: before 2015 (often 1970-01-01)
NAME_VARIANT_RATE = 0.05  # other case, spaces, dashes from older SDKs and backend code
MISSING_EVENT_ID_RATE = 0.002  # null or ''
MISSING_IDENTITY_RATE = 0.002  # neither user_id nor anonymous_id (null or '')
DROPPED_USER_ID_RATE = 0.015  # post-signup client events whose SDK lost the user_id
#: account_id null on identified events; with anonymous pre-signup events (no account yet)
#: about 10% of all events have none.
NULL_ACCOUNT_ID_RATE = 0.07
INVALID_PROPERTIES_RATE = 0.005  # not a JSON object
NULL_PROPERTIES_RATE = 0.1  # SQL null properties on events that need none
OUT_OF_PLAN_RATE = 0.01  # instrumented but not in the tracking plan
LATE_HOURS_RATE = 0.03  # offline clients flushing their queue hours later
LATE_DAYS_RATE = 0.005  # ... or days later

OUT_OF_PLAN_EVENTS = {"button_clicked": 3, "tooltip_shown": 2}
_ELEMENTS = {"cta_primary": 2, "help_icon": 1, "nav_menu": 2, "upgrade_banner": 1}
INVALID_PROPERTIES = {"{bad json": 3, "null": 2, "[1,2]": 2, "not json": 2, '{"path": ': 1}
MALFORMED_WORDS = {"not a date": 2, "yesterday": 2, "epoch": 1, "infinity": 1, "": 2,
                   "1709371200": 1, "2026/03/02 09:15:00": 1}
_MALFORMED_KINDS = ("word", "null", "no_offset", "bad_offset", "hour_24", "feb_30")


def _out_of_plan_events(rng: np.random.Generator, events: _Events) -> _Events:
    """Clicks and tooltips the front end tracks but the plan does not list, near real actions."""
    client = np.flatnonzero(events.kind == _CLIENT)
    # The rate is a share of all rows, but only client actions can spawn such clicks.
    pick = client[rng.random(client.size) < OUT_OF_PLAN_RATE * len(events) / max(client.size, 1)]
    names = _pick(rng, OUT_OF_PLAN_EVENTS, pick.size)
    props = _cat('{"element": "', _pick(rng, _ELEMENTS, pick.size), '"}')
    return _events(events.user[pick], events.t[pick] + rng.integers(SECOND, 20 * SECOND, pick.size),
                   names, props, _CLIENT)


def _received_at(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Collector time: about a second after the event, hours or days for queued clients."""
    n = t.size
    latency = np.clip(_lognormal(rng, 1.2 * SECOND, 0.8, n), 50_000, 30 * SECOND)
    draw = rng.random(n)
    latency = np.where(draw < LATE_HOURS_RATE, rng.integers(HOUR, 12 * HOUR, n), latency)
    latency = np.where(draw > 1 - LATE_DAYS_RATE, rng.integers(DAY, 6 * DAY, n), latency)
    return t + latency


def _name_variants(rng: np.random.Generator, names: np.ndarray) -> np.ndarray:
    """Rename a share of events the ways real senders spell them ('Dashboard Created', ...)."""
    out = names.copy()
    rows = np.flatnonzero(rng.random(names.size) < NAME_VARIANT_RATE)
    style = rng.integers(0, 5, rows.size)
    for name in np.unique(names[rows]).tolist():
        head, _, tail = name.partition("_")
        spellings = (
            name.replace("_", " ").title(), " " + name, name.replace("_", "-"), name.upper(),
            f"{head} _{tail}" if tail else name + " ",
        )
        hit = names[rows] == name
        out[rows[hit]] = np.array(spellings, dtype=_STR)[style[hit]]
    return out


def _format_occurred(t: np.ndarray, user: np.ndarray, kind: np.ndarray, users: _Users) -> np.ndarray:
    """ISO-8601 text of each instant as its sender writes it: local offset, fraction digits.

    Clients use their user's offset and SDK precision; the backend writes UTC with
    milliseconds. The instants are exact; only the notation varies.
    """
    backend = kind == _BACKEND
    offset_index = np.where(backend, 0, users.offset_index[user])
    digits = np.where(backend, 3, users.fraction_digits[user])
    offset_minutes = np.array([m for _, m, _ in CLIENT_OFFSETS])[offset_index]
    suffix = np.array([s for s, _, _ in CLIENT_OFFSETS], dtype=_STR)[offset_index]
    local = (t + offset_minutes * MINUTE).astype("datetime64[us]")
    text = np.empty(t.size, dtype=_STR)
    for d, unit in ((0, "s"), (3, "ms"), (6, "us")):
        rows = digits == d
        text[rows] = np.datetime_as_string(local[rows], unit=unit)
    return _cat(text, suffix)


def _malformed_occurred(rng: np.random.Generator, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Broken occurred_at texts for the given instants, and which of them are SQL null."""
    n = t.size
    kind = rng.integers(0, len(_MALFORMED_KINDS), n)
    plain = np.datetime_as_string(t.astype("datetime64[us]"), unit="s").astype(_STR)
    year = np.strings.slice(plain, 0, 4)
    text = _pick(rng, MALFORMED_WORDS, n)
    text = np.where(kind == 2, plain, text)  # no offset: local time, zone unknown
    text = np.where(kind == 3, _cat(plain, "+25:00"), text)
    text = np.where(kind == 4, _cat(np.strings.slice(plain, 0, 11), "24:00:00Z"), text)
    text = np.where(kind == 5, _cat(year, "-02-30T10:00:00Z"), text)
    return text.astype(_STR), kind == 1


def _skewed_occurred(
    rng: np.random.Generator, received: np.ndarray, end_us: int
) -> tuple[np.ndarray, np.ndarray]:
    """Absurd but well-formed clock readings: (row indexes, their occurred_at text).

    Clocks ahead of the collector by more than a day are only planted where that instant is
    still before `end`, so no event ever claims to occur after `end`; clocks behind land
    before 2015, half of them on the 1970 epoch of a reset device.
    """
    draw = rng.random(received.size)
    room = end_us - received
    # x1.5: rows near `end` have no room for a day of skew, the others make up for them.
    future = np.flatnonzero((draw < SKEW_FUTURE_RATE * 1.5) & (room > 2 * DAY))
    ancient = np.flatnonzero(draw > 1 - SKEW_ANCIENT_RATE)
    ahead = received[future] + _uniform_between(
        rng, np.full(future.size, DAY + HOUR), np.minimum(room[future] - HOUR, 30 * DAY))
    years_back = rng.integers(12 * 365 * DAY, 56 * 365 * DAY, ancient.size)
    behind = np.where(rng.random(ancient.size) < 0.5, 0, received[ancient] - years_back)
    rows = np.concatenate([future, ancient])
    instant = np.concatenate([ahead, behind]).astype("datetime64[us]")
    return rows, _cat(np.datetime_as_string(instant, unit="s").astype(_STR), "Z")


@dataclass
class _Rows:
    """Event rows as they will be written: text columns with null masks, received_at."""

    columns: dict[str, np.ndarray]
    nulls: dict[str, np.ndarray]
    received: np.ndarray

    def take(self, index: np.ndarray) -> _Rows:
        return _Rows({k: v[index] for k, v in self.columns.items()},
                     {k: v[index] for k, v in self.nulls.items()}, self.received[index])


def _identity_columns(
    rng: np.random.Generator, events: _Events, users: _Users, accounts: _Accounts
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """user_id / anonymous_id / account_id by event kind, then the identity dirt."""
    n = len(events)
    user_id = users.user_id[events.user]
    anon = users.anonymous_id[events.user]
    account = accounts.account_id[users.account[events.user]]
    user_null = events.kind == _ANON
    anon_null = events.kind == _BACKEND
    account_null = events.kind == _ANON
    # signed_up itself keeps both ids: it is the event that ties the device to the person.
    droppable = (events.kind == _CLIENT) & (events.name != "signed_up")
    user_null |= droppable & (rng.random(n) < DROPPED_USER_ID_RATE)
    account_null |= rng.random(n) < NULL_ACCOUNT_ID_RATE
    lost = rng.random(n) < MISSING_IDENTITY_RATE
    blank = lost & (rng.random(n) < 0.5)  # half arrive as '' rather than null
    user_id[blank], anon[blank] = "", ""
    user_null |= lost & ~blank
    anon_null |= lost & ~blank
    columns = {"user_id": user_id, "anonymous_id": anon, "account_id": account}
    return columns, {"user_id": user_null, "anonymous_id": anon_null, "account_id": account_null}


def _dirty_rows(
    rng: np.random.Generator, events: _Events, users: _Users, accounts: _Accounts, end_us: int
) -> _Rows:
    """Clean events → delivered rows: times written and received, then every kind of dirt."""
    events = _concat_events([events, _out_of_plan_events(rng, events)])
    events = events.take(np.flatnonzero(events.t <= end_us))
    # Each instant keeps the precision its sender writes, so the text is the exact instant.
    digits = np.where(events.kind == _BACKEND, 3, users.fraction_digits[events.user])
    precision = np.array([SECOND, 1000, 1])[np.searchsorted([0, 3, 6], digits)]
    t = events.t // precision * precision
    received = _received_at(rng, t)
    delivered = received <= end_us  # arriving after `end`: not delivered yet
    events, t, received = events.take(np.flatnonzero(delivered)), t[delivered], received[delivered]
    n = len(events)

    occurred = _format_occurred(t, events.user, events.kind, users)
    occurred_null = np.zeros(n, dtype=bool)
    bad = np.flatnonzero(rng.random(n) < MALFORMED_OCCURRED_RATE)
    occurred[bad], occurred_null[bad] = _malformed_occurred(rng, t[bad])
    skewed, skew_text = _skewed_occurred(rng, received, end_us)
    occurred[skewed], occurred_null[skewed] = skew_text, False

    event_id = _uuids(rng, n)
    no_id = rng.random(n) < MISSING_EVENT_ID_RATE
    id_null = no_id & (rng.random(n) < 0.5)
    event_id[no_id & ~id_null] = ""

    props, props_null = events.props.copy(), events.props_null.copy()
    props_null |= (props == "{}") & (rng.random(n) < NULL_PROPERTIES_RATE)
    invalid = np.flatnonzero(rng.random(n) < INVALID_PROPERTIES_RATE)
    props[invalid] = _pick(rng, INVALID_PROPERTIES, invalid.size)
    props_null[invalid] = False

    identity, identity_nulls = _identity_columns(rng, events, users, accounts)
    rows = _Rows(
        columns={"event_id": event_id, "event_name": _name_variants(rng, events.name), **identity,
                 "occurred_at": occurred, "properties": props},
        nulls={"event_id": id_null, **identity_nulls, "occurred_at": occurred_null,
               "properties": props_null},
        received=received,
    )
    return _with_duplicates(rng, rows, end_us)


def _with_duplicates(rng: np.random.Generator, rows: _Rows, end_us: int) -> _Rows:
    """Tracker retries: the same row again, seconds to minutes later; rows in arrival order."""
    n = rows.received.size
    picked = np.flatnonzero(rng.random(n) < DUPLICATE_RATE / 1.1)  # /1.1: some retry twice
    picked = np.concatenate([picked, picked[rng.random(picked.size) < 0.1]])
    copies = rows.take(picked)
    delay = np.maximum(_lognormal(rng, 40 * SECOND, 1.3, picked.size), SECOND)
    copies.received = copies.received + np.where(
        rng.random(picked.size) < DUPLICATE_SAME_RECEIVED_SHARE, 0, delay)
    copies = copies.take(np.flatnonzero(copies.received <= end_us))
    every = _Rows(
        {k: np.concatenate([rows.columns[k], copies.columns[k]]) for k in rows.columns},
        {k: np.concatenate([rows.nulls[k], copies.nulls[k]]) for k in rows.nulls},
        np.concatenate([rows.received, copies.received]),
    )
    return every.take(np.argsort(every.received, kind="stable"))
