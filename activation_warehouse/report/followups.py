"""The report's sections that answer a PM's follow-up questions.

A PM reading the verdict asks next: do the users who drop off after connecting come back,
how long do users take to act again, and who should we nudge now? data.py reads the
tables (``FOLLOWUP_QUERIES`` joins its reading) and page.py places the sections; the HTML
of each is built here from plain data frames, so each can be tested on a hand-made frame.
The numbers are the marts' own: the time-to-action percentiles are
activation_time_to_action's, the returns are counts of fct_user_activation's flags.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from activation_warehouse.exports import export_paths
from activation_warehouse.report.format import duration as duration_text, esc_or_dash as _esc, missing as _missing
from activation_warehouse.report.format import share as _share, table as _table
from activation_warehouse.publish import DEFAULT_PUBLISH_DIR, PUBLISHED_FILE_NAME

#: The lead engineer's mart of time to next action (may be missing from an older build).
TIME_TO_ACTION = "marts.activation_time_to_action"
#: The nudge list.
STALLED_USERS = "marts.stalled_users"
#: How many stalled users the page lists (the export holds them all).
STALLED_SHOWN = 15

#: What the sections read, joined to the report's queries (data.py; a table not built is
#: reported missing by the section, never an error).
FOLLOWUP_QUERIES: dict[str, str] = {
    TIME_TO_ACTION: f"select * from {TIME_TO_ACTION} order by segment_type, segment_value, user_group",
    STALLED_USERS: (
        "select user_id, account_id, data_source_type, whole_days_stalled, whole_days_left, is_newly_stalled,"
        f" last_action_name, days_since_last_action from {STALLED_USERS}"
        " order by days_since_last_action desc, user_id"
    ),
}


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


def returned_within_window_share(users: pd.DataFrame | None) -> float | None:
    """Share of the in-scope dropped users whose return came within the return window (the
    header's figure; None without dropped users or an older fct_user_activation).

    Counted here from fct_user_activation's flags, as the returns table below is: no mart
    holds the ratio; the semantic layer's returned_within_return_window_rate defines the
    same one (the report reads tables, not MetricFlow)."""
    if users is None or "returned_within_return_window" not in users.columns:
        return None
    dropped = users[users["is_in_scope"].astype(bool) & users["dropped_after_connection"].astype(bool)]
    if not len(dropped):
        return None
    return float(dropped["returned_within_return_window"].astype(bool).mean())


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
