"""Files on the plan's items: uploaded as a stream with the size limit held while the body
arrives, the type read from the content, stored by hash, served as a download that is never
shown or run; visibility follows the item; deleting is audited and keeps shared bytes."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from app.attachments import kinds, upload
from app.attachments.storage import LocalStore
from app.auth.sessions import SESSION_COOKIE
from app.config import Settings
from app.models import (
    Action,
    Attachment,
    AttachmentBlob,
    AuditEvent,
    Comment,
    Initiative,
    InitiativeStatus,
    LiveEvent,
    Plan,
    Visibility,
)
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.web.confirm import CONFIRMATION
from app.web.security import session_csrf_token
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.masking import unmasked
from tests.testclient import TestClient

HEADERS = {"X-CSRF-Token": CSRF}
HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
MB = 1024 * 1024


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The default settings, with the files of this test in a directory of its own."""
    from tests.conftest import default_settings

    return default_settings().model_copy(update={"attachments_dir": str(tmp_path / "files")})


@pytest.fixture
def store(settings: Settings) -> LocalStore:
    return LocalStore(settings.resolved_attachments_dir)


# --- arranging -------------------------------------------------------------------------------


def plan_of(session: Session, world: World) -> Plan:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    return plan


def add_priority(session: Session, world: World) -> int:
    priority = priorities.create(
        session,
        actor=world.members["sponsor"],
        plan=plan_of(session, world),
        values=PriorityValues(title="Grow in Spain"),
    )
    session.commit()
    assert priority.id is not None
    return priority.id


def add_initiative(session: Session, world: World, *, draft: bool) -> int:
    plan = plan_of(session, world)
    assert plan.id is not None
    initiative = Initiative(
        account_id=plan.account_id,
        plan_id=plan.id,
        title="Draft pilot" if draft else "Shared pilot",
        status=InitiativeStatus.DRAFT if draft else InitiativeStatus.PROPOSED,
        visibility=Visibility.INTERNAL if draft else Visibility.SHARED,
        created_by_id=world.members["lead"].id,
    )
    session.add(initiative)
    session.commit()
    assert initiative.id is not None
    return initiative.id


def add_action(session: Session, world: World) -> int:
    plan = plan_of(session, world)
    assert plan.id is not None
    action = Action(account_id=plan.account_id, plan_id=plan.id, title="Run the workshop")
    session.add(action)
    session.commit()
    assert action.id is not None
    return action.id


def add_comment(session: Session, world: World, *, team_only: bool) -> int:
    plan = plan_of(session, world)
    assert plan.id is not None
    author = world.members["lead" if team_only else "member"]
    assert author.id is not None
    comment = Comment(
        account_id=plan.account_id,
        plan_id=plan.id,
        priority_id=add_priority(session, world),
        author_id=author.id,
        body="See the attached deck",
        visibility=Visibility.INTERNAL if team_only else Visibility.SHARED,
    )
    session.add(comment)
    session.commit()
    assert comment.id is not None
    return comment.id


def files_path(world: World, item_type: str, item_id: int, section: str = "") -> str:
    query = f"?section={section}" if section else ""
    return f"/accounts/{world.account.id}/files/{item_type}/{item_id}{query}"


def post_file(
    client: TestClient, path: str, name: str, data: bytes, kind: str = "application/pdf"
) -> object:
    return client.post(
        path, data={"csrf_token": CSRF}, files={"file": (name, data, kind)}, headers=HEADERS
    )


def file_rows(session: Session) -> list[Attachment]:
    session.expire_all()
    return list(session.exec(select(Attachment).order_by(col(Attachment.created_at))).all())


# --- uploading and downloading -----------------------------------------------------------------

# item type -> (who edits it, how to make one: (item id, section))
ITEMS = {
    "priority": "sponsor",
    "strategy": "member",
    "initiative": "lead",
    "action": "member",
    "comment": "member",
}


def make_item(session: Session, world: World, item_type: str) -> tuple[int, str]:
    if item_type == "priority":
        return add_priority(session, world), ""
    if item_type == "strategy":
        plan_id = plan_of(session, world).id
        assert plan_id is not None
        return plan_id, "goal"
    if item_type == "initiative":
        return add_initiative(session, world, draft=False), ""
    if item_type == "action":
        return add_action(session, world), ""
    return add_comment(session, world, team_only=False), ""


