"""The registry of benchmark protocols: `get(name)`, `names()`, `ALL` in document order.

Each module here holds the protocols of one family of models and lists them in `PROTOCOLS`;
RESULTS.md follows the order below, so each model's sections sit together.
"""

from __future__ import annotations

from benchmarks.harness import BenchmarkError, Protocol
from benchmarks.protocols import anoean, ganrl, hdfs, nab, performance, suites, survey

ALL: list[Protocol] = [*nab.PROTOCOLS, *suites.PROTOCOLS, *ganrl.PROTOCOLS, *survey.PROTOCOLS,
                        *anoean.PROTOCOLS, *hdfs.PROTOCOLS, *performance.PROTOCOLS]
_BY_NAME = {p.name: p for p in ALL}
if len(_BY_NAME) != len(ALL):
    raise BenchmarkError("two protocols share a name")


def names() -> list[str]:
    return list(_BY_NAME)


def get(name: str) -> Protocol:
    """The protocol called `name`; an unknown name is an error listing the known ones."""
    if name not in _BY_NAME:
        raise BenchmarkError(f"unknown protocol {name!r}; known: {', '.join(_BY_NAME)}")
    return _BY_NAME[name]
