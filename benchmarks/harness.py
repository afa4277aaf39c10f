"""The benchmark harness: a registry of protocols, a cache of runs, documents built from the cache.

A protocol is one benchmark table: its data and split, the methods it compares, the settings
that change its numbers, and two functions, `run` (one method, one seed, one unit of data: a
series, a digit, a dataset) and `section` (the table's markdown, from the cached runs). Running a
protocol runs only what the cache lacks, saving each run as it ends, so that a long suite resumes
where it stopped; every document (docs/RESULTS.md, docs/PERFORMANCE.md, docs/LEADERBOARD.md and
the README's results table) is then rebuilt from the cache, without training.

Runs with the protocol's own settings are cached in docs/results/<protocol>.json and published.
Runs with other settings (`--epochs`, `--set`) are an experiment: cached under
$ZOO_BENCHMARK_CACHE (default ~/.cache/zoo/benchmarks), printed, never published.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
RESULTS_DIR = DOCS / "results"
CACHE_ENV = "ZOO_BENCHMARK_CACHE"
#: The unit of a protocol that runs on one piece of data.
WHOLE = "all"
#: What a setting of None means: each method takes its own default.
DEFAULT_WORDS = "each model's default"


class BenchmarkError(ValueError):
    """A bad protocol, method, seed, unit or setting; the message names it."""


@dataclass(frozen=True)
class Trial:
    """One run of a protocol: a method, a seed, a unit of data, under settings."""

    protocol: str
    method: str
    seed: int
    unit: str
    settings: Mapping[str, Any]
    data_dir: str | None = None

    @property
    def key(self) -> str:
        return f"{self.method}/{self.seed}/{self.unit}"


@dataclass(frozen=True)
class Entry:
    """One leaderboard row: a model on a task, beside the paper and the best plain baseline.

    `ours` and `baseline` hold values of `metric` from the same runs, one per seed (or per
    series of a suite: `count_of` says which; the command names one of them). `paper` is the
    paper's own figure on the same metric, or None with `paper_note` saying what the paper
    reports instead and why it does not compare. `why`: one line of diagnosis, where one exists.
    """

    model: str
    task: str
    metric: str
    ours: Sequence[float]
    baseline_name: str
    baseline: Sequence[float]
    command: str
    paper: float | None = None
    paper_note: str = ""
    why: str = ""
    count_of: str = "seeds"
    protocol: str = ""  # filled in by documents.entries


@dataclass
class Results:
    """The cached runs of one protocol, as `section` and `leaderboard` read them."""

    protocol: "Protocol"
    records: dict[str, dict[str, Any]]
    settings: Mapping[str, Any] | None = None  # the runs' settings; None: the protocol's own

    def __post_init__(self) -> None:
        if self.settings is None:
            self.settings = dict(self.protocol.settings)

    def trials(self) -> Iterator[tuple[str, int, str, dict[str, Any]]]:
        """(method, seed, unit, record) for every cached run, in the order they were cached."""
        for key, record in self.records.items():
            method, seed, unit = key.split("/", 2)
            yield method, int(seed), unit, record

    def methods(self) -> list[str]:
        """Methods with a cached run, in the protocol's order."""
        present = {method for method, *_ in self.trials()}
        return [m for m in self.protocol.methods if m in present] + sorted(
            present - set(self.protocol.methods))

    def seeds(self, method: str | None = None) -> list[int]:
        return sorted({s for m, s, *_ in self.trials() if method in (None, m)})

    def units(self, method: str | None = None) -> list[str]:
        seen: dict[str, None] = {}
        for m, _, unit, _ in self.trials():
            if method in (None, m):
                seen.setdefault(unit, None)
        return list(seen)

    def record(self, method: str, seed: int, unit: str = WHOLE) -> dict[str, Any] | None:
        return self.records.get(f"{method}/{seed}/{unit}")

    def rows(self, method: str, seed: int, unit: str = WHOLE) -> dict[str, dict[str, float]]:
        """The rows ({row label: {metric: value}}) of one run; {} when it is not cached."""
        record = self.record(method, seed, unit)
        return record["rows"] if record else {}

    def values(self, method: str, row: str, metric: str, unit: str = WHOLE) -> list[float]:
        """`metric` of `row` over the cached seeds of `method` on `unit`."""
        return [self.rows(method, seed, unit)[row][metric] for seed in self.seeds(method)
                if metric in self.rows(method, seed, unit).get(row, {})]

    def machines(self) -> list[str]:
        return sorted({record["machine"] for *_, record in self.trials()})

    def dates(self) -> list[str]:
        return sorted({record["date"] for *_, record in self.trials()})

    def header(self) -> str:
        """The line every section starts with: command, seeds, settings, machine, dates."""
        dates = self.dates()
        when = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
        settings = ", ".join(f"{key} {DEFAULT_WORDS if value is None else value}"
                             for key, value in self.settings.items())
        return (f"Command: `python -m benchmarks run {self.protocol.name}`; seeds "
                f"{self.seeds()}" + (f"; {settings}" if settings else "")
                + f"; machine: {'; '.join(self.machines())}; run {when}.")