@pytest.mark.parametrize("item_type", list(ITEMS))
def test_a_file_is_uploaded_listed_downloaded_and_audited_on_every_kind_of_item(
    client: TestClient, session: Session, world: World, store: LocalStore, item_type: str
) -> None:
    item_id, section = make_item(session, world, item_type)
    sign_in(client, session, world.members[ITEMS[item_type]])
    path = files_path(world, item_type, item_id, section)

    response = post_file(client, path, "Plan für 2027.pdf", PDF)

    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    [row] = file_rows(session)
    digest = hashlib.sha256(PDF).hexdigest()
    assert (row.file_name, row.size, row.sha256, row.content_type) == (
        "Plan für 2027.pdf",
        len(PDF),
        digest,
        "application/pdf",
    )
    assert store.path(digest).read_bytes() == PDF
    event = session.exec(select(AuditEvent).where(AuditEvent.verb == "attachment.added")).one()
    assert event.changes["file_name"] == [None, "Plan für 2027.pdf"]
    assert event.changes["size"] == [None, len(PDF)]
    assert event.changes["sha256"] == [None, digest]
    assert event.changes["item"][1].startswith(item_type)

    page = client.get(path)
    assert "Plan für 2027.pdf" in page.text
    download = client.get(f"/accounts/{world.account.id}/attachments/{row.id}")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"Plan f_r 2027.pdf\"; filename*=UTF-8''Plan%20f%C3%BCr%202027.pdf"
    )


def test_the_plain_form_works_without_javascript_with_the_token_in_its_fields(
    client: TestClient, session: Session, world: World, settings: Settings
) -> None:
    """No header: the CSRF token comes as the form's first field, checked before the file."""
    item_id = add_action(session, world)
    sign_in(client, session, world.members["member"])
    path = files_path(world, "action", item_id)
    form_page = client.get(path)
    assert 'enctype="multipart/form-data"' in form_page.text

    refused = client.post(path, data={"csrf_token": "x" * 43}, files={"file": ("a.txt", b"hi")})
    assert refused.status_code == 403
    assert file_rows(session) == []

    token = session_csrf_token(settings.resolved_secret_key, client.cookies[SESSION_COOKIE])
    taken = client.post(path, data={"csrf_token": token}, files={"file": ("a.txt", b"hi")})
    assert taken.status_code == 303
    assert [row.file_name for row in file_rows(session)] == ["a.txt"]


def test_an_html_file_named_png_is_refused_and_nothing_is_kept(
    client: TestClient, session: Session, world: World, store: LocalStore
) -> None:
    item_id = add_action(session, world)
    sign_in(client, session, world.members["member"])

    response = post_file(client, files_path(world, "action", item_id), "cat.png", HTML, "image/png")

    assert response.status_code == 415  # type: ignore[attr-defined]
    assert "not allowed" in response.text  # type: ignore[attr-defined]
    assert file_rows(session) == []
    assert not store.exists(hashlib.sha256(HTML).hexdigest())
    renamed = post_file(client, files_path(world, "action", item_id), "cat.png", PDF)
    assert renamed.status_code == 415  # type: ignore[attr-defined]
    assert "named .png but its content is not a PNG image" in renamed.text  # type: ignore[attr-defined]


def _multipart(name: str, size: int, boundary: str = "jpboundary") -> Iterator[bytes]:
    """A multipart body with the CSRF field and a file of ``size`` bytes, a megabyte a chunk,
    sent without a Content-Length (chunked)."""
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{CSRF}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-"
    ).encode()
    sent = 5
    while sent < size:
        piece = min(MB, size - sent)
        yield b"\x00" * piece
        sent += piece
    yield f"\r\n--{boundary}--\r\n".encode()


