"""The import page of the province's and the cities' admins: choose the kind, upload, see
every bad row, confirm to write. The import functions do the work; this page adds the
admin's scope (the functions take ``by`` for the kinds that have one; applicants are kept to
the admin's own units here) and keeps the checked file until it is confirmed, so what is
written is exactly what was checked — checked once more at that moment."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from dashboard.auth import csrf_token, current_viewer, now_of
from dashboard.lookup import latest_cycles
from dashboard.pages import FormDep, check_csrf, form_field, render
from dashboard.scope import Forbidden, Viewer, org_filter
from dashboard.uploads import (
    MAX_BYTES,
    BadUpload,
    Kept,
    field,
    forget,
    keep,
    kept,
    parse_multipart,
)
from models.accounts import Account, Role
from models.db import read_scope, session_scope
from models.imports import declarations
from models.imports.accounts import import_accounts
from models.imports.committees import import_committees
from models.imports.declarations import import_declarations
from models.imports.orgs import import_orgs
from models.imports.readers import Table, TableError, read_table
from models.imports.report import FILE_ROW, ImportResult, RowError, cell
from models.imports.templates import KINDS, write_template
from models.org import Organisation, OrgKind
from models.settings import settings

router = APIRouter(include_in_schema=False)
NEEDS_CYCLE = frozenset({"committees", "declarations"})
# Outside the admin's units reads as the import's own answer for a unit it does not know.
NO_UNIT = "没有以此统一社会信用代码登记的用人单位：请先导入机构"


def importer(viewer: Annotated[Viewer, Depends(current_viewer)]) -> Viewer:
    if viewer.role != Role.admin or viewer.kind not in (OrgKind.province, OrgKind.city):
        raise Forbidden("无权访问：导入只对省级和市州的系统管理员开放")
    return viewer


ImporterDep = Annotated[Viewer, Depends(importer)]


def _page(request: Request, viewer: Viewer, status_code: int = 200, **context: Any) -> HTMLResponse:
    with read_scope() as session:
        cycles = latest_cycles(session, viewer)
    context.setdefault("result", None)
    context.setdefault("upload", None)
    context.setdefault("error", None)
    context.setdefault("passwords", None)
    context.setdefault("chosen", {"kind": "orgs", "cycle": cycles[0].id if cycles else ""})
    return render(
        request,
        "imports.html",
        status_code=status_code,
        viewer=viewer,
        cycles=cycles,
        kinds={k: title for k, (title, _) in KINDS.items()},
        needs_cycle=NEEDS_CYCLE,
        file_row=FILE_ROW,
        **context,
    )


def _outside(session: Session, viewer: Viewer, table: Table) -> list[RowError]:
    """Applicants of units the admin does not reach: a city imports its own units' only."""
    header = declarations.UNIT_CODE
    codes = {cell(v, header).upper() for _, v in table.rows} - {""}
    if viewer.kind == OrgKind.province or not codes:
        return []
    reached = set(
        session.exec(
            select(col(Organisation.code)).where(
                col(Organisation.code).in_(sorted(codes)),
                org_filter(viewer.kind, viewer.org_id, viewer.org_path),
            )
        )
    )
    return [
        RowError(number, header, cell(values, header), NO_UNIT)
        for number, values in table.rows
        if cell(values, header) and cell(values, header).upper() not in reached
    ]


def run(
    session: Session, viewer: Viewer, upload: Kept, table: Table, *, now: Any, dry_run: bool
) -> ImportResult:
    me = session.get(Account, viewer.account_id)
    rows, header = table.rows, table.header
    if upload.kind == "orgs":
        return import_orgs(session, rows, header=header, by=me, dry_run=dry_run)
    if upload.kind == "accounts":
        return import_accounts(session, rows, now=now, header=header, by=me, dry_run=dry_run)
    assert upload.cycle_id is not None
    if upload.kind == "committees":
        return import_committees(
            session, rows, cycle_id=upload.cycle_id, header=header, by=me, dry_run=dry_run
        )
    outside = _outside(session, viewer, table)
    result = import_declarations(
        session,
        rows,
        cycle_id=upload.cycle_id,
        now=now,
        header=header,
        dry_run=dry_run or bool(outside),
    )
    if outside:
        result.dry_run = dry_run
        result.errors = sorted([*result.errors, *outside], key=lambda e: e.row)
    return result


