"""The report's sections that answer a PM's follow-up questions, kept out of report.py.

A PM reading the verdict asks next: do the users who drop off after connecting come back,
how long do users take to act again, and who should we nudge now? report.py reads the
tables (``SECTION_QUERIES`` joins its reading) and places the sections; the HTML of each
is built here from plain data frames, so each can be tested on a hand-made frame.

Also here: the small rules behind four fixes of the page (a rate panel without the
never-connected users, the events chart starting at the first day with events, the
opportunity cells where the cap binds).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from activation_warehouse.exports import export_paths
from activation_warehouse.report_html import missing as _missing, table as _table
from activation_warehouse.publish import DEFAULT_PUBLISH_DIR, PUBLISHED_FILE_NAME

#: The lead engineer's mart of time to next action (may be missing from an older build).
TIME_TO_ACTION = "marts.activation_time_to_action"
#: The nudge list.
STALLED_USERS = "marts.stalled_users"
#: How many stalled users the page lists (the export holds them all).
STALLED_SHOWN = 15
#: The data-source value of users who never connected: they have no step after
#: connecting, so a rate panel of the steps after connecting leaves them out.
NOT_CONNECTED_SOURCE = "none"

#: What the sections read, joined to report.py's queries (a table not built is reported
#: missing by the section, never an error).
SECTION_QUERIES: dict[str, str] = {
    TIME_TO_ACTION: f"select * from {TIME_TO_ACTION} order by segment_type, segment_value, user_group",
    STALLED_USERS: (
        "select user_id, account_id, data_source_type, whole_days_stalled, whole_days_left, is_newly_stalled,"
        f" last_action_name, days_since_last_action from {STALLED_USERS}"
        " order by days_since_last_action desc, user_id"
    ),
}


def _esc(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return html.escape(str(value))


def _share(part: int, whole: int) -> str:
    return "–" if not whole else f"{part / whole:.0%}"


def duration_text(minutes: Any) -> str:
    """Minutes in the unit a reader takes in at a glance (min, h or days); – for none."""
    if minutes is None or pd.isna(minutes):
        return "–"
    minutes = float(minutes)
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


# --------------------------------------------------------------------------- (a) returns

def drop_off_returns(users: pd.DataFrame) -> list[dict[str, Any]]:
    """Per population (in scope, all): the dropped users (mature, connected, never activated;
    fct_user_activation's dropped_after_connection), how many came back at all and how many
    within the return window. Counted here from the user rows, not re-derived: the mart's
    flags are the definition."""
    rows = []
    dropped_all = users[users["dropped_after_connection"].fillna(False).astype(bool)]
    for label, part in (("in scope", dropped_all[dropped_all["is_in_scope"].astype(bool)]), ("all companies", dropped_all)):
        rows.append({
            "population": label,
            "dropped": int(len(part)),
            "returned": int(part["returned_after_drop"].fillna(False).astype(bool).sum()),
            "returned_in_window": int(part["returned_within_return_window"].fillna(False).astype(bool).sum()),
        })
    return rows


def section_drop_off_returns(users: pd.DataFrame | None, users_relation: str, window: str) -> str:
    """Do drop-offs come back? `window` names the return window in force ("7 days")."""
    if users is None or "returned_after_drop" not in users.columns:
        return _missing(users_relation)
    rows = drop_off_returns(users)
    if not rows[-1]["dropped"]:
        return "<p class='muted'>No mature connected user has dropped off yet.</p>"
    table = _table(
        ["population", "dropped after connecting", "came back (ever)", f"came back within {html.escape(window)}"],
        [[f"<b>{r['population']}</b>", f"{r['dropped']:,}",
          f"{r['returned']:,} ({_share(r['returned'], r['dropped'])})",
          f"{r['returned_in_window']:,} ({_share(r['returned_in_window'], r['dropped'])})"] for r in rows],
        numeric={1, 2, 3}, cls="returns",
    )
    first = rows[0] if rows[0]["dropped"] else rows[-1]
    never = first["dropped"] - first["returned"]
    sentence = (
        f"Of {first['dropped']:,} users ({first['population']}) who connected and never reached first value, "
        f"{first['returned']:,} ({_share(first['returned'], first['dropped'])}) came back for another session, "
        f"{first['returned_in_window']:,} of them within {html.escape(window)} of connecting; "
        f"{never:,} ({_share(never, first['dropped'])}) never came back."
    )
    return (f"<p>{sentence}</p>{table}<p class='note'>A return is a session after the connecting session, at or "
            f"before the as-of time (<code>{html.escape(users_relation)}</code>: <code>returned_after_drop</code>, "
            "<code>returned_within_return_window</code>). Drop-offs who return were reachable: a nudge has "
            "someone to talk to.</p>")


# --------------------------------------------------------------------------- (b) time to action

#: The user groups of activation_time_to_action, in the order shown.
USER_GROUPS = ("activated", "dropped")


def time_to_action_rows(frame: pd.DataFrame, segment_type: str) -> pd.DataFrame:
    """The mart's rows of one segment type, ordered by segment value then user group."""
    rows = frame[frame["segment_type"] == segment_type].copy()
    rows["group_rank"] = rows["user_group"].map(lambda g: USER_GROUPS.index(g) if g in USER_GROUPS else len(USER_GROUPS))
    return rows.sort_values(["segment_value", "group_rank"])


def time_to_action_sentence(frame: pd.DataFrame) -> str:
    """The overall comparison in words: the median time to the next action of activated
    against dropped users, and how many dropped users never acted again."""
    overall = {r["user_group"]: r for _, r in frame[frame["segment_type"] == "overall"].iterrows()}
    activated, dropped = overall.get("activated"), overall.get("dropped")
    if activated is None or dropped is None:
        return ""
    silent = int(dropped["users"]) - int(dropped["users_with_next_action"] or 0)
    return (f"<p>After connecting, activated users acted again after a median of "
            f"<b>{duration_text(activated['median_minutes_to_next_action'])}</b>, dropped users after "
            f"<b>{duration_text(dropped['median_minutes_to_next_action'])}</b>; "
            f"{silent:,} of {int(dropped['users']):,} dropped users ({_share(silent, int(dropped['users']))}) "
            "never acted again after connecting.</p>")


def section_time_to_action(frame: pd.DataFrame | None) -> str:
    """Activated against dropped users: how soon each acts again, and (activated) reaches
    first value; overall and by data source."""
    if frame is None:
        return _missing(TIME_TO_ACTION)
    if not len(frame):
        return "<p class='muted'>No mature connected users yet: no times to show.</p>"
    body = [time_to_action_sentence(frame)]
    headers = ["segment", "users", "group", "acted again", "next action: median", "p75", "p90",
               "first value: median", "p75", "p90"]
    for segment_type, title in (("overall", "Overall"), ("data_source_type", "By data source")):
        rows = time_to_action_rows(frame, segment_type)
        if not len(rows):
            continue
        body.append(f"<h3>{title}</h3>")
        cells = []
        for _, r in rows.iterrows():
            users, acted = int(r["users"]), int(r["users_with_next_action"] or 0)
            cells.append([
                _esc(r["segment_value"]), f"{users:,}", f"<b>{_esc(r['user_group'])}</b>",
                f"{acted:,} ({_share(acted, users)})",
                duration_text(r["median_minutes_to_next_action"]), duration_text(r["p75_minutes_to_next_action"]),
                duration_text(r["p90_minutes_to_next_action"]), duration_text(r["median_minutes_to_first_value"]),
                duration_text(r["p75_minutes_to_first_value"]), duration_text(r["p90_minutes_to_first_value"]),
            ])
        body.append(_table(headers, cells, numeric=set(range(1, 10)) - {2}, cls="time-to-action"))
    return "".join(body) + (
        f"<p class='note'>From <code>{TIME_TO_ACTION}</code>: mature connected users, activated against dropped. "
        "Medians and percentiles are over the users who did act (acted again) or reached first value; "
        "dropped users have no time to first value (–).</p>")


# --------------------------------------------------------------------------- (c) stalled users

def export_csv_path(warehouse: Path) -> Path:
    """Where `publish` writes the nudge export for this report's readers: beside the
    published file when the report reads the published copy, else the default folder."""
    folder = warehouse.parent if warehouse.name == PUBLISHED_FILE_NAME else DEFAULT_PUBLISH_DIR
    return export_paths(folder)["csv"]


def days_text(days: Any) -> str:
    """A number of days in words ("3 days", "1 day"); the setting's name when unknown."""
    if days is None or pd.isna(days):
        return "the stall_days setting"
    number = float(days)
    shown = f"{int(number)}" if number.is_integer() else f"{number:g}"
    return f"{shown} day{'' if number == 1 else 's'}"


def section_stalled_users(frame: pd.DataFrame | None, warehouse: Path, stall: str) -> str:
    """The top of the nudge list (longest stalled first) and the file with all of it.
    `stall` names the stall_days setting in force, or the words for it."""
    if frame is None:
        return _missing(STALLED_USERS)
    path = html.escape(str(export_csv_path(warehouse)))
    if not len(frame):
        return f"<p class='muted'>Nobody is stalled right now. The export is <code>{path}</code>.</p>"
    newly = int(frame["is_newly_stalled"].astype(bool).sum())
    shown = frame.head(STALLED_SHOWN)
    rows = [[
        _esc(r["account_id"]), f"<code>{_esc(r['user_id'])}</code>", _esc(r["data_source_type"]),
        f"{int(r['whole_days_stalled'])}", f"{int(r['whole_days_left'])}",
        "new this week" if bool(r["is_newly_stalled"]) else "", _esc(r["last_action_name"]),
    ] for _, r in shown.iterrows()]
    table = _table(["account", "user", "data source", "days stalled", "days left in window", "newly stalled", "last action"],
                   rows, numeric={3, 4}, cls="stalled")
    more = f"the {len(shown)} stalled longest of {len(frame):,}" if len(frame) > len(shown) else f"all {len(frame):,}"
    return (
        f"<p>{len(frame):,} users connected, have not reached first value, still have time in their window and "
        f"have done nothing for at least {html.escape(stall)}; {newly:,} of them became stalled this week (in the seven days before the as-of time). "
        f"Below: {more}.</p>{table}"
        f"<p class='note'>The whole list, ids and segments only, for a CS or marketing tool: <code>{path}</code> "
        "(and <code>.parquet</code>), written by <code>python -m activation_warehouse publish</code>; "
        "its columns are described in README, \"The nudge export\". Whole days are rounded down.</p>"
    )


# --------------------------------------------------------------------------- fixes of the page

def in_rate_panel(segment_type: str, segment_value: str) -> bool:
    """Whether a segment belongs in the per-segment panel of rates after signing up: users
    with no data source never connected, so every later step reads 0% and looks like a
    source that fails; they are named in a note instead."""
    return not (segment_type == "data_source_type" and segment_value == NOT_CONNECTED_SOURCE)


def not_connected_note(funnel: pd.DataFrame) -> str:
    """The note naming the never-connected users left out of the data-source panel."""
    starts = funnel[(funnel["segment_type"] == "data_source_type") & (funnel["segment_value"] == NOT_CONNECTED_SOURCE)
                    & (funnel["step_order"] == 1)]
    if not len(starts):
        return ""
    users = int(starts["users_reached"].iloc[0])
    return (f"The data-source panel leaves out the {users:,} mature users who never connected a source "
            f"(<code>{NOT_CONNECTED_SOURCE}</code>): with no connection, every step after it is 0% for them, "
            "which is not a rate of any source. They are counted in the funnel above and in the table below.")


def from_first_active_day(daily: pd.DataFrame, date_column: str, count_column: str) -> pd.DataFrame:
    """The days from the first with any event on: a chart of events per day should not
    spend its width on the empty days before tracking started."""
    active = daily[daily[count_column] > 0]
    if not len(active):
        return daily
    return daily[daily[date_column] >= active[date_column].min()]


def is_capped(extra_accounts: Any, connected: Any, activated: Any, lift: Any) -> bool:
    """Whether a band's extra activated accounts hit the cap (connected − activated: no
    more accounts than those connected and not yet activated) rather than activated × lift.
    Where it binds, larger lifts show the same value, which reads as a bug without a mark."""
    values = [extra_accounts, connected, activated, lift]
    if any(v is None or pd.isna(v) for v in values):
        return False
    headroom = float(connected) - float(activated)
    return float(activated) * float(lift) > headroom + 1e-9 and math.isclose(float(extra_accounts), headroom, abs_tol=1e-9)


CAPPED_MARK = "<sup class='capped' title='capped: every connected account of this band activated'>†</sup>"
CAPPED_NOTE = ("† capped: the lift would activate more accounts than the band has connected and not activated, so "
               "the extra is all of those (connected − activated), and larger lifts show the same value.")


def money_cell(format_money: Callable[[Any], str], revenue: Any, extra: str, capped: bool) -> str:
    """One opportunity cell: revenue per year and extra accounts, marked † where capped."""
    return (f"<b>{format_money(revenue)}</b> / yr{CAPPED_MARK if capped else ''}<br>"
            f"<span class='muted small'>+{extra} accounts</span>")
