"""One small simulated 2024 cycle per backend, checked from its exported data."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pendulum
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter

from models.states import FINAL
from tests.conftest import Golden, point_at
from tests.simulation.conftest import Twice

CUTOFF = pendulum.datetime(2024, 10, 21, tz="Asia/Shanghai")
RETURN_LIMIT = 3


def test_every_application_ends_in_a_final_state(sim: dict) -> None:
    statuses = {a["status"] for a in sim["applications"]}
    assert statuses <= {s.value for s in FINAL}
    assert len(sim["applications"]) >= 390  # a few duplicate synthetic IDs may be dropped


def test_the_year_has_every_kind_of_ending(sim: dict) -> None:
    statuses = {a["status"] for a in sim["applications"]}
    assert {"issued", "failed", "expired", "not_recommended"} <= statuses


def test_no_first_submission_is_accepted_after_the_cutoff(sim: dict) -> None:
    submitted = [
        pendulum.parse(a["submitted_at"]) for a in sim["applications"] if a["submitted_at"]
    ]
    assert submitted and max(submitted) < CUTOFF
    late_tries = [
        r for r in sim["audit"] if r["action"] == "submit" and pendulum.parse(r["at"]) >= CUTOFF
    ]
    assert late_tries == []


def test_late_attempts_really_happened_and_were_refused(sim: dict) -> None:
    assert sim["report"].late_first_submissions_refused > 0
    assert sim["report"].late_first_submissions_accepted == 0


def test_no_application_goes_past_its_return_limit(sim: dict) -> None:
    counts = [a["return_count"] for a in sim["applications"]]
    assert max(counts) == RETURN_LIMIT
    returns = defaultdict(int)
    for row in sim["audit"]:
        if row["action"] == "return":
            returns[row["application_id"]] += 1
    assert max(returns.values()) <= RETURN_LIMIT
    locked = [a for a in sim["applications"] if a["locked"]]
    assert locked and all(a["return_count"] == RETURN_LIMIT for a in locked)


def test_every_transition_has_its_audit_row(sim: dict) -> None:
    chains = defaultdict(list)
    for row in sim["audit"]:
        if row["from_status"] != row["to_status"]:
            chains[row["application_id"]].append(row)
    for app in sim["applications"]:
        chain = chains[app["id"]]
        assert chain, app
        assert chain[0]["from_status"] == "draft"
        assert all(
            a["to_status"] == b["from_status"] for a, b in zip(chain, chain[1:], strict=False)
        )
        assert chain[-1]["to_status"] == app["status"]


def test_id_numbers_are_masked(sim: dict) -> None:
    assert all(
        len(a["id_number"]) == 18 and a["id_number"][6:14] == "********"
        for a in sim["applications"]
    )


def test_the_flow_runs_are_in_prefect(sim: dict) -> None:
    import uuid

    from prefect.client.schemas.filters import FlowRunFilterId

    report = sim["report"]
    ids = [uuid.UUID(i) for i in report.flow_run_ids]
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)), limit=len(ids) + 10
        )
    assert len(runs) == len(report.flow_runs) > 5
    assert all(r.state.is_completed() for r in runs)
    assert {r.name for r in runs} >= {
        f"{report.cycle_id}-declaration-close",
        f"{report.cycle_id}-unit-review-close",
    }


def test_same_seed_same_year(province_twice: Twice) -> None:
    apps, audit = province_twice.first
    assert apps and audit
    assert province_twice.first == province_twice.second


def draft_at(sim: dict, instant: pendulum.DateTime) -> set[int]:
    """Applications still drafts at ``instant``, from the audit trail alone."""
    left_draft = {}
    for row in sim["audit"]:
        if row["from_status"] == "draft" and row["to_status"] != "draft":
            left_draft[row["application_id"]] = pendulum.parse(row["at"])
    return {
        a["id"]
        for a in sim["applications"]
        if a["id"] not in left_draft or left_draft[a["id"]] > instant
    }


def test_every_open_draft_got_the_three_day_reminder_once(sim: dict) -> None:
    due = pendulum.datetime(2024, 10, 17, 9, tz="Asia/Shanghai")
    open_drafts = draft_at(sim, due)
    reminded = [
        m
        for m in sim["messages"]
        if m["kind"] == "declaration_draft" and m["offset"] == "d-3@09:00"
    ]
    subjects = [int(m["subject"].split(":")[1]) for m in reminded]
    assert open_drafts and sorted(subjects) == sorted(open_drafts)
    assert all(m["status"] == "sent" for m in reminded)


def test_every_unit_pending_at_the_end_of_unit_review_was_escalated(sim: dict) -> None:
    pending_states = {"submitted", "unit_review", "recommended"}
    ids = {
        r["application_id"]
        for r in sim["audit"]
        if r["action"] == "not_recommend" and r["from_status"] in pending_states
    }
    units = {a["unit_code"] for a in sim["applications"] if a["id"] in ids}
    escalated = {e["unit"] for e in sim["escalations"]}
    assert units and units <= escalated


def test_escalations_never_skip_a_level(sim: dict) -> None:
    steps = defaultdict(list)
    for e in sim["escalations"]:
        steps[e["unit"]].append(e["step"])
    assert all(sorted(s) == list(range(1, len(s) + 1)) for s in steps.values())
    order = ["department", "city", "province"]
    assert all(order.index(e["level"]) == e["step"] - 1 for e in sim["escalations"])


def test_no_reminder_went_out_after_its_deadline(sim: dict) -> None:
    overdue_notices = {"escalation", "filing_overdue"}  # about a deadline already passed, by design
    sent = [m for m in sim["messages"] if m["kind"] not in overdue_notices and m["sent_at"]]
    assert sent
    assert all(pendulum.parse(m["sent_at"]) < pendulum.parse(m["deadline"]) for m in sent)


def test_what_was_marked_sent_was_received(sim: dict) -> None:
    sent = [m for m in sim["messages"] if m["status"] == "sent"]
    assert len(sim["received"]) == len(sent)
    assert all("*" * 8 in r["message"] for r in sim["received"] if "身份证号" in r["message"])


# --- deleting a cycle -------------------------------------------------------------------------


def _snapshot() -> dict[str, dict[tuple, dict]]:
    """Every row of every table on the metadata, by primary key."""
    from sqlalchemy import select
    from sqlmodel import SQLModel

    from models.db import session_scope

    rows: dict[str, dict[tuple, dict]] = {}
    with session_scope() as session:
        for table in SQLModel.metadata.sorted_tables:
            keys = [c.name for c in table.primary_key.columns]
            rows[table.name] = {
                tuple(r[k] for k in keys): dict(r)
                for r in session.execute(select(table)).mappings()
            }
    return rows


def _rows_of(cycle_id: str, rows: dict[str, dict[tuple, dict]]) -> dict[str, set[tuple]]:
    """The rows of one cycle, worked out here in Python from the snapshot: the cycle, rows with
    its cycle_id, and, until nothing changes, every row that refers to one of those."""
    from sqlmodel import SQLModel

    tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
    owned = {
        name: {
            key
            for key, row in table_rows.items()
            if row.get("cycle_id") == cycle_id or (name == "cycle" and row["id"] == cycle_id)
        }
        for name, table_rows in rows.items()
    }
    changed = True
    while changed:
        changed = False
        for name, table in tables.items():
            for fk in table.foreign_keys:
                parent = fk.column.table.name
                values = {rows[parent][k][fk.column.name] for k in owned[parent]}
                for key, row in rows[name].items():
                    if key not in owned[name] and row[fk.parent.name] in values:
                        owned[name].add(key)
                        changed = True
    return owned


def _committee_accounts(cycle_id: str) -> None:
    """A committee's account, signed in, and an account it created: rows that belong to the
    cycle only through foreign keys (one of them through a reference to its own table)."""
    import uuid

    from sqlalchemy import select

    from models.accounts import Account, AccountSession
    from models.cycle import Committee
    from models.db import session_scope

    now = pendulum.datetime(2024, 12, 1, tz="Asia/Shanghai")
    with session_scope() as session:
        committee_id = session.execute(
            select(Committee.id).where(Committee.cycle_id == cycle_id).limit(1)
        ).scalar_one()
        account = Account(
            username=f"pw-{uuid.uuid4().hex[:12]}",
            display_name="评委会",
            role="operator",
            committee_id=committee_id,
            password_hash="-",
            created_at=now,
        )
        session.add(account)
        session.flush()
        session.add(
            Account(
                username=f"pw-{uuid.uuid4().hex[:12]}",
                display_name="评委会办公室",
                role="viewer",
                created_by=account.id,
                password_hash="-",
                created_at=now,
            )
        )
        session.add(
            AccountSession(
                token_hash=uuid.uuid4().hex,
                account_id=account.id,
                created_at=now,
                expires_at=now.add(hours=8),
            )
        )


def test_deleting_a_cycle_leaves_no_row_of_it_and_no_other_row_changed(
    db: str, golden: Golden
) -> None:
    from sqlalchemy import func, select
    from sqlmodel import SQLModel

    from models.db import session_scope
    from models.purge import delete_cycle
    from tests.factories import drafts, stored_cycle

    point_at(golden.url)  # its own database, beside one more cycle
    gone = golden.cycle_id  # a simulated cycle, its exports already read by the golden test
    kept = stored_cycle()
    drafts(kept, 3)
    try:
        for cycle_id in (gone, kept):
            _committee_accounts(cycle_id)
        before = _snapshot()
        owned = _rows_of(gone, before)
        kept_rows = _rows_of(kept, before)
        for table in ("cycle", "phase", "committee", "application", "audit_event", "message"):
            assert owned[table], table
        assert kept_rows["cycle"] and kept_rows["application"] and kept_rows["account_session"]
        assert len(owned["account"]) == 2 and len(owned["account_session"]) == 1

        with session_scope() as session:
            delete_cycle(session, gone)

        after = _snapshot()
        assert after == {
            name: {k: row for k, row in rows.items() if k not in owned[name]}
            for name, rows in before.items()
        }
        with session_scope() as session:
            for table in SQLModel.metadata.sorted_tables:
                if "cycle_id" in table.c:
                    left = session.execute(
                        select(func.count()).select_from(table).where(table.c.cycle_id == gone)
                    ).scalar()
                    assert left == 0, table.name
        assert all(k in after[name] for name, keys in kept_rows.items() for k in keys)
    finally:  # accounts left behind would make the next test's first admin not the first
        with session_scope() as session:
            delete_cycle(session, gone)
            delete_cycle(session, kept)
        point_at(db)


def test_the_progress_is_the_simulated_clocks_share_of_the_year(sim: dict) -> None:
    """The bar of `zhicheng simulate` fills with simulated time, not with events handled out
    of those known so far (meetings and objections add most of a year's events late, so that
    ran ahead and fell back): one report per event, the share growing at one rate with the
    clock, from the year's start to a full bar at its end."""
    progress = sim["progress"]
    assert [done for done, _, _ in progress] == list(range(1, len(progress) + 1))
    shares = [share for _, _, share in progress]
    assert shares == sorted(shares) and 0.0 <= shares[0] < 0.05 and shares[-1] == 1.0
    minutes = [
        dt.datetime.strptime(clock, "%Y-%m-%d %H:%M").timestamp() / 60 for _, clock, _ in progress
    ]
    running = [(m, s) for m, s in zip(minutes, shares, strict=True) if s < 1.0]
    (m0, s0), (m1, s1) = running[0], running[-1]
    rate = (s1 - s0) / (m1 - m0)
    one_minute = rate  # the clock is told to the minute
    for m, s in running:
        assert abs(s - (s0 + rate * (m - m0))) <= one_minute, (m, s)
