"""Feature-flag exposures: the guided_setup_v2 experiment the marts evaluate, and a neutral flag."""

from __future__ import annotations

import numpy as np

from activation_warehouse.dev.generate.draw import _STR, DAY, HOUR, MINUTE, _ids, _lognormal
from activation_warehouse.dev.generate.population import _Users


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