@dataclass(frozen=True)
class Protocol:
    """One benchmark table.

    Args:
        name: what `python -m benchmarks run <name>` takes.
        title: the table's heading in its document.
        group: the model family it is filed under (RESULTS.md is grouped by these).
        methods: what it runs by default, in table order.
        run: one trial -> its record, a JSON-able dict whose "rows" maps a row label to
            {metric: value}; anything else it holds is the run's own facts.
        section: the cached results -> the table's markdown lines (below the heading and the
            header line).
        settings: what changes its numbers (epochs, batch size, ...), with their defaults.
        seeds: its default seeds.
        units: (settings, data folder) -> the units it runs each method on (series,
            channels, digits); default one, WHOLE.
        leaderboard: the cached results -> its leaderboard rows.
        document: "RESULTS.md" or "PERFORMANCE.md".
    """

    name: str
    title: str
    group: str
    methods: tuple[str, ...]
    run: Callable[[Trial], dict[str, Any]]
    section: Callable[[Results], list[str]]
    settings: Mapping[str, Any] = field(default_factory=dict)
    seeds: tuple[int, ...] = (0, 1, 2)
    units: Callable[[Mapping[str, Any], str | None], Sequence[str]] = lambda settings, data_dir: (
        WHOLE,)
    leaderboard: Callable[[Results], list[Entry]] | None = None
    document: str = "RESULTS.md"

    def resolved(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """Its settings with `overrides` applied; an unknown one is an error naming the known."""
        unknown = sorted(set(overrides) - set(self.settings))
        if unknown:
            raise BenchmarkError(f"protocol {self.name!r} has no setting {', '.join(unknown)}; "
                                 f"its settings: {', '.join(self.settings) or 'none'}")
        return {**self.settings, **overrides}


def machine() -> str:
    """One line describing where the numbers were measured."""
    import tensorflow as tf  # noqa: PLC0415

    gpus = tf.config.list_physical_devices("GPU")
    device = f"{len(gpus)} GPU(s)" if gpus else "no GPU"
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {device}; "
            f"Python {platform.python_version()}, TensorFlow {tf.__version__}")


def mean_std(values: Sequence[float]) -> str:
    """'0.812 ± 0.010' over seeds; '—' for none."""
    if not len(values):
        return "—"
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def ensemble_claims(results: Results, ensemble: str, single: str, metric: str, label: str,
                    unit_name: str = "units", rows: Mapping[str, str] | None = None) -> str:
    """The GAN-ensemble paper's two claims tested on cached runs, as one sentence: the
    ensemble's mean `metric` above its single base model's, and its seed spread smaller.

    Both are taken over the units both methods ran: the mean of each unit's mean over seeds,
    and the mean of each unit's std over seeds (the spread of retraining the same model on the
    same data). With more than one unit, the sentence also counts the units where the
    ensemble's mean is the higher. `rows` names a method's row where it is not the method's
    own name.
    """
    rows = rows or {}
    per_unit = {}
    for method in (ensemble, single):
        per_unit[method] = {unit: values for unit in results.units(method)
                            if (values := results.values(method, rows.get(method, method),
                                                         metric, unit))}
    units = [u for u in per_unit[ensemble] if u in per_unit[single]]
    if not units:
        return f"{ensemble} and {single} share no run yet."
    unit_means = {m: [float(np.mean(per_unit[m][u])) for u in units] for m in per_unit}
    means = {m: float(np.mean(unit_means[m])) for m in per_unit}
    higher = sum(ours > base for ours, base in zip(unit_means[ensemble], unit_means[single]))
    spreads = {m: float(np.mean([np.std(per_unit[m][u]) for u in units])) for m in per_unit}
    counts = sorted({len(per_unit[m][u]) for m in per_unit for u in units})
    seeds = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
    where = (f"{len(units)} {unit_name}, " if units != [WHOLE] else "") + f"{seeds} seeds"
    return (f"{ensemble} against {single} ({label}, {where}): mean {means[ensemble]:.3f} "
            f"against {means[single]:.3f}, "
            + ("above" if means[ensemble] > means[single] else "not above")
            + (f" (higher on {higher} of the {len(units)} {unit_name})" if len(units) > 1 else "")
            + f"; seed std {spreads[ensemble]:.3f} against {spreads[single]:.3f}, "
            + ("smaller" if spreads[ensemble] < spreads[single] else "not smaller") + ".")


