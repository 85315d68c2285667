"""Electronic certificates (001 附件2 四) over the simulated 2024 cycle: one per issued title,
verifiable from its code, refused without the office's key, void once revoked.

Every test issues into its own folder and picks the certificate it needs by what is true in
the database at that moment, so no test depends on another having run (or not) before it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from models.application import Application, ApplicationProfile
from models.certificate import Certificate
from models.db import read_scope, session_scope
from outputs.certificates import issue_certificates, verify
from tests.factories import bj

KEY = "test-signing-key-省职改办"


@pytest.fixture
def signing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from models.settings import settings

    monkeypatch.setenv("ZHICHENG_SIGNING_KEY", KEY)
    settings.cache_clear()
    yield
    monkeypatch.delenv("ZHICHENG_SIGNING_KEY")
    settings.cache_clear()


@pytest.fixture
def pdfs(sim: dict, signing: None, tmp_path: Path) -> list[Path]:
    """Issues the cycle's certificates into a folder of this test's own: a PDF for each."""
    with session_scope() as session:
        return issue_certificates(session, sim["report"].cycle_id, 2024, tmp_path, bj(2025, 1, 10))


def a_valid_certificate(cycle: str, *, last: bool = False) -> tuple[str, str, int]:
    """(code, holder, application id) of a certificate whose title stands right now."""
    order = Certificate.id.desc() if last else Certificate.id
    with read_scope() as session:
        code, holder, app_id = session.execute(
            select(Certificate.code, Certificate.holder_name, Certificate.application_id)
            .join(Application, Application.id == Certificate.application_id)
            .where(Certificate.cycle_id == cycle, Application.status == "issued")
            .order_by(order)
            .limit(1)
        ).one()
    return code, holder, app_id


def test_every_issued_title_gets_one_certificate_once(
    sim: dict, pdfs: list[Path], tmp_path: Path
) -> None:
    cycle = sim["report"].cycle_id
    # What the audit trail says was issued; a later revocation does not undo the issuing.
    issued = {row["application_id"] for row in sim["audit"] if row["action"] == "issue"}
    assert len(pdfs) == len(issued) > 0
    with read_scope() as session:
        holders = set(
            session.execute(
                select(Certificate.application_id).where(Certificate.cycle_id == cycle)
            ).scalars()
        )
    assert holders == issued
    with session_scope() as session:
        assert issue_certificates(session, cycle, 2024, tmp_path, bj(2025, 1, 11)) == []
    text = PdfReader(str(pdfs[0])).pages[0].extract_text()
    assert "电子证书" in text and "********" in text


def test_a_certificate_verifies_and_any_changed_character_fails(
    sim: dict, pdfs: list[Path]
) -> None:
    code, holder, _ = a_valid_certificate(sim["report"].cycle_id)
    with read_scope() as session:
        genuine = verify(session, code)
        assert genuine.genuine and genuine.holder == holder
        for i in range(len(code)):
            swapped = "A" if code[i] != "A" else "B"
            assert not verify(session, code[:i] + swapped + code[i + 1 :]).genuine, i
        assert not verify(session, "not-a-code").genuine


def test_a_code_checked_with_another_key_fails(
    sim: dict, pdfs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from models.settings import settings

    code, _, _ = a_valid_certificate(sim["report"].cycle_id)
    monkeypatch.setenv("ZHICHENG_SIGNING_KEY", "another office's key")
    settings.cache_clear()
    with read_scope() as session:
        assert not verify(session, code).genuine


def test_without_a_key_certificates_are_refused(sim: dict, tmp_path: Path) -> None:
    from models.context import Refused

    with pytest.raises(Refused, match="ZHICHENG_SIGNING_KEY"), session_scope() as session:
        issue_certificates(session, sim["report"].cycle_id, 2024, tmp_path, bj(2025, 1, 10))


def test_zhicheng_verify_says_whose_and_fails_a_forgery(
    sim: dict, signing: None, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from zhicheng.cli import app

    cycle = sim["report"].cycle_id
    runner = CliRunner()
    made = runner.invoke(app, ["certificates", "--cycle", cycle, "-o", str(tmp_path)])
    assert made.exit_code == 0, made.output
    code, holder, _ = a_valid_certificate(cycle)
    ok = runner.invoke(app, ["verify", f"zhicheng:verify:{code}"])
    assert ok.exit_code == 0 and "证书真实有效" in ok.output and holder in ok.output
    forged = runner.invoke(app, ["verify", code[:-1] + ("A" if code[-1] != "A" else "B")])
    assert forged.exit_code == 1 and "篡改" in forged.output


def test_remote_village_staff_get_the_outside_quota_note(sim: dict, pdfs: list[Path]) -> None:
    """003 附件3 二(一): 30 years and more in a remote village, outside the quota, and the
    certificate says so; under 20 years it never does."""
    with read_scope() as session:
        rows = session.execute(
            select(Certificate.title, ApplicationProfile.profile)
            .join(Application, Application.id == Certificate.application_id)
            .outerjoin(ApplicationProfile, ApplicationProfile.application_id == Application.id)
            .where(Certificate.cycle_id == sim["report"].cycle_id)
        ).all()
    years = [((profile or {}).get("remote_village_years", 0), title) for title, profile in rows]
    noted = [title for served, title in years if served >= 30]
    others = [title for served, title in years if served < 20]
    assert noted and all(t.endswith("（乡村不受指标限制）") for t in noted)
    assert others and not any("乡村不受指标限制" in t for t in others)


def test_a_revoked_title_fails_verification(sim: dict, pdfs: list[Path]) -> None:
    from models import services

    cycle = sim["report"].cycle_id
    code, _, app_id = a_valid_certificate(cycle, last=True)
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
