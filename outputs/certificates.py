"""Electronic certificates (001 附件2): one PDF per issued application, with a QR code that
carries a signed verification code; and the verification of such a code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import qrcode
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from sqlalchemy import select
from sqlmodel import Session, col

from calendars.beijing import beijing
from models.application import Application, ApplicationProfile, AuditEvent, Person
from models.certificate import Certificate
from models.context import CycleContext
from models.cycle import Committee
from models.private_files import private_folders, written_privately
from outputs.signing import MalformedCode, canonical, matches, sign, signing_key, split
from rules.eligibility import REMOTE_VILLAGE_NOTE, remote_village_exempt
from rules.idcard import mask

# A TrueType CJK font embedded in the PDF reads the same on every machine; without one,
# reportlab's built-in CID font needs the reader to supply CJK glyphs.
EMBEDDED_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
CID_FONT = "STSong-Light"
LEVELS = {"senior": "高级", "intermediate": "中级"}


def _fields(c: Certificate) -> bytes:
    return canonical(
        c.number, c.id_number, c.holder_name, c.title, c.committee, c.issued_on.isoformat()
    )


def _issued_on(session: Session, app_ids: list[int]) -> dict[int, dt.date]:
    stmt = select(col(AuditEvent.application_id), col(AuditEvent.at)).where(
        col(AuditEvent.application_id).in_(app_ids), col(AuditEvent.action) == "issue"
    )
    return {app_id: beijing(at).date() for app_id, at in session.execute(stmt)}


def create_certificates(
    session: Session, cycle_id: str, year: int, now: dt.datetime
) -> list[Certificate]:
    """A certificate row for every issued application that has none (a rerun makes none)."""
    key = signing_key()
    stmt = (
        select(
            col(Application.id),
            col(Person.name),
            col(Person.id_number),
            col(Application.series),
            col(ApplicationProfile.profile),
            col(Committee.name),
            col(Committee.level),
        )
        .join(Person, col(Person.id_number) == col(Application.person_id))
        .join(Committee, col(Committee.id) == col(Application.committee_id))
        .outerjoin(
            ApplicationProfile, col(ApplicationProfile.application_id) == col(Application.id)
        )
        .outerjoin(Certificate, col(Certificate.application_id) == col(Application.id))
        .where(
            col(Application.cycle_id) == cycle_id,
            col(Application.status) == "issued",
            col(Certificate.id).is_(None),
        )
        .order_by(col(Application.id))
    )
    rows = session.execute(stmt).all()
    issued = _issued_on(session, [r[0] for r in rows])
    policy = CycleContext.load(session, cycle_id).rules
    made = []
    for app_id, name, id_number, series, profile, committee, level in rows:
        title = (profile or {}).get("title_sought") or f"{series or ''}{LEVELS.get(level, '')}职称"
        years = int((profile or {}).get("remote_village_years") or 0)
        if level in ("senior", "intermediate") and remote_village_exempt(level, years, policy):
            title = (
                f"{title}（{REMOTE_VILLAGE_NOTE}）"  # 003 附件3 二(一): the document must say so
            )
        number = f"ZC{year}{app_id:08d}"
        on = issued.get(app_id) or beijing(now).date()
        cert = Certificate(
            number=number,
            application_id=app_id,
            cycle_id=cycle_id,
            holder_name=name,
            id_number=id_number,
            title=title,
            committee=committee,
            issued_on=on,
            code="",
            created_at=now,
        )
        cert.code = sign(number, _fields(cert), key)
        session.add(cert)
        made.append(cert)
    return made


@lru_cache
def _font() -> str:
    for path in EMBEDDED_FONTS:
        if path.exists():
            pdfmetrics.registerFont(TTFont("ZhichengCJK", str(path), subfontIndex=0))
            return "ZhichengCJK"
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def write_pdf(cert: Certificate, out: Path) -> Path:
    """The certificate page, owner-only; written under a temporary name, then renamed."""
    with written_privately(out) as part:
        _draw(cert, part)
    return out


def _draw(cert: Certificate, path: Path) -> None:
    font = _font()
    width, height = landscape(A5)
    page = canvas.Canvas(str(path), pagesize=(width, height))
    page.setTitle(f"职称电子证书 {cert.number}")
    page.setFont(font, 24)
    page.drawCentredString(width / 2, height - 60, "专业技术职务任职资格电子证书")
    page.setFont(font, 13)
    lines = [
        f"姓名：{cert.holder_name}",
        f"身份证号：{mask(cert.id_number)}",
        f"资格名称：{cert.title}",
        f"评审机构：{cert.committee}",
        f"取得资格时间：{cert.issued_on.isoformat()}",
        f"证书编号：{cert.number}",
    ]
    for i, line in enumerate(lines):
        page.drawString(50, height - 120 - i * 26, line)
    image = qrcode.make(f"zhicheng:verify:{cert.code}").get_image()
    page.drawImage(ImageReader(image), width - 190, 40, 140, 140)
    page.setFont(font, 9)
    page.drawString(width - 200, 30, "扫码或 zhicheng verify 核验真伪")
    page.showPage()
    page.save()


def issue_certificates(
    session: Session,
    cycle_id: str,
    year: int,
    out_dir: Path,
    now: dt.datetime,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Rows for the newly issued, then a PDF for every certificate whose file is missing."""
    create_certificates(session, cycle_id, year, now)
    session.flush()
    private_folders(out_dir)
    certs = (
        session.execute(
            select(Certificate)
            .where(col(Certificate.cycle_id) == cycle_id)
            .order_by(col(Certificate.id))
        )
        .scalars()
        .all()
    )
    written = []
    for done, cert in enumerate(certs, start=1):
        path = out_dir / f"{cert.number}.pdf"
        if not path.exists():
            written.append(write_pdf(cert, path))
        if progress:
            progress(done, len(certs))
    return written


@dataclass(frozen=True)
class Verification:
    genuine: bool
    reason: str
    holder: str | None = None
    masked_id: str | None = None
    title: str | None = None
    committee: str | None = None
    issued_on: dt.date | None = None


def verify(session: Session, code: str) -> Verification:
    """Genuine only if the code's MAC matches the stored record under the office's key."""
    try:
        number, mac = split(code)
    except MalformedCode as exc:
        return Verification(False, str(exc))
    cert = (
        session.execute(select(Certificate).where(col(Certificate.number) == number))
        .scalars()
        .first()
    )
    if cert is None or not matches(mac, _fields(cert), signing_key()):
        return Verification(False, "证书不存在或验证码被篡改")
    status = session.get(Application, cert.application_id)
    who = {
        "holder": cert.holder_name,
        "masked_id": mask(cert.id_number),
        "title": cert.title,
        "committee": cert.committee,
        "issued_on": cert.issued_on,
    }
    if status is not None and status.status == "revoked":
        return Verification(False, "证书已撤销（异议成立）", **who)
    return Verification(True, "证书真实有效", **who)
