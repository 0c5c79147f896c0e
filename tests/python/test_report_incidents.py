"""The report's incident block on hand-made frames: the counts come from the rows given,
open incidents are listed first, an acknowledgement shows who and until when, and a stale
acknowledgement is put up for review."""

from __future__ import annotations

import pandas as pd

from activation_warehouse.report.incidents import incident_counts, incidents_block

COLUMNS = ["check_name", "table_name", "breach_key", "check_date", "severity", "status", "status_reason",
           "first_seen_at", "last_seen_at", "acknowledged_reason", "acknowledged_by", "acknowledged_until"]


def _incident(check: str, day: str, severity: str, status: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(COLUMNS)
    row.update(check_name=check, table_name="raw.events", check_date=pd.Timestamp(day), severity=severity,
               status=status, status_reason=f"{check} on {day}", first_seen_at=pd.Timestamp("2026-12-01 10:00"),
               last_seen_at=pd.Timestamp("2026-12-01 10:00"))
    row.update(extra)
    return row


INCIDENTS = pd.DataFrame([
    _incident("quarantine_share", "2026-11-30", "error", "open", breach_key="unparseable_occurred_at"),
    _incident("quarantine_share", "2026-09-01", "error", "historical"),
    _incident("quarantine_share", "2026-09-02", "warn", "historical"),
    _incident("duplicate_share", "2026-11-29", "warn", "acknowledged", acknowledged_reason="replay of 29 Nov",
              acknowledged_by="ana", acknowledged_until=pd.Timestamp("2026-12-31")),
], columns=COLUMNS)


def test_counts_follow_the_rows_with_every_status_listed() -> None:
    counts = incident_counts(INCIDENTS)
    # By hand from the four rows: open 1 error; historical 1 error + 1 warn; acknowledged 1 warn; resolved none.
    assert counts.loc["open"].tolist() == [1, 0]
    assert counts.loc["historical"].tolist() == [1, 1]
    assert counts.loc["acknowledged"].tolist() == [0, 1]
    assert counts.loc["resolved"].tolist() == [0, 0]


def test_block_lists_open_first_and_names_the_acknowledgement() -> None:
    html = incidents_block(INCIDENTS, None)
    assert "1 open error(s) fail the build; 2 historical and 1 acknowledged" in html
    assert html.index("<h4>Open") < html.index("<h4>Acknowledged") < html.index("<h4>Historical")
    assert "acknowledged by ana until 2026-12-31: replay of 29 Nov" in html
    assert "unparseable_occurred_at" in html
    assert "<h4>Resolved" not in html


def test_stale_acknowledgements_are_put_up_for_review() -> None:
    acknowledgements = pd.DataFrame([
        {"check_name": "duplicate_share", "reason": "replay", "acknowledged_until": pd.Timestamp("2026-12-31"), "state": "active"},
        {"check_name": "arrival_lateness", "reason": "old backfill", "acknowledged_until": pd.Timestamp("2026-01-31"), "state": "expired"},
    ])
    html = incidents_block(INCIDENTS, acknowledgements)
    assert "Acknowledgements to review" in html
    assert "old backfill" in html and "expired" in html
    assert "replay</td>" not in html


def test_missing_and_empty_marts_say_so() -> None:
    assert "Not in this warehouse" in incidents_block(None, None)
    assert "No check has ever breached" in incidents_block(INCIDENTS.iloc[0:0], None)
