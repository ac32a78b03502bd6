"""The audit export (issue 14 §3): an account's trail as JSON Lines, verified offline by
``jointplan audit verify --file``. The vendor side gets the whole chain with its own hashes; a
client gets only the shared events, chained afresh, so nothing tells how many internal events
there are or when. One byte changed anywhere in an event fails verification; with a signing
key the head is signed, so a list rewritten and rehashed fails with the public key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, col, select

from app import cli
from app.audit import export
from app.audit import service as audit
from app.audit.chain import GENESIS, canonical_json, chain_for, fields_hash
from app.audit.service import Anchor
from app.config import Settings
from app.models import AuditChainHead, AuditEvent, Visibility, utcnow
from tests.conftest import (
    CSRF,
    RollbackDatabase,
    default_settings,
    send_session_csrf,
    unreachable_url,
)
from tests.factories import World, sign_in
from tests.testclient import TestClient

SECRET = "zq-internal-export"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "signing.pem"
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No signing key (a path that does not exist): exports are not signed."""
    return default_settings().model_copy(update={"audit_signing_key": str(tmp_path / "no-key.pem")})


def plant(session: Session, world: World) -> None:
    """Shared and internal events interleaved in the account's chain."""
    for i in range(3):
        for visibility in (Visibility.SHARED, Visibility.INTERNAL):
            secret = visibility == Visibility.INTERNAL
            audit.record(
                session,
                actor=world.admin,
                verb=f"{SECRET}.verb" if secret else "thing.changed",
                item_type="thing",
                item_id=f"{SECRET}-{i}" if secret else f"shared-{i}",
                account_id=world.account.id,
                changes={"title": [f"{SECRET} {i}" if secret else f"old {i}", f"new {i} ünï"]},
                visibility=visibility,
            )
    session.commit()


def download(client: TestClient, world: World) -> str:
    response = client.get(f"/accounts/{world.account.id}/audit/export.jsonl")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jsonl; charset=utf-8"
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="own-account-audit-'
    )
    return response.content.decode("utf-8")


def cli_verify(path: Path, *extra: str) -> int:
    return cli.main(["audit", "verify", "--file", str(path), *extra])


def test_the_vendor_side_exports_the_whole_chain_with_its_own_hashes(
    client: TestClient, session: Session, world: World
) -> None:
    plant(session, world)
    sign_in(client, session, world.members["lead"])
    text = download(client, world)
    *events, last = [json.loads(line) for line in text.splitlines()]
    chain = session.exec(
        select(AuditEvent)
        .where(AuditEvent.chain == chain_for(world.account.id))
        .order_by(col(AuditEvent.seq))
    ).all()
    assert [(e["event"]["seq"], e["hash"]) for e in events] == [(e.seq, e.hash) for e in chain]
    head = session.get(AuditChainHead, chain_for(world.account.id))
    assert head is not None
    assert (last["head"]["seq"], last["head"]["hash"]) == (head.seq, head.hash)
    assert last["head"]["kind"] == "full"
    assert "signature" not in last
    verified = export.verify(text)
    assert (verified.kind, verified.events) == ("full", len(chain))
    assert SECRET in text  # the vendor side reads its internal events
    assert (
        f'href="/accounts/{world.account.id}/audit/export.jsonl"'
        in client.get(f"/accounts/{world.account.id}/audit").text
    )


def test_a_client_export_holds_the_shared_events_chained_afresh(
    client: TestClient, session: Session, world: World
) -> None:
    plant(session, world)
    sign_in(client, session, world.members["viewer"])
    text = download(client, world)
    assert SECRET not in text
    *events, last = [json.loads(line) for line in text.splitlines()]
    shared = session.exec(
        select(AuditEvent)
        .where(AuditEvent.chain == chain_for(world.account.id))
        .where(AuditEvent.visibility == Visibility.SHARED)
        .order_by(col(AuditEvent.seq))
    ).all()
    assert [e["event"]["item_id"] for e in events] == [e.item_id for e in shared]
    # Numbered 1, 2, 3, ... in a chain of the file's own: no sequence number nor hash of the
    # account's chain, which would count the internal events between them.
    assert [e["event"]["seq"] for e in events] == list(range(1, len(shared) + 1))
    assert {e["event"]["chain"] for e in events} == {f"account:{world.account.id}/shared"}
    assert not {e["hash"] for e in events} & {e.hash for e in shared}
    assert events[0]["prev_hash"] == GENESIS
    assert last["head"]["kind"] == "shared"
    assert export.verify(text).events == len(shared)


