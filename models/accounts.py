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

from sqlalchemy import Column, String, UniqueConstraint, delete, or_, update
from sqlmodel import Field, Session, SQLModel, col, select
from zxcvbn import zxcvbn

from calendars.beijing import beijing_text
from models import sign_in_throttle
from models.context import Refused
from models.cycle import Committee, Cycle
from models.org import Organisation, OrgKind
from models.settings import settings
from models.timeutil import UTCDateTime
from rules.accounts import private_creator_refusal


class Role(StrEnum):
    admin = "admin"  # 系统管理员: creates the level below and this level's operators
    operator = "operator"  # 业务管理员: reviews and acts
    viewer = "viewer"  # 只读: sees the figures, acts on nothing
    # 申报接口: the applicants' front end, a service account bound to one cycle; it touches
    # that cycle's declarations and nothing else, and signs in with a token, never a password.
    intake = "intake"


ROLE_LABELS = {
    Role.admin: "系统管理员",
    Role.operator: "业务管理员",
    Role.viewer: "只读查看",
    Role.intake: "申报接口",
}
# A service token lives until it is rotated or revoked, or at the latest this long: a token
# forgotten in a front end's configuration does not open the door for ever.
SERVICE_TOKEN_DAYS = 400
# Matches no password (password_matches needs "scrypt$salt$digest"): service accounts sign in
# with their token only.
NO_PASSWORD = "none"


class Account(SQLModel, table=True):
    """One login. Its scope is its organisation's subtree, or one committee's applications."""

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(60), unique=True, nullable=False))
    display_name: str
    role: str
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    committee_id: int | None = Field(default=None, foreign_key="committee.id", index=True)
    # The one cycle an intake account may touch (for every other role, none).
    cycle_id: str | None = Field(default=None, foreign_key="cycle.id", index=True)
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
    # Its last use, for the idle timeout (None: not used since it began).
    last_seen_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


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


# What zxcvbn found in a weak password, said in Chinese (its own feedback is English).
_WEAK_PARTS = {
    "dictionary": "常见单词、姓名或常用密码",
    "spatial": "键盘上相邻的字符",
    "repeat": "重复的字符",
    "sequence": "连续的字母或数字",
    "regex": "年份",
    "date": "日期",
}
# zxcvbn's score: 3 is "safely unguessable: moderate protection from offline attacks".
_STRONG_ENOUGH = 3
# zxcvbn's matching grows faster than linearly with length; beyond this a password is long
# enough that its head decides.
_SCORED_LENGTH = 64


def password_problem(password: str, username: str | None = None) -> str | None:
    """The notices ask for compound passwords (复合密码): letters, digits and length; and none
    a guesser tries first (the username itself, common words, keyboard runs, years)."""
    least = settings().password_min_length
    if len(password) < least:
        return f"密码至少 {least} 位"
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        return "密码须同时包含字母和数字"
    name = (username or "").strip()
    if name and password.strip().casefold() == name.casefold():
        return "密码不能与用户名相同"
    judged = zxcvbn(password[:_SCORED_LENGTH], user_inputs=[name] if name else [])
    if judged["score"] >= _STRONG_ENOUGH:
        return None
    found = [m["pattern"] for m in judged["sequence"]]
    if name and any(m.get("dictionary_name") == "user_inputs" for m in judged["sequence"]):
        parts = ["用户名"]
    else:
        parts = list(dict.fromkeys(_WEAK_PARTS[p] for p in found if p in _WEAK_PARTS))
    why = f"（含{'、'.join(parts)}）" if parts else ""
    return f"密码太容易被猜中{why}：请换一个更长、更不规则的密码，如几个不相关的词加数字和符号"


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
    if role == Role.intake:
        if creator_org.kind == OrgKind.province and target_org is not None:
            if target_org.id == creator_org.id:
                return None
        return "申报接口账号只能由省级系统管理员为本级创建（zhicheng account create --role intake）"
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


