"""The data-health section's incident block: what is open now, what someone acknowledged,
and what is history, read from the marts `dq_incidents` and `dq_acknowledgements`.

Why a block of its own: the build fails only on open breaches (recent days, not
acknowledged), so a reader must see the same split the build makes. A page that listed
every warn and error of the whole history as equally urgent would cry wolf on a data set
whose old breaches were handled long ago. The numbers are the marts' own; nothing is
judged here.
"""

from __future__ import annotations

import pandas as pd

from activation_warehouse.report.format import day as _day, esc as _esc, table as _table

INCIDENTS = "marts.dq_incidents"
ACKNOWLEDGEMENTS = "marts.dq_acknowledgements"

#: How the page reads each incident status, in the order it lists them.
INCIDENT_STATUSES: dict[str, str] = {
    "open": "open: recent data, not acknowledged; an error fails the build",
    "acknowledged": "acknowledged: someone said it is known and handled, until a date",
    "resolved": "resolved: seen by an earlier build, no longer breaching",
    "historical": "historical: older than the judging horizon; shown, never failing a build",
}
#: Incidents listed per status (the mart holds them all).
LISTED_PER_STATUS = 10

#: What the block reads, joined to the report's queries (data.py); a missing mart is no error.
INCIDENT_QUERIES: dict[str, str] = {
    INCIDENTS: (
        f"select check_name, table_name, breach_key, check_date, severity, status, status_reason,"
        f" first_seen_at, last_seen_at, acknowledged_reason, acknowledged_by, acknowledged_until"
        f" from {INCIDENTS}"
        f" order by case severity when 'error' then 0 else 1 end, check_date desc, check_name, table_name, breach_key"
    ),
    ACKNOWLEDGEMENTS: f"select * from {ACKNOWLEDGEMENTS}",
}


def incident_counts(incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents per status and severity, every status listed (zeros included), so the
    page's summary line and its table can never disagree with the mart."""
    counts = incidents.groupby(["status", "severity"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=list(INCIDENT_STATUSES), columns=["error", "warn"], fill_value=0)
    return counts.astype(int)


def incidents_block(incidents: pd.DataFrame | None, acknowledgements: pd.DataFrame | None) -> str:
    """The HTML of the incident block: a count per status and severity, then the incidents
    of each status (open first), then acknowledgements that expired or cover nothing."""
    if incidents is None:
        return ("<p class='missing'>Not in this warehouse: <code>marts.dq_incidents</code> "
                "(built by a newer version; rebuild to see which breaches are open).</p>")
    if not len(incidents):
        return "<h3>Incidents</h3><p>No check has ever breached a threshold on this data.</p>"
    counts = incident_counts(incidents)
    summary_rows = [[_esc(INCIDENT_STATUSES[status]), str(row["error"]), str(row["warn"])]
                    for status, row in counts.iterrows()]
    parts = ["<h3>Incidents</h3>",
             f"<p>{int(counts.loc['open', 'error'])} open error(s) fail the build; "
             f"{int(counts.loc['historical'].sum())} historical and {int(counts.loc['acknowledged'].sum())} "
             "acknowledged breach(es) are shown, never failing it.</p>",
             _table(["status", "errors", "warnings"], summary_rows, numeric={1, 2}, cls="dq")]
    for status in INCIDENT_STATUSES:
        rows = incidents[incidents["status"] == status]
        if not len(rows):
            continue
        shown = rows.head(LISTED_PER_STATUS)
        cells = []
        for _, r in shown.iterrows():
            finding = _esc(r["status_reason"])
            if status == "acknowledged":
                finding += (f"<br><span class='small'>acknowledged by {_esc(r['acknowledged_by'])} until "
                            f"{_day(r['acknowledged_until'])}: {_esc(r['acknowledged_reason'])}</span>")
            cells.append([_esc(r["severity"]), _day(r["check_date"]),
                          f"<code>{_esc(r['check_name'])}</code> <code class='small'>{_esc(r['table_name'])}</code>"
                          + (f" <code class='small'>{_esc(r['breach_key'])}</code>" if not pd.isna(r["breach_key"]) else ""),
                          finding, _day(r["first_seen_at"])])
        more = f" (the first {LISTED_PER_STATUS} of {len(rows)})" if len(rows) > LISTED_PER_STATUS else ""
        parts.append(f"<h4>{_esc(status.capitalize())}{more}</h4>"
                     + _table(["severity", "day", "check", "finding", "first seen"], cells, cls="issues nowrap-2"))
    if acknowledgements is not None and len(acknowledgements) and "state" in acknowledgements.columns:
        stale = acknowledgements[acknowledgements["state"] != "active"]
        if len(stale):
            cells = [[_esc(r["state"].replace("_", " ")), f"<code>{_esc(r['check_name'])}</code>",
                      _esc(r.get("reason", "")), _day(r.get("acknowledged_until"))] for _, r in stale.iterrows()]
            parts.append("<h4>Acknowledgements to review (seed dq_acknowledgements)</h4>"
                         + _table(["state", "check", "why", "until"], cells, cls="issues"))
    return "".join(parts)
