"""Signed checkpoints: an anchor for the audit chains outside the database.

The hash chains catch any edit inside a chain, but someone who can write to the database can
cut a chain's newest events and rewind its head row, or rewrite an event and recompute every
hash after it: the chain is then consistent again. A checkpoint records every chain's last
(seq, hash) at a moment and is signed with an Ed25519 key kept in a file, not in the database.
Kept elsewhere (a file, the admins' mailboxes), it proves later that each chain still holds
that event with that hash, hence everything before it unchanged.

Ed25519 rather than an HMAC: verifying needs only the public key, so an auditor (or an admin
with the mailed checkpoint) can check a database without holding anything that could sign.

The file is JSON; the signature covers the canonical JSON (sorted keys, no whitespace) of every
field but ``signature``, so re-indenting the file does not matter and any other change does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlmodel import Session

from app.audit import repository
from app.audit.chain import GLOBAL_CHAIN, chain_for
from app.audit.service import Anchor, ChainReport
from app.config import Settings
from app.mail import outbox

FORMAT = "jointplan-audit-checkpoint/1"
_HASH = re.compile(r"^[0-9a-f]{64}$")


class CheckpointError(Exception):
    """The checkpoint (or its key) cannot be used; nothing about the database was concluded."""


class BadSignature(CheckpointError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    created_at: str
    key_id: str
    anchors: dict[str, Anchor]
    workspace_id: int | None = None


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The configured key; in development, generated on first use (mode 0600)."""
    try:
        path = settings.resolved_audit_signing_key
    except RuntimeError as exc:
        raise CheckpointError(str(exc)) from exc
    if not path.exists():
        if settings.audit_signing_key:
            raise CheckpointError(
                f"JP_AUDIT_SIGNING_KEY names {path}, which does not exist "
                "(make one with: openssl genpkey -algorithm ed25519 -out FILE)"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
    key = _load_key(path)
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 private key")
    return key


def existing_signing_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The signing key when the deployment has one (configured, or made in development by an
    earlier checkpoint), else None: signing an export never makes a key."""
    try:
        if not settings.resolved_audit_signing_key.exists():
            return None
        return signing_key(settings)
    except (RuntimeError, CheckpointError):
        return None


def verifying_key(settings: Settings, public_key_file: str | None = None) -> Ed25519PublicKey:
    """The public key to check a checkpoint with: the given file's (a public or private key),
    else the configured signing key's."""
    if public_key_file is None:
        return signing_key(settings).public_key()
    key = _load_key(Path(public_key_file))
    if isinstance(key, Ed25519PrivateKey):
        return key.public_key()
    if isinstance(key, Ed25519PublicKey):
        return key
    raise CheckpointError(f"{public_key_file} is not an Ed25519 key")


def _load_key(path: Path) -> object:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"cannot read the key {path}: {exc.strerror}") from exc
    try:
        if b"PUBLIC KEY" in data:
            return serialization.load_pem_public_key(data)
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{path} is not a PEM key without a passphrase") from exc


