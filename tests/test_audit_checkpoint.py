"""Signed checkpoints anchor the audit chains outside the database: a tail cut with the head row
rewound, or an old event rewritten with every later hash recomputed, leaves each chain
consistent on its own, and only the checkpoint shows it."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, col, select

from app import cli
from app.audit import service as audit
from app.audit.chain import chain_for, link_hash
from app.config import Settings
from app.db import Database
from app.mail.dispatcher import MailDispatcher
from app.models import AuditChainHead, AuditEvent
from tests import factories
from tests.conftest import drop_engine, fresh_engine
from tests.live import Mailbox


def _write_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return key


@pytest.fixture
def committed_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A database of its own whose changes commit, and the CLI pointed at it with its key."""
    engine = fresh_engine(tmp_path, name="audit_checkpoint")
    key_file = tmp_path / "audit_signing_key.pem"
    _write_key(key_file)
    monkeypatch.setenv("JP_ENVIRONMENT", "production")
    monkeypatch.setenv("JP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("JP_AUDIT_SIGNING_KEY", str(key_file))
    try:
        yield Database(engine)
    finally:
        drop_engine(engine)


def _chain(session: Session, account_id: int) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.chain == chain_for(account_id))
            .order_by(col(AuditEvent.seq))
        )
    )


def _setup(db: Database, events: int = 8) -> int:
    with db.session() as session:
        account = factories.make_account_with_events(session, events)
        session.commit()
        assert account.id is not None
        return account.id


def _checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "checkpoint.json"
    assert cli.main(["audit", "checkpoint", "--output", str(path)]) == 0
    assert "written to" in capsys.readouterr().out
    return path


def _rehash_from(session: Session, events: list[AuditEvent], start: int) -> None:
    """Recompute every link from ``events[start]`` on and the head row: the chain verifies."""
    prev = events[start - 1].hash if start else "0" * 64
    for event in events[start:]:
        event.prev_hash = prev
        event.hash = link_hash(prev, event)
        prev = event.hash
        session.add(event)
    head = session.get(AuditChainHead, events[0].chain)
    assert head is not None
    head.seq, head.hash = events[-1].seq, prev
    session.add(head)