class SpoolWatch:
    """How many bytes reached the upload's temporary files."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.written = 0
        self.paths: list[Path] = []
        original_write, original_init = upload.Spool.write, upload.Spool.__init__

        def write(spool: upload.Spool, data: bytes) -> None:
            original_write(spool, data)
            self.written += len(data)

        def init(spool: upload.Spool, *args: object, **kwargs: object) -> None:
            original_init(spool, *args, **kwargs)  # type: ignore[arg-type]
            self.paths.append(spool.path)

        monkeypatch.setattr(upload.Spool, "write", write)
        monkeypatch.setattr(upload.Spool, "__init__", init)


def test_a_30_mb_upload_is_refused_with_413_while_it_streams(
    client: TestClient,
    session: Session,
    world: World,
    store: LocalStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No Content-Length: the limit (25 MB by default) holds while the body is read; reading
    stops there, and what reached the temporary file is removed."""
    watch = SpoolWatch(monkeypatch)
    item_id = add_action(session, world)
    sign_in(client, session, world.members["member"])

    response = client.post(
        files_path(world, "action", item_id),
        content=_multipart("big.pdf", 30 * MB),
        headers=HEADERS | {"content-type": "multipart/form-data; boundary=jpboundary"},
    )

    assert response.status_code == 413
    assert "files up to 25 MB are taken" in response.text
    assert 0 < watch.written <= 25 * MB < 30 * MB
    assert all(not path.exists() for path in watch.paths)
    assert file_rows(session) == []
    assert session.exec(select(AttachmentBlob)).all() == []
    assert not any(store.root.rglob("*")) if store.root.exists() else True


