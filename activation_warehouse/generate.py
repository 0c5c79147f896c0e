"""Demo raw data for the activation warehouse: realistic journeys, planted effects, real dirt.

Why a generator and not a fixture: the marts answer a product question (how many people stop
after connecting a data source, and why), so the demo data has to *contain* an answer the
marts can find. The journeys below plant known effects on the chance that a connected user
reaches first value within 14 days of signup (slow data readiness, sync failures, early empty
states, the template gallery, the `guided_setup_v2` experiment, company size and channel), and
the dirt functions add the faults a real tracking pipeline delivers, at rates kept as module
constants so a reader can see what the staging layer must survive.

How it scales: accounts are generated in fixed-size batches, each with its own numpy generator
seeded from ``(seed, batch index)``; every step is vectorised over the batch's users and events,
and each batch is appended to the Parquet files as one row group. Memory therefore depends on
the batch size, never on the total, and the same config always gives the same files.

Conventions the dbt models can rely on: table and column names and types come from
:mod:`activation_warehouse.contract` and event names from the tracking-plan seed (checked at
start); properties are JSON text written like ``json.dumps`` (``{"key": "value"}``); backend
events (syncs) carry ``user_id`` (the connection's creator) and no ``anonymous_id``; pre-signup
events carry only ``anonymous_id`` and no ``account_id``; ``signed_up`` occurs exactly at
``users.created_at``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import reduce
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from activation_warehouse.contract import RAW_TABLES, tracking_plan

# --------------------------------------------------------------------------------------------
# Units and small helpers
# --------------------------------------------------------------------------------------------

# All instants are int64 microseconds since the Unix epoch (UTC): the unit of Parquet's
# timestamp[us], so no conversion can lose or shift a value.
SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

#: Accounts per batch. Part of the output's identity (each batch is seeded by its index), so
#: changing it changes the data for a given seed; it bounds memory (~250 accounts ≈ 150k–250k
#: events per batch at the default users per account and days).
BATCH_ACCOUNTS = 250

_STR = np.dtypes.StringDType()
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)

# Event kinds decide which identity columns an event carries (see _identity_columns).
_ANON, _CLIENT, _BACKEND = 0, 1, 2


def _cat(*parts: np.ndarray | str) -> np.ndarray:
    """Concatenate string arrays and scalars element-wise (vectorised, no per-row Python)."""
    return reduce(np.strings.add, parts)


def _strs(values: np.ndarray) -> np.ndarray:
    """Numbers as decimal text, vectorised."""
    return np.asarray(values).astype(_STR)


def _hex(rng: np.random.Generator, n: int, nbytes: int) -> np.ndarray:
    """n random lowercase hex strings of 2*nbytes characters, built without a Python loop."""
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    chars = np.empty((n, 2 * nbytes), dtype=np.uint8)
    chars[:, 0::2] = _HEX_DIGITS[raw >> 4]
    chars[:, 1::2] = _HEX_DIGITS[raw & 15]
    return chars.view(f"S{2 * nbytes}").ravel().astype(_STR)


def _uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random UUID-shaped ids, the way tracker SDKs mint message ids."""
    digits = _hex(rng, n, 16).astype("S32").view(np.uint8).reshape(n, 32)
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for start, stop, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        out[:, at : at + stop - start] = digits[:, start:stop]
    return out.view("S36").ravel().astype(_STR)


def _ids(rng: np.random.Generator, prefix: str, n: int, nbytes: int = 8) -> np.ndarray:
    """Prefixed random ids; 8 bytes keep collisions negligible for primary keys at 10M scale."""
    return _cat(prefix, _hex(rng, n, nbytes))


