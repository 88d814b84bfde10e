"""The report as one self-contained HTML page (opens offline) and as CSV.

The page loads nothing: CSS is inline, thumbnails are data: URIs, and a Content-Security-Policy
forbids any other source. Every text comes from the database or from directory sites (reasons
are directory wording), so all of it is escaped; only http(s) listing URLs become links.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
from html import escape
from urllib.parse import urlparse

from dirbolt_core.reports.job_report import STATUS_MEANING, STATUS_ORDER, JobReport, ReportRow

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STATUS_LABEL = {
    "approved": "Live", "nap_mismatch": "Live, details differ", "pending_verification": "Confirm e-mail",
    "submitted": "Submitted", "needs_manual": "Needs action", "rejected": "Rejected",
    "failed": "Failed", "skipped": "Skipped", "processing": "In progress", "pending": "Planned",
}

CSS = """
:root { --ink:#1d2330; --muted:#5f6b7a; --line:#e3e7ee; --bg:#f6f8fb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); background: var(--bg); }
header { background: #15233f; color: #fff; padding: 24px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #c9d3e6; }
main { padding: 24px 32px 48px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 20px; }
.shortfall { background: #fff4e5; border: 1px solid #f0b35a; padding: 10px 14px; border-radius: 6px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 110px; }
.card b { display: block; font-size: 22px; }
.card span { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; vertical-align: top; padding: 10px 12px; border-bottom: 1px solid var(--line); }
th { background: #eef2f8; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
td.num { color: var(--muted); width: 32px; }
td.reason { max-width: 360px; overflow-wrap: anywhere; }
td.when { white-space: nowrap; color: var(--muted); }
.dir small { display: block; color: var(--muted); }
a { color: #1c5fd1; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
         white-space: nowrap; }
.s-approved { background: #d3f5dd; color: #0f6b2f; } .s-submitted { background: #e2f0ff; color: #154d9c; }
.s-needs_manual { background: #fff1c9; color: #7a5300; } .s-rejected { background: #ffe0e0; color: #9b1c1c; }
.s-pending_verification { background: #efe4ff; color: #5b2a9c; }
.s-failed { background: #f9d2d2; color: #7d0f0f; } .s-skipped { background: #eceff3; color: #4f5968; }
.s-pending, .s-processing { background: #eceff3; color: #4f5968; }
.s-nap_mismatch { background: #fde7c7; color: #7a4100; }
.resolved { display: block; color: var(--muted); font-size: 12px; }
td.proof { width: 216px; }
td.proof img { width: 200px; height: auto; border: 1px solid var(--line); border-radius: 4px; display: block;
               transition: transform .15s; transform-origin: right top; background: #fff; }
td.proof img:hover, td.proof img:focus { transform: scale(2.3); position: relative; z-index: 2;
               box-shadow: 0 8px 30px rgba(0,0,0,.25); }
.noproof { color: var(--muted); font-style: italic; }
dl.legend { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 28px 0 0;
            color: var(--muted); }
dl.legend dt { margin: 0; } dl.legend dd { margin: 0; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
@media print { header { background: none; color: #000; } td.proof img:hover { transform: none; } }
"""


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def is_web_url(url: str | None) -> bool:
    if not url:
        return False
    parsed = urlparse(url.strip())
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def _link(url: str | None, text: str | None = None) -> str:
    if not url:
        return ""
    if not is_web_url(url):
        return f"<span>{escape(url)}</span>"
    return (f'<a href="{escape(url.strip(), quote=True)}" rel="noopener noreferrer nofollow" target="_blank">'
            f"{escape(text or url)}</a>")


def _resolution_html(row: ReportRow) -> str:
    res = row.resolution
    if not res:
        return ""
    when = str(res.get("resolved_at") or "")[:16].replace("T", " ")
    before = f" (was: {res['reason_before']})" if res.get("reason_before") else ""
    return (f'<span class="resolved">Resolved by hand by {escape(str(res.get("resolved_by") or ""))} {escape(when)}'
            f"{escape(before)}</span>")


def _row_html(n: int, row: ReportRow) -> str:
    status = row.status.value
    if row.thumbnail:
        proof = (f'<img src="{escape(row.thumbnail, quote=True)}" tabindex="0" '
                 f'alt="proof: {escape(row.directory_name, quote=True)}">')
    else:
        proof = f'<span class="noproof">{escape(row.proof_note or "no proof")}</span>'
    if is_web_url(row.proof_uri):
        # The full screenshot and the page as submitted, over HTTP (the operator web app or presigned S3).
        proof += "<br>" + _link(row.proof_uri, "screenshot")
        if is_web_url(row.proof_html_uri):
            proof += " · " + _link(row.proof_html_uri, "page")
    directory = escape(row.directory_name)
    if is_web_url(row.directory_url):
        directory = _link(row.directory_url, row.directory_name)
    return (
        f'<tr class="row" data-directory="{escape(row.directory_id, quote=True)}" data-status="{status}">'
        f'<td class="num">{n}</td>'
        f'<td class="dir">{directory}<small>{escape(row.directory_id)}</small></td>'
        f'<td class="status"><span class="badge s-{status}" title="{escape(STATUS_MEANING[row.status])}">'
        f"{STATUS_LABEL[status]}</span></td>"
        f'<td class="reason">{escape(row.reason or "")}{_resolution_html(row)}</td>'
        f'<td class="listing">{_link(row.listing_url)}</td>'
        f'<td class="when">{_when(row.submitted_at)}</td>'
        f'<td class="proof">{proof}</td></tr>'
    )


def _timeline_html(report: JobReport) -> str:
    """Live / pending / needs action over the days since submission, as an inline PNG (data: URI)."""
    from dirbolt_core.reports.charts import line_chart_png

    timeline = report.timeline
    if timeline is None:
        return ""
    png = line_chart_png({k: [float(v) for v in vs] for k, vs in timeline.lines.items()},
                         [f"day {d}" for d in timeline.days], title="Your directories since submission",
                         y_max=float(max(len(report.rows), 1)))
    now = ", ".join(f"{v} {k}" for k, v in timeline.last().items())
    image = (f'<img id="timeline" alt="live, pending and needs action per day: {escape(now)}" '
             f'src="data:image/png;base64,{base64.b64encode(png).decode()}">') if png else ""
    return f'<section id="over-time"><p>Day {timeline.days[-1]} since submission: {escape(now)}.</p>{image}</section>'


def render_html(report: JobReport) -> str:
    counts = report.counts
    rate = report.success_rate
    cards = [("Directories", len(report.rows)), ("Success rate", f"{rate:.0%}" if rate is not None else "—")]
    cards += [(STATUS_LABEL[s], counts[s]) for s in ("approved", "nap_mismatch", "submitted", "pending_verification",
                                                        "needs_manual", "rejected", "failed", "skipped", "pending",
                                                        "processing")
              if counts[s] or s in ("approved", "submitted")]
    if report.resolved_by_hand:
        cards.append(("Resolved by hand", len(report.resolved_by_hand)))
    if report.short_by:
        cards.insert(1, ("Short by", report.short_by))
    cards_html = "".join(f'<div class="card"><b>{escape(str(v))}</b><span>{escape(k)}</span></div>'
                         for k, v in cards)
    shortfall = ""
    if report.short_by:
        shortfall = (f'<p class="shortfall" id="shortfall"><b>Short by {report.short_by}:</b> your package holds '
                     f"{report.package_size} directories, but only {len(report.rows)} were ready to be submitted to "
                     f"when this job was planned.</p>")
    mismatches = [r for r in report.rows if r.status.value == "nap_mismatch"]
    if mismatches:
        items = "".join(f"<li><b>{escape(r.directory_name)}</b> {_link(r.listing_url)}: {escape(r.reason or '')}</li>"
                        for r in mismatches)
        shortfall += (f'<section class="shortfall" id="nap-mismatches"><b>Listings to correct ({len(mismatches)}):'
                      f"</b> live, but their name, address or phone differ from yours.<ul>{items}</ul></section>")
    shortfall += _timeline_html(report)
    rows_html = "\n".join(_row_html(i, row) for i, row in enumerate(report.rows, start=1))
    legend = "".join(f'<dt><span class="badge s-{s.value}">{STATUS_LABEL[s.value]}</span></dt>'
                     f"<dd>{escape(STATUS_MEANING[s])}</dd>" for s in STATUS_ORDER)
    title = f"Directory submissions — {report.business_name or report.customer_id}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body>
<header><h1>{escape(title)}</h1>
<p>Job {escape(str(report.job_id))} · {escape(report.priority.title())} package · status {escape(report.job_status)}
{(" · ordered " + _when(report.created_at)) if report.created_at else ""}
{(" · completed " + _when(report.completed_at)) if report.completed_at else ""}</p></header>
<main>
<section class="cards" id="summary">{cards_html}</section>
{shortfall}
<table id="results">
<thead><tr><th>#</th><th>Directory</th><th>Status</th><th>Reason</th><th>Listing</th><th>Submitted</th>
<th>Proof</th></tr></thead>
<tbody>
{rows_html}
</tbody></table>
<dl class="legend">{legend}</dl>
<footer>Generated {_when(report.generated_at)} by dirbolt. Proof screenshots were taken in a real browser at
the moment each directory answered.</footer>
</main></body></html>
"""


CSV_COLUMNS = ("directory_id", "directory_name", "directory_url", "status", "reason", "listing_url",
               "submitted_at", "attempts", "proof_uri", "proof_html_uri", "resolved_by", "resolved_at")


def _cell(value: object) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ would be run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(report: JobReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.rows:
        writer.writerow([_cell(v) for v in (
            r.directory_id, r.directory_name, r.directory_url, r.status.value, r.reason, r.listing_url,
            r.submitted_at.astimezone(dt.UTC).isoformat(timespec="seconds") if r.submitted_at else "",
            r.attempts, r.proof_uri, r.proof_html_uri,
            (r.resolution or {}).get("resolved_by"), (r.resolution or {}).get("resolved_at"))])
    return out.getvalue()