def sector_refusal(creator_org: Organisation, target: Organisation) -> str | None:
    """A private organisation's accounts are created by the office its sector names
    (rules.accounts, 003 附件2 二) — on top of the top-down rule, for a target other than the
    creator's own organisation."""
    if target.id == creator_org.id:
        return None
    return private_creator_refusal(creator_org, target)


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
    must_change: bool = False,
) -> Account:
    """``must_change``: the password was set by someone else (an admin for the level below),
    so its owner changes it at first sign-in. The caller's right is checked before anything
    tells whether the username is taken or the organisation exists."""
    _check_username_form(username)
    if role == Role.intake:
        raise Refused(
            "申报接口账号没有密码，须指定周期创建：zhicheng account create 用户名 --role intake "
            "--cycle 周期编号（或 POST /api/accounts 并给出 cycle_id）",
            "bad_role",
        )
    if role not in Role.__members__:
        raise Refused(f"角色 '{role}' 无效：可选 admin、operator、viewer、intake", "bad_role")
    if (org_code is None) == (committee_id is None):
        raise Refused("账号须属于一个组织机构或一个评委会（二选一）", "bad_scope")
    if problem := password_problem(password, username):
        raise Refused(problem, "weak_password")
    if org_code is not None:
        target = session.exec(select(Organisation).where(Organisation.code == org_code)).first()
        committee = None
    else:
        target, committee = None, session.get(Committee, committee_id)
    if by is None:  # the first account, on the command line: nothing to hide from its maker
        if target is None and committee is None:
            raise Refused(f"没有编码为 {org_code} 的组织机构", "no_org")
        why = creation_refusal(None, None, target, committee, Role(role))
    else:
        creator_org = session.get(Organisation, by.organisation_id) if by.organisation_id else None
        why = _refusal_below(by, creator_org, target, committee, Role(role), org_code, committee_id)
        if why is None and target is not None and creator_org is not None:
            why = sector_refusal(creator_org, target)
    if why:
        raise Refused(why, "not_allowed")
    if by is None and session.exec(select(Account.id)).first() is not None:
        raise Refused("已有账号：新账号须由上级系统管理员创建（--by）", "not_allowed")
    _check_username_free(session, username)
    scope_name = target.name if target is not None else committee.name if committee else ""
    account = Account(
        username=username.strip(),
        display_name=display_name or scope_name,
        role=role,
        organisation_id=target.id if target else None,
        committee_id=committee.id if committee else None,
        password_hash=hash_password(password),
        created_by=by.id if by else None,
        created_at=now,
        must_change_password=must_change,
    )
    session.add(account)
    session.flush()
    return account


def _refusal_below(
    by: Account,
    creator_org: Organisation | None,
    target: Organisation | None,
    committee: Committee | None,
    role: Role,
    org_code: str | None,
    committee_id: int | None,
) -> str | None:
    """``creation_refusal``, said so that it does not tell whether the organisation or the
    committee asked for exists: a caller learns of one only where it may create accounts."""
    if by.role != Role.admin or creator_org is None:  # about the caller alone
        return creation_refusal(by, creator_org, target, committee, role)
    if committee_id is not None:
        if creator_org.kind != OrgKind.province:
            return "评委会账号由省级系统管理员创建"
        return None if committee is not None else f"没有编号为 {committee_id} 的评委会"
    why = creation_refusal(by, creator_org, target, None, role) if target is not None else "?"
    if why is None or (target is not None and target.id == creator_org.id):
        return why  # its own level: nothing to hide
    return (
        f"不能为编码 {org_code} 的机构创建账号：没有该机构，或它不在{creator_org.name}的下一级"
        "（账号自上而下逐级创建）"
    )


def _check_username_form(username: str) -> None:
    if not username or not username.strip() or len(username) > 60:
        raise Refused("用户名不能为空，且不超过 60 个字符", "bad_username")


def _check_username_free(session: Session, username: str) -> None:
    if find_account(session, username.strip()) is not None:
        raise Refused(f"用户名 {username} 已被使用", "username_taken")


def create_intake_account(
    session: Session,
    *,
    by: Account | None,
    username: str,
    cycle_id: str,
    now: dt.datetime,
    display_name: str | None = None,
) -> SignedIn:
    """The applicants' front end's service account: made by the province's admin, bound to
    one cycle, without a password (nothing to guess); the answer carries its first token,
    shown once. The caller's right is checked first, as for ``create_account``."""
    _check_username_form(username)
    if by is None:
        raise Refused("申报接口账号须由省级系统管理员创建（--by）", "not_allowed")
    creator_org = session.get(Organisation, by.organisation_id) if by.organisation_id else None
    if why := creation_refusal(by, creator_org, creator_org, None, Role.intake):
        raise Refused(why, "not_allowed")
    _check_username_free(session, username)
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise Refused(f"没有编号为 {cycle_id} 的周期", "no_cycle")
    assert creator_org is not None
    account = Account(
        username=username.strip(),
        display_name=display_name or f"申报接口（{cycle.title}）",
        role=Role.intake,
        organisation_id=creator_org.id,
        cycle_id=cycle.id,
        password_hash=NO_PASSWORD,
        created_by=by.id,
        created_at=now,
    )
    session.add(account)
    session.flush()
    return _new_session(session, account, now, dt.timedelta(days=SERVICE_TOKEN_DAYS))


class NotManaged(Refused):
    """An account this admin does not manage, or none by that name: the same refusal."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "not_allowed")


@dataclass(frozen=True)
class SignedIn:
    token: str
    account: Account
    expires_at: dt.datetime


class ClientWaits(Exception):
    """Too many failed sign-ins from this client address: it waits until ``until``."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(until)
        self.until = until


