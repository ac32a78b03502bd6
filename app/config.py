"""Settings, read from environment variables (prefix ``JP_``) and an optional ``.env`` file."""

from __future__ import annotations

import json
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DATA_DIR = Path("data")


class OidcProvider(BaseModel):
    """One OpenID Connect provider people may sign in with."""

    key: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    name: str
    issuer: str
    client_id: str
    client_secret: str = ""
    # Where discovery lives; defaults to the issuer's well-known document.
    metadata_url: str = ""

    @property
    def discovery_url(self) -> str:
        return self.metadata_url or self.issuer.rstrip("/") + "/.well-known/openid-configuration"


class ConfigError(RuntimeError):
    """Settings the app cannot run with; the message is one line naming them."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JP_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = ""
    secret_key: str = ""
    # A file holding the Ed25519 private key that signs audit checkpoints (PEM, PKCS#8): kept
    # off the database so that whoever can edit the database cannot forge a checkpoint.
    audit_signing_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    # The development mailbox (/dev/mailbox): off unless turned on, and only ever in development.
    dev_mailbox: bool = False

    # ``jointplan serve`` (each also a command-line flag).
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=2, ge=1)
    # Addresses (or networks) whose X-Forwarded-For / -Proto headers are believed; "" for none.
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # How long a starting worker may take to answer the supervisor before it is replaced.
    worker_healthcheck_seconds: int = Field(default=60, ge=1)
    # On SIGTERM, requests in flight get this long to finish before they are cancelled.
    graceful_shutdown_seconds: int = Field(default=30, ge=0)
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "Jointplan <no-reply@jointplan.localhost>"
    # Seconds between retries grow from this base; a message is given up after max attempts.
    mail_retry_base_seconds: float = 30
    mail_max_attempts: int = 6
    # Once SMTP answers again, mail given up within this many days is sent again by itself.
    mail_requeue_days: int = 3
    # While mail is given up, how often the dispatcher asks the SMTP server whether it answers
    # again (a connection and NOOP, no message), so the given-up mail goes out by itself.
    mail_probe_seconds: float = 60

    # How often each instance's scheduler looks for due reminders and digests (0: never; each
    # job still runs once across instances). Seconds.
    scheduler_seconds: float = Field(default=60, ge=0)
    # Live updates (``app.live``): a comment line on every open event stream this often, when
    # each stream also checks its session and access again; how many streams one instance
    # holds open (beyond: 503 with Retry-After); how long events are kept for pages that
    # reconnect (older: the page is told to reload its sections).
    live_heartbeat_seconds: float = Field(default=15, gt=0)
    live_max_streams: int = Field(default=5000, ge=0)
    live_keep_hours: float = Field(default=24, gt=0)
    # A stream ends after this long and the browser reconnects, resuming with Last-Event-ID
    # (so that no stream outlives a proxy's timeout or keeps an instance busy forever).
    live_stream_seconds: float = Field(default=900, ge=0)

    # Attachments (``app.attachments``): the largest file taken (refused while it streams in),
    # and where the bytes go: a local directory (default ``data/attachments``) or an
    # S3-compatible object store (``attachments_storage="s3"`` with its endpoint, bucket, keys).
    attachments_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    attachments_storage: Literal["local", "s3"] = "local"
    attachments_dir: str = ""
    attachments_s3_endpoint: str = ""
    attachments_s3_bucket: str = ""
    attachments_s3_access_key: str = ""
    attachments_s3_secret_key: str = ""
    attachments_s3_region: str = "us-east-1"
    # Webhooks (``app.webhooks``): ``http://`` to this machine allowed too (tests, development;
    # never to other private addresses), how long one delivery may take, how long it is kept.
    webhook_allow_local: bool = False
    webhook_timeout_seconds: float = Field(default=10, gt=0)
    # How long the delivery log keeps a delivery that was sent or given up (``app.purge``).
    webhook_retention_days: int = Field(default=30, ge=1)

    oidc_providers: list[OidcProvider] = Field(default_factory=list)

    session_idle_minutes: int = 120
    session_absolute_hours: int = 24 * 7
    invitation_days: int = 7
    password_reset_minutes: int = 60

    login_window_minutes: int = 15
    login_max_failures_per_email: int = 5
    login_max_failures_per_address: int = 20
    # The JSON API: requests per minute per token, shared by every instance (beyond: 429).
    api_requests_per_minute: int = Field(default=600, ge=1)
    # How long each request made with a token stays in its use log on /me (the scheduler
    # forgets older ones). Days.
    api_token_use_days: int = Field(default=90, ge=1)

    @field_validator("oidc_providers", mode="before")
    @classmethod
    def _parse_providers(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else []
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        DATA_DIR.mkdir(exist_ok=True)
        return f"sqlite:///{DATA_DIR / 'jointplan.sqlite3'}"

    @property
    def resolved_attachments_dir(self) -> Path:
        return Path(self.attachments_dir) if self.attachments_dir else DATA_DIR / "attachments"

    @cached_property
    def resolved_secret_key(self) -> str:
        """The signing key; in development one is generated on first run and kept in data/."""
        if self.secret_key:
            return self.secret_key
        if self.environment == "production":
            raise RuntimeError("JP_SECRET_KEY must be set in production")
        DATA_DIR.mkdir(exist_ok=True)
        key_file = DATA_DIR / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()

    @cached_property
    def resolved_audit_signing_key(self) -> Path:
        """Where the checkpoint signing key is; in development one is generated there on first
        use (see ``app.audit.checkpoint``), in production it must be configured."""
        if self.audit_signing_key:
            return Path(self.audit_signing_key)
        if self.environment == "production":
            raise RuntimeError("JP_AUDIT_SIGNING_KEY must be set in production")
        return DATA_DIR / "audit_signing_key.pem"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def dev_mailbox_enabled(self) -> bool:
        """Only when turned on (``JP_DEV_MAILBOX=1``), in development, without SMTP, sent mail is
        kept on a page for workspace admins at the machine itself (``app.mail.routes``)."""
        return self.dev_mailbox and self.environment == "development" and not self.smtp_host

    def production_problems(self) -> list[str]:
        """The settings production cannot run without (empty outside production)."""
        if self.environment != "production":
            return []
        missing = [
            f"JP_{name.upper()}"
            for name in ("secret_key", "base_url", "smtp_host", "mail_from")
            if not (name in self.model_fields_set and getattr(self, name))
        ]
        problems = [f"missing {', '.join(missing)}"] if missing else []
        if self.dev_mailbox:
            problems.append("JP_DEV_MAILBOX is for development only")
        return problems

    def check_production(self) -> None:
        """Refuse to run in production rather than lose or show mail, or sign with no key."""
        problems = self.production_problems()
        if problems:
            raise ConfigError(
                f"Jointplan cannot start in production: {'; '.join(problems)} "
                "(see the README, section Serving in production)."
            )

    def provider(self, key: str) -> OidcProvider | None:
        return next((p for p in self.oidc_providers if p.key == key), None)
