"""Corpus scoring: the scorer itself on a small corpus written here, the shared corpus when present."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dirbolt_core.brain.evaluation import naive_name_mapper, score_corpus
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.sample import SAMPLE_PROFILE

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("DIRBOLT_CORPUS_DIR") or "/work/shared/corpora/formasaurus")


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    pages = {
        "html/a.html": ("""<form><input name="q" placeholder="Search"></form><form>
            <label>Organisation <input name="org"></label><label>Town <input name="t"></label>
            <div style="display:none"><input name="url2"></div><label>Comments <textarea name="c"></textarea>
            </label><input name="x9"><input type="submit" name="go" value="Send"></form>""",
                        [{"q": "qq"}, {"org": "no", "t": "Ci", "url2": "hp", "c": "CC", "x9": "XX", "go": "Bs"}]),
    }
    index = {}
    for path, (html, fields) in pages.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(html)
        index[path] = {"url": "http://x.test/", "forms": ["s", "c"], "visible_html_fields": fields}
    (tmp_path / "index.json").write_text(json.dumps(index))
    return tmp_path


def test_the_scorer_counts_what_the_readme_says(tiny_corpus: Path) -> None:
    ours = score_corpus(tiny_corpus, FormBrain().map_form, SAMPLE_PROFILE)
    assert (ours.pages, ours.forms, ours.scored, ours.correct) == (1, 2, 4, 4)  # no, Ci, hp, Bs
    assert (ours.other, ours.other_correct) == (2, 2)  # the search box and the comment box left alone; XX ignored
    assert ours.honeypots == 1 and ours.honeypot_fills == 0
    assert ours.precision_recall("city") == (1.0, 1.0, 1)
    base = score_corpus(tiny_corpus, naive_name_mapper, SAMPLE_PROFILE)
    assert base.correct < ours.correct and base.honeypot_fills == 1  # it reads "url2" as the website
    assert base.per_key["honeypot"]["fn"] == 1


@pytest.mark.skipif(not (SHARED / "index.json").is_file(), reason="the shared corpus is not on this machine")
def test_the_shared_corpus_stays_at_its_level() -> None:
    ours = score_corpus(SHARED, FormBrain().map_form, SAMPLE_PROFILE)
    assert ours.accuracy >= 0.95, ours.errors[:20]
    assert ours.honeypot_fills == 0  # (time per form is the benchmark's to measure, not a shared CI box's)


def test_the_benchmark_exits_cleanly_without_a_corpus(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "form_brain.py"), "--corpus",
                          str(tmp_path / "nothing"), "--no-sandbox"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "corpus not found" in out.stderr


def test_the_split_is_fixed_by_page_id_and_keeps_about_a_third_for_validation() -> None:
    from dirbolt_core.brain.evaluation import split_of

    pages = [f"html/site{i}.example-{i % 4}.html" for i in range(600)]
    first = [split_of(p) for p in pages]
    assert first == [split_of(p) for p in pages]  # no randomness: the same page is always on the same side
    share = first.count("validation") / len(first)
    assert 0.28 < share < 0.39


@pytest.fixture
def formless_corpus(tmp_path: Path) -> Path:
    # a labelled field the parse puts outside its form (form="x" with no such form), and a
    # field the brain reads only as part of a formless group in the variants
    html = """<form id="f"><label>Organisation <input name="org"></label>
        <div style="display:none"><input name="url2"></div><input type="submit" name="go" value="Send"></form>
        <label>Town <input name="town" form="elsewhere"></label>"""
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "p.html").write_text(html)
    index = {"html/p.html": {"url": "http://x.test/", "forms": ["c"],
                             "visible_html_fields": [{"org": "no", "url2": "hp", "go": "Bs", "town": "Ci",
                                                      "gone": "ph"}]}}
    (tmp_path / "index.json").write_text(json.dumps(index))
    return tmp_path


def test_recall_counts_fields_never_returned_and_the_variants_read_the_same_labels(formless_corpus: Path) -> None:
    plain = score_corpus(formless_corpus, FormBrain().map_form, SAMPLE_PROFILE)
    assert plain.labelled == 5
    assert plain.found_elsewhere == 1  # "town": outside the form, returned in a formless group
    assert (plain.not_returned, plain.not_returned_outside_form) == (1, 0)  # "gone" is on no control at all
    assert plain.correct == plain.scored == 4 and plain.honeypot_fills == 0
    for variant in ("formless", "shadow"):
        other = score_corpus(formless_corpus, FormBrain().map_form, SAMPLE_PROFILE, variant=variant)
        assert (other.scored, other.correct, other.honeypot_fills, other.not_returned) == (4, 4, 0, 1), variant


def test_the_token_audit_names_the_pages_each_heuristic_token_matches(tiny_corpus: Path) -> None:
    from dirbolt_core.brain.evaluation import _alternatives, token_audit

    assert _alternatives(r"a(b|c)|[|x]|d\|e|f") == ["a(b|c)", "[|x]", r"d\|e", "f"]
    audit = token_audit(tiny_corpus)
    town = [pages for (key, tok), pages in audit.items() if key == "city" and tok == r"\btown\b"]
    assert town == [["html/a.html"]]
    assert all(pages == [] for (key, _), pages in audit.items() if key == "fax")


def test_the_token_audit_runs_from_the_command_line(tiny_corpus: Path) -> None:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "form_brain.py"), "--corpus",
                          str(tiny_corpus), "--token-audit"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "match exactly one page" in out.stdout and r"'\\btown\\b'" in out.stdout
