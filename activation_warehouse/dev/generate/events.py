"""Events as column arrays, sessions as bursts of them, and their properties as JSON text."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from activation_warehouse.dev.generate.draw import (
    _CLIENT,
    _STR,
    DAY,
    MINUTE,
    SECOND,
    _cat,
    _ids,
    _lognormal,
    _pick,
)


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
