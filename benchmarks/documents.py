"""The documents built from the benchmark cache: docs/RESULTS.md (grouped by model),
docs/PERFORMANCE.md, docs/LEADERBOARD.md and the README's "Results at a glance" table.

Nothing here trains or scores: every figure comes from docs/results/<protocol>.json.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from benchmarks import harness
from benchmarks.harness import Entry, Protocol, Results

README = harness.REPO / "README.md"
GLANCE_BEGIN, GLANCE_END = "<!-- begin results-at-a-glance -->", "<!-- end results-at-a-glance -->"
INTRODUCTIONS = {
    "RESULTS.md": "# Results\n\nEvery table here is built by `python -m benchmarks` from the runs "
                  "cached in `docs/results/`, grouped by model; each names the command that "
                  "reruns it, its seeds, machine and date. Paper numbers are the papers' own, on "
                  "their protocol; ours are measured here. The one-page summary is "
                  "[LEADERBOARD.md](LEADERBOARD.md).\n",
    "PERFORMANCE.md": "# Performance\n\nEvery table here is built by `python -m benchmarks` "
                      "from the runs cached in `docs/results/`, on the machine it names; each "
                      "figure comes from a run alone on that machine.\n"}
#: The protocol of each model's own paper's main task, for the README's table; a model not named
#: here shows its first leaderboard row.
MAIN_PROTOCOL = {"anogan": "mnist-one-anomaly", "ganomaly": "mnist-one-anomaly",
                 "ganrl": "ganrl-nab", "ocgan": "mnist-one-normal"}
#: How close to a figure counts as level with it, at the least (the seed spread counts too).
MARGIN = 0.02


def cached(protocols: Sequence[Protocol], results_dir: Path) -> list[Results]:
    """The results of every protocol that has a cache file, in registry order."""
    return [harness.load_results(p, results_dir) for p in protocols
            if harness.cache_path(p, p.settings, results_dir).exists()]


def results_document(document: str, all_results: Sequence[Results]) -> str:
    """RESULTS.md or PERFORMANCE.md: its protocols' sections, grouped by model family."""
    parts = [INTRODUCTIONS[document]]
    groups: dict[str, list[Results]] = {}
    for results in all_results:
        if results.protocol.document == document:
            groups.setdefault(results.protocol.group, []).append(results)
    for group, members in groups.items():
        parts.append(f"## {group}\n")
        for results in members:
            parts.append("\n".join(harness.section_markdown(results)).rstrip() + "\n")
    return "\n".join(parts)


def verdict(entry: Entry) -> str:
    """The entry's verdict in words: against the paper, then against the best plain baseline.

    Level means within the larger of our spread (over seeds or series) and MARGIN; a spread
    wider than MARGIN is named, since it is what makes a large gap level.
    """
    ours, spread = float(np.mean(entry.ours)), float(np.std(entry.ours))
    margin = max(spread, MARGIN)
    loose = f" within our spread of {spread:.2f}" if spread > MARGIN else ""
    words = []
    if entry.paper is None:
        words.append(entry.paper_note or "no paper figure on this protocol")
    else:
        gap = ours - entry.paper
        words.append(f"reproduced{loose}" if abs(gap) <= margin else
                     f"{'above' if gap > 0 else 'below'} the paper by {abs(gap):.2f}")
    gap = ours - float(np.mean(entry.baseline))
    words.append(f"level with {entry.baseline_name}{loose}" if abs(gap) <= margin else
                 f"{'above' if gap > 0 else 'below'} {entry.baseline_name} by {abs(gap):.2f} "
                 f"{entry.metric}")
    return "; ".join(words)


def entries(all_results: Sequence[Results]) -> list[Entry]:
    """Every protocol's leaderboard rows, each naming its protocol."""
    return [dataclasses.replace(e, protocol=r.protocol.name) for r in all_results
            if r.protocol.leaderboard for e in r.protocol.leaderboard(r)]


def _figure(entry: Entry) -> str:
    return (f"{np.mean(entry.ours):.3f} ± {np.std(entry.ours):.3f} ({len(entry.ours)} "
            f"{entry.count_of})")


def leaderboard(rows: Sequence[Entry]) -> str:
    """docs/LEADERBOARD.md."""
    lines = ["# Leaderboard", "",
             "One row per model and task: the paper's own figure (on its protocol), ours (mean ± "
             "std over seeds, or over the series of a suite), the best plain baseline of the same "
             "runs, and a verdict: level means within our spread or 0.02. Every row comes from "
             "the cache of `python -m benchmarks run <protocol>` (details in "
             "[RESULTS.md](RESULTS.md)); the last column trains the same model with "
             "`train.py`.", "",
             "| model | task | metric | paper | ours | best baseline | verdict | protocol | "
             "train.py |", "|---|---|---|---|---|---|---|---|---|"]
    for e in rows:
        paper = f"{e.paper:.3f}" if e.paper is not None else "—"
        why = f" {e.why}" if e.why else ""
        lines.append(f"| {e.model} | {e.task} | {e.metric} | {paper} | {_figure(e)} | "
                     f"{e.baseline_name} {np.mean(e.baseline):.3f} | {verdict(e)}.{why} | "
                     f"`{e.protocol}` | `{e.command}` |")
    return "\n".join(lines) + "\n"


def glance(rows: Sequence[Entry]) -> str:
    """The README's table: each model on its main task (MAIN_PROTOCOL, else its first
    leaderboard row), in a few columns."""
    lines = ["| model | data | ours | best plain baseline |", "|---|---|---|---|"]
    chosen: dict[str, Entry] = {}
    for e in rows:
        if e.model not in chosen or (e.protocol == MAIN_PROTOCOL.get(e.model)
                                     and chosen[e.model].protocol != e.protocol):
            chosen[e.model] = e
    for e in chosen.values():
        lines.append(f"| {e.model} | {e.task} | {e.metric} {np.mean(e.ours):.3f} | "
                     f"{e.baseline_name} {np.mean(e.baseline):.3f} |")
    return "\n".join(lines)


def with_glance(readme: str, table: str) -> str:
    """`readme` with the text between the glance markers replaced by `table`."""
    pattern = re.compile(re.escape(GLANCE_BEGIN) + ".*?" + re.escape(GLANCE_END), re.S)
    if not pattern.search(readme):
        raise harness.BenchmarkError(f"README.md has no {GLANCE_BEGIN} ... {GLANCE_END} markers")
    return pattern.sub(lambda _: f"{GLANCE_BEGIN}\n{table}\n{GLANCE_END}", readme)


def publish(protocols: Sequence[Protocol], results_dir: Path = harness.RESULTS_DIR,
            docs: Path = harness.DOCS, readme: Path = README) -> list[Path]:
    """Rebuild every document from the cache; returns the paths written."""
    all_results = cached(protocols, results_dir)
    written = []
    for document in INTRODUCTIONS:
        path = docs / document
        path.write_text(results_document(document, all_results))
        written.append(path)
    rows = entries(all_results)
    (docs / "LEADERBOARD.md").write_text(leaderboard(rows))
    readme.write_text(with_glance(readme.read_text(), glance(rows)))
    return [*written, docs / "LEADERBOARD.md", readme]
