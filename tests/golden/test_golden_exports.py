"""No unintended behaviour change: the golden cycle (6,000 seeded applicants, jiayuguan-2024)
exports, on each backend, exactly what ``digests.json`` records. A change that alters the
simulation on purpose re-records the digests and says why in its commit (``exports.py`` says
which fields are normalised and how to re-record). Issue 10's refactor was checked against
the digests of b08e41f, taken before its first change."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Golden
from tests.golden.exports import APPLICANTS, CYCLE, SEED, digests

RECORDED = Path(__file__).with_name("digests.json")


def test_the_golden_cycle_exports_what_it_did_before(golden: Golden, tmp_path: Path) -> None:
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert (recorded["cycle"], recorded["applicants"], recorded["seed"]) == (
        CYCLE,
        APPLICANTS,
        SEED,
    )
    lines = golden.lines  # simulated by tests/conftest.py's fixture
    found = digests(lines)
    if found != recorded["digests"]:
        for kind, rows in lines.items():  # to diff against a run of the recorded commit
            (tmp_path / f"{kind}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert found == recorded["digests"], f"normalised rows in {tmp_path}"
