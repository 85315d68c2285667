"""Importing applicants: a person and a routed draft per row, all or nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import col, func, select
from typer.testing import CliRunner

from models.application import Application, ApplicationProfile, Person
from models.cycle import Committee
from models.db import session_scope
from models.imports.committees import import_committees
from models.imports.declarations import import_declarations
from models.imports.orgs import import_orgs
from models.org import Organisation
from rules.idcard import parse_id_number
from tests.factories import profile_of, stored_cycle
from tests.imports.files import write_csv, write_xlsx
from tests.imports.makers import (
    committee_rows,
    credit_code,
    declaration_rows,
    numbered,
    province_rows,
)
from zhicheng.commands.imports import app

NOW = dt.datetime(2024, 9, 20, 2, tzinfo=dt.UTC)
runner = CliRunner()


@dataclass
class World:
    tag: str
    cycle_id: str
    units: list[dict[str, str]]


def world(units_per_city: int = 2) -> World:
    """A province's departments and units, and a cycle with an intermediate 实验技术 committee per city (a series
    the bundled provincial file has no committee for)."""
    tag = uuid.uuid4().hex[:6]
    orgs = province_rows(units_per_city, tag)
    cycle_id = stored_cycle()
    with session_scope() as session:
        assert import_orgs(session, numbered(orgs)).errors == []
        done = import_committees(session, numbered(committee_rows(tag)), cycle_id=cycle_id)
        assert done.errors == []
    return World(tag, cycle_id, [r for r in orgs if r["机构类别"] == "用人单位"])


def _drafts(cycle_id: str) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).where(col(Application.cycle_id) == cycle_id)).one()


def test_each_row_becomes_a_person_and_a_draft_routed_to_its_city(db: str) -> None:
    w = world()
    rows = declaration_rows(w.units, 40, w.tag)
    with session_scope() as session:
        result = import_declarations(session, numbered(rows), cycle_id=w.cycle_id, now=NOW)
    assert result.errors == []
    assert (result.added, result.updated, result.unchanged) == (40, 0, 0)
    with session_scope() as session:
        found = session.exec(
            select(Application, Person, Committee, Organisation, ApplicationProfile)
            .join(Person, col(Person.id_number) == col(Application.person_id))
            .join(Committee, col(Committee.id) == col(Application.committee_id))
            .join(Organisation, col(Organisation.id) == col(Committee.owner_id))
            .join(
                ApplicationProfile,
                col(ApplicationProfile.application_id) == col(Application.id),
            )
            .where(col(Application.cycle_id) == w.cycle_id)
        ).all()
    assert len(found) == 40
    for draft, person, _committee, owner, sheet in found:
        parsed = parse_id_number(person.id_number)
        assert (person.birth, person.male) == (parsed.birth, parsed.is_male)
        assert (
            draft.status == "draft" and draft.level_sought == "中级" and draft.series == "实验技术"
        )
        assert owner.city_code == draft.city_code  # the applicant's own city's committee
        assert sheet.profile["continuing_education_done"] is True


def test_reimport_is_a_no_op_and_a_changed_row_updates_its_draft(db: str) -> None:
    w = world()
    rows = declaration_rows(w.units, 10, w.tag)
    with session_scope() as session:
        import_declarations(session, numbered(rows), cycle_id=w.cycle_id, now=NOW)
    with session_scope() as session:
        again = import_declarations(session, numbered(rows), cycle_id=w.cycle_id, now=NOW)
    assert (again.added, again.updated, again.unchanged, again.errors) == (0, 0, 10, [])
    rows[4]["学历"] = "硕士研究生"
    with session_scope() as session:
        changed = import_declarations(session, numbered(rows), cycle_id=w.cycle_id, now=NOW)
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 9)
    with session_scope() as session:
        draft = session.exec(
            select(Application).where(Application.person_id == rows[4]["身份证号"])
        ).one()
        sheet = profile_of(session, draft.id)
    assert sheet is not None and sheet["education"] == "硕士研究生"
    assert _drafts(w.cycle_id) == 10


def test_every_bad_declaration_is_reported_and_nothing_is_written(db: str) -> None:
    w = world()
    good = declaration_rows(w.units, 30, w.tag)
    # A second committee for the sixth city: named by an applicant of the tenth, it does not fit.
    elsewhere = {
        **committee_rows(w.tag)[5],
        "评委会编码": f"{w.tag}-x",
        "评委会名称": f"别市{w.tag}",
    }
    with session_scope() as session:
        assert import_committees(session, numbered([elsewhere]), cycle_id=w.cycle_id).errors == []
    named_elsewhere = elsewhere["评委会名称"]
    unregistered = credit_code(int(w.tag, 16) % 10**6 + 99_000_000, "620102")
    wrong_digit = good[2]["身份证号"][:-1] + ("0" if good[2]["身份证号"][-1] != "0" else "1")
    cases: list[tuple[dict[str, str], str]] = [
        ({"身份证号": ""}, "身份证号"),
        ({"身份证号": wrong_digit}, "身份证号"),
        ({"身份证号": "62010219991332001X"}, "身份证号"),  # no such birth date
        ({"身份证号": "12345"}, "身份证号"),
        ({"姓名": ""}, "姓名"),
        ({"单位统一社会信用代码": "91620100MA7"}, "单位统一社会信用代码"),
        ({"单位统一社会信用代码": unregistered}, "单位统一社会信用代码"),
        ({"工作单位": "别的单位"}, "工作单位"),
        ({"系列": ""}, "系列"),
        ({"申报级别": ""}, "申报级别"),
        ({"申报级别": "初级"}, "系列"),  # no committee grants it here
        ({"申报级别": "高级"}, "申报级别"),
        ({"参加工作时间": "2010-7-1"}, "参加工作时间"),
        ({"现任职务-取得时间": "2018/07/01"}, "现任职务-取得时间"),
        ({"专业工作年限": "八年"}, "专业工作年限"),
        ({"是否完成继续教育": "大概"}, "是否完成继续教育"),
        ({"手机号": "1234"}, "手机号"),
        ({"系列": "卫生"}, "系列"),  # no 卫生 committee hears this city
        ({"评委会": "没有这个评委会"}, "评委会"),
        ({"评委会": named_elsewhere}, "评委会"),  # another city's committee
        ({"申报级别": "副高级"}, "系列"),  # only intermediate 实验技术 committees
        ({"身份证号": good[0]["身份证号"]}, "身份证号"),  # the same person twice
    ]
    rows = [good[0], *({**good[n + 1], **change} for n, (change, _) in enumerate(cases))]
    expected = {(n, column) for n, (_, column) in enumerate(cases, start=4)}
    with session_scope() as session:
        result = import_declarations(session, numbered(rows), cycle_id=w.cycle_id, now=NOW)
    reported = {(e.row, e.column) for e in result.errors}
    assert reported >= expected, sorted(expected - reported)
    assert result.added == 0 and _drafts(w.cycle_id) == 0


def test_a_grassroots_applicant_with_two_fitting_committees_must_choose(db: str) -> None:
    w = world()
    tag = w.tag
    extra = {
        **committee_rows(tag)[0],
        "评委会编码": f"{tag}-base",
        "评委会名称": f"兰州市实验技术系列县以下基层中级职称评审委员会（{tag}）",
        "适用范围": "县以下基层",
    }
    with session_scope() as session:
        assert import_committees(session, numbered([extra]), cycle_id=w.cycle_id).errors == []
    lanzhou = [u for u in w.units if u["上级机构编码"].startswith("6201")]
    rows = declaration_rows(lanzhou, 2, tag)
    rows[1]["评委会"] = extra["评委会名称"]
    with session_scope() as session:
        result = import_declarations(session, numbered(rows), cycle_id=w.cycle_id, now=NOW)
    (error,) = result.errors
    assert error.row == 3 and extra["评委会名称"] in error.why
    assert committee_rows(tag)[0]["评委会名称"] in error.why


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_five_thousand_declarations_load_from_a_file(db: str, tmp_path: Path, kind: str) -> None:
    w = world(units_per_city=15)
    assert len(w.units) >= 200
    rows = declaration_rows(w.units, 5000, w.tag)
    file = (write_xlsx if kind == "xlsx" else write_csv)(tmp_path / f"d.{kind}", rows)
    args = ["declarations", str(file), "--cycle", w.cycle_id, "--now", "2024-09-20T10:00"]
    if kind == "csv":  # reading a big xlsx takes seconds: the dry run once is enough
        dry = runner.invoke(app, [*args, "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert "新增 5000" in dry.output and _drafts(w.cycle_id) == 0
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert _drafts(w.cycle_id) == 5000
    again = runner.invoke(app, args)
    assert "新增 0，更新 0，未变 5000" in again.output, again.output


def test_the_cycle_files_committees_hear_by_specialty_level_and_grassroots(db: str) -> None:
    """A Jiayuguan cycle under the provincial 2024 file: the province's 水利工程 committee hears
    a Jiayuguan applicant (a 市辖区 is not grassroots) seeking 副高级; the city's own engineering
    committee hears 中级; a Tianshui county applicant may also choose the grassroots one."""
    w = world()
    jiayuguan = [u for u in w.units if u["上级机构编码"] == "620201"]
    tianshui = [u for u in w.units if u["上级机构编码"].startswith("6205")]
    rows = declaration_rows(jiayuguan, 2, w.tag) + declaration_rows(tianshui, 1, w.tag[::-1])
    for row in rows:
        row.update(系列="工程", 专业="水利工程", 申报级别="副高级")
    rows[1]["申报级别"] = "中级"
    with session_scope() as session:
        result = import_declarations(session, numbered(rows), cycle_id=w.cycle_id, now=NOW)
        keys = dict(
            session.exec(
                select(col(Application.person_id), col(Committee.key))
                .join(Committee, col(Committee.id) == col(Application.committee_id))
                .where(col(Application.cycle_id) == w.cycle_id)
            ).all()
        )
    (error,) = result.errors
    assert error.row == 5 and error.column == "评委会"
    assert "甘肃省水利工程专业高级职称评审委员会" in error.why
    assert "甘肃省水利工程专业县以下基层高级职称评审委员会" in error.why
    assert keys == {}  # one bad row: nothing written
    del rows[2]
    with session_scope() as session:
        assert (
            import_declarations(session, numbered(rows), cycle_id=w.cycle_id, now=NOW).errors == []
        )
        stored = dict(
            session.exec(
                select(col(Application.person_id), col(Committee.key))
                .join(Committee, col(Committee.id) == col(Application.committee_id))
                .where(col(Application.cycle_id) == w.cycle_id)
            ).all()
        )
    assert stored == {rows[0]["身份证号"]: "gs-53", rows[1]["身份证号"]: "jyg-gc-zj"}


def test_after_the_declaration_cut_off_nothing_is_imported(db: str) -> None:
    w = world()
    rows = declaration_rows(w.units, 3, w.tag)
    late = dt.datetime(2024, 10, 20, 16, tzinfo=dt.UTC)  # 10/21 00:00 Beijing
    with session_scope() as session:
        result = import_declarations(session, numbered(rows), cycle_id=w.cycle_id, now=late)
        on_time = import_declarations(
            session, numbered(rows), cycle_id=w.cycle_id, now=late - dt.timedelta(seconds=1)
        )
        session.rollback()
    (error,) = result.errors
    assert "2024年10月20日24:00" in error.why and "截止" in error.why
    assert on_time.errors == [] and on_time.added == 3


def test_a_womans_original_retirement_age_lets_her_declaration_be_submitted(db: str) -> None:
    """No ID number tells a woman's original statutory age (50 or 55, by post): the import
    carries it, and without it the rules refuse her submission (rules/retirement.py)."""
    from models.services import submit

    w = world()
    # Six of each drawn from sixty: twelve draws alone held fewer than two women about once
    # in three hundred runs (the tag, and so the draws, change every run).
    drawn = declaration_rows(w.units, 60, w.tag)
    women = [r for r in drawn if not parse_id_number(r["身份证号"]).is_male][:6]
    men = [r for r in drawn if parse_id_number(r["身份证号"]).is_male][:6]
    assert len(women) == len(men) == 6
    rows = women + men
    women[0]["原法定退休年龄（女）"] = "55"
    bad = [
        dict(men[0], **{"原法定退休年龄（女）": "55"}),
        dict(women[1], **{"原法定退休年龄（女）": "60"}),
    ]
    with session_scope() as session:
        refused = import_declarations(session, numbered(bad), cycle_id=w.cycle_id, now=NOW)
    assert sorted((e.column, e.why) for e in refused.errors) == [
        ("原法定退休年龄（女）", "原法定退休年龄只能是 50 或 55（周岁）"),
        ("原法定退休年龄（女）", "男性申报人不填原法定退休年龄"),
    ]
    with session_scope() as session:
        done = import_declarations(session, numbered(rows), cycle_id=w.cycle_id, now=NOW)
        assert done.errors == []
        ids = dict(
            session.exec(
                select(col(Application.person_id), col(Application.id)).where(
                    col(Application.cycle_id) == w.cycle_id
                )
            ).all()
        )
    with session_scope() as session:
        outcome = submit(
            session,
            w.cycle_id,
            [ids[women[0]["身份证号"]], ids[women[1]["身份证号"]]],
            now=NOW,
            actor="测试",
        )
    assert [i for i in outcome.done] == [ids[women[0]["身份证号"]]]
    assert "原法定退休年龄" in outcome.refused[ids[women[1]["身份证号"]]]
    with session_scope() as session:  # a re-import keeps the age (and every other fact)
        again = import_declarations(session, numbered(rows), cycle_id=w.cycle_id, now=NOW)
    assert again.errors == [] and again.updated == 0


def test_a_village_unit_applicant_is_declared_for_the_quota(db: str) -> None:
    """乡村单位人才 (001 三(二)) is a fact of the application, counted in a senior committee's
    village quota; left empty it is not stored; anything but 是/否 is a bad cell."""
    w = world()
    rows = declaration_rows(w.units, 3, w.tag)
    rows[0]["乡村单位人才"], rows[1]["乡村单位人才"] = "是", "否"
    with session_scope() as session:
        refused = import_declarations(
            session,
            numbered([dict(rows[2], **{"乡村单位人才": "村里"})]),
            cycle_id=w.cycle_id,
            now=NOW,
        )
    assert [(e.column, e.value, e.why) for e in refused.errors] == [
        ("乡村单位人才", "村里", "应填 是 或 否")
    ]
    with session_scope() as session:
        assert (
            import_declarations(session, numbered(rows), cycle_id=w.cycle_id, now=NOW).errors == []
        )
        facts = dict(
            session.exec(
                select(col(Application.person_id), col(Application.facts)).where(
                    col(Application.cycle_id) == w.cycle_id
                )
            ).all()
        )
    assert [(facts[r["身份证号"]] or {}).get("village_unit") for r in rows] == [True, False, None]