class Cache:
    """The runs of one protocol under one set of settings, in one JSON file."""

    def __init__(self, path: Path, protocol: str, settings: Mapping[str, Any]) -> None:
        self.path, self.protocol, self.settings = path, protocol, dict(settings)
        self.records: dict[str, dict[str, Any]] = {}
        if path.exists():
            stored = json.loads(path.read_text())
            if stored.get("settings") != self.settings:
                raise BenchmarkError(
                    f"{path} holds runs with settings {stored.get('settings')}, not "
                    f"{self.settings}; move it away to rerun the protocol")
            self.records = stored["records"]

    def __contains__(self, trial: Trial) -> bool:
        return trial.key in self.records

    def add(self, trial: Trial, record: dict[str, Any]) -> None:
        """Store one finished run and write the file at once (an interrupted suite keeps it)."""
        self.records[trial.key] = record
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".json.partial")
        partial.write_text(json.dumps({"protocol": self.protocol, "settings": self.settings,
                                       "records": self.records}, indent=1, default=float) + "\n")
        partial.replace(self.path)


def cache_path(protocol: Protocol, settings: Mapping[str, Any], results_dir: Path) -> Path:
    """docs/results/<name>.json for the protocol's own settings; elsewhere for an experiment."""
    if dict(settings) == dict(protocol.settings):
        return results_dir / f"{protocol.name}.json"
    digest = hashlib.sha256(json.dumps(dict(settings), sort_keys=True,
                                       default=str).encode()).hexdigest()[:10]
    root = Path(os.environ.get(CACHE_ENV, Path.home() / ".cache" / "zoo" / "benchmarks"))
    return root / f"{protocol.name}-{digest}.json"


def load_results(protocol: Protocol, results_dir: Path = RESULTS_DIR,
                 settings: Mapping[str, Any] | None = None) -> Results:
    """The cached runs of `protocol` (its own settings unless `settings` says otherwise)."""
    settings = protocol.settings if settings is None else settings
    cache = Cache(cache_path(protocol, settings, results_dir), protocol.name, settings)
    return Results(protocol, cache.records, settings)


def run(protocol: Protocol, methods: Sequence[str] | None = None,
        seeds: Sequence[int] | None = None, units: Sequence[str] | None = None,
        overrides: Mapping[str, Any] | None = None, data_dir: str | None = None,
        results_dir: Path = RESULTS_DIR, command: str = "", rerun: bool = False) -> Results:
    """Run every (method, seed, unit) of `protocol` that its cache lacks (with `rerun`: every
    one selected, replacing what is cached); return all its runs.

    Each finished run is written to the cache before the next starts, with the command, the
    machine, the date and its seconds. Progress: one line per run started and finished.
    """
    settings = protocol.resolved(overrides or {})
    methods = list(methods or protocol.methods)
    unknown = [m for m in methods if m not in protocol.methods]
    if unknown:
        raise BenchmarkError(f"protocol {protocol.name!r} has no method {', '.join(unknown)}; "
                             f"its methods: {', '.join(protocol.methods)}")
    available = list(protocol.units(settings, data_dir))
    if not available:
        raise BenchmarkError(f"protocol {protocol.name!r} found no data to run on (data "
                             f"folder: {data_dir or 'the default'}; see --data-dir)")
    units = list(units or available)
    missing = [u for u in units if u not in available]
    if missing:
        shown = ", ".join(available[:8]) + (" ..." if len(available) > 8 else "")
        raise BenchmarkError(f"protocol {protocol.name!r} has no unit {', '.join(missing)}; "
                             f"its units: {shown}")
    cache = Cache(cache_path(protocol, settings, results_dir), protocol.name, settings)
    trials = [Trial(protocol.name, method, seed, unit, settings, data_dir)
              for unit in units for seed in (seeds or protocol.seeds) for method in methods]
    todo = [t for t in trials if rerun or t not in cache]
    print(f"{protocol.name}: {len(trials) - len(todo)} of {len(trials)} runs cached in "
          f"{cache.path}", flush=True)
    where = machine() if todo else ""
    for number, trial in enumerate(todo, 1):
        print(f"[{number}/{len(todo)}] {protocol.name}: {trial.key}", flush=True)
        started = time.time()
        record = protocol.run(trial)
        if "rows" not in record:
            raise BenchmarkError(f"protocol {protocol.name!r}: its run returned no 'rows'")
        cache.add(trial, {**record, "command": command or f"python -m benchmarks run "
                          f"{protocol.name}", "machine": where,
                          "date": datetime.date.today().isoformat(),
                          "seconds": round(time.time() - started, 1)})
        print(f"[{number}/{len(todo)}] done in {time.time() - started:.0f} s", flush=True)
    return Results(protocol, {t.key: cache.records[t.key] for t in trials}, settings)


def section_markdown(results: Results, level: int = 3) -> list[str]:
    """A protocol's section: heading, header line, then its own table."""
    return [f"{'#' * level} {results.protocol.title}", "", results.header(), "",
            *results.protocol.section(results)]
