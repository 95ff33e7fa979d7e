"""The security sweeps. Every hostile probe is counted, with any leak (a hostile value shown
unescaped, or another organization's data) and any write it caused, and the session ends
with the figures: `hostile inputs tried: N, leaks: L, writes: W`."""

from collections import Counter

import pytest

from .helpers import customer_make

PROBES: Counter[str] = Counter()


class ProbeLog:
    """What the tests of this folder tried and found; a test records as it goes, so the
    figures are the probes actually made."""

    def tried(self, count: int = 1) -> None:
        PROBES["tried"] += count

    def leak(self) -> None:
        PROBES["leaks"] += 1

    def write(self) -> None:
        PROBES["writes"] += 1


@pytest.fixture
def probes() -> ProbeLog:
    return ProbeLog()


def pytest_terminal_summary(terminalreporter):
    if PROBES["tried"]:
        terminalreporter.write_line(
            f"hostile inputs tried: {PROBES['tried']}, "
            f"leaks: {PROBES['leaks']}, writes: {PROBES['writes']}"
        )


@pytest.fixture
def fabrikam():
    """A customer whose owner is its agreement's super admin (helpers.customer_make)."""
    return customer_make("Fabrikam")


@pytest.fixture
def northwind():
    """Another customer, whose data Fabrikam's people must never reach."""
    return customer_make("Northwind")