def _pick(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    """n values drawn from a {value: weight} table (weights need not sum to one)."""
    values = np.array(list(options), dtype=_STR)
    weights = np.array(list(options.values()), dtype=float)
    return values[rng.choice(len(values), size=n, p=weights / weights.sum())]


def _lognormal(rng: np.random.Generator, median_us: float, sigma: float, n: int) -> np.ndarray:
    """Durations with a long right tail, the usual shape of human and sync delays."""
    return (rng.lognormal(np.log(median_us), sigma, n)).astype(np.int64)


def _uniform_between(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """One instant uniformly in [low, high] per row (high < low collapses to low)."""
    span = np.maximum(np.asarray(high) - np.asarray(low), 0)
    return np.asarray(low) + (rng.random(span.shape) * span).astype(np.int64)


# --------------------------------------------------------------------------------------------
# The population: companies and people
# --------------------------------------------------------------------------------------------

#: Company-size bands (metrics spec) and the share of accounts in each. Most accounts are in
#: the product's target (50–500); "unknown" accounts get a null or 0 employee count.
SIZE_BANDS = ("1-49", "50-99", "100-199", "200-500", "501+", "unknown")
SIZE_BAND_SHARES = (0.12, 0.25, 0.25, 0.22, 0.10, 0.06)
_BAND_EMPLOYEES = ((1, 49), (50, 99), (100, 199), (200, 500), (501, 20_000))
_BAND_ENTERPRISE = 4
#: Share of "unknown" accounts whose employee_count is 0 rather than null (a form default).
ZERO_EMPLOYEES_SHARE = 0.2

#: signup_channel codes; "partner" is a value outside the documented two, as real CRMs have.
CHANNELS = ("self_serve", "sales_assisted", None, "partner")
#: Larger companies are more often sold to: P(sales_assisted) per size band.
SALES_ASSISTED_BY_BAND = (0.08, 0.2, 0.3, 0.4, 0.6, 0.2)
NULL_CHANNEL_RATE = 0.06
ODD_CHANNEL_RATE = 0.03

TEST_ACCOUNT_RATE = 0.02
INTERNAL_USER_RATE = 0.01
#: Later users of an account join on average this long after the first one.
TEAMMATE_JOIN_MEAN = 6 * DAY

INDUSTRIES = {
    "software": 3, "retail": 2, "manufacturing": 2, "logistics": 1.5, "healthcare": 1,
    "financial_services": 1.5, "education": 1, "media": 1, "": 1.5,  # "" → null industry
}
_NAME_WORDS = (
    ("Blue", "Northern", "Rapid", "Silver", "Bright", "Summit", "Green", "Atlas", "Nova", "Iron"),
    ("Harbor", "Peak", "Field", "River", "Stone", "Cloud", "Forge", "Bridge", "Grove", "Line"),
    ("Inc", "GmbH", "Ltd", "Labs", "Group", "Co", "Systems", "Logistics"),
)
ROLES_AFTER_FIRST = {"admin": 0.15, "member": 0.6, "viewer": 0.23, "": 0.02}  # "" → null role

#: Client clocks: (offset suffix, minutes east of UTC, weight). The same instant arrives written
#: in many offsets, as browsers and mobile SDKs send local time.
CLIENT_OFFSETS = (
    ("Z", 0, 55), ("+00:00", 0, 5), ("+01:00", 60, 8), ("+02:00", 120, 5), ("-05:00", -300, 8),
    ("-08:00", -480, 6), ("+05:30", 330, 5), ("+09:00", 540, 3), ("-03:30", -210, 2),
    ("+05:45", 345, 1), ("+10:00", 600, 2),
)
#: Fraction digits a client's SDK writes (0, 3 or 6) and how common each is.
CLIENT_FRACTION_DIGITS = {0: 0.7, 3: 0.2, 6: 0.1}


@dataclass
class _Accounts:
    """One batch of accounts, as column arrays (row i is the batch's i-th account)."""

    account_id: np.ndarray
    name: np.ndarray
    employee_count: np.ndarray
    employee_null: np.ndarray
    band: np.ndarray
    industry: np.ndarray
    channel: np.ndarray
    first_signup: np.ndarray
    created_at: np.ndarray
    is_test: np.ndarray


@dataclass
class _Users:
    """One batch of users, as column arrays, plus the client habits their events inherit."""

    account: np.ndarray  # index into the batch's accounts
    user_id: np.ndarray
    email: np.ndarray
    role: np.ndarray
    signup: np.ndarray
    is_internal: np.ndarray
    anonymous_id: np.ndarray
    offset_index: np.ndarray
    fraction_digits: np.ndarray

    def __len__(self) -> int:
        return len(self.user_id)


def _make_accounts(
    rng: np.random.Generator, first_index: int, n: int, end_us: int, days: int
) -> _Accounts:
    """Companies whose first person signs up uniformly over the `days` before `end`."""
    band = rng.choice(len(SIZE_BANDS), size=n, p=SIZE_BAND_SHARES)
    employees = np.zeros(n, dtype=np.int64)
    for code, (low, high) in enumerate(_BAND_EMPLOYEES):
        members = band == code
        if code == _BAND_ENTERPRISE:  # enterprise sizes span orders of magnitude
            sizes = np.exp(rng.uniform(np.log(low), np.log(high), members.sum()))
            employees[members] = np.maximum(sizes.astype(np.int64), low)
        else:
            employees[members] = rng.integers(low, high + 1, members.sum())
    unknown = band == len(SIZE_BANDS) - 1
    employee_null = unknown & (rng.random(n) >= ZERO_EMPLOYEES_SHARE)

    draw = rng.random(n)
    sales = np.array(SALES_ASSISTED_BY_BAND)[band]
    channel = np.where(draw < sales, 1, 0)
    channel = np.where(draw > 1 - NULL_CHANNEL_RATE, 2, channel)
    channel = np.where((draw > 1 - NULL_CHANNEL_RATE - ODD_CHANNEL_RATE) & (channel != 2), 3, channel)

    words = [np.array(w, dtype=_STR)[rng.integers(0, len(w), n)] for w in _NAME_WORDS]
    # The app database stores whole seconds; signed_up events repeat them exactly.
    first_signup = (end_us - (rng.random(n) * days * DAY).astype(np.int64)) // SECOND * SECOND
    return _Accounts(
        account_id=_cat("acc_", np.strings.zfill(_strs(first_index + np.arange(n)), 6)),
        name=_cat(words[0], " ", words[1], " ", words[2]),
        employee_count=employees,
        employee_null=employee_null,
        band=band,
        industry=_pick(rng, INDUSTRIES, n),
        channel=channel,
        first_signup=first_signup,
        # The company row is written moments before its first person's row.
        created_at=first_signup - rng.integers(5, 600, n) * SECOND,
        is_test=rng.random(n) < TEST_ACCOUNT_RATE,
    )


def _make_users(
    rng: np.random.Generator, accounts: _Accounts, users_per_account: float, first_user_no: int,
    end_us: int,
) -> _Users:
    """People of each account: the first is its admin, teammates join days later (never after end)."""
    counts = 1 + rng.poisson(max(users_per_account - 1.0, 0.0), len(accounts.account_id))
    account = np.repeat(np.arange(len(counts)), counts)
    n = len(account)
    is_first = np.zeros(n, dtype=bool)
    is_first[np.cumsum(counts) - counts] = True

    first = accounts.first_signup[account]
    signup = first + rng.exponential(TEAMMATE_JOIN_MEAN, n).astype(np.int64)
    # A teammate who would join after `end` has joined somewhere in between instead, so the
    # users-per-account knob keeps its meaning for recent accounts.
    late = signup > end_us
    signup[late] = _uniform_between(rng, first[late], np.full(late.sum(), end_us))
    signup = signup // SECOND * SECOND
    signup[is_first] = first[is_first]

    role = _pick(rng, ROLES_AFTER_FIRST, n)
    role[is_first] = "admin"
    is_internal = rng.random(n) < INTERNAL_USER_RATE
    number = _strs(first_user_no + np.arange(n))
    offsets = np.array([weight for _, _, weight in CLIENT_OFFSETS], dtype=float)
    digits = np.array(list(CLIENT_FRACTION_DIGITS))
    return _Users(
        account=account,
        user_id=_cat("usr_", np.strings.zfill(number, 7)),
        email=_cat("user", number, np.where(is_internal, "@staff.example.org", "@example.com").astype(_STR)),
        role=role,
        signup=signup,
        is_internal=is_internal,
        anonymous_id=_cat("anon-", _hex(rng, n, 8)),
        offset_index=rng.choice(len(offsets), size=n, p=offsets / offsets.sum()),
        fraction_digits=digits[rng.choice(len(digits), size=n, p=list(CLIENT_FRACTION_DIGITS.values()))],
    )


# --------------------------------------------------------------------------------------------
# Events as column arrays
# --------------------------------------------------------------------------------------------


@dataclass
class _Events:
    """Clean events before dirt: who (batch user index and kind), when, what, with what."""

    user: np.ndarray
    t: np.ndarray
    name: np.ndarray
    props: np.ndarray
    props_null: np.ndarray
    kind: np.ndarray

    def __len__(self) -> int:
        return len(self.t)

    def take(self, index: np.ndarray) -> _Events:
        return _Events(*(getattr(self, f)[index] for f in _EVENT_FIELDS))


_EVENT_FIELDS = ("user", "t", "name", "props", "props_null", "kind")


def _events(
    user: np.ndarray, t: np.ndarray, name: np.ndarray | str, props: np.ndarray | str, kind: int
) -> _Events:
    """A block of events; scalar name/props are broadcast to every row."""
    n = len(t)
    return _Events(
        user=np.asarray(user, dtype=np.int64),
        t=np.asarray(t, dtype=np.int64),
        name=np.broadcast_to(np.asarray(name, dtype=_STR), (n,)).copy(),
        props=np.broadcast_to(np.asarray(props, dtype=_STR), (n,)).copy(),
        props_null=np.zeros(n, dtype=bool),
        kind=np.full(n, kind, dtype=np.int8),
    )


def _concat_events(blocks: list[_Events]) -> _Events:
    return _Events(*(np.concatenate([getattr(b, f) for b in blocks]) for f in _EVENT_FIELDS))


def _bursts(
    rng: np.random.Generator, starts: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Event times of sessions: each starts at its start and goes on seconds to minutes apart.

    Returns (session index per event, event time). Gaps stay well under the 30-minute session
    timeout so one burst is one session in the marts.
    """
    keep = counts > 0
    session = np.repeat(np.flatnonzero(keep), counts[keep])
    if session.size == 0:
        return session, np.zeros(0, dtype=np.int64)
    gaps = np.clip(_lognormal(rng, 40 * SECOND, 1.0, session.size), 2 * SECOND, 20 * MINUTE)
    first = np.cumsum(counts[keep]) - counts[keep]
    gaps[first] = 0
    elapsed = np.cumsum(gaps)
    elapsed -= np.repeat(elapsed[first], counts[keep])
    return session, starts[session] + elapsed


def _sessions(
    rng: np.random.Generator, owner: np.ndarray, start: np.ndarray, stop: np.ndarray,
    per_day: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """Session starts of a Poisson process between start and stop: gaps of hours to days.

    Returns (owner per session, session start). Order does not matter: events are sorted at
    the end.
    """
    span = np.maximum(stop - start, 0)
    counts = rng.poisson(np.asarray(per_day) * span / DAY)
    who = np.repeat(np.arange(len(owner)), counts)
    return owner[who], start[who] + (rng.random(who.size) * span[who]).astype(np.int64)


#: Pages anonymous visitors see before signing up, and pages of the app itself.
ANON_PATHS = {"/": 4, "/pricing": 2, "/features": 2, "/blog/activation-metrics": 1,
              "/customers": 1, "/signup": 2}
APP_PATHS = {"/home": 4, "/dashboards": 3, "/connections": 2, "/insights": 3, "/reports": 1,
             "/settings": 1, "/templates": 1}
EMPTY_SURFACES = {"home": 3, "dashboards": 3, "insights": 2, "reports": 1}
REPORT_FREQUENCIES = {"daily": 2, "weekly": 5, "monthly": 2}


def _props_for(rng: np.random.Generator, names: np.ndarray, paths: dict[str, float]) -> np.ndarray:
    """Properties of client events as JSON text, each name with its tracking-plan keys.

    Optional keys (from_template, frequency) are left out for some rows, as older app
    versions did.
    """
    out = np.full(len(names), "{}", dtype=_STR)
    for name in np.unique(names).tolist():
        rows = np.flatnonzero(names == name)
        n = rows.size
        if name == "page_viewed":
            out[rows] = _cat('{"path": "', _pick(rng, paths, n), '"}')
        elif name == "insight_viewed":
            out[rows] = _cat('{"insight_id": "', _ids(rng, "ins_", n, 4), '"}')
        elif name == "empty_state_viewed":
            out[rows] = _cat('{"surface": "', _pick(rng, EMPTY_SURFACES, n), '"}')
        elif name == "dashboard_created":
            flag = np.where(rng.random(n) < 0.35, "true", "false").astype(_STR)
            optional = np.where(rng.random(n) < 0.7, _cat(', "from_template": ', flag), "").astype(_STR)
            out[rows] = _cat('{"dashboard_id": "', _ids(rng, "dash_", n, 5), '"', optional, "}")
        elif name == "report_scheduled":
            freq = _cat(', "frequency": "', _pick(rng, REPORT_FREQUENCIES, n), '"')
            optional = np.where(rng.random(n) < 0.7, freq, "").astype(_STR)
            out[rows] = _cat('{"report_id": "', _ids(rng, "rep_", n, 5), '"', optional, "}")
        elif name == "teammate_invited":
            # Real trackers carry the invitee's address: personal data that staging must stop
            # (README, "Personal data"). Derived from the invite id, so no draw is added and
            # every other generated value stays as it was.
            invites = _ids(rng, "inv_", n, 5)
            out[rows] = _cat('{"invite_id": "', invites, '", "invitee_email": "', invites, '@example.com"}')
        elif name == "signed_up":
            out[rows] = _cat('{"signup_method": "', _pick(rng, {"email": 3, "google": 2, "sso": 1}, n), '"}')
    return out


def _client_events(
    rng: np.random.Generator, user: np.ndarray, t: np.ndarray, names: np.ndarray | str,
    paths: dict[str, float] = APP_PATHS, kind: int = _CLIENT,
) -> _Events:
    """Client events with their properties filled in from the name."""
    names = np.broadcast_to(np.asarray(names, dtype=_STR), (len(t),)).copy()
    return _events(user, t, names, _props_for(rng, names, paths), kind)


def _session_events(
    rng: np.random.Generator, owner: np.ndarray, starts: np.ndarray, mean_events: float,
    names: dict[str, float],
) -> _Events:
    """Bursts of client events (1 + Poisson(mean_events - 1) each) with names from a mix."""
    counts = 1 + rng.poisson(mean_events - 1, len(starts))
    session, t = _bursts(rng, starts, counts)
    return _client_events(rng, owner[session], t, _pick(rng, names, len(t)))


# --------------------------------------------------------------------------------------------
# Journeys
# --------------------------------------------------------------------------------------------

MISSING_SIGNUP_EVENT_RATE = 0.025  # tracking gaps: the app DB has the user, the tracker missed it
#: Share of users who browse anonymously in an earlier visit, days before the signup visit.
EARLIER_VISIT_RATE = 0.45


def _pre_signup_events(rng: np.random.Generator, users: _Users) -> _Events:
    """Anonymous page views: the visit that led to signup, and for some an earlier one.

    They carry only the anonymous id; the signed_up event later ties it to the user.
    """
    n = len(users)
    everyone = np.arange(n)
    landing = users.signup - rng.integers(2 * MINUTE, 40 * MINUTE, n)
    earlier_users = everyone[rng.random(n) < EARLIER_VISIT_RATE]
    earlier = users.signup[earlier_users] - np.maximum(
        _lognormal(rng, 2 * DAY, 1.0, earlier_users.size), HOUR
    )
    owner = np.concatenate([everyone, earlier_users])
    starts = np.concatenate([landing, earlier])
    counts = 1 + rng.poisson(2, owner.size)
    session, t = _bursts(rng, starts, counts)
    before = t < users.signup[owner[session]]  # the signup itself ends the landing visit
    return _client_events(rng, owner[session][before], t[before], "page_viewed", ANON_PATHS, _ANON)


def _signup_events(rng: np.random.Generator, users: _Users) -> _Events:
    """signed_up at the app database's created_at, then a short onboarding look-around."""
    n = len(users)
    tracked = np.flatnonzero(rng.random(n) >= MISSING_SIGNUP_EVENT_RATE)
    signed = _client_events(rng, tracked, users.signup[tracked], "signed_up")
    counts = 1 + rng.poisson(1.5, n)
    session, t = _bursts(rng, users.signup + rng.integers(5 * SECOND, 2 * MINUTE, n), counts)
    return _concat_events([signed, _client_events(rng, session, t, "page_viewed")])


#: Share of users that connect a data source, by role; viewers rarely can. About 65% overall.
CONNECT_RATE_BY_ROLE = {"admin": 0.85, "member": 0.7, "viewer": 0.4, "": 0.6}
#: How long after signup people connect: (share, median, sigma) of a lognormal mixture; the
#: last part connects after the 14-day window (or never before `end`).
CONNECT_DELAY_MIX = ((0.42, 15 * MINUTE, 1.0), (0.46, 30 * HOUR, 0.9), (0.12, 12 * DAY, 0.4))
SECOND_CONNECTION_RATE = 0.15


def _connect_times(rng: np.random.Generator, users: _Users, end_us: int) -> np.ndarray:
    """When each user first connects a source, or -1 (never, or not yet by `end`)."""
    n = len(users)
    rate = np.zeros(n)
    for role, p in CONNECT_RATE_BY_ROLE.items():
        rate[users.role == role] = p
    part = rng.choice(len(CONNECT_DELAY_MIX), size=n, p=[m[0] for m in CONNECT_DELAY_MIX])
    delay = np.zeros(n, dtype=np.int64)
    for code, (_, median, sigma) in enumerate(CONNECT_DELAY_MIX):
        rows = part == code
        delay[rows] = _lognormal(rng, median, sigma, rows.sum())
    t = users.signup + np.maximum(delay, 30 * SECOND)
    return np.where((rng.random(n) < rate) & (t <= end_us), t, -1)


#: source_type → (share of connections, median minutes to first sync_completed, sigma,
#: P(never ready), P(a sync fails before ready)). Spreadsheets are ready in a minute or two;
#: databases and ERPs take hours and often fail: the planted "data readiness" effect.
SOURCE_TYPES = {
    "spreadsheet": (0.25, 1.5, 0.8, 0.02, 0.05),
    "crm": (0.22, 20, 1.0, 0.04, 0.12),
    "marketing": (0.12, 8, 1.0, 0.04, 0.10),
    "support": (0.08, 10, 1.0, 0.04, 0.10),
    "other": (0.07, 30, 1.2, 0.10, 0.15),
    "database": (0.18, 150, 1.2, 0.12, 0.30),
    "erp": (0.08, 600, 1.0, 0.20, 0.35),
}
VENDORS = {
    "spreadsheet": {"google_sheets": 5, "excel": 3, "airtable": 1},
    "crm": {"salesforce": 5, "hubspot": 4, "pipedrive": 1},
    "marketing": {"google_ads": 3, "facebook_ads": 2, "mailchimp": 2},
    "support": {"zendesk": 3, "intercom": 2, "freshdesk": 1},
    "other": {"rest_api": 2, "csv_upload": 3},
    "database": {"postgres": 5, "mysql": 3, "snowflake": 2, "bigquery": 2},
    "erp": {"netsuite": 4, "sap": 2, "dynamics": 2},
}
NULL_VENDOR_RATE = 0.03
NULL_CREATOR_RATE = 0.01  # the app DB lost the creator (user deleted)
SYNC_ERROR_CODES = {"permission_denied": 3, "schema_mismatch": 2, "timeout": 3,
                    "auth_expired": 2, "unknown": 1}
#: Connections later disconnected by their owner (their daily syncs stop there).
DISCONNECT_RATE = 0.08
#: Once ready, a connection syncs about daily until `end`; this share of those syncs fail.
RECURRING_SYNC_FAILURE_RATE = 0.015


@dataclass
class _Connections:
    """Data-source connections of one batch (first or later ones) and how their syncs went."""

    owner: np.ndarray  # batch user index of the creator
    connection_id: np.ndarray
    source_type: np.ndarray
    vendor: np.ndarray
    t: np.ndarray
    ready: np.ndarray  # instant of the first sync_completed, -1 when never
    failures: np.ndarray  # sync_failed count before ready (or ever, when never ready)
    stop: np.ndarray  # when recurring syncs stop (disconnect or end)
    status: np.ndarray


def _draw_connections(
    rng: np.random.Generator, owner: np.ndarray, t: np.ndarray, end_us: int
) -> _Connections:
    """Connections with their source, readiness and failures, drawn per source type."""
    n = len(owner)
    types = list(SOURCE_TYPES)
    code = rng.choice(len(types), size=n, p=[v[0] for v in SOURCE_TYPES.values()])
    ready_delay = np.zeros(n, dtype=np.int64)
    never = np.zeros(n, dtype=bool)
    failed = np.zeros(n, dtype=bool)
    vendor = np.empty(n, dtype=_STR)
    for i, (_, median, sigma, p_never, p_fail) in enumerate(SOURCE_TYPES.values()):
        rows = code == i
        k = int(rows.sum())
        ready_delay[rows] = np.maximum(_lognormal(rng, median * MINUTE, sigma, k), 20 * SECOND)
        never[rows] = rng.random(k) < p_never
        failed[rows] = rng.random(k) < p_fail
        vendor[rows] = _pick(rng, VENDORS[types[i]], k)
    # A never-ready connection usually shows why: failed syncs.
    failed |= never & (rng.random(n) < 0.8)
    failures = np.where(failed, 1 + rng.poisson(0.5, n), 0)
    # A failure costs a retry: readiness comes later than it would have.
    ready_delay += failures * _lognormal(rng, 20 * MINUTE, 1.0, n)
    ready = np.where(never, -1, t + ready_delay)

    disconnected = (~never) & (rng.random(n) < DISCONNECT_RATE)
    stop = np.where(disconnected, t + rng.integers(DAY, 60 * DAY, n), end_us)
    status = np.where(never & failed, "error", "active").astype(_STR)
    status[disconnected & (stop <= end_us)] = "disconnected"
    status[(~never) & (rng.random(n) < 0.03)] = "error"  # broke later: expired credentials
    return _Connections(
        owner=owner, connection_id=_ids(rng, "conn_", n), source_type=np.array(types, dtype=_STR)[code],
        vendor=vendor, t=t, ready=ready, failures=failures, stop=np.minimum(stop, end_us), status=status,
    )


#: Share of data_source_connected events whose client forgot the source_type property (the
#: connections table still has it).
MISSING_SOURCE_TYPE_RATE = 0.03


def _connection_events(rng: np.random.Generator, conns: _Connections, end_us: int) -> _Events:
    """The connect click (after a few pages of the connect flow) and the backend's syncs."""
    n = len(conns.t)
    src = np.where(
        rng.random(n) < MISSING_SOURCE_TYPE_RATE, "",
        _cat(', "source_type": "', conns.source_type, '"'),
    ).astype(_STR)
    connected = _events(
        conns.owner, conns.t, "data_source_connected",
        _cat('{"connection_id": "', conns.connection_id, '"', src, "}"), _CLIENT,
    )
    flow_counts = 1 + rng.poisson(1.5, n)
    flow_start = conns.t - rng.integers(1 * MINUTE, 8 * MINUTE, n)
    session, t = _bursts(rng, flow_start, flow_counts)
    before = t < conns.t[session]
    flow = _events(conns.owner[session][before], t[before], "page_viewed",
                   '{"path": "/connections/new"}', _CLIENT)
    return _concat_events([connected, flow, _first_sync_events(rng, conns),
                           _recurring_sync_events(rng, conns, end_us)])


def _sync_props(conn_id: np.ndarray, extra: np.ndarray | str = "") -> np.ndarray:
    return _cat('{"connection_id": "', conn_id, '"', extra, "}")


def _first_sync_events(rng: np.random.Generator, conns: _Connections) -> _Events:
    """sync_started right after connecting, failures with retries, then the first completion."""
    n = len(conns.t)
    started = _events(conns.owner, conns.t + rng.integers(2 * SECOND, 30 * SECOND, n),
                      "sync_started", _sync_props(conns.connection_id), _BACKEND)

    which = np.repeat(np.arange(n), conns.failures)
    horizon = np.where(conns.ready >= 0, conns.ready, conns.t + 2 * DAY)[which]
    fail_t = _uniform_between(rng, conns.t[which] + 5 * SECOND, horizon - 5 * SECOND)
    codes = _pick(rng, SYNC_ERROR_CODES, which.size)
    failed = _events(conns.owner[which], fail_t, "sync_failed",
                     _sync_props(conns.connection_id[which], _cat(', "error_code": "', codes, '"')), _BACKEND)
    retry_t = fail_t + rng.integers(5 * SECOND, 2 * MINUTE, which.size)
    retry = _events(conns.owner[which], retry_t, "sync_started", _sync_props(conns.connection_id[which]),
                    _BACKEND)

    ok = np.flatnonzero(conns.ready >= 0)
    rows = _strs(np.maximum(_lognormal(rng, 20_000, 1.5, ok.size), 1))
    completed = _events(conns.owner[ok], conns.ready[ok], "sync_completed",
                        _sync_props(conns.connection_id[ok], _cat(', "rows_synced": ', rows)), _BACKEND)
    return _concat_events([started, failed, retry, completed])


def _recurring_sync_events(rng: np.random.Generator, conns: _Connections, end_us: int) -> _Events:
    """About daily syncs of ready connections until they stop: the backend's steady volume."""
    live = np.flatnonzero(conns.ready >= 0)
    counts = np.maximum((conns.stop[live] - conns.ready[live]) // DAY, 0)
    which = live[np.repeat(np.arange(live.size), counts)]
    nth = np.arange(which.size) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    start = conns.ready[which] + nth * DAY + rng.integers(-30 * MINUTE, 30 * MINUTE, which.size)
    finish = start + _lognormal(rng, 4 * MINUTE, 0.8, which.size)
    fails = rng.random(which.size) < RECURRING_SYNC_FAILURE_RATE
    conn_id = conns.connection_id[which]
    rows = _strs(np.maximum(_lognormal(rng, 500, 1.5, which.size), 0))
    props = np.where(
        fails, _sync_props(conn_id, _cat(', "error_code": "', _pick(rng, SYNC_ERROR_CODES, which.size), '"')),
        _sync_props(conn_id, _cat(', "rows_synced": ', rows)),
    ).astype(_STR)
    started = _events(conns.owner[which], start, "sync_started", _sync_props(conn_id), _BACKEND)
    done = _events(conns.owner[which], finish, np.where(fails, "sync_failed", "sync_completed"), props,
                   _BACKEND)
    return _concat_events([started, done])


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
#: Product use of activated users: sessions per day (gamma-distributed per user), how long
#: they keep coming (exponential), and what a session holds.
USAGE_SESSIONS_PER_DAY_MEAN = 0.6
USAGE_LIFETIME_MEAN = 60 * DAY
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
    rng: np.random.Generator, accounts: _Accounts, users: _Users, end_us: int
) -> _Journeys:
    """Every user's journey: visit, signup, maybe connect, maybe value, then use or drift."""
    band = accounts.band[users.account]
    channel = accounts.channel[users.account]
    connect_at = _connect_times(rng, users, end_us)
    variant, exposures = _flag_exposures(rng, users, connect_at, end_us)

    who = np.flatnonzero(connect_at >= 0)
    first = _draw_connections(rng, who, connect_at[who], end_us)
    ready_late = (first.ready < 0) | (first.ready - first.t > 10 * MINUTE)
    early_empty = rng.random(who.size) < np.where(ready_late, EMPTY_STATE_RATE_NOT_READY,
                                                   EMPTY_STATE_RATE_READY)
    early_gallery = rng.random(who.size) < TEMPLATE_GALLERY_RATE
    p = _activation_probability(first, early_empty, early_gallery, variant[who] == "treatment",
                                band[who], channel[who])
    activates = rng.random(who.size) < p
    value_at = _value_times(rng, first, users.signup[who], activates)

    second = _second_connections(rng, first, end_us)
    conns = _Connections(*(np.concatenate([getattr(first, f), getattr(second, f)])
                           for f in _Connections.__dataclass_fields__))
    blocks = [
        _pre_signup_events(rng, users),
        _signup_events(rng, users),
        _connection_events(rng, conns, end_us),
        _early_events(rng, first, early_empty, early_gallery),
        _value_and_usage_events(rng, who, value_at, end_us),
        _return_events(rng, first, users.signup[who], activates, value_at),
        _explore_events(rng, users, connect_at, end_us),
        _security_review_events(rng, users, band),
    ]
    return _Journeys(conns, exposures, _concat_events(blocks))


def _second_connections(rng: np.random.Generator, first: _Connections, end_us: int) -> _Connections:
    """Some users connect another source days later; it never changes their activation."""
    pick = np.flatnonzero(rng.random(len(first.t)) < SECOND_CONNECTION_RATE)
    t = first.t[pick] + np.maximum(_lognormal(rng, 7 * DAY, 1.0, pick.size), DAY)
    keep = t <= end_us
    return _draw_connections(rng, first.owner[pick][keep], t[keep], end_us)


def _early_events(
    rng: np.random.Generator, first: _Connections, early_empty: np.ndarray, early_gallery: np.ndarray
) -> _Events:
    """The 30 minutes after connecting: a few pages, and the empty state or gallery for some."""
    n = len(first.t)
    counts = 1 + rng.poisson(1.0, n)
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
    rng: np.random.Generator, who: np.ndarray, value_at: np.ndarray, end_us: int
) -> _Events:
    """First value (with the pages leading to it), then sessions of use until the user lapses."""
    got = value_at >= 0
    owner, t = who[got], value_at[got]
    value = _client_events(rng, owner, t, _pick(rng, VALUE_EVENTS, owner.size))
    lead_counts = 1 + rng.poisson(0.8, owner.size)
    lead_owner = np.repeat(np.arange(owner.size), lead_counts)
    lead_t = t[lead_owner] - rng.integers(10 * SECOND, 5 * MINUTE, lead_owner.size)
    lead = _client_events(rng, owner[lead_owner], lead_t, "page_viewed")

    rate = rng.gamma(2.0, USAGE_SESSIONS_PER_DAY_MEAN / 2.0, owner.size)
    stop = np.minimum(t + rng.exponential(USAGE_LIFETIME_MEAN, owner.size).astype(np.int64), end_us)
    s_owner, s_start = _sessions(rng, owner, t + HOUR, stop, rate)
    usage = _session_events(rng, s_owner, s_start, 6.0, USAGE_EVENTS)
    return _concat_events([value, lead, usage])


def _return_events(
    rng: np.random.Generator, first: _Connections, signup: np.ndarray, activates: np.ndarray,
    value_at: np.ndarray,
) -> _Events:
    """Drop-offs who come back days later for a look around, without reaching value then."""
    back = np.flatnonzero((~activates) & (rng.random(len(first.t)) < RETURN_AFTER_DROP_RATE))
    visits = 1 + rng.poisson(0.6, back.size)
    which = np.repeat(back, visits)
    start = first.t[which] + np.maximum(_lognormal(rng, 3 * DAY, 1.0, which.size), 2 * HOUR)
    # A late activator's returns come before its value event, so the return is not it.
    later_value = value_at[which]
    start = np.where((later_value >= 0) & (start >= later_value), later_value - HOUR, start)
    keep = start > first.t[which] + HOUR
    return _session_events(rng, first.owner[which][keep], start[keep], 3.0, RETURN_EVENTS)


def _explore_events(
    rng: np.random.Generator, users: _Users, connect_at: np.ndarray, end_us: int
) -> _Events:
    """Users who never connect still look around for a session or two after signup."""
    idle = np.flatnonzero(connect_at < 0)
    visits = rng.poisson(1.2, idle.size)
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


# --------------------------------------------------------------------------------------------
# Feature flags
# --------------------------------------------------------------------------------------------

#: The experiment the marts evaluate, and a second flag that does nothing.
EXPERIMENT_FLAG = "guided_setup_v2"
NEUTRAL_FLAG = "new_nav"
EXPERIMENT_EXPOSURE_RATE = 0.6
NEUTRAL_EXPOSURE_RATE = 0.5
#: Share of exposed users seen again (same variant) on later visits.
REPEAT_EXPOSURE_RATE = 0.4
#: Share of exposed users who also saw the other variant (a bucketing bug: excluded by the marts).
BOTH_VARIANTS_RATE = 0.005


def _flag_exposures(
    rng: np.random.Generator, users: _Users, connect_at: np.ndarray, end_us: int
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Exposures to both flags, and each user's guided_setup_v2 variant ('' if unexposed).

    The experiment's first exposure comes at or shortly after signup and before connecting,
    so the marts can count it before first value.
    """
    n = len(users)
    variants = np.array(["control", "treatment"], dtype=_STR)
    variant = np.where(rng.random(n) < EXPERIMENT_EXPOSURE_RATE,
                       variants[rng.integers(0, 2, n)], "").astype(_STR)
    exposed = np.flatnonzero(variant != "")
    room = np.where(connect_at >= 0, (connect_at - users.signup) // 2, 10 * MINUTE)[exposed]
    delay = rng.random(exposed.size) * np.minimum(room, 10 * MINUTE)
    first_t = users.signup[exposed] + delay.astype(np.int64)
    parts = [(exposed, first_t, EXPERIMENT_FLAG, variant[exposed])]
    parts += _repeats(rng, exposed, first_t, EXPERIMENT_FLAG, variant[exposed])

    nav = np.flatnonzero(rng.random(n) < NEUTRAL_EXPOSURE_RATE)
    nav_variant = variants[rng.integers(0, 2, nav.size)]
    nav_t = users.signup[nav] + (rng.random(nav.size) * 20 * DAY).astype(np.int64)
    parts.append((nav, nav_t, NEUTRAL_FLAG, nav_variant))
    parts += _repeats(rng, nav, nav_t, NEUTRAL_FLAG, nav_variant)

    owner = np.concatenate([p[0] for p in parts])
    t = np.concatenate([p[1] for p in parts])
    keep = t <= end_us
    table = {
        "exposure_id": _ids(rng, "exp_", owner.size)[keep],
        "user_id": users.user_id[owner][keep],
        "flag_key": np.concatenate([np.full(p[0].size, p[2], dtype=_STR) for p in parts])[keep],
        "variant": np.concatenate([p[3] for p in parts])[keep],
        "exposed_at": t[keep],
    }
    return variant, table


def _repeats(
    rng: np.random.Generator, owner: np.ndarray, first_t: np.ndarray, flag: str, variant: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, str, np.ndarray]]:
    """Later exposures of the same users: mostly the same variant, rarely the other one."""
    again = np.flatnonzero(rng.random(owner.size) < REPEAT_EXPOSURE_RATE)
    which = np.repeat(again, 1 + rng.poisson(1.0, again.size))
    same_t = first_t[which] + _lognormal(rng, 3 * DAY, 1.2, which.size)
    both = np.flatnonzero(rng.random(owner.size) < BOTH_VARIANTS_RATE)
    other = np.where(variant[both] == "control", "treatment", "control").astype(_STR)
    other_t = first_t[both] + rng.integers(HOUR, 10 * DAY, both.size)
    return [(owner[which], same_t, flag, variant[which]), (owner[both], other_t, flag, other)]


# --------------------------------------------------------------------------------------------
# Dirt: what a real tracking pipeline delivers. Rates are shares of delivered event rows.
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

_ARROW_TYPES = {
    "varchar": pa.string(),
    "timestamp": pa.timestamp("us"),
    "integer": pa.int32(),
    "boolean": pa.bool_(),
}


def arrow_schema(table: str) -> pa.Schema:
    """The Parquet schema of a raw table, straight from the contract."""
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.sql_type], nullable=c.nullable)
                      for c in RAW_TABLES[table].columns])


def _arrow_table(table: str, columns: dict[str, np.ndarray], nulls: dict[str, np.ndarray]) -> pa.Table:
    """Column arrays (with optional null masks) typed and ordered by the contract."""
    schema = arrow_schema(table)
    arrays = []
    for f in schema:
        values = columns[f.name]
        mask = nulls.get(f.name)
        if pa.types.is_timestamp(f.type):
            micros = pa.array(np.asarray(values, dtype=np.int64), type=pa.int64(), mask=mask)
            arrays.append(micros.cast(f.type))
        else:
            arrays.append(pa.array(values, type=f.type, mask=mask))
    return pa.Table.from_arrays(arrays, schema=schema)


def _blank_as_null(values: np.ndarray) -> np.ndarray:
    """Null mask for '' entries: the app database stores missing text as NULL, not ''."""
    return values == ""


def _tables(
    accounts: _Accounts, users: _Users, journeys: _Journeys, rows: _Rows, rng: np.random.Generator
) -> dict[str, pa.Table]:
    """The batch's five raw tables."""
    conns = journeys.connections
    creator_null = rng.random(conns.t.size) < NULL_CREATOR_RATE
    vendor_null = rng.random(conns.t.size) < NULL_VENDOR_RATE
    return {
        "events": _arrow_table("events", {**rows.columns, "received_at": rows.received}, rows.nulls),
        "accounts": _arrow_table("accounts", {
            "account_id": accounts.account_id, "account_name": accounts.name,
            "employee_count": accounts.employee_count, "industry": accounts.industry,
            "signup_channel": np.array([c or "" for c in CHANNELS], dtype=_STR)[accounts.channel],
            "created_at": accounts.created_at, "is_test": accounts.is_test,
        }, {"employee_count": accounts.employee_null, "industry": _blank_as_null(accounts.industry),
            "signup_channel": accounts.channel == CHANNELS.index(None)}),
        "users": _arrow_table("users", {
            "user_id": users.user_id, "account_id": accounts.account_id[users.account],
            "email": users.email, "role": users.role, "created_at": users.signup,
            "is_internal": users.is_internal,
        }, {"role": _blank_as_null(users.role)}),
        "data_source_connections": _arrow_table("data_source_connections", {
            "connection_id": conns.connection_id,
            "account_id": accounts.account_id[users.account[conns.owner]],
            "created_by_user_id": users.user_id[conns.owner], "source_type": conns.source_type,
            "vendor": conns.vendor, "connected_at": conns.t, "status": conns.status,
        }, {"created_by_user_id": creator_null, "vendor": vendor_null}),
        "flag_exposures": _arrow_table("flag_exposures", journeys.exposures, {}),
    }


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoConfig:
    """Scale and seed of the demo data. Same config (with a fixed `end`) → same files."""

    accounts: int = 400  # scale knob 1
    users_per_account: float = 5.0  # mean; scale knob 2
    days: int = 120  # signups spread over the `days` before `end`; scale knob 3
    seed: int = 42
    end: datetime | None = None  # naive UTC; None means now (UTC, truncated to the second)


#: Raw event rows per user by `days`, measured on this generator at 5 users per account
#: (re-measure after changing journeys). Not linear: product use lapses after a couple of
#: months while daily syncs go on, so longer windows add fewer events per day.
EVENTS_PER_USER_BY_DAYS = ((14, 22.0), (30, 40.0), (60, 73.0), (120, 136.0), (240, 240.0), (365, 327.0))
#: Teammates join days after their account's first user, so small accounts have slightly
#: more events per user: this share more per user below 5 (less above).
EVENTS_PER_USER_SLOPE_BY_TEAM_SIZE = 0.03


def accounts_for_events(target_events: int, users_per_account: float = 5.0, days: int = 120) -> int:
    """How many accounts give about target_events raw event rows (used by the benchmark)."""
    known_days, per_user = (np.array(v, dtype=float) for v in zip(*EVENTS_PER_USER_BY_DAYS))
    if days <= known_days[-1]:
        events_per_user = float(np.interp(days, known_days, per_user))
    else:  # beyond the table: keep the last measured slope
        slope = (per_user[-1] - per_user[-2]) / (known_days[-1] - known_days[-2])
        events_per_user = per_user[-1] + slope * (days - known_days[-1])
    events_per_user *= float(np.clip(1 + EVENTS_PER_USER_SLOPE_BY_TEAM_SIZE * (5 - users_per_account),
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


def _check_event_names() -> None:
    """Fail fast if the tracking-plan seed and this generator disagree about event names."""
    plan = tracking_plan()
    used = {"signed_up", "data_source_connected", "sync_started", "sync_completed", "sync_failed",
            "security_review_completed", *VALUE_EVENTS, *USAGE_EVENTS, *RETURN_EVENTS, *EXPLORE_EVENTS}
    missing = sorted(used - set(plan))
    if missing:
        raise RuntimeError(f"generator emits events missing from seeds/tracking_plan.csv: {missing}")
    if set(OUT_OF_PLAN_EVENTS) & set(plan):
        raise RuntimeError("OUT_OF_PLAN_EVENTS must stay outside the tracking plan")


def _generate_batch(
    config: DemoConfig, batch: int, first_user_no: int, end_us: int
) -> dict[str, pa.Table]:
    """All five tables for one batch of accounts, from its own (seed, batch) generator."""
    rng = np.random.default_rng([config.seed, batch])
    first = batch * BATCH_ACCOUNTS
    n = min(BATCH_ACCOUNTS, config.accounts - first)
    accounts = _make_accounts(rng, first, n, end_us, config.days)
    users = _make_users(rng, accounts, config.users_per_account, first_user_no, end_us)
    journeys = _journeys(rng, accounts, users, end_us)
    rows = _dirty_rows(rng, journeys.events, users, accounts, end_us)
    return _tables(accounts, users, journeys, rows, rng)


def generate_demo(out_dir: Path, config: DemoConfig, progress: bool = True) -> dict[str, int]:
    """Write one Parquet file per raw table (events.parquet, accounts.parquet, users.parquet,
    data_source_connections.parquet, flag_exposures.parquet) into out_dir; return rows per table."""
    _check_config(config)
    _check_event_names()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    end_us = _end_us(config.end)
    batches = -(-config.accounts // BATCH_ACCOUNTS)
    counts = dict.fromkeys(RAW_TABLES, 0)
    writers = {name: pq.ParquetWriter(out_dir / f"{name}.parquet", arrow_schema(name), compression="zstd")
               for name in RAW_TABLES}
    users_so_far = 0
    try:
        for batch in tqdm(range(batches), desc="demo data", unit="batch", file=sys.stderr,
                          disable=not progress):
            tables = _generate_batch(config, batch, users_so_far, end_us)
            users_so_far += tables["users"].num_rows
            for name, table in tables.items():
                writers[name].write_table(table)
                counts[name] += table.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    return counts
