"""The live drill: a cycle a few minutes long, run by the real server and a real process
worker exactly as a year would be run — launched by `zhicheng launch`, a province imported from
rows, declarations submitted through the service layer, messages to a local HTTP receiver —
and then the worker killed with SIGKILL in the middle of a boundary run.

The timetable, generated at the start (instants on the Beijing clock):

    open     declaration.open           LEAD after the launch (setup's first step), not before
                                        setup has ended
    M-1min   reminder B (`at`), inside quiet hours [M-1min, M): held to M
    M        reminder A (`at`), outside them: sent at M. Quiet hours and `at` are whole
             minutes, so M is the first whole minute 5 s or more after ``open``
    M+GAP    declaration.close (and unit_review.open): the worker and the runs' processes are
             killed while the run's transaction waits on a lock the test holds on cycle_event
    +NEXT    unit_review.close: its runs were already taken by the dead worker (prefetch) and
             are Pending with no process behind them

A new worker under the dead one's name (`zhicheng worker`, as scripts/live.sh starts one) takes
back what was left: the cut-off run is marked Crashed (the province is alerted) and run again,
the Pending ones are scheduled again; the rerun finishes the boundary the killed run had begun,
each transition once.

Why these numbers: a run's process is a fresh Python that imports Prefect and the flows — about
5 s on a quiet machine, 20-35 s measured on this 2-core machine under load. The worker starts it
up to PREFETCH (60 s, tests/live/conftest.py) before its instant and the server holds it until
then, so only the first run needs a lead, and so does the reminders' run before the test takes
its lock: LEAD and GAP are longer when the load average is above the core count."""

from __future__ import annotations

import datetime as dt
import math
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pendulum
import pytest
from prefect.client.schemas.objects import FlowRun
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import Connection, create_engine, text
from sqlmodel import col, func, select
from typer.testing import CliRunner

from calendars.beijing import beijing, beijing_text
from models.accounts import create_account
from models.application import Application, AuditEvent
from models.cycle import Cycle, CycleEvent
from models.db import session_scope
from models.imports.committees import import_committees
from models.imports.declarations import import_declarations
from models.imports.orgs import import_orgs
from models.org import Organisation
from models.outbox import Message
from models.run_failures import RunFailure
from models.services import submit
from rules.idcard import parse_id_number
from tasks.failures import KIND as RUN_FAILED
from tests.factories import DRILL_POLICY
from tests.imports.makers import committee_rows, declaration_rows, numbered, province_rows
from tests.live.conftest import ON_TIME, Live, Workers
from tests.live.processes import kill_hard
from tests.live.runs import cancel_scheduled, cycle_runs, run_states
from tests.notifications.receivers import HttpReceiver
from zhicheng.cli import app as cli

SETUP = dt.timedelta(seconds=10)  # launch (about 10 scheduled runs), import, committees, drafts
LAUNCH = dt.timedelta(seconds=3)  # the first thing set up: the runs' processes start meanwhile
APPLICANTS = 6
EARLY = 3  # submitted before the cut-off; the rest stay drafts, one tries after it


def busy() -> bool:
    return os.getloadavg()[0] > (os.cpu_count() or 1)


def lead() -> dt.timedelta:
    """From the launch to the first boundary: the first run's process starting."""
    return dt.timedelta(seconds=30 if busy() else 15)


def gap() -> dt.timedelta:
    """From the reminders to the cut-off: their run done before the test takes its lock."""
    return dt.timedelta(seconds=16 if busy() else 10)


# From the cut-off to the next boundary: the cut-off run is stopped on the test's lock and
# killed within a second or two, before the next runs (already taken by the worker) start.
NEXT = dt.timedelta(seconds=8)


def clock(instant: dt.datetime) -> str:
    return beijing(instant).strftime("%H:%M")


def timetable(start: pendulum.DateTime) -> dict[str, pendulum.DateTime]:
    """The drill's instants (UTC), all on one Beijing day (the reminders count days back from
    the declaration's last day)."""
    open_at = start + max(SETUP, LAUNCH + lead())
    while True:
        minute = pendulum.from_timestamp(math.ceil((open_at.timestamp() + 5) / 60) * 60)
        times = {
            "open": max(open_at, minute - dt.timedelta(seconds=30)),
            "quiet": minute - dt.timedelta(minutes=1),
            "minute": minute,
            "close": minute + gap(),
            "review_end": minute + gap() + NEXT,
        }
        if beijing(times["quiet"]).date() == beijing(times["review_end"]).date():
            return times
        open_at = minute  # not across Beijing midnight: a minute later, it is the next day


