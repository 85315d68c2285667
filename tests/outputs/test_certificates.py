"""The simulated 2024 cycle yields the summary sheet and verifiable certificates."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from models.db import read_scope, session_scope
from outputs.certificates import issue_certificates, verify
from outputs.summary_sheet import COLUMNS, build_sheet
from tests.factories import bj

KEY = "test-signing-key-省职改办"


@pytest.fixture
def signing(monkeypatch: pytest.MonkeyPatch):
    from models.settings import settings

    monkeypatch.setenv("ZHICHENG_SIGNING_KEY", KEY)
    settings.cache_clear()
    yield
    monkeypatch.delenv("ZHICHENG_SIGNING_KEY")
    settings.cache_clear()


def test_the_summary_sheet_has_the_notices_columns_and_date_format(
    sim: dict, tmp_path: Path
) -> None:
    out = tmp_path / "汇总表.xlsx"
    with read_scope() as session:
        rows = build_sheet(
            session,
            sim["report"].cycle_id,
            out,
            series_level="工程系列副高级",
            unit_name="嘉峪关市工信局",
        )
    recommended = {
        "unit_publicity",
        "department_review",
        "committee_review",
        "result_publicity",
        "objection",
        "issued",
        "failed",
        "revoked",
    }
    assert rows == sum(1 for a in sim["applications"] if a["status"] in recommended) > 0
    sheet = load_workbook(out).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "申报评审职称审核推荐汇总表（工程系列副高级）"
    header = next(i for i, row in enumerate(values) if row[0] == "序号")
    unique = list(dict.fromkeys(c[0] for c in COLUMNS))  # merged header cells read back once
    assert [v for v in values[header] if v] == unique
    assert [v or None for v in values[header + 1]] == [c[1] for c in COLUMNS]
    first = values[header + 2]
    assert first[0] == "1" and first[3][6:14] == "********"
    for column in ("参加工作时间", "取得时间", "聘任时间"):
        index = next(i for i, c in enumerate(COLUMNS) if column in (c[0], c[1]))
        text = first[index]
        assert len(text) == 10 and text[4] == "-" and text[7] == "-", (
            text
        )  # 2021-07-01, not 2021-7-1
    assert any(row[0] and str(row[0]).startswith("3. 本表的格式不能更改") for row in values)


def test_certificates_verify_and_a_tampered_code_fails(
    sim: dict, signing: None, tmp_path: Path
) -> None:
    cycle = sim["report"].cycle_id
    with session_scope() as session:
        written = issue_certificates(session, cycle, 2024, tmp_path, bj(2025, 1, 10))
    issued = [a for a in sim["applications"] if a["status"] == "issued"]
    assert len(written) == len(issued) > 0
    with session_scope() as session:
        assert (
            issue_certificates(session, cycle, 2024, tmp_path, bj(2025, 1, 11)) == []
        )  # idempotent
    text = PdfReader(str(written[0])).pages[0].extract_text()
    assert "电子证书" in text and "********" in text
    from sqlalchemy import select

    from models.certificate import Certificate

    with read_scope() as session:
        cert = session.execute(
            select(Certificate).where(Certificate.cycle_id == cycle).limit(1)
        ).scalar_one()
        genuine = verify(session, cert.code)
        assert genuine.genuine and genuine.holder == cert.holder_name
        for i in range(len(cert.code)):
            swapped = "A" if cert.code[i] != "A" else "B"
            tampered = cert.code[:i] + swapped + cert.code[i + 1 :]
            assert not verify(session, tampered).genuine, i
        assert not verify(session, "not-a-code").genuine


def test_a_code_signed_with_another_key_fails(
    sim: dict, signing: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select

    from models.certificate import Certificate
    from models.settings import settings

    cycle = sim["report"].cycle_id
    with session_scope() as session:
        issue_certificates(session, cycle, 2024, tmp_path, bj(2025, 1, 10))
    with read_scope() as session:
        cert = session.execute(
            select(Certificate).where(Certificate.cycle_id == cycle).limit(1)
        ).scalar_one()
        monkeypatch.setenv("ZHICHENG_SIGNING_KEY", "another office's key")
        settings.cache_clear()
        assert not verify(session, cert.code).genuine


def test_without_a_key_certificates_are_refused(sim: dict, tmp_path: Path) -> None:
    from models.context import Refused

    with pytest.raises(Refused, match="ZHICHENG_SIGNING_KEY"), session_scope() as session:
        issue_certificates(session, sim["report"].cycle_id, 2024, tmp_path, bj(2025, 1, 10))


def test_zhicheng_verify_says_whose_and_fails_a_forgery(
    sim: dict, signing: None, tmp_path: Path
) -> None:
    from sqlalchemy import select
    from typer.testing import CliRunner

    from models.certificate import Certificate
    from zhicheng.cli import app

    cycle = sim["report"].cycle_id
    runner = CliRunner()
    made = runner.invoke(app, ["certificates", "--cycle", cycle, "-o", str(tmp_path)])
    assert made.exit_code == 0, made.output
    with read_scope() as session:
        cert = session.execute(
            select(Certificate).where(Certificate.cycle_id == cycle).limit(1)
        ).scalar_one()
        code, holder = cert.code, cert.holder_name
    ok = runner.invoke(app, ["verify", f"zhicheng:verify:{code}"])
    assert ok.exit_code == 0 and "证书真实有效" in ok.output and holder in ok.output
    forged = runner.invoke(app, ["verify", code[:-1] + ("A" if code[-1] != "A" else "B")])
    assert forged.exit_code == 1 and "篡改" in forged.output


def test_remote_village_staff_get_the_outside_quota_note(
    sim: dict, signing: None, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from models.application import Application
    from models.certificate import Certificate

    cycle = sim["report"].cycle_id
    with session_scope() as session:
        issue_certificates(session, cycle, 2024, tmp_path, bj(2025, 1, 10))
    with read_scope() as session:
        rows = session.execute(
            select(Certificate.title, Application.profile)
            .join(Application, Application.id == Certificate.application_id)
            .where(Certificate.cycle_id == cycle)
        ).all()
    noted = [
        title for title, profile in rows if (profile or {}).get("remote_village_years", 0) >= 30
    ]
    others = [
        title for title, profile in rows if (profile or {}).get("remote_village_years", 0) < 20
    ]
    assert noted and all(t.endswith("（乡村不受指标限制）") for t in noted)
    assert not any("乡村不受指标限制" in t for t in others)


def test_a_revoked_title_fails_verification(sim: dict, signing: None, tmp_path: Path) -> None:
    from sqlalchemy import select

    from models import services
    from models.certificate import Certificate

    cycle = sim["report"].cycle_id
    with session_scope() as session:
        issue_certificates(session, cycle, 2024, tmp_path, bj(2025, 1, 10))
    with read_scope() as session:
        cert = session.execute(
            select(Certificate)
            .where(Certificate.cycle_id == cycle)
            .order_by(Certificate.id.desc())
            .limit(1)
        ).scalar_one()
        code, app_id = cert.code, cert.application_id
    with session_scope() as session:
        refused = services.revoke(
            session, cycle, [app_id], now=bj(2025, 3, 1), actor="省职改办", reason=" "
        )
        assert "原因" in refused.refused[app_id]
        done = services.revoke(
            session,
            cycle,
            [app_id],
            now=bj(2025, 3, 1),
            actor="省职改办",
            reason="查实提供虚假业绩材料",
        )
        assert done.done == [app_id]
    with read_scope() as session:
        result = verify(session, code)
    assert not result.genuine and "撤销" in result.reason