def _canonical(document: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def create(
    reports: list[ChainReport],
    *,
    key: Ed25519PrivateKey,
    created_at: datetime,
    workspace_id: int | None = None,
) -> str:
    """The signed checkpoint of these (verified) chains, as the text of its file."""
    assert all(r.ok for r in reports), "only a verified state is signed"
    document: dict[str, Any] = {
        "format": FORMAT,
        "created_at": created_at.isoformat(timespec="seconds"),
        "key_id": key_id(key.public_key()),
        "chains": [{"chain": r.chain, "seq": r.checked, "hash": r.last_hash} for r in reports],
    }
    if workspace_id is not None:
        document["workspace_id"] = workspace_id
    document["signature"] = base64.b64encode(key.sign(_canonical(document))).decode()
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def read(text: str, public_key: Ed25519PublicKey) -> Checkpoint:
    """Parse a checkpoint and check its signature; ``CheckpointError`` if it cannot be used."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise CheckpointError(f"not a Jointplan audit checkpoint (not JSON: {exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CheckpointError(f"not a Jointplan audit checkpoint (format is not {FORMAT!r})")
    signature, signer = document.get("signature"), document.get("key_id")
    if not isinstance(signature, str) or not isinstance(signer, str):
        raise CheckpointError("the checkpoint has no signature")
    ours = key_id(public_key)
    if signer != ours:
        raise BadSignature(f"the checkpoint was signed with key {signer}, not with key {ours}")
    try:
        public_key.verify(base64.b64decode(signature, validate=True), _canonical(document))
    except (InvalidSignature, binascii.Error) as exc:
        raise BadSignature("bad signature: the checkpoint was changed after it was signed") from exc
    return _parse(document)


def _parse(document: dict[str, Any]) -> Checkpoint:
    """The fields of a checkpoint whose signature holds (so only our own writer's mistakes, or
    a checkpoint of another version, can fail here)."""
    created_at, chains = document.get("created_at"), document.get("chains")
    workspace_id = document.get("workspace_id")
    if not isinstance(created_at, str) or not isinstance(chains, list):
        raise CheckpointError("the checkpoint has no time or no chains")
    anchors: dict[str, Anchor] = {}
    for entry in chains:
        chain = entry.get("chain") if isinstance(entry, dict) else None
        seq = entry.get("seq") if isinstance(entry, dict) else None
        digest = entry.get("hash") if isinstance(entry, dict) else None
        if (
            not isinstance(chain, str)
            or not isinstance(seq, int)
            or isinstance(seq, bool)
            or seq < 0
            or not isinstance(digest, str)
            or not _HASH.match(digest)
            or chain in anchors
        ):
            raise CheckpointError(f"the checkpoint has an unreadable chain entry: {entry!r}")
        anchors[chain] = Anchor(seq, digest)
    if workspace_id is not None and not isinstance(workspace_id, int):
        raise CheckpointError("the checkpoint's workspace is not a number")
    return Checkpoint(created_at, document["key_id"], anchors, workspace_id)


def email_admins(
    session: Session,
    reports: list[ChainReport],
    *,
    key: Ed25519PrivateKey,
    created_at: datetime,
    base_url: str,
) -> int:
    """Queue to every workspace admin a checkpoint of the global chain and of their own
    workspace's accounts (never another workspace's), signed on its own. Returns how many
    messages were queued."""
    by_chain = {r.chain: r for r in reports}
    accounts = repository.accounts_by_workspace(session)
    public = key.public_key()
    queued = 0
    texts: dict[int, str] = {}
    for admin in repository.workspace_admins(session):
        workspace_id = admin.workspace_id
        assert workspace_id is not None
        if workspace_id not in texts:
            chains = [GLOBAL_CHAIN] + [chain_for(a) for a in accounts.get(workspace_id, [])]
            texts[workspace_id] = create(
                [by_chain[c] for c in chains if c in by_chain],
                key=key,
                created_at=created_at,
                workspace_id=workspace_id,
            )
        stamp = created_at.isoformat(timespec="seconds")
        outbox.enqueue(
            session,
            to=admin.email,
            workspace_id=workspace_id,  # a failed delivery shows on that workspace's mail page
            subject=f"Jointplan audit checkpoint of {stamp}",
            body=_MAIL.format(
                stamp=stamp,
                base_url=base_url,
                key_id=key_id(public),
                public_pem=public_pem(public),
                checkpoint=texts[workspace_id],
            ),
        )
        queued += 1
    return queued


_MAIL = """\
This is a signed checkpoint of the audit trail of your workspace's accounts at {base_url}, \
as it stood at {stamp}.

Keep this e-mail. Whoever can edit the database cannot forge it: later, saved as a file, it \
proves that no audit event recorded up to {stamp} was changed or removed since:

    jointplan audit verify --checkpoint checkpoint.json

It was signed with key {key_id}. To check it without the server's private key, save this \
public key as a file and add --public-key FILE:

{public_pem}
Save the lines between the two markers as checkpoint.json:

----- begin checkpoint -----
{checkpoint}----- end checkpoint -----
"""
