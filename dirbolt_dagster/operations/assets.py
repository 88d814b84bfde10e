"""Operator metrics in Dagster.

- `submission_metrics`: success rate and p95 latency per directory and per day.
- `directory_success_drops`: directories whose recent success fell below their own baseline
  (form drift, site changes), with a WARN check that fails while any directory dropped.
- `queue_depth`: the SQS queue as the intake sensor observed it (`jobs_queue` observations)
  and the jobs waiting / running over time from the system of record.
"""

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import dagster as dg

from dirbolt_core.reports.charts import line_chart_png, png_markdown
from dirbolt_core.reports.metrics import (
    DropRule,
    load_results,
    queue_depth_from_jobs,
    sparkline,
    success_and_latency,
    success_drops,
)
from dirbolt_dagster.intake.assets import JOBS_QUEUE
from dirbolt_dagster.markdown import cell, markdown_table
from dirbolt_dagster.reporting import rounded
from dirbolt_dagster.resources import StoreResource
from dirbolt_dagster.submissions.assets import submissions

if TYPE_CHECKING:  # pandas is imported where a metric asset needs it, not on every run's start
    import pandas as pd

METRICS_GROUP = "operations"


class MetricsConfig(dg.Config):
    lookback_days: int = 7
    recent_days: float = 2.0
    min_drop: float = 0.25
    min_recent: int = 5
    min_baseline: int = 10
    chart_directories: int = 6