def test_a_body_that_says_it_is_too_large_is_refused_before_it_is_read(
    client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = SpoolWatch(monkeypatch)
    item_id = add_action(session, world)
    sign_in(client, session, world.members["member"])

    response = post_file(
        client, files_path(world, "action", item_id), "big.pdf", PDF + b"0" * 30 * MB
    )

    assert response.status_code == 413  # type: ignore[attr-defined]
    assert watch.written == 0
    assert watch.paths == []


def test_the_limit_is_a_setting(
    client: TestClient, session: Session, world: World, settings: Settings
) -> None:
    settings.attachments_max_bytes = 1024
    item_id = add_action(session, world)
    sign_in(client, session, world.members["member"])
    path = files_path(world, "action", item_id)

    assert post_file(client, path, "small.txt", b"a" * 1024, "text/plain").status_code == 303  # type: ignore[attr-defined]
    too_large = post_file(client, path, "large.txt", b"a" * 1025, "text/plain")
    assert too_large.status_code == 413  # type: ignore[attr-defined]
    assert "files up to 1 KB are taken" in too_large.text  # type: ignore[attr-defined]


# --- visibility follows the item ---------------------------------------------------------------


@pytest.mark.parametrize("internal", ["draft", "team-only comment"])
def test_a_client_never_sees_lists_or_downloads_a_file_on_an_internal_item(
    client: TestClient, session: Session, world: World, internal: str
) -> None:
    if internal == "draft":
        item_type, item_id = "initiative", add_initiative(session, world, draft=True)
    else:
        item_type, item_id = "comment", add_comment(session, world, team_only=True)
    sign_in(client, session, world.members["lead"])
    path = files_path(world, item_type, item_id)
    assert post_file(client, path, "secret pricing.pdf", PDF).status_code == 303  # type: ignore[attr-defined]
    [row] = file_rows(session)
    download = f"/accounts/{world.account.id}/attachments/{row.id}"
    missing = f"/accounts/{world.account.id}/attachments/999999"

    for role in ("sponsor", "member", "viewer"):
        sign_in(client, session, world.members[role])
        assert client.get(path).status_code == 404
        refused = client.get(download)
        assert refused.status_code == 404
        assert unmasked(refused.text) == unmasked(client.get(missing).text)
        plan = client.get(f"/accounts/{world.account.id}/plan")
        assert "secret pricing" not in plan.text


def test_a_file_follows_its_item_when_a_draft_is_proposed(
    client: TestClient, session: Session, world: World
) -> None:
    item_id = add_initiative(session, world, draft=True)
    sign_in(client, session, world.members["lead"])
    assert (
        post_file(client, files_path(world, "initiative", item_id), "deck.pdf", PDF).status_code
        == 303
    )  # type: ignore[attr-defined]
    [row] = file_rows(session)
    initiative = session.get(Initiative, item_id)
    assert initiative is not None
    initiative.status, initiative.visibility = InitiativeStatus.PROPOSED, Visibility.SHARED
    session.add(initiative)
    session.commit()

    sign_in(client, session, world.members["sponsor"])
    assert client.get(f"/accounts/{world.account.id}/attachments/{row.id}").content == PDF


# --- deleting ----------------------------------------------------------------------------------


def test_removing_asks_first_is_audited_and_keeps_bytes_another_file_refers_to(
    client: TestClient, session: Session, world: World, store: LocalStore
) -> None:
    first, second = add_action(session, world), add_action(session, world)
    sign_in(client, session, world.members["member"])
    for item_id in (first, second):
        assert (
            post_file(client, files_path(world, "action", item_id), "same.pdf", PDF).status_code
            == 303
        )  # type: ignore[attr-defined]
    one, two = file_rows(session)
    digest = hashlib.sha256(PDF).hexdigest()
    blob = session.get(AttachmentBlob, digest)
    assert blob is not None
    assert blob.refs == 2
    remove = f"/accounts/{world.account.id}/attachments/{one.id}/delete"

    asked = client.post(remove, data={"csrf_token": CSRF}, headers=HEADERS)
    assert asked.status_code == 200
    assert "are you sure" in asked.text.lower() or "Remove" in asked.text
    assert all(row.deleted_at is None for row in file_rows(session))

    assert client.post(remove, data=CONFIRMATION, headers=HEADERS).status_code == 303
    kept = file_rows(session)
    assert [row.deleted_at is not None for row in kept] == [True, False]
    assert kept[0].deleted_by_id == world.members["member"].id
    assert kept[0].file_name == "same.pdf"  # the row stays for the audit trail
    event = session.exec(select(AuditEvent).where(AuditEvent.verb == "attachment.deleted")).one()
    assert event.actor_id == world.members["member"].id
    assert event.changes["file_name"] == ["same.pdf", None]
    assert event.changes["item"][0] == f"action-{first}"
    assert store.exists(digest)  # the other file still refers to it
    assert client.get(f"/accounts/{world.account.id}/attachments/{one.id}").status_code == 404
    assert client.get(f"/accounts/{world.account.id}/attachments/{two.id}").content == PDF

    last = f"/accounts/{world.account.id}/attachments/{two.id}/delete"
    assert client.post(last, data=CONFIRMATION, headers=HEADERS).status_code == 303
    assert not store.exists(digest)
    session.expire_all()
    assert session.get(AttachmentBlob, digest) is None


# --- the content check -------------------------------------------------------------------------


def _office(main: str) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr(  # a fixed date: the bytes (and so the test ids) are the same each time
            zipfile.ZipInfo("[Content_Types].xml", date_time=(2026, 1, 1, 0, 0, 0)),
            f'<Types><Override PartName="/x" ContentType="{main}"/></Types>',
        )
    return data.getvalue()


XLSX = _office("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
TEXT = kinds.TextCheck(utf8=True, nul=False)
BINARY = kinds.TextCheck(utf8=False, nul=True)


@pytest.mark.parametrize(
    ("name", "data", "text", "expected"),
    [
        ("a.pdf", PDF, BINARY, "application/pdf"),
        ("a.png", PNG, BINARY, "image/png"),
        ("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 8, BINARY, "image/jpeg"),
        ("a.gif", b"GIF89a" + b"\x00" * 8, BINARY, "image/gif"),
        ("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", BINARY, "image/webp"),
        ("notes", b"plain words", TEXT, "text/plain"),
        ("figures.csv", b"a,b\n1,2\n", TEXT, "text/csv"),
        (
            "book.xlsx",
            XLSX,
            BINARY,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
    ids=["pdf", "png", "jpeg", "gif", "webp", "text", "csv", "xlsx"],
)
def test_allowed_types_are_read_from_the_content(
    tmp_path: Path, name: str, data: bytes, text: kinds.TextCheck, expected: str
) -> None:
    path = tmp_path / "f"
    path.write_bytes(data)
    assert kinds.content_type(path, data[: kinds.HEAD_BYTES], text, name) == expected


@pytest.mark.parametrize(
    ("name", "data", "text"),
    [
        ("page.png", HTML, TEXT),  # HTML named as a picture
        ("page.txt", b"  <html><body>hi", TEXT),  # markup is never plain text
        ("pic.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", TEXT),
        ("run.exe", b"MZ\x90\x00", BINARY),
        ("nul.txt", b"a\x00b", kinds.TextCheck(utf8=True, nul=True)),
        ("latin.txt", b"caf\xe9", kinds.TextCheck(utf8=False, nul=False)),
        ("fake.docx", b"PK\x03\x04 not a zip", BINARY),
        ("report.pdf", PNG, BINARY),  # a picture named as a PDF
    ],
)
def test_other_content_is_refused_whatever_its_name(
    tmp_path: Path, name: str, data: bytes, text: kinds.TextCheck
) -> None:
    path = tmp_path / "f"
    path.write_bytes(data)
    with pytest.raises(kinds.Refused):
        kinds.content_type(path, data[: kinds.HEAD_BYTES], text, name)


# --- the plan page -----------------------------------------------------------------------------


def _plan_queries(client: TestClient, path: str, counter: QueryCounter) -> tuple[int, str]:
    client.get(path)  # warm-up: the session's last-seen touch, template compilation
    counter.statements.clear()
    response = client.get(path)
    assert response.status_code == 200
    return counter.count, response.text


def _file_on(session: Session, world: World, item: tuple[str, int], name: str) -> None:
    """A file row on ``item`` (the plan page reads rows; the bytes are not needed here)."""
    plan = plan_of(session, world)
    assert plan.id is not None
    row = Attachment(
        account_id=plan.account_id,
        plan_id=plan.id,
        file_name=name,
        content_type="text/plain",
        size=10,
        sha256="0" * 64,
        uploaded_by_id=world.members["lead"].id,  # type: ignore[arg-type]
    )
    setattr(row, f"{item[0]}_id", item[1])
    session.add(row)
    session.commit()


@pytest.mark.parametrize("role", ["lead", "sponsor"])
def test_the_plan_page_lists_every_item_s_files_in_the_same_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter, role: str
) -> None:
    path = f"/accounts/{world.account.id}/plan"
    sign_in(client, session, world.members[role])
    draft = add_initiative(session, world, draft=True)
    _file_on(session, world, ("action", add_action(session, world)), "first.txt")
    few, _ = _plan_queries(client, path, count_queries)

    for n in range(20):
        _file_on(session, world, ("priority", add_priority(session, world)), f"brief-{n}.txt")
        _file_on(session, world, ("action", add_action(session, world)), f"minutes-{n}.txt")
    _file_on(session, world, ("initiative", draft), "draft-pricing.txt")
    many, text = _plan_queries(client, path, count_queries)

    assert many == few, "\n".join(count_queries.statements)
    assert "brief-19.txt" in text
    assert "first.txt" in text  # open actions are shown a page at a time
    assert ("draft-pricing.txt" in text) is (role == "lead")


def test_a_file_s_change_reaches_open_plan_pages_in_its_item_s_section(
    client: TestClient, session: Session, world: World
) -> None:
    draft = add_initiative(session, world, draft=True)
    sign_in(client, session, world.members["lead"])
    for item_type, item_id in (("action", add_action(session, world)), ("initiative", draft)):
        assert (
            post_file(client, files_path(world, item_type, item_id), "a.pdf", PDF).status_code
            == 303
        )  # type: ignore[attr-defined]
    events = session.exec(
        select(LiveEvent).where(LiveEvent.item_type == "attachment").order_by(col(LiveEvent.seq))
    ).all()
    assert [(e.section, e.visibility) for e in events] == [
        ("actions", "shared"),
        ("initiatives", "internal"),
    ]


def test_a_comment_edited_in_place_keeps_showing_its_files(
    client: TestClient, session: Session, world: World, store: LocalStore
) -> None:
    """htmx's answer to an edit is the comment alone, with its files (only a comment just
    posted is drawn without looking for them: it has none yet)."""
    comment_id = add_comment(session, world, team_only=False)
    sign_in(client, session, world.members["member"])
    uploaded = post_file(client, files_path(world, "comment", comment_id), "deck.pdf", PDF)
    assert uploaded.status_code == 303  # type: ignore[attr-defined]
    answer = client.post(
        f"/accounts/{world.account.id}/comments/{comment_id}/edit",
        data={"csrf_token": CSRF, "body": "See the attached deck, updated", "version": "1"},
        headers=HTMX,
    )
    assert answer.status_code == 200, answer.text
    assert "See the attached deck, updated" in answer.text
    assert "deck.pdf" in answer.text