def cycle_file(folder: Path, cycle_id: str, t: dict[str, pendulum.DateTime]) -> Path:
    def iso(instant: dt.datetime) -> str:
        return beijing(instant).isoformat()

    path = folder / f"{cycle_id}.yaml"
    path.write_text(
        f"""\
id: {cycle_id}
title: 上线演练
year: {beijing(t["open"]).year}
region: {{code: "620000", name: 甘肃省, level: province}}
parent: null
source: {{issuer: 甘肃省人力资源和社会保障厅, number: null, date: null, notice: null}}
phases:
  declaration:
    title: 个人申报
    start: {iso(t["open"])}
    end: {iso(t["close"])}
  unit_review:
    title: 单位审核推荐
    start: declaration.end
    end: {iso(t["review_end"])}
{DRILL_POLICY}notifications:
  quiet_start: {clock(t["quiet"])}
  quiet_end: {clock(t["minute"])}
  retry_minutes: [1]
  reminders:
    - kind: declaration_draft
      audience: applicant
      phase: declaration
      states: [draft]
      days_before: [0]
      at: {clock(t["minute"])}
    - kind: declaration_final
      audience: applicant
      phase: declaration
      states: [draft]
      days_before: [0]
      at: {clock(t["quiet"])}
  escalation: null
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def zhicheng_live(live: Live, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    """This process works on the live database and home, as the flows' processes do."""
    from models.settings import settings

    for key in ("ZHICHENG_DATABASE_URL", "ZHICHENG_HOME"):
        monkeypatch.setenv(key, live.env[key])
    settings.cache_clear()
    yield live
    settings.cache_clear()


def wait_for(what: str, ready: Callable[[], bool], until: dt.datetime) -> None:
    while not ready():
        assert pendulum.now("UTC") < until, f"{what}: not by {until.isoformat()}"
        time.sleep(0.2)


def sleep_until(instant: dt.datetime) -> None:
    time.sleep(max(0.0, instant.timestamp() - time.time()))


def runs_at(api_url: str, cycle_id: str, instant: dt.datetime) -> list[FlowRun]:
    return [
        r
        for r in cycle_runs(api_url, cycle_id)
        if r.expected_start_time is not None and r.expected_start_time == instant
    ]


def all_running(runs: list[FlowRun]) -> bool:
    return bool(runs) and all(r.state is not None and r.state.is_running() for r in runs)


def all_final(runs: list[FlowRun]) -> bool:
    return bool(runs) and all(r.state is not None and r.state.is_final() for r in runs)


def run_failures(cycle_id: str) -> list[RunFailure]:
    with session_scope() as session:
        return list(session.exec(select(RunFailure).where(RunFailure.cycle_id == cycle_id)))


def lock_waiters(conn: Connection) -> int:
    """Other sessions waiting for the lock the test holds on cycle_event."""
    return int(
        conn.execute(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE NOT l.granted AND c.relname = 'cycle_event'"
            )
        ).scalar_one()
    )