def test_a_cut_tail_with_the_head_rewound_is_caught_only_by_the_checkpoint(
    committed_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account_id = _setup(committed_db)
    checkpoint = _checkpoint(tmp_path, capsys)
    with committed_db.session() as session:
        events = _chain(session, account_id)
        last = events[-1].seq
        for event in events[-3:]:
            session.delete(event)
        _rehash_from(session, events[:-3], len(events) - 3)
        session.commit()

    assert cli.main(["audit", "verify"]) == 0, "the cut chain is consistent on its own"
    capsys.readouterr()

    assert cli.main(["audit", "verify", "--checkpoint", str(checkpoint)]) == 1
    out = capsys.readouterr().out
    assert "signature good" in out
    assert (
        f"BROKEN  account:{account_id}: the signed checkpoint holds event #{last} but the "
        f"chain ends at #{last - 3}: events were removed and the head row rewound"
    ) in out


def test_a_rewritten_event_before_the_checkpoint_is_caught(
    committed_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account_id = _setup(committed_db)
    checkpoint = _checkpoint(tmp_path, capsys)
    with committed_db.session() as session:
        # A new event after the checkpoint is fine...
        anchored_seq = len(_chain(session, account_id))
        audit.record(
            session, actor=None, verb="test.later", item_type="thing", account_id=account_id
        )
        session.commit()
    assert cli.main(["audit", "verify", "--checkpoint", str(checkpoint)]) == 0
    assert (
        f"ok      account:{account_id}: {anchored_seq + 1} events, "
        f"the checkpoint's #{anchored_seq} holds"
    ) in capsys.readouterr().out
    with committed_db.session() as session:
        # ...a forged old one is not, even with every hash after it recomputed.
        events = _chain(session, account_id)
        events[3].changes = {"title": ["old 2", "forged"]}
        _rehash_from(session, events, 3)
        session.commit()
        anchored = events[anchored_seq - 1]

    assert cli.main(["audit", "verify"]) == 0
    capsys.readouterr()
    assert cli.main(["audit", "verify", "--checkpoint", str(checkpoint)]) == 1
    out = capsys.readouterr().out
    assert (
        f"BROKEN  account:{account_id} at event id {anchored.id} (#{anchored_seq}): it differs from the signed "
        "checkpoint: the chain was rewritten at or before this event"
    ) in out
    assert (
        cli.main(["audit", "verify", "--account", str(account_id), "--checkpoint", str(checkpoint)])
        == 1
    )


def test_a_checkpoint_edited_by_hand_is_refused(
    committed_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account_id = _setup(committed_db)
    checkpoint = _checkpoint(tmp_path, capsys)
    document = json.loads(checkpoint.read_text())
    entry = next(c for c in document["chains"] if c["chain"] == chain_for(account_id))
    entry["seq"] -= 3  # to make a cut tail look expected
    checkpoint.write_text(json.dumps(document, indent=2))

    assert cli.main(["audit", "verify", "--checkpoint", str(checkpoint)]) == 2
    captured = capsys.readouterr()
    assert "BAD SIGNATURE" in captured.err
    assert "changed after it was signed" in captured.err
    assert "ok " not in captured.out


def test_a_checkpoint_of_another_key_or_not_a_checkpoint_is_refused(
    committed_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _setup(committed_db)
    checkpoint = _checkpoint(tmp_path, capsys)
    other = tmp_path / "other.pem"
    _write_key(other)
    assert (
        cli.main(["audit", "verify", "--checkpoint", str(checkpoint), "--public-key", str(other)])
        == 2
    )
    assert "BAD SIGNATURE" in capsys.readouterr().err

    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    assert cli.main(["audit", "verify", "--checkpoint", str(garbage)]) == 2
    assert "not a Jointplan audit checkpoint" in capsys.readouterr().err
    assert cli.main(["audit", "verify", "--checkpoint", str(tmp_path / "missing.json")]) == 2


def test_the_public_key_alone_verifies_a_checkpoint(
    committed_db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _setup(committed_db)
    checkpoint = _checkpoint(tmp_path, capsys)
    private = serialization.load_pem_private_key(
        (tmp_path / "audit_signing_key.pem").read_bytes(), password=None
    )
    public = tmp_path / "public.pem"
    public.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    monkeypatch.setenv("JP_AUDIT_SIGNING_KEY", str(tmp_path / "not-here.pem"))
    assert (
        cli.main(["audit", "verify", "--checkpoint", str(checkpoint), "--public-key", str(public)])
        == 0
    )
    assert "signature good" in capsys.readouterr().out


def test_a_broken_chain_is_not_signed(
    committed_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account_id = _setup(committed_db)
    with committed_db.engine.begin() as conn:
        conn.execute(
            sa.update(AuditEvent)
            .where(col(AuditEvent.chain) == chain_for(account_id))
            .where(col(AuditEvent.seq) == 2)
            .values(verb="forged")
        )
    path = tmp_path / "checkpoint.json"
    assert cli.main(["audit", "checkpoint", "--output", str(path)]) == 1
    captured = capsys.readouterr()
    assert f"BROKEN  account:{account_id}" in captured.out
    assert "Not signed" in captured.err
    assert not path.exists()


def test_production_needs_a_signing_key(
    committed_db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JP_AUDIT_SIGNING_KEY")
    assert cli.main(["audit", "checkpoint"]) == 2
    assert "JP_AUDIT_SIGNING_KEY must be set in production" in capsys.readouterr().err


def test_development_generates_a_private_key_in_data(
    committed_db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _setup(committed_db)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JP_ENVIRONMENT", "development")
    monkeypatch.delenv("JP_AUDIT_SIGNING_KEY")
    assert cli.main(["audit", "checkpoint", "--output", "first.json"]) == 0
    key = tmp_path / "data" / "audit_signing_key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert cli.main(["audit", "checkpoint", "--output", "second.json"]) == 0
    first, second = (json.loads((tmp_path / n).read_text()) for n in ("first.json", "second.json"))
    assert first["key_id"] == second["key_id"], "the generated key is kept"
    capsys.readouterr()
    assert cli.main(["audit", "verify", "--checkpoint", "first.json"]) == 0


def test_each_workspace_admin_is_mailed_their_own_checkpoint(
    committed_db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    mailbox: Mailbox,
) -> None:
    with committed_db.session() as session:
        ours = factories.make_workspace(session)
        admin = factories.make_user(session, workspace=ours, admin=True, password=None)
        account = factories.make_account_with_events(session, 8, admin=admin)
        others = factories.make_account_with_events(session, 8)
        session.commit()
        ids, email = (account.id, others.id), admin.email
    assert cli.main(["audit", "checkpoint", "--email"]) == 0
    assert "queued to 2 workspace admins" in capsys.readouterr().out

    settings = Settings(
        environment="test",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,  # type: ignore[attr-defined]
    )
    MailDispatcher(committed_db, settings).deliver_due()
    message = mailbox.wait_for(email)
    assert message["Subject"].startswith("Jointplan audit checkpoint of ")
    body = Mailbox.body(message).replace("\r\n", "\n")
    found = re.search(r"----- begin checkpoint -----\n(.*)----- end checkpoint -----", body, re.S)
    assert found is not None
    chains = [c["chain"] for c in json.loads(found.group(1))["chains"]]
    assert chains == ["global", chain_for(ids[0])], "never another workspace's accounts"
    saved = tmp_path / "from-mail.json"
    saved.write_text(found.group(1))
    assert cli.main(["audit", "verify", "--checkpoint", str(saved)]) == 0
