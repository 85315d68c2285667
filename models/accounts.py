"""Accounts of the offices, departments, committees and units, created top-down (003 附件2:
each level creates the accounts of the level below and its own operators), with hashed
passwords and sessions that expire."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import Column, String, UniqueConstraint, delete
from sqlmodel import Field, Session, SQLModel, select

from models.context import Refused
from models.cycle import Committee
from models.org import Organisation, OrgKind
from models.settings import settings
from models.timeutil import UTCDateTime, beijing_text


class Role(StrEnum):
    admin = "admin"  # 系统管理员: creates the level below and this level's operators
    operator = "operator"  # 业务管理员: reviews and acts
    viewer = "viewer"  # 只读: sees the figures, acts on nothing


ROLE_LABELS = {Role.admin: "系统管理员", Role.operator: "业务管理员", Role.viewer: "只读查看"}


class Account(SQLModel, table=True):
    """One login. Its scope is its organisation's subtree, or one committee's applications."""

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(60), unique=True, nullable=False))
    display_name: str
    role: str
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    committee_id: int | None = Field(default=None, foreign_key="committee.id", index=True)
    password_hash: str
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    active: bool = True
    # Set on accounts made with a generated password (bulk import): changed at first sign-in.
    must_change_password: bool = False
    # Guessing: after too many wrong passwords in a row the account waits (see sign_in).
    failed_logins: int = 0
    locked_until: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class AccountSession(SQLModel, table=True):
    """A signed-in browser or API client. Only the token's hash is stored."""

    __tablename__ = "account_session"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False))
    account_id: int = Field(foreign_key="account.id", index=True)
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


# scrypt's cost: ~50 ms per check on one core, enough against offline guessing.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return "scrypt$" + "$".join(base64.b64encode(x).decode() for x in (salt, digest))


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, salt_text, digest_text = stored.split("$")
        salt, digest = base64.b64decode(salt_text), base64.b64decode(digest_text)
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=salt, dklen=len(digest), **_SCRYPT)
    return hmac.compare_digest(candidate, digest)


@lru_cache(maxsize=1)
def _decoy() -> str:
    return hash_password(secrets.token_urlsafe(16))


def password_problem(password: str) -> str | None:
    """The notices ask for compound passwords (复合密码): letters, digits and length."""
    least = settings().password_min_length
    if len(password) < least:
        return f"密码至少 {least} 位"
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        return "密码须同时包含字母和数字"
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _session_of(session: Session, token: str) -> AccountSession | None:
    return session.exec(
        select(AccountSession).where(AccountSession.token_hash == _token_hash(token))
    ).first()


def find_account(session: Session, username: str) -> Account | None:
    return session.exec(select(Account).where(Account.username == username)).first()


def creation_refusal(
    creator: Account | None,
    creator_org: Organisation | None,
    target_org: Organisation | None,
    committee: Committee | None,
    role: Role,
) -> str | None:
    """Top-down creation: an admin creates its own level's operators and the accounts of the
    organisations directly below it (a department those of the units it supervises); the
    province also creates committee accounts. The very first account is the province's admin."""
    if creator is None:
        if target_org is not None and target_org.kind == OrgKind.province and role == Role.admin:
            return None
        return "首个账号只能是省级系统管理员"
    if creator.role != Role.admin:
        return "只有系统管理员可以创建账号"
    if creator_org is None:
        return "评委会账号不能创建其他账号"
    if committee is not None:
        if creator_org.kind == OrgKind.province:
            return None
        return "评委会账号由省级系统管理员创建"
    assert target_org is not None
    if target_org.id == creator_org.id:
        return None if role != Role.admin else "本级系统管理员账号由上级创建"
    if target_org.parent_id == creator_org.id or target_org.department_id == creator_org.id:
        return None
    return f"{creator_org.name}不能为{target_org.name}创建账号：账号自上而下逐级创建"