def test_the_live_drill(
    zhicheng_live: Live, worker: Workers, tmp_path: Path, receiver: HttpReceiver
) -> None:
    live = zhicheng_live
    began = time.monotonic()
    t = timetable(pendulum.now("UTC"))
    tag = uuid.uuid4().hex[:6]
    cycle_id = f"drill-{tag}"
    path = cycle_file(tmp_path, cycle_id, t)
    (Path(live.env["ZHICHENG_HOME"]) / "channels.yaml").write_text(
        f'kinds:\n  applicant: ["json://127.0.0.1:{receiver.port}/applicant"]\n'
        f'  province: ["json://127.0.0.1:{receiver.port}/province"]\n',
        encoding="utf-8",
    )

    # A small province from rows, as an office imports it; the cycle launched as in live
    # operation (the real CLI command, its runs scheduled on the server).
    with temporary_settings(updates={PREFECT_API_URL: live.api_url}):
        launched = CliRunner().invoke(cli, ["launch", str(path)])
    assert launched.exit_code == 0, launched.output
    live.timings["drill: launched"] = time.monotonic() - began
    orgs = province_rows(1, tag)
    units = [r for r in orgs if r["机构类别"] == "用人单位"]
    with session_scope() as session:
        assert import_orgs(session, numbered(orgs)).errors == []
    today = beijing(t["open"]).date().isoformat()
    committees = [
        row | {"评审开始日期": today, "评审结束日期": today} for row in committee_rows(tag)
    ]
    # Men first: the rules cannot tell a woman's retirement age from her ID number, and the
    # import has no column for it, so only the men's submissions would pass.
    made = declaration_rows(units, 4 * APPLICANTS, tag)
    men = [r for r in made if parse_id_number(r["身份证号"]).is_male]
    rows = men[: EARLY + 1] + [r for r in made if r not in men][: APPLICANTS - EARLY - 1]
    with session_scope() as session:
        assert import_committees(session, numbered(committees), cycle_id=cycle_id).errors == []
    with session_scope() as session:
        found = import_declarations(
            session, numbered(rows), cycle_id=cycle_id, now=pendulum.now("UTC")
        )
        assert found.errors == [] and found.added == APPLICANTS
    with session_scope() as session:
        by_person = {
            person: i
            for i, person in session.exec(
                select(Application.id, Application.person_id).where(
                    Application.cycle_id == cycle_id
                )
            )
            if i is not None
        }
    ids = [by_person[r["身份证号"]] for r in rows]
    live.timings["drill: setup"] = time.monotonic() - began
    assert pendulum.now("UTC") < t["open"], "setup overran the first boundary: raise SETUP"
    scheduled = {r.expected_start_time for r in cycle_runs(live.api_url, cycle_id)}
    assert {t["open"], t["minute"], t["close"], t["review_end"]} <= scheduled

    # Submissions before the cut-off.
    sleep_until(t["open"] + dt.timedelta(seconds=1))
    with session_scope() as session:
        early = submit(session, cycle_id, ids[:EARLY], now=pendulum.now("UTC"), actor="申报人")
    assert sorted(early.done) == sorted(ids[:EARLY]), early.refused

    # The reminders' run has done its work before the test holds cycle_event.
    wait_for(
        "the runs up to the reminders",
        lambda: all_final(runs_at(live.api_url, cycle_id, t["minute"])),
        t["close"] - dt.timedelta(seconds=2),
    )
    live.timings["drill: reminders' run done after M"] = time.time() - t["minute"].timestamp()
    engine = create_engine(live.env["ZHICHENG_DATABASE_URL"])
    killed_at: float
    try:
        with engine.connect() as conn:
            held = conn.begin()
            conn.execute(text("LOCK TABLE cycle_event IN SHARE MODE"))
            assert pendulum.now("UTC") < t["close"], "the lock came after the boundary"
            # The boundary run gets as far as recording the boundary, then waits: mid-run.
            # The other run of that instant has started too, waiting for the cycle's slot
            # (under load its process may start seconds later: seen still Pending in CI).
            wait_for(
                "the declaration.close run waiting on cycle_event, its instant's runs started",
                lambda: (
                    lock_waiters(conn) > 0
                    and all_running(runs_at(live.api_url, cycle_id, t["close"]))
                ),
                t["close"] + dt.timedelta(seconds=60),
            )
            in_flight = runs_at(live.api_url, cycle_id, t["close"])
            killed = kill_hard(worker.current)
            killed_at = time.monotonic()
            held.rollback()
    finally:
        engine.dispose()
    live.timings["drill: killed after the boundary"] = time.time() - t["close"].timestamp()
    assert all_running(in_flight), in_flight

    # The cut-off holds whatever the runs do: the late submission names the deadline.
    with session_scope() as session:
        late = submit(session, cycle_id, [ids[EARLY]], now=pendulum.now("UTC"), actor="申报人")
    assert late.done == [] and beijing_text(t["close"]) in late.refused[ids[EARLY]]
    with session_scope() as session:
        done = session.exec(select(CycleEvent.key).where(CycleEvent.cycle_id == cycle_id)).all()
    assert not [k for k in done if k.startswith("declaration.close")]  # rolled back

    worker.replace()
    live.timings["drill: new worker up after the kill"] = time.monotonic() - killed_at
    # Nothing is scheduled by hand: the new worker gave back what the dead one left — the
    # cut-off run to run again, the prefetched ones to their instants — and runs them.
    wait_for(
        "every run of the cycle done after the kill",
        lambda: all_final(cycle_runs(live.api_url, cycle_id)),
        t["review_end"] + dt.timedelta(seconds=120),
    )
    live.timings["drill: all done after the last boundary"] = (
        time.time() - t["review_end"].timestamp()
    )
    live.timings["drill: total"] = time.monotonic() - began
    runs = cycle_runs(live.api_url, cycle_id)
    killed_ids = {r.id for r in in_flight}

    # Every run before the kill started within ON_TIME of its instant (not early: the flow's
    # now is never before it); every run completed, the killed one after a crash and a rerun.
    for run in runs:
        assert run.expected_start_time is not None and run.state is not None, run
        assert run.state.is_completed(), (run.name, run.state)
        if run.expected_start_time >= t["close"]:
            continue
        assert run.start_time is not None, run
        late_by = (run.start_time - run.expected_start_time).total_seconds()
        live.timings[f"drill run {run.name}: start after its instant"] = late_by
        assert -1 <= late_by <= ON_TIME.total_seconds(), (run.name, late_by)
    assert killed  # the worker and the run's process
    at_close = {r.id: (r.name, r.state_type) for r in runs if r.expected_start_time == t["close"]}
    failures = run_failures(cycle_id)
    crashed = {uuid.UUID(f.flow_run_id) for f in failures}
    # The runs cut off: the one stopped mid-boundary and any other of that instant that had
    # begun (waiting for the cycle's slot); each crashed once, ran again, and completed.
    assert killed_ids <= crashed <= set(at_close), (
        at_close,
        failures,
        in_flight,
        worker.current.log.read_text(errors="replace")[:600],
    )
    for run_id in crashed:
        history = [st.type.value for st in run_states(live.api_url, run_id)]
        assert "CRASHED" in history and history[-1] == "COMPLETED", history
    assert {f.state for f in failures} == {"CRASHED"}
    assert all(f.resolved_at is not None for f in failures)  # its rerun succeeded

    with session_scope() as session:
        events = Counter(
            k.split("@")[0]
            for k in session.exec(select(CycleEvent.key).where(CycleEvent.cycle_id == cycle_id))
        )
        closed_by = session.exec(
            select(CycleEvent.flow_run).where(
                CycleEvent.cycle_id == cycle_id, col(CycleEvent.key).startswith("declaration.close")
            )
        ).one()
        changes = Counter(
            (a.application_id, a.to_status)
            for a in session.exec(select(AuditEvent).where(AuditEvent.cycle_id == cycle_id))
        )
        statuses = dict(
            session.exec(
                select(Application.status, func.count())
                .where(Application.cycle_id == cycle_id)
                .group_by(col(Application.status))
            ).all()
        )
        everything = list(session.exec(select(Message).where(Message.cycle_id == cycle_id)))
    alerts = [m for m in everything if m.kind == RUN_FAILED]
    messages = [m for m in everything if m.kind != RUN_FAILED]
    # The province heard of each crashed run once.
    assert sorted(m.offset for m in alerts) == sorted(str(i) for i in crashed)
    assert {(m.recipient_kind, m.status) for m in alerts} == {("province", "sent")}
    # Nothing lost, nothing twice: every boundary once, each application's changes once each.
    assert events == Counter(
        ["declaration.open", "declaration.close", "unit_review.open", "unit_review.close"]
    )
    # Done by a run after the kill: a run of the cut-off's instant (declaration.close's, or
    # unit_review.open's — cut off too while it waited for the cycle's slot, and its rerun may
    # take the slot first), or the next boundary's run if that took the slot first; the
    # cut-off attempt rolled back (above).
    at_the_cut_off = {name for name, _ in at_close.values()}
    assert closed_by in at_the_cut_off | {f"{cycle_id}-unit-review-close"}, (closed_by, at_close)
    drafts, submitted = ids[EARLY:], ids[:EARLY]
    assert changes == Counter(
        [(i, "expired") for i in drafts]
        + [(i, s) for i in submitted for s in ("submitted", "not_recommended")]
    )
    assert statuses == {"expired": len(drafts), "not_recommended": len(submitted)}

    # Reminder A (outside quiet hours) went out once at its instant; B, due in quiet hours, was
    # held to their end — the same instant here — and never before it.
    by_kind = {
        kind: [m for m in messages if m.kind == kind]
        for kind in ("declaration_draft", "declaration_final")
    }
    assert by_kind["declaration_final"][0].offset.endswith(f"@{clock(t['quiet'])}")
    assert by_kind["declaration_draft"][0].offset.endswith(f"@{clock(t['minute'])}")
    for kind, sent in by_kind.items():
        assert sorted(m.recipient for m in sent) == sorted(r["身份证号"] for r in rows[EARLY:])
        for m in sent:
            assert m.status == "sent" and m.attempts == 1 and m.sent_at is not None, kind
            after = (m.sent_at - t["minute"]).total_seconds()
            live.timings[f"drill {kind}: sent after quiet hours end"] = after
            assert 0 <= after <= ON_TIME.total_seconds(), (kind, after)
    assert len(receiver.received) == len(everything) == 2 * len(drafts) + len(alerts)
    titles = Counter(r.get("title") for r in receiver.received)
    assert titles == Counter(m.title for m in everything)

    # The dashboard's figures, as the province's account sees them, are the database's.
    from dashboard.figures import overview
    from dashboard.scope import viewer_of

    now = pendulum.now("UTC")
    with session_scope() as session:
        account = create_account(
            session,
            by=None,
            username=f"drill-{tag}",
            password="Drill-2026-Pass!",
            role="admin",  # the database's first account must be the province's admin
            now=now,
            org_code="620000",
        )
        viewer = viewer_of(session, account)
        province = session.exec(select(Organisation).where(Organisation.code == "620000")).one()
        cycle = session.get(Cycle, cycle_id)
        assert cycle is not None
        figures = overview(session, cycle, viewer, province, now)
    assert figures.total == APPLICANTS
    assert {s.status: s.count for s in figures.statuses} == statuses
    assert figures.messages == dict(Counter(m.status for m in everything))
    cancel_scheduled(live.api_url, cycle_runs(live.api_url, cycle_id))


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with HttpReceiver() as r:
        yield r