def sign_in(
    session: Session, username: str, password: str, now: dt.datetime, client: str | None = None
) -> SignedIn:
    """A new session token for the right password; one refusal for every wrong input, so a
    guesser learns nothing about which usernames exist. ``client``, the address asking, is
    throttled across accounts: past too many failures it waits (``ClientWaits``), and its
    passwords are not even checked."""
    if client is None:
        return _signed_in(session, username, password, now)
    if (until := sign_in_throttle.blocked_until(session, client, now)) is not None:
        raise ClientWaits(until)
    try:
        return _signed_in(session, username, password, now)
    except Refused:
        sign_in_throttle.count_failure(session, client, now)
        raise


def _signed_in(session: Session, username: str, password: str, now: dt.datetime) -> SignedIn:
    name = username.strip()
    attempt = _reserve_attempt(session, name, now)
    # None: no such account, or it is paused (or the limit's attempts are still being
    # checked): answered alike, after the same scrypt, so neither the words nor the time tell
    # a guesser which names exist or are paused.
    account = find_account(session, name) if attempt is not None else None
    # An unknown name costs the same scrypt as a known one: timing tells no names either.
    stored = account.password_hash if account is not None else _decoy()
    if not password_matches(password, stored) or account is None or not account.active:
        if account is not None and attempt is not None:
            _count_failure(session, account, attempt, now)
        raise Refused("用户名或密码错误", "bad_credentials")
    account.failed_logins, account.locked_until = 0, None
    session.add(account)
    session.execute(
        delete(AccountSession).where(
            col(AccountSession.account_id) == account.id,
            col(AccountSession.expires_at) <= now,
        )
    )
    return _new_session(session, account, now, dt.timedelta(hours=settings().session_hours))


