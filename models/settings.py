"""One settings object, read from the environment (ZHICHENG_*)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHICHENG_", extra="ignore")

    home: Path = Path.home() / ".zhicheng"
    database_url: str | None = None
    signing_key: str | None = None
    # Security settings of the dashboard, not policy: an office may tighten them.
    session_hours: float = 8.0
    password_min_length: int = 8
    login_max_failures: int = 5
    login_lock_minutes: int = 15

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'zhicheng.db'}"


@lru_cache
def settings() -> Settings:
    return Settings()
