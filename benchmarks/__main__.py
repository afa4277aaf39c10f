"""python -m benchmarks: run a benchmark protocol, list them, or rebuild the documents.

    python -m benchmarks list
    python -m benchmarks run <protocol> [--methods ...] [--seeds ...] [--units ...]
        [--epochs N] [--set KEY=VALUE ...] [--rerun] [--data-dir DIR]
    python -m benchmarks publish

`run` runs what the cache (docs/results/<protocol>.json) lacks, then rebuilds docs/RESULTS.md,
docs/PERFORMANCE.md, docs/LEADERBOARD.md and the README's results table from the cache. With
--epochs or --set the settings differ from the protocol's: an experiment, cached outside docs/
and printed, not published.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys

import datasets
import zoo
from benchmarks import documents, harness, protocols


def parse_setting(text: str) -> tuple[str, object]:
    """KEY=VALUE, VALUE read as JSON when it parses (numbers, true, lists), else a string."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0],
                                  formatter_class=argparse.RawDescriptionHelpFormatter,
                                  epilog="protocols: " + ", ".join(protocols.names()))
    commands = top.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the protocols, their methods, settings and units")
    commands.add_parser("publish", help="rebuild every document from the cache, no training")
    runner = commands.add_parser("run", help="run a protocol (what its cache lacks), then publish")
    runner.add_argument("protocol", choices=protocols.names(), metavar="PROTOCOL",
                        help="one of: " + ", ".join(protocols.names()))
    runner.add_argument("--methods", nargs="+", default=None,
                        help="methods to run (default: all of the protocol's)")
    runner.add_argument("--seeds", type=int, nargs="+", default=None,
                        help="seeds to run (default: the protocol's); each seeds the weights, "
                             "the training and any seeded split")
    runner.add_argument("--units", nargs="+", default=None,
                        help="units of data to run (series, channels, digits; default: all)")
    runner.add_argument("--epochs", type=int, default=None,
                        help="override the protocol's 'epochs' setting (an experiment)")
    runner.add_argument("--set", action="append", default=[], type=parse_setting,
                        metavar="KEY=VALUE", dest="overrides",
                        help="override one of the protocol's settings (an experiment)")
    runner.add_argument("--rerun", action="store_true",
                        help="run the selected methods, seeds and units again even when "
                             "cached, replacing their records (after a change to the code)")
    runner.add_argument("--data-dir", default=None,
                        help="folder of the real datasets (default: $ZOO_DATA_DIR, else "
                             "../shared/data, else ~/.zoo/data)")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "list":
            for protocol in protocols.ALL:
                print(f"{protocol.name}: {protocol.title}\n  methods: "
                      f"{', '.join(protocol.methods)}\n  seeds: {list(protocol.seeds)}\n"
                      f"  settings: {dict(protocol.settings)}")
            return 0
        if args.command == "run":
            protocol = protocols.get(args.protocol)
            overrides = dict(args.overrides)
            if args.epochs is not None:
                overrides["epochs"] = args.epochs
            argv = sys.argv[1:] if argv is None else argv
            results = harness.run(protocol, args.methods, args.seeds, args.units, overrides,
                                  args.data_dir, rerun=args.rerun,
                                  command=" ".join(["python -m benchmarks",
                                                    *map(shlex.quote, argv)]))
            if overrides:
                print("\n".join(harness.section_markdown(results)))
                return 0
        for path in documents.publish(protocols.ALL):
            print(f"wrote {path.relative_to(harness.REPO)}")
        return 0
    except (harness.BenchmarkError, datasets.DatasetError, zoo.DetectorError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
