"""Where attachments' bytes are kept: content-addressed blobs, named by their SHA-256.

One interface (``BlobStore``), two implementations: a local directory (the default,
``data/attachments``) and an S3-compatible object store. Putting a blob that is already there
changes nothing (same name, same bytes); a blob is removed only when no attachment refers to it
any more (``app.attachments.service.sweep`` decides, under the blob row's lock).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from app.config import Settings

CHUNK = 64 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _checked(sha256: str) -> str:
    """A blob's name is a SHA-256 in hex, nothing else (never a path of someone's choosing)."""
    if not _SHA256.match(sha256):
        raise ValueError("not a SHA-256")
    return sha256


class BlobStore(Protocol):
    def put(self, sha256: str, source: Path) -> None:
        """Keep the file ``source`` as the blob ``sha256`` (nothing happens if it is there)."""

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The blob's bytes, a chunk at a time."""

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None:
        """Remove the blob (no error when it is not there)."""


class LocalStore:
    """Blobs as files ``ab/cd/abcd...`` under ``root``, written whole or not at all (a
    temporary file in the same directory, renamed into place)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        name = _checked(sha256)
        return self.root / name[:2] / name[2:4] / name

    def put(self, sha256: str, source: Path) -> None:
        target = self.path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out, source.open("rb") as data:
                shutil.copyfileobj(data, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def chunks(self, sha256: str) -> Iterator[bytes]:
        with self.path(sha256).open("rb") as data:
            while chunk := data.read(CHUNK):
                yield chunk

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)


class S3Store:
    """Blobs as objects ``blobs/<sha256>`` of a bucket of an S3-compatible store."""

    def __init__(
        self, *, endpoint: str, bucket: str, access_key: str, secret_key: str, region: str
    ) -> None:
        import boto3  # only when S3 is configured

        self.bucket = bucket
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            region_name=region,
        )

    @staticmethod
    def key(sha256: str) -> str:
        return f"blobs/{_checked(sha256)}"

    def put(self, sha256: str, source: Path) -> None:
        if self.exists(sha256):
            return
        self.client.upload_file(
            str(source),
            self.bucket,
            self.key(sha256),
            ExtraArgs={"ContentType": "application/octet-stream"},
        )

    def chunks(self, sha256: str) -> Iterator[bytes]:
        answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        body = answer["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))


def store_for(settings: Settings) -> BlobStore:
    """The store the settings name (one per distinct configuration, kept for the process)."""
    if settings.attachments_storage == "s3":
        return _s3(
            settings.attachments_s3_endpoint,
            settings.attachments_s3_bucket,
            settings.attachments_s3_access_key,
            settings.attachments_s3_secret_key,
            settings.attachments_s3_region,
        )
    return _local(settings.resolved_attachments_dir)


@lru_cache(maxsize=8)
def _local(root: Path) -> LocalStore:
    return LocalStore(root)


@lru_cache(maxsize=8)
def _s3(endpoint: str, bucket: str, access_key: str, secret_key: str, region: str) -> S3Store:
    return S3Store(
        endpoint=endpoint,
        bucket=bucket,
        access_key=access_key,
        secret_key=secret_key,
        region=region,
    )
