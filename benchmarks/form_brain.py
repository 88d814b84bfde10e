"""Benchmark of the form brain (`map-form`): a labelled corpus and the sandbox directory network.

    .venv/bin/python benchmarks/form_brain.py [--corpus DIR] [--no-sandbox] [--json] [--errors N]
    .venv/bin/python benchmarks/form_brain.py --token-audit

Honest figures: the corpus is split by a fixed hash of each page id (evaluation.split_of) into a
development part, whose errors are studied, and a validation part, on which no rule is written
(its errors are hidden unless --validation-errors). Each part is also scored as two variants of
the same pages: "formless" (<form> -> <div>, as React apps render) and "shadow" (each form's
content in an open declarative shadow root of a custom element). Recall counts the annotated
fields the brain never returned, and how many of those the parse put outside every <form>.
--token-audit lists heuristic tokens matching the fields of only one page (a token that exists
to match one page is a defect).

Corpus: Formasaurus-format pages (default /work/shared/corpora/formasaurus, or
DIRBOLT_CORPUS_DIR). Scored with the corpus README's code -> key table: field accuracy over
the mapped codes, accuracy over every annotated field (other codes are right when the
mapper says `unknown` or a control key), per-key precision/recall, honeypots given a value
(value_for_field with the sample profile), and time per form (extraction + mapping, the
process pinned to one core, no LLM; CPU time of the process, so other processes' load on
a shared machine does not count, with the wall time beside it). A naive name-only matcher is
measured in the same run as the baseline.

Sandbox: every site of the sandbox network is opened in Chromium, its listing form mapped
without the catalog's selectors, and the values the brain would type compared with the
site's expected record: wrong fields, missing fields, honeypots filled.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")

from dirbolt_core.brain.evaluation import (  # noqa: E402
    CODE_KEYS,
    VARIANTS,
    CorpusScore,
    check_site,
    fill_plan,
    naive_name_mapper,
    read_listing_form,
    score_corpus,
    split_of,
    token_audit,
)
from dirbolt_core.brain.mapper import FormBrain  # noqa: E402
from dirbolt_core.sample import SAMPLE_PROFILE  # noqa: E402

DEFAULT_CORPUS = Path("/work/shared/corpora/formasaurus")


def pin_one_core() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to cpu {cpu}"
    except (AttributeError, OSError):
        return "not pinned"


def _figures(score: CorpusScore) -> dict[str, Any]:
    return {"pages": score.pages, "forms": score.forms, "scored_fields": score.scored,
            "accuracy": score.accuracy, "all_fields_accuracy": score.all_fields_accuracy,
            "honeypots": score.honeypots, "honeypot_fills": score.honeypot_fills,
            "labelled": score.labelled, "recall": score.recall, "not_returned": score.not_returned,
            "not_returned_outside_form": score.not_returned_outside_form,
            "found_elsewhere": score.found_elsewhere}


def corpus_section(corpus: Path, errors: int, *, show_validation_errors: bool = False) -> dict[str, Any]:
    brain = FormBrain()  # no learned store, no LLM: the common case
    # Warm-up (regex compilation, imports) outside the timing, on the first pages.
    pages = sorted(json.loads((corpus / "index.json").read_text()))
    score_corpus(corpus, brain.map_form, SAMPLE_PROFILE, pages=pages[:3])
    started = time.perf_counter()
    ours = score_corpus(corpus, brain.map_form, SAMPLE_PROFILE)
    wall = time.perf_counter() - started
    base = score_corpus(corpus, naive_name_mapper, SAMPLE_PROFILE)
    mean_ms, p95_ms = ours.ms_per_form()
    wall_mean, wall_p95 = ours.ms_per_form(wall=True)
    keys = sorted(set(CODE_KEYS.values()))
    splits: dict[str, dict[str, Any]] = {}
    for split in ("development", "validation"):
        chosen = [p for p in pages if split_of(p) == split]
        row: dict[str, Any] = {}
        for variant in VARIANTS:
            score = score_corpus(corpus, brain.map_form, SAMPLE_PROFILE, pages=chosen, variant=variant)
            row[variant] = _figures(score)
            # Errors of the validation part are not shown unless asked: rules are not written from them.
            if variant == "plain" and (split == "development" or show_validation_errors):
                row["errors"] = score.errors[:errors]
        row["baseline_accuracy"] = score_corpus(corpus, naive_name_mapper, SAMPLE_PROFILE, pages=chosen).accuracy
        splits[split] = row
    return {
        "pages": ours.pages, "forms": ours.forms, "scored_fields": ours.scored,
        "accuracy": ours.accuracy, "baseline_accuracy": base.accuracy,
        "all_fields_accuracy": ours.all_fields_accuracy, "baseline_all_fields_accuracy": base.all_fields_accuracy,
        "honeypots": ours.honeypots, "honeypot_fills": ours.honeypot_fills,
        "baseline_honeypot_fills": base.honeypot_fills,
        "ms_per_form_mean": mean_ms, "ms_per_form_p95": p95_ms, "baseline_ms_per_form_mean": base.ms_per_form()[0],
        "wall_ms_per_form_mean": wall_mean, "wall_ms_per_form_p95": wall_p95,
        "wall_s": wall,
        "splits": splits,
        "per_key": {k: dict(zip(("precision", "recall", "support"), ours.precision_recall(k), strict=True))
                    for k in keys},
        "baseline_per_key": {k: dict(zip(("precision", "recall", "support"), base.precision_recall(k),
                                         strict=True)) for k in keys},
        "errors": [e for e in ours.errors if split_of(e[0]) == "development" or show_validation_errors][:errors],
    }


def print_corpus(r: dict[str, Any]) -> None:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b else "n/a"

    print(f"\nCorpus: {r['pages']} pages, {r['forms']} forms, {r['scored_fields']} fields with a mapped code")
    print(f"{'figure':44} {'brain':>10} {'baseline':>10} {'ratio':>8}")
    rows = [
        ("field accuracy (mapped codes)", r["accuracy"], r["baseline_accuracy"], True),
        ("accuracy, every annotated field", r["all_fields_accuracy"], r["baseline_all_fields_accuracy"], True),
    ]
    for label, ours, base, pct in rows:
        fmt = (lambda x: f"{100 * x:.1f}%") if pct else (lambda x: f"{x:.2f}")
        print(f"{label:44} {fmt(ours):>10} {fmt(base):>10} {ratio(ours, base):>8}")
    print(f"{'honeypots given a value (of ' + str(r['honeypots']) + ')':44} {r['honeypot_fills']:>10} "
          f"{r['baseline_honeypot_fills']:>10}")
    print(f"{'CPU ms per form, mean (extract + map)':44} {r['ms_per_form_mean']:>10.2f} "
          f"{r['baseline_ms_per_form_mean']:>10.2f}")
    print(f"{'CPU ms per form, p95':44} {r['ms_per_form_p95']:>10.2f}")
    print(f"{'wall ms per form, mean / p95 (machine load)':44} {r['wall_ms_per_form_mean']:>10.2f} "
          f"{r['wall_ms_per_form_p95']:>10.2f}")
    print(f"\n{'key':22} {'support':>7} {'precision':>9} {'recall':>7}   {'baseline P':>10} {'baseline R':>10}")
    for key, pr in r["per_key"].items():
        b = r["baseline_per_key"][key]
        print(f"{key:22} {pr['support']:>7} {100 * pr['precision']:>8.1f}% {100 * pr['recall']:>6.1f}%   "
              f"{100 * b['precision']:>9.1f}% {100 * b['recall']:>9.1f}%")
    if r["errors"]:
        print("\nFirst errors (page, form, field name, wanted, got):")
        for e in r["errors"]:
            print("  ", *e)


def print_splits(r: dict[str, Any]) -> None:
    dev, val = r["splits"]["development"], r["splits"]["validation"]
    print(f"\nSplit by a fixed hash of the page id: development {dev['plain']['pages']} pages, "
          f"validation {val['plain']['pages']} pages (no rule is written from the validation pages)")
    print(f"{'figure':52} {'development':>12} {'validation':>12}")

    def line(label: str, fn: Any) -> None:
        print(f"{label:52} {fn(dev):>12} {fn(val):>12}")

    pct = lambda x: f"{100 * x:.1f}%"  # noqa: E731
    line("forms (with formless groups) / fields with a mapped code",
         lambda s: f"{s['plain']['forms']}/{s['plain']['scored_fields']}")
    line("field accuracy (mapped codes)", lambda s: pct(s["plain"]["accuracy"]))
    line("  name-only baseline", lambda s: pct(s["baseline_accuracy"]))
    line("accuracy, every annotated field", lambda s: pct(s["plain"]["all_fields_accuracy"]))
    line("honeypots given a value / honeypots", lambda s: f"{s['plain']['honeypot_fills']}/{s['plain']['honeypots']}")
    line("recall: annotated fields returned", lambda s: pct(s["plain"]["recall"]))
    line("  never returned / of which outside any <form>",
         lambda s: f"{s['plain']['not_returned']}/{s['plain']['not_returned_outside_form']}")
    for variant, what in (("formless", "same pages, <form> -> <div> (React-style)"),
                          ("shadow", "same pages, forms inside open shadow roots")):
        print(what)
        line("  field accuracy", lambda s, v=variant: pct(s[v]["accuracy"]))
        line("  recall / honeypots given a value",
             lambda s, v=variant: f"{pct(s[v]['recall'])} {s[v]['honeypot_fills']}/{s[v]['honeypots']}")


def print_token_audit(corpus: Path) -> int:
    """Heuristic tokens that match the fields of exactly one corpus page (defects when they exist for it)."""
    audit = token_audit(corpus)
    single = [(key, tok, pages[0]) for (key, tok), pages in audit.items() if len(pages) == 1]
    unused = sum(1 for pages in audit.values() if not pages)
    print(f"token audit: {len(audit)} tokens; {unused} match no corpus page (other languages, sandbox wording); "
          f"{len(single)} match exactly one page:")
    for key, tok, page in single:
        print(f"  {key:20} {tok!r:40} {page} ({split_of(page)})")
    return len(single)


async def sandbox_section() -> dict[str, Any]:
    from playwright.async_api import async_playwright

    from dirbolt_core.runner.browser import CHROMIUM_ARGS, find_chromium
    from dirbolt_core.services import start_sandbox
    from dirbolt_sandbox.sites import SITE_CLASSES

    brain = FormBrain()
    rows: list[dict[str, Any]] = []
    with start_sandbox() as sandbox:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            page = await browser.new_page()
            for cls in SITE_CLASSES:
                started = time.perf_counter()
                read = await read_listing_form(page, f"{sandbox.url}/sites/{cls.id}/submit", brain.map_form)
                elapsed = time.perf_counter() - started
                if read is None:
                    rows.append({"site": cls.id, "form": False, "seconds": elapsed})
                    continue
                form, mapping, in_iframe = read
                check = check_site(cls.id, fill_plan(form, mapping, SAMPLE_PROFILE),
                                   cls.expected_fields(SAMPLE_PROFILE), honeypots=cls.honeypot_fields,
                                   server_limits=cls.max_lengths,
                                   internal=cls.internal_fields)
                rows.append({"site": cls.id, "form": True, "iframe": in_iframe, "filled": len(check.filled),
                             "wrong": check.wrong, "missing": check.missing,
                             "honeypot_fills": check.honeypot_fills, "seconds": elapsed,
                             "expects_record": cls.expected_fields(SAMPLE_PROFILE) is not None})
            await browser.close()
    return {"sites": rows}


def print_sandbox(r: dict[str, Any]) -> None:
    rows = r["sites"]
    print(f"\nSandbox: {len(rows)} sites, mapped without catalog selectors, read in Chromium")
    print(f"{'site':20} {'filled':>6} {'wrong':>5} {'missing':>7} {'honeypot':>8} {'s':>5}  notes")
    for row in rows:
        if not row["form"]:
            print(f"{row['site']:20} {'-':>6} {'-':>5} {'-':>7} {'-':>8} {row['seconds']:>5.2f}  no form on the page")
            continue
        notes = []
        if row["iframe"]:
            notes.append("iframe")
        if not row["expects_record"]:
            notes.append("no record expected (captcha/login)")
        if row["missing"]:
            notes.append("missing: " + ", ".join(row["missing"])[:70])
        for w in row["wrong"]:
            notes.append(f"WRONG {w[0]}={w[2]!r} want {w[3]!r}")
        print(f"{row['site']:20} {row['filled']:>6} {len(row['wrong']):>5} {len(row['missing']):>7} "
              f"{len(row['honeypot_fills']):>8} {row['seconds']:>5.2f}  {'; '.join(notes)}")
    mapped = [x for x in rows if x["form"]]
    print(f"totals: {len(mapped)}/{len(rows)} sites with a form; fields filled "
          f"{sum(x['filled'] for x in mapped)}, wrong {sum(len(x['wrong']) for x in mapped)}, "
          f"missing {sum(len(x['missing']) for x in mapped)} (later wizard steps, preset radios), "
          f"honeypots filled {sum(len(x['honeypot_fills']) for x in mapped)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path,
                        default=Path(os.environ.get("DIRBOLT_CORPUS_DIR") or DEFAULT_CORPUS))
    parser.add_argument("--no-sandbox", action="store_true", help="skip the sandbox sites")
    parser.add_argument("--no-corpus", action="store_true", help="skip the corpus")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--errors", type=int, default=0,
                        help="show the first N corpus errors (development pages only)")
    parser.add_argument("--validation-errors", action="store_true",
                        help="include the validation pages' errors (do not write rules from them)")
    parser.add_argument("--token-audit", action="store_true",
                        help="list heuristic tokens that match the fields of only one corpus page, and stop")
    args = parser.parse_args(argv)
    if args.token_audit:
        if not (args.corpus / "index.json").is_file():
            print(f"corpus not found at {args.corpus}; nothing to audit", file=sys.stderr)
            return 0
        print_token_audit(args.corpus)
        return 0
    report: dict[str, Any] = {"pinning": pin_one_core()}
    if not args.no_corpus:
        if not (args.corpus / "index.json").is_file():
            print(f"corpus not found at {args.corpus} (set DIRBOLT_CORPUS_DIR or --corpus); skipping it",
                  file=sys.stderr)
        else:
            report["corpus"] = corpus_section(args.corpus, args.errors,
                                              show_validation_errors=args.validation_errors)
    if not args.no_sandbox:
        report["sandbox"] = asyncio.run(sandbox_section())
    if args.json:
        print(json.dumps(report, default=str))
        return 0
    print(f"form brain benchmark ({report['pinning']}, no LLM)")
    if "corpus" in report:
        print_corpus(report["corpus"])
        print_splits(report["corpus"])
    if "sandbox" in report:
        print_sandbox(report["sandbox"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["CorpusScore", "main"]
