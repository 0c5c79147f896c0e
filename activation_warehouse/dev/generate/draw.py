"""Units, id minting and random draws every part of the generator shares.

All vectorised over numpy arrays: the generator never loops over rows in Python, which is
what lets it write 10 million events in minutes.
"""

from __future__ import annotations

from functools import reduce

import numpy as np


# All instants are int64 microseconds since the Unix epoch (UTC): the unit of Parquet's
# timestamp[us], so no conversion can lose or shift a value.
SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

_STR = np.dtypes.StringDType()
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)

# Event kinds decide which identity columns an event carries (see dirt._identity_columns).
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
