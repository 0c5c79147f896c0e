"""Data-source connections: who connects when, which source, how its syncs go.

The source type carries the planted data-readiness effect: slow or failing sources make
a connected user less likely to reach first value (see journeys.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from activation_warehouse.dev.generate.draw import (
    _BACKEND,
    _CLIENT,
    _STR,
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    _cat,
    _ids,
    _lognormal,
    _pick,
    _strs,
    _uniform_between,
)
from activation_warehouse.dev.generate.events import _bursts, _concat_events, _events, _Events
from activation_warehouse.dev.generate.population import _Users
from activation_warehouse.dev.generate.shapes import JourneyShape


CONNECT_RATE_BY_ROLE = {"admin": 0.85, "member": 0.7, "viewer": 0.4, "": 0.6}
#: How long after signup people connect: (share, median, sigma) of a lognormal mixture; the
#: last part connects after the 14-day window (or never before `end`).
CONNECT_DELAY_MIX = ((0.42, 15 * MINUTE, 1.0), (0.46, 30 * HOUR, 0.9), (0.12, 12 * DAY, 0.4))
SECOND_CONNECTION_RATE = 0.15


def _connect_times(rng: np.random.Generator, users: _Users, end_us: int, shape: JourneyShape) -> np.ndarray:
    """When each user first connects a source, or -1 (never, or not yet by `end`)."""
    n = len(users)
    rate = np.zeros(n)
    for role, p in CONNECT_RATE_BY_ROLE.items():
        rate[users.role == role] = p * shape.connect_rate_scale
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
    rng: np.random.Generator, owner: np.ndarray, t: np.ndarray, end_us: int, shape: JourneyShape
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

    disconnected = (~never) & (rng.random(n) < shape.disconnect_rate)
    stop = np.where(disconnected, t + rng.integers(DAY, shape.disconnect_after_max, n), end_us)
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


def _connection_events(
    rng: np.random.Generator, conns: _Connections, end_us: int, shape: JourneyShape
) -> _Events:
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
    flow_counts = 1 + rng.poisson(shape.connect_flow_pages_mean, n)
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
