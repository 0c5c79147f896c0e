"""The population: companies (accounts) and the people who sign up in them (users)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from activation_warehouse.dev.generate.draw import _STR, DAY, SECOND, _cat, _hex, _pick, _strs, _uniform_between


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