def _cell(value: Any) -> Any:
    """A pandas value as a Dagster table cell (no NaN, no numpy types)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return round(value, 4)
    return value


_TYPES = {"b": "bool", "i": "int", "u": "int", "f": "float"}


def frame_table(frame: "pd.DataFrame", *, limit: int = 500) -> dg.TableMetadataValue:
    schema = dg.TableSchema(columns=[dg.TableColumn(str(c), _TYPES.get(frame[c].dtype.kind, "string"))
                                     for c in frame.columns])
    records = [dg.TableRecord({str(k): _cell(v) for k, v in row.items()})
               for row in frame.head(limit).to_dict(orient="records")]
    return dg.MetadataValue.table(records=records, schema=schema)


def _pct(value: Any) -> str:
    return "—" if _cell(value) is None else f"{float(value):.0%}"


def daily_success_markdown(by_dir_day: "pd.DataFrame", days: list[str]) -> str:
    """Directory × day success, a sparkline per directory, worst recent first."""
    if by_dir_day.empty:
        return "no finished submissions in the window"
    pivot = by_dir_day.pivot(index="directory_id", columns="day", values="success_rate").reindex(columns=days)
    # Worst first by the two latest days that had submissions.
    latest = [d for d in days if pivot[d].notna().any()][-2:]
    pivot = pivot.assign(_recent=pivot[latest].mean(axis=1)).sort_values("_recent", na_position="last")
    rows = []
    for directory_id, row in pivot.iterrows():
        values = [_cell(row.get(d)) for d in days]
        rows.append([directory_id, sparkline(values), *(_pct(v) for v in values)])
    return markdown_table(["directory", "trend", *(d[5:] for d in days)], rows)


def _window_days(now: dt.datetime, lookback_days: int) -> list[str]:
    return [(now - dt.timedelta(days=i)).strftime("%Y-%m-%d") for i in range(lookback_days, -1, -1)]


@dg.asset(
    deps=[submissions],
    group_name=METRICS_GROUP,
    kinds={"postgres", "pandas"},
    description="Success rate and p95 latency (without rate-limit waits) per directory and per day, "
                "over the lookback window of finished live submissions.",
)
def submission_metrics(context: dg.AssetExecutionContext, config: MetricsConfig,
                       store: StoreResource) -> dg.MaterializeResult:
    now = dt.datetime.now(dt.UTC)
    frame = load_results(store.store, days=config.lookback_days, now=now)
    by_directory = success_and_latency(frame, ["directory_id"])
    by_day = success_and_latency(frame, ["day"])
    by_dir_day = success_and_latency(frame, ["directory_id", "day"])
    days = _window_days(now, config.lookback_days)
    overall = success_and_latency(frame.assign(all="all"), ["all"])
    rate = overall["success_rate"].iloc[0] if not overall.empty else None
    p95 = overall["p95_latency_s"].iloc[0] if not overall.empty else None
    context.log.info(f"{len(frame)} finished submissions over {config.lookback_days} days, "
                     f"{by_directory.shape[0]} directories; success {_pct(rate)}")
    metadata: dict[str, Any] = {
        "finished_submissions": len(frame),
        "directories": int(by_directory.shape[0]),
        "success_rate": dg.MetadataValue.float(rounded(rate, 4)),
        "p95_latency_s": dg.MetadataValue.float(rounded(p95, 2)),
        "by_directory": frame_table(by_directory),
        "by_day": frame_table(by_day),
        "daily_success_by_directory": dg.MetadataValue.md(daily_success_markdown(by_dir_day, days)),
    }
    charts = _charts(by_day, by_dir_day, days, config.chart_directories)
    if charts:
        metadata["charts"] = dg.MetadataValue.md(charts)
    return dg.MaterializeResult(metadata=metadata)


def _charts(by_day: "pd.DataFrame", by_dir_day: "pd.DataFrame", days: list[str], top_n: int) -> str:
    if by_day.empty:
        return ""
    overall = by_day.set_index("day").reindex(days)
    # The directories that did worst on the last days come first: they are what to look at.
    worst = (by_dir_day[by_dir_day["day"].isin(days[-2:])].groupby("directory_id")["success_rate"].mean()
             .sort_values().head(max(0, top_n - 1)).index.tolist())
    success: dict[str, list[float | None]] = {"all": [_cell(v) for v in overall["success_rate"]]}
    for directory_id in worst:
        per_day = by_dir_day[by_dir_day["directory_id"] == directory_id].set_index("day").reindex(days)
        success[str(directory_id)] = [_cell(v) for v in per_day["success_rate"]]
    labels = [d[5:] for d in days]
    rate_png = line_chart_png(success, labels, title="success rate per day (all, and the worst directories)",
                              y_max=1.0, y_format="{:.0%}")
    latency_png = line_chart_png({"p95": [_cell(v) for v in overall["p95_latency_s"]],
                                  "p50": [_cell(v) for v in overall["p50_latency_s"]]}, labels,
                                 title="latency per day, seconds (rate-limit waits excluded)")
    return "\n\n".join(p for p in (png_markdown(rate_png, "success rate per day"),
                                   png_markdown(latency_png, "latency per day")) if p)


@dg.asset(
    deps=[submission_metrics],
    group_name=METRICS_GROUP,
    kinds={"postgres", "pandas"},
    check_specs=[dg.AssetCheckSpec("no_directory_success_drop", asset="directory_success_drops",
                                   description="No directory's recent success fell below its own baseline.")],
    description="Directories whose success dropped: the last `recent_days` against the rest of the lookback "
                "(form drift or a site change); the most common recent failure reason says which.",
)
def directory_success_drops(context: dg.AssetExecutionContext, config: MetricsConfig,
                            store: StoreResource) -> dg.MaterializeResult:
    now = dt.datetime.now(dt.UTC)
    rule = DropRule(recent_days=config.recent_days, min_recent=config.min_recent,
                    min_baseline=config.min_baseline, min_drop=config.min_drop)
    drops = success_drops(load_results(store.store, days=config.lookback_days, now=now), now=now, rule=rule)
    dropped = drops[drops["dropped"]].to_dict(orient="records")
    for row in dropped:
        context.log.warning(f"{row['directory_id']}: success {_pct(row['baseline_rate'])} → "
                            f"{_pct(row['recent_rate'])} (recent {row['recent_n']}); most common recent failure: "
                            f"{row['top_recent_reason']}")
    summary = markdown_table(["directory", "baseline", "recent", "drop", "most common recent failure"], [
        (row["directory_id"], f"{_pct(row['baseline_rate'])} ({row['baseline_n']})",
         f"{_pct(row['recent_rate'])} ({row['recent_n']})", _pct(row["drop"]), cell(row["top_recent_reason"], 160))
        for row in dropped])
    ids = [row["directory_id"] for row in dropped]
    rule_text = (f"recent = last {config.recent_days:g} days vs the {config.lookback_days - config.recent_days:g} "
                 f"days before; drop ≥ {config.min_drop:.0%}, z ≥ {rule.min_z:g}, ≥ {config.min_recent} recent "
                 f"and ≥ {config.min_baseline} baseline submissions")
    return dg.MaterializeResult(
        metadata={
            "dropped": len(ids),
            "dropped_directories": dg.MetadataValue.json(ids),
            "summary": dg.MetadataValue.md(summary if ids else "no directory dropped"),
            "rule": dg.MetadataValue.text(rule_text),
            "all_directories": frame_table(drops),
        },
        check_results=[dg.AssetCheckResult(
            check_name="no_directory_success_drop", passed=not ids, severity=dg.AssetCheckSeverity.WARN,
            metadata={"dropped_directories": dg.MetadataValue.json(ids)})],
    )


def queue_observations(instance: dg.DagsterInstance, *, since: dt.datetime, limit: int = 5000) -> "pd.DataFrame":
    """What the SQS sensor saw on each tick: visible, in-flight and DLQ messages."""
    import pandas as pd

    result = instance.fetch_observations(
        dg.AssetRecordsFilter(asset_key=JOBS_QUEUE, after_timestamp=since.timestamp()), limit=limit)
    rows = []
    for record in result.records:
        observation = record.asset_observation
        if observation is None:
            continue
        meta = observation.metadata

        def value(key: str, meta=meta) -> Any:
            v = meta.get(key)
            return getattr(v, "value", v)

        rows.append({"at": pd.Timestamp(record.timestamp, unit="s", tz="UTC"), "visible": value("queue_visible"),
                     "in_flight": value("queue_in_flight"), "dlq": value("dlq_depth")})
    frame = pd.DataFrame(rows, columns=["at", "visible", "in_flight", "dlq"])
    return frame.sort_values("at", ignore_index=True)


@dg.asset(
    deps=[JOBS_QUEUE],
    group_name=METRICS_GROUP,
    kinds={"sqs", "postgres"},
    description="Queue depth over time: SQS visible / in-flight / DLQ messages as the intake sensor observed "
                "them, and jobs waiting and running per hour from the system of record.",
)
def queue_depth(context: dg.AssetExecutionContext, config: MetricsConfig,
                store: StoreResource) -> dg.MaterializeResult:
    import pandas as pd

    now = dt.datetime.now(dt.UTC)
    since = now - dt.timedelta(days=config.lookback_days)
    observed = queue_observations(context.instance, since=since)
    jobs = queue_depth_from_jobs(store.store, days=config.lookback_days, now=now)
    hourly = pd.DataFrame(columns=["at", "visible", "in_flight", "dlq"])
    if not observed.empty:
        hourly = (observed.set_index("at").resample("1h").max().dropna(how="all").reset_index())
    metadata: dict[str, Any] = {
        "observations": len(observed),
        "sqs_visible_now": int(observed["visible"].iloc[-1]) if not observed.empty else 0,
        "sqs_dlq_now": int(observed["dlq"].iloc[-1]) if not observed.empty else 0,
        "sqs_visible_max": int(observed["visible"].max()) if not observed.empty else 0,
        "jobs_waiting_now": int(jobs["waiting"].iloc[-1]) if not jobs.empty else 0,
        "jobs_waiting_max": int(jobs["waiting"].max()) if not jobs.empty else 0,
        "jobs_running_max": int(jobs["running"].max()) if not jobs.empty else 0,
        "sqs_hourly_max": frame_table(hourly.assign(at=hourly["at"].astype(str))),
        "jobs_hourly": frame_table(jobs.assign(at=jobs["at"].astype(str)).iloc[::-1]),
    }
    labels = [t.strftime("%m-%d %H:00") for t in jobs["at"]]
    png = line_chart_png({"waiting": jobs["waiting"].tolist(), "running": jobs["running"].tolist()}, labels,
                         title="jobs waiting and running (system of record)")
    charts = [png_markdown(png, "jobs waiting and running")]
    if len(observed) > 1:
        obs_labels = [t.strftime("%m-%d %H:%M") for t in observed["at"]]
        charts.append(png_markdown(line_chart_png(
            {"visible": observed["visible"].tolist(), "in flight": observed["in_flight"].tolist(),
             "dlq": observed["dlq"].tolist()}, obs_labels, title="SQS messages per sensor tick"), "sqs depth"))
    if any(charts):
        metadata["charts"] = dg.MetadataValue.md("\n\n".join(c for c in charts if c))
    context.log.info(f"queue: {len(observed)} observations, jobs waiting now {metadata['jobs_waiting_now']}")
    return dg.MaterializeResult(metadata=metadata)


metric_assets = [submission_metrics, directory_success_drops, queue_depth]

operator_metrics_job = dg.define_asset_job(
    name="operator_metrics",
    selection=dg.AssetSelection.assets(*metric_assets),
    description="Refresh the operator metrics: success and latency, success drops, queue depth.",
)
operator_metrics_schedule = dg.ScheduleDefinition(
    job=operator_metrics_job, cron_schedule="7 * * * *", default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Hourly operator metrics.",
)

