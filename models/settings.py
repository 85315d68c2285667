"""One settings object, read from the environment (ZHICHENG_*)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from calendars.workdays import WorkdayCalendar, calendar_for


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHICHENG_", extra="ignore")

    home: Path = Path.home() / ".zhicheng"
    database_url: str | None = None
    signing_key: str | None = None
    # Where messages go (default: channels.yaml in home) and urgent calendar adjustments
    # (default: calendar-overrides.yaml in home, if present).
    channels: Path | None = None
    calendar_overrides: Path | None = None
    # Security settings of the dashboard, not policy: an office may tighten them.
    session_hours: float = 8.0
    password_min_length: int = 8
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    # Across accounts: more than this many failed sign-ins from one client address within the
    # window make the address wait (HTTP 429) for the block, whatever usernames it tried.
    login_client_max_failures: int = 20
    login_client_window_minutes: int = 10
    login_client_block_minutes: int = 15
    # A sign-in unused this long ends, however young (beside the absolute session_hours);
    # cookies marked Secure for a dashboard served over TLS (behind a proxy that terminates it).
    session_idle_minutes: int = 30
    cookie_secure: bool = False
    # The host names the dashboard answers to, comma-separated (any other Host header gets a
    # 400: against DNS rebinding); the API's documentation (behind sign-in) can be switched off.
    allowed_hosts: str = "127.0.0.1,localhost"
    api_docs: bool = True
    # The most applicants `zhicheng simulate` accepts: a run keeps them all in memory, and
    # 100,000 (a province's year several times over) takes hours. A resource bound, not policy.
    simulation_max_applicants: int = 100_000
    # The most rows one import file may hold (the benchmarks import 100,000 in seconds); a
    # larger file is refused before it is checked, so it cannot hold the machine for minutes.
    import_max_rows: int = 200_000

    @field_validator("channels", "calendar_overrides", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'zhicheng.db'}"

    @property
    def channels_file(self) -> Path:
        return (self.channels or self.home / "channels.yaml").expanduser()


@lru_cache
def settings() -> Settings:
    return Settings()


def workday_calendar() -> WorkdayCalendar:
    """The working-day calendar of this installation (its home and overrides)."""
    current = settings()
    overrides = current.calendar_overrides.expanduser() if current.calendar_overrides else None
    return calendar_for(current.home.expanduser(), overrides)