def test_every_changed_byte_of_an_event_fails_and_the_cli_names_the_line(
    client: TestClient,
    session: Session,
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plant(session, world)
    sign_in(client, session, world.members["sponsor"])
    text = download(client, world)
    lines = text.splitlines(keepends=True)
    # Offline: the command never reaches for the database (this one does not answer).
    monkeypatch.setenv("JP_DATABASE_URL", unreachable_url(tmp_path))
    good = tmp_path / "export.jsonl"
    good.write_text(text, encoding="utf-8")
    assert cli_verify(good) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ok      {good}: {len(lines) - 1} events")
    assert "not signed" in out

    # One character of a field: the CLI says BROKEN, names the line, exits 1.
    at = next(i for i, line in enumerate(lines) if '"new 0 ' in line)
    changed = lines[at].replace('"new 0 ', '"new 9 ')
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join([*lines[:at], changed, *lines[at + 1 :]]), encoding="utf-8")
    assert cli_verify(bad) == 1
    assert capsys.readouterr().out.startswith(
        f"BROKEN  {bad} line {at + 1}: its content was changed after it was exported"
    )

    # Any byte of an event line, changed to any other: never verifies.
    line = lines[2]
    for at, byte in enumerate(line):
        for other in {"0", "a", " ", "\n", '"'} - {byte}:
            tampered = "".join([*lines[:2], line[:at] + other + line[at + 1 :], *lines[3:]])
            with pytest.raises(export.ExportBroken):
                export.verify(tampered)
    # Nor a line removed, two swapped, or the file cut short.
    for tampered in (
        "".join([lines[0], *lines[2:]]),
        "".join([lines[1], lines[0], *lines[2:]]),
        "".join(lines[:-1]),
        text[:-1],
    ):
        with pytest.raises(export.ExportBroken):
            export.verify(tampered)


@pytest.fixture
def app_signed(db: RollbackDatabase, key_file: Path) -> Iterator[TestClient]:
    """A client of the app of a deployment with a signing key."""
    from app.main import create_app

    signed = default_settings().model_copy(update={"audit_signing_key": str(key_file)})
    app = create_app(signed, db, run_mailer=False)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        client.cookies.set("jp_csrf", CSRF)
        send_session_csrf(client, signed)
        yield client


def test_a_signed_export_proves_what_the_server_attested(
    app_signed: TestClient,
    session: Session,
    world: World,
    tmp_path: Path,
    key_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plant(session, world)
    sign_in(app_signed, session, world.members["member"])
    text = download(app_signed, world)
    public = tmp_path / "public.pem"
    public.write_bytes(
        Ed25519PrivateKey.from_private_bytes(b"\0" * 32)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    ours = tmp_path / "ours.pem"
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    ours.write_bytes(
        key.public_key().public_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    monkeypatch.setenv("JP_DATABASE_URL", unreachable_url(tmp_path))
    path = tmp_path / "export.jsonl"
    path.write_text(text, encoding="utf-8")
    assert cli_verify(path, "--public-key", str(ours)) == 0
    assert "signature good" in capsys.readouterr().out
    assert cli_verify(path, "--public-key", str(public)) == 1
    assert "not with key" in capsys.readouterr().out

    # Someone drops an event and recomputes every hash and the head: a consistent file, which
    # only the signature shows is not what the server attested.
    *events, last = [json.loads(line) for line in text.splitlines()]
    kept, prev = [], GENESIS
    for seq, line in enumerate(events[1:], start=1):
        fields = line["event"] | {"seq": seq}
        kept.append({"event": fields, "prev_hash": prev, "hash": fields_hash(prev, fields)})
        prev = kept[-1]["hash"]
    last["head"] |= {"seq": len(kept), "hash": prev}
    forged = "".join(canonical_json(x) + "\n" for x in [*kept, last])
    assert export.verify(forged).events == len(events) - 1  # consistent on its own
    path.write_text(forged, encoding="utf-8")
    assert cli_verify(path, "--public-key", str(ours)) == 1
    assert "bad signature" in capsys.readouterr().out


def test_a_full_export_is_held_against_a_checkpoint_anchor(
    client: TestClient, session: Session, world: World
) -> None:
    plant(session, world)
    sign_in(client, session, world.members["team"])
    verified = export.verify(download(client, world))
    export.check_anchor(verified, Anchor(2, verified.hashes[2]))
    with pytest.raises(export.ExportBroken, match="differs from the signed checkpoint"):
        export.check_anchor(verified, Anchor(2, "f" * 64))
    with pytest.raises(export.ExportBroken, match="the file ends at"):
        export.check_anchor(verified, Anchor(verified.events + 1, "f" * 64))


@pytest.mark.parametrize("reader", ["lead", "viewer"])
def test_the_export_streams_a_batch_at_a_time_and_still_verifies(
    client: TestClient,
    session: Session,
    world: World,
    db: RollbackDatabase,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    reader: str,
) -> None:
    plant(session, world)
    plant(session, world)  # 12 events and more: several batches of 5
    monkeypatch.setattr(export, "BATCH", 5)
    side = [Visibility.SHARED, Visibility.INTERNAL] if reader == "lead" else [Visibility.SHARED]
    chunks = list(
        export.lines(
            db,
            account_id=world.account.id,  # type: ignore[arg-type]
            visibilities=side,
            exported_at=utcnow(),
            key=None,
        )
    )
    events = sum(chunk.count("\n") for chunk in chunks[:-1])
    if reader == "lead":  # every event of a batch is a line
        assert len(chunks) - 1 == -(-events // 5)
    else:  # the shared ones of each batch
        assert len(chunks) - 1 >= 2
    assert all(chunk.count("\n") <= 5 for chunk in chunks)
    assert export.verify("".join(chunks)).events == events

    sign_in(client, session, world.members[reader])
    text = download(client, world)
    path = tmp_path / "export.jsonl"
    path.write_text(text, encoding="utf-8")
    assert cli_verify(path) == 0
