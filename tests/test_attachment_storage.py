"""The attachments' blob stores: one suite, run against the local directory and against a real
S3-compatible server (moto's, started here on a free port and spoken to over HTTP by boto3),
and an upload and download through the app configured for S3."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlmodel import Session, select

from app.attachments.storage import BlobStore, LocalStore, S3Store, store_for
from app.config import Settings
from app.models import Attachment
from tests.conftest import CSRF, default_settings
from tests.factories import World, sign_in
from tests.live import free_port
from tests.test_attachments import PDF, add_action, files_path
from tests.testclient import TestClient

BUCKET = "jointplan-files"
KEYS = {"access_key": "testing-key", "secret_key": "testing-secret", "region": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server on a free port, with the bucket made."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=KEYS["access_key"],
            aws_secret_access_key=KEYS["secret_key"],
            region_name=KEYS["region"],
        ).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        server.stop()


@pytest.fixture(params=["local", "s3"])
def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalStore(tmp_path / "blobs")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Store(endpoint=endpoint, bucket=BUCKET, **KEYS)


def _file(tmp_path: Path, data: bytes) -> tuple[str, Path]:
    path = tmp_path / "incoming"
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest(), path


def test_a_blob_is_kept_read_in_chunks_and_removed(blob_store: BlobStore, tmp_path: Path) -> None:
    data = bytes(range(256)) * 1024  # 256 KB: more than one chunk
    digest, path = _file(tmp_path, data)
    assert not blob_store.exists(digest)

    blob_store.put(digest, path)

    assert blob_store.exists(digest)
    chunks = list(blob_store.chunks(digest))
    assert len(chunks) > 1
    assert b"".join(chunks) == data
    blob_store.delete(digest)
    assert not blob_store.exists(digest)
    blob_store.delete(digest)  # removing what is not there is no error


def test_putting_the_same_content_again_keeps_one_blob(
    blob_store: BlobStore, tmp_path: Path
) -> None:
    digest, path = _file(tmp_path, b"the same bytes")
    blob_store.put(digest, path)
    blob_store.put(digest, path)
    assert b"".join(blob_store.chunks(digest)) == b"the same bytes"
    blob_store.delete(digest)


def test_a_blob_name_is_a_sha256_and_nothing_else(blob_store: BlobStore, tmp_path: Path) -> None:
    _digest, path = _file(tmp_path, b"x")
    for name in ("../../etc/passwd", "A" * 64, ""):
        with pytest.raises(ValueError, match="SHA-256"):
            blob_store.put(name, path)


@pytest.fixture
def settings(s3_endpoint: str) -> Settings:
    return default_settings().model_copy(
        update={
            "attachments_storage": "s3",
            "attachments_s3_endpoint": s3_endpoint,
            "attachments_s3_bucket": BUCKET,
            "attachments_s3_access_key": KEYS["access_key"],
            "attachments_s3_secret_key": KEYS["secret_key"],
        }
    )


def test_the_app_keeps_files_in_the_object_store_when_configured(
    client: TestClient, session: Session, world: World, settings: Settings
) -> None:
    item_id = add_action(session, world)
    sign_in(client, session, world.members["member"])

    posted = client.post(
        files_path(world, "action", item_id),
        data={"csrf_token": CSRF},
        files={"file": ("deck.pdf", PDF, "application/pdf")},
        headers={"X-CSRF-Token": CSRF},
    )

    assert posted.status_code == 303, posted.text
    row = session.exec(select(Attachment)).one()
    store = store_for(settings)
    assert isinstance(store, S3Store)
    assert store.exists(row.sha256)
    assert not LocalStore(settings.resolved_attachments_dir).exists(row.sha256)
    download = client.get(f"/accounts/{world.account.id}/attachments/{row.id}")
    assert download.content == PDF