def _new_session(
    session: Session, account: Account, now: dt.datetime, lifetime: dt.timedelta
) -> SignedIn:
    assert account.id is not None
    token = secrets.token_urlsafe(32)
    session.add(
        AccountSession(
            token_hash=_token_hash(token),
            account_id=account.id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return SignedIn(token, account, now + lifetime)


def _reserve_attempt(session: Session, username: str, now: dt.datetime) -> int | None:
    """Counts an attempt before its password is checked, in one UPDATE: of any number of
    parallel attempts at most the limit get a number, the others find the account paused
    (read, then written back, let 63 of 300 through on PostgreSQL). None: no such account,
    or it is paused. Committed at once, so a refusal's rollback keeps it."""
    stmt = (
        update(Account)
        .where(
            col(Account.username) == username,
            col(Account.failed_logins) < settings().login_max_failures,
            or_(col(Account.locked_until).is_(None), col(Account.locked_until) <= now),
        )
        .values(failed_logins=col(Account.failed_logins) + 1)
        .returning(col(Account.failed_logins))
    )
    number = session.execute(stmt).scalar_one_or_none()
    session.commit()
    return number


def _count_failure(session: Session, account: Account, attempt: int, now: dt.datetime) -> None:
    """The attempt was counted when it began; the one that reached the limit pauses the
    account (committed here, before the refusal rolls back)."""
    config = settings()
    if attempt < config.login_max_failures:
        return
    paused = now + dt.timedelta(minutes=config.login_lock_minutes)
    session.execute(
        update(Account)
        .where(col(Account.id) == account.id)
        .values(failed_logins=0, locked_until=paused)
    )
    session.commit()


def sign_in_live(
    *,
    expires_at: dt.datetime,
    last_used: dt.datetime,
    active: bool,
    role: str,
    now: dt.datetime,
) -> bool:
    """Whether a sign-in still holds: not past its lifetime, its account active, and not unused
    for the idle time (a service token excepted: a front end calls when applicants do)."""
    if now >= expires_at or not active:
        return False
    idle = dt.timedelta(minutes=settings().session_idle_minutes)
    return role == Role.intake or now - last_used < idle


# A sign-in's use is written at most this often: not every page's read takes the write lock,
# and the idle time is counted in minutes.
_NOTED_EVERY = dt.timedelta(minutes=1)


def use_to_note(held: AccountSession, now: dt.datetime) -> bool:
    return now - (held.last_seen_at or held.created_at) >= _NOTED_EVERY


def note_use(session: Session, held: AccountSession, now: dt.datetime) -> None:
    """Records that the sign-in was used now (its idle time starts again)."""
    session.execute(
        update(AccountSession).where(col(AccountSession.id) == held.id).values(last_seen_at=now)
    )


def sign_out(session: Session, token: str) -> None:
    found = _session_of(session, token)
    if found is not None:
        session.delete(found)


def end_sessions(session: Session, account_id: int, keep: str | None = None) -> None:
    """Signs the account out everywhere, but for the session of ``keep`` (the token of the
    request that changed the password, so its owner stays signed in)."""
    stmt = delete(AccountSession).where(col(AccountSession.account_id) == account_id)
    if keep is not None:
        stmt = stmt.where(col(AccountSession.token_hash) != _token_hash(keep))
    session.execute(stmt)


def change_password(
    session: Session, account: Account, old: str, new: str, now: dt.datetime, token: str | None
) -> None:
    """The owner's change: the current password proves it is the owner (a session left open
    is not enough); every other sign-in ends."""
    assert account.id is not None
    if account.role == Role.intake:
        raise Refused("申报接口账号没有密码，请由省级系统管理员更换其令牌", "bad_role")
    attempt = _reserve_attempt(session, account.username, now)
    session.refresh(account)
    if attempt is None:
        until = account.locked_until
        when = f"至 {beijing_text(until)}" if until is not None and now < until else ""
        raise Refused(f"连续输错密码次数过多，已暂停{when}，请稍后再试", "locked")
    if not password_matches(old, account.password_hash):
        _count_failure(session, account, attempt, now)
        raise Refused("原密码不正确", "bad_credentials")
    if problem := password_problem(new, account.username):
        raise Refused(problem, "weak_password")
    if new == old:
        raise Refused("新密码不能与原密码相同", "weak_password")
    account.password_hash = hash_password(new)
    account.must_change_password = False
    account.failed_logins, account.locked_until = 0, None
    session.add(account)
    end_sessions(session, account.id, keep=token)


def managed_account(session: Session, by: Account, username: str) -> Account:
    """An account ``by`` may reset, deactivate or give a new token: the same top-down rule as
    creating it. Unknown and not-yours get the same words (``NotManaged``)."""
    target = find_account(session, username.strip())
    creator_org = session.get(Organisation, by.organisation_id) if by.organisation_id else None
    why: str | None = "not yours"
    if target is not None and target.id != by.id:
        target_org = (
            session.get(Organisation, target.organisation_id) if target.organisation_id else None
        )
        committee = session.get(Committee, target.committee_id) if target.committee_id else None
        why = creation_refusal(by, creator_org, target_org, committee, Role(target.role))
    if target is None or why is not None:
        raise NotManaged(
            f"没有用户名为 {username} 的账号，或该账号不由您管理（账号由其上级系统管理员管理）"
        )
    return target


def reset_password(session: Session, by: Account, username: str) -> tuple[Account, str]:
    """A new generated password, handed over once and changed at the next sign-in; the
    account's sessions end (whoever held the old password is out)."""
    from models.imports.accounts import generated_password

    target = managed_account(session, by, username)
    assert target.id is not None
    if target.role == Role.intake:
        raise Refused("申报接口账号没有密码：请更换其令牌", "bad_role")
    password = generated_password()
    set_password(session, target, password, must_change=True)
    return target, password


def set_password(session: Session, account: Account, password: str, *, must_change: bool) -> None:
    """A password set by someone other than its owner (a reset, the demo's rerun): whoever
    held the old one is signed out everywhere, and a pause for wrong guesses ends."""
    assert account.id is not None
    account.password_hash = hash_password(password)
    account.must_change_password = must_change
    account.failed_logins, account.locked_until = 0, None
    session.add(account)
    end_sessions(session, account.id)


def set_active(session: Session, by: Account, username: str, active: bool) -> Account:
    """Deactivating ends every session and refuses every sign-in; reactivating lets the
    account sign in again with its password."""
    target = managed_account(session, by, username)
    assert target.id is not None
    target.active = active
    session.add(target)
    if not active:
        end_sessions(session, target.id)
    return target


def rotate_token(session: Session, by: Account, username: str, now: dt.datetime) -> SignedIn:
    """A service account's new token; the old one stops working at once."""
    target = managed_account(session, by, username)
    assert target.id is not None
    if target.role != Role.intake:
        raise Refused("只有申报接口账号使用令牌；其他账号用密码登录", "bad_role")
    if not target.active:
        raise Refused(f"账号 {username} 已停用：请先启用", "not_allowed")
    end_sessions(session, target.id)
    return _new_session(session, target, now, dt.timedelta(days=SERVICE_TOKEN_DAYS))


def revoke_tokens(session: Session, by: Account, username: str) -> Account:
    """Ends every token of a service account (it stays, and a new token can be issued)."""
    target = managed_account(session, by, username)
    assert target.id is not None
    if target.role != Role.intake:
        raise Refused("只有申报接口账号使用令牌；其他账号可重置密码或停用", "bad_role")
    end_sessions(session, target.id)
    return target