def _check(request: Request, viewer: Viewer, upload: Kept, *, dry_run: bool) -> ImportResult:
    try:
        table = read_table(upload.path, max_rows=settings().import_max_rows)
    except TableError as exc:
        forget(upload)
        raise BadUpload(str(exc).replace(upload.path.name, upload.filename)) from None
    with session_scope() as session:
        result = run(session, viewer, upload, table, now=now_of(request), dry_run=dry_run)
    if result.errors or not dry_run:
        forget(upload)  # fixed files come in as new uploads; a written one is done
    return result


@router.get("/imports")
def imports_page(request: Request, viewer: ImporterDep) -> HTMLResponse:
    return _page(request, viewer)


@router.post("/imports")
async def imports_upload(request: Request, viewer: ImporterDep) -> HTMLResponse:
    chosen = {"kind": "orgs", "cycle": ""}
    try:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BYTES + 64 * 1024:
            raise BadUpload(f"文件过大：最多 {MAX_BYTES // 1024 // 1024} MB")
        body = await request.body()
        fields = parse_multipart(request.headers.get("content-type", ""), body)
        if field(fields, "csrf") != csrf_token(request):
            raise Forbidden("表单已失效，请刷新页面后重试")
        chosen = {"kind": field(fields, "kind"), "cycle": field(fields, "cycle")}
        if chosen["kind"] not in KINDS:
            raise BadUpload("请选择导入类别")
        cycle = chosen["cycle"] if chosen["kind"] in NEEDS_CYCLE else None
        if chosen["kind"] in NEEDS_CYCLE:
            with read_scope() as session:
                if cycle not in {c.id for c in latest_cycles(session, viewer)}:
                    raise BadUpload("请选择评审周期")
        sent = fields.get("file")
        upload = keep(
            sent.value if sent else b"",
            (sent.filename or "") if sent else "",
            account_id=viewer.account_id,
            kind=chosen["kind"],
            cycle_id=cycle,
        )
        result = _check(request, viewer, upload, dry_run=True)
    except BadUpload as exc:
        return _page(request, viewer, status_code=400, error=str(exc), chosen=chosen)
    return _page(
        request,
        viewer,
        status_code=200 if result.ok else 422,
        result=result,
        upload=None if result.errors else upload,
        chosen=chosen,
    )


@router.post("/imports/confirm")
def imports_confirm(request: Request, viewer: ImporterDep, form: FormDep) -> HTMLResponse:
    check_csrf(request, form)
    try:
        upload = kept(form_field(form, "upload"), viewer.account_id)
        result = _check(request, viewer, upload, dry_run=False)
    except BadUpload as exc:
        return _page(request, viewer, status_code=400, error=str(exc))
    chosen = {"kind": upload.kind, "cycle": upload.cycle_id or ""}
    return _page(
        request,
        viewer,
        status_code=200 if result.ok else 422,
        result=result,
        chosen=chosen,
        # New accounts' generated passwords: on this answer only, never stored in clear.
        passwords=sorted(result.passwords.items()) if result.ok else None,
    )


@router.get("/imports/templates/{kind}.xlsx")
def template(kind: str, viewer: ImporterDep) -> Response:
    if kind not in KINDS:
        raise Forbidden("没有这种导入模板")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"{kind}.xlsx"
        write_template(kind, out)
        data = out.read_bytes()
    name = f"{KINDS[kind][0]}导入模板.xlsx"
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