def create_account(
    session: Session,
    *,
    by: Account | None,
    username: str,
    password: str,
    role: str,
    now: dt.datetime,
    org_code: str | None = None,
    committee_id: int | None = None,
    display_name: str | None = None,
) -> Account:
    if not username or not username.strip() or len(username) > 60:
        raise Refused("用户名不能为空，且不超过 60 个字符", "bad_username")
    if role not in Role.__members__:
        raise Refused(f"角色 '{role}' 无效：可选 admin、operator、viewer", "bad_role")
    if (org_code is None) == (committee_id is None):
        raise Refused("账号须属于一个组织机构或一个评委会（二选一）", "bad_scope")
    if problem := password_problem(password):
        raise Refused(problem, "weak_password")
    if find_account(session, username.strip()) is not None:
        raise Refused(f"用户名 {username} 已被使用", "username_taken")
    target = committee = None
    if org_code is not None:
        target = session.exec(select(Organisation).where(Organisation.code == org_code)).first()
        if target is None:
            raise Refused(f"没有编码为 {org_code} 的组织机构", "no_org")
    else:
        committee = session.get(Committee, committee_id)
        if committee is None:
            raise Refused(f"没有编号为 {committee_id} 的评委会", "no_committee")
    creator_org = (
        session.get(Organisation, by.organisation_id) if by and by.organisation_id else None
    )
    if why := creation_refusal(by, creator_org, target, committee, Role(role)):
        raise Refused(why, "not_allowed")
    if by is None and session.exec(select(Account.id)).first() is not None:
        raise Refused("已有账号：新账号须由上级系统管理员创建（--by）", "not_allowed")
    account = Account(
        username=username.strip(),
        display_name=display_name or (target.name if target else committee.name),  # type: ignore[union-attr]
        role=role,
        organisation_id=target.id if target else None,
        committee_id=committee.id if committee else None,
        password_hash=hash_password(password),
        created_by=by.id if by else None,
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account


@dataclass(frozen=True)
class SignedIn:
    token: str
    account: Account
    expires_at: dt.datetime


def sign_in(session: Session, username: str, password: str, now: dt.datetime) -> SignedIn:
    """A new session token for the right password; one refusal for every wrong input, so a
    guesser learns nothing about which usernames exist."""
    account = find_account(session, username.strip())
    if account is not None and account.locked_until is not None and now < account.locked_until:
        raise Refused(
            f"连续输错密码次数过多，账号已暂停登录至 {beijing_text(account.locked_until)}；"
            "如忘记密码请联系创建账号的上级系统管理员",
            "locked",
        )
    # An unknown name costs the same scrypt as a known one: timing tells no names either.
    stored = account.password_hash if account is not None else _decoy()
    if not password_matches(password, stored) or account is None or not account.active:
        if account is not None:
            _count_failure(session, account, now)
        raise Refused("用户名或密码错误", "bad_credentials")
    account.failed_logins, account.locked_until = 0, None
    session.add(account)
    session.execute(
        delete(AccountSession).where(
            AccountSession.account_id == account.id,  # type: ignore[arg-type]
            AccountSession.expires_at <= now,  # type: ignore[arg-type]
        )
    )
    token = secrets.token_urlsafe(32)
    lifetime = dt.timedelta(hours=settings().session_hours)
    session.add(
        AccountSession(
            token_hash=_token_hash(token),
            account_id=account.id,  # type: ignore[arg-type]
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return SignedIn(token, account, now + lifetime)


def _count_failure(session: Session, account: Account, now: dt.datetime) -> None:
    """Kept even though the sign-in fails: committed here, before the refusal rolls back."""
    config = settings()
    account.failed_logins += 1
    if account.failed_logins >= config.login_max_failures:
        account.locked_until = now + dt.timedelta(minutes=config.login_lock_minutes)
        account.failed_logins = 0
    session.add(account)
    session.commit()


def account_for_token(session: Session, token: str, now: dt.datetime) -> Account | None:
    """The account behind a live token (read-only: pages must not take the write lock)."""
    found = _session_of(session, token)
    if found is None or now >= found.expires_at:
        return None
    account = session.get(Account, found.account_id)
    return account if account is not None and account.active else None


def sign_out(session: Session, token: str) -> None:
    found = _session_of(session, token)
    if found is not None:
        session.delete(found)
