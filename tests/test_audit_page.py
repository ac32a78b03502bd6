"""What the account's audit page shows to each side."""

import re

import sqlalchemy as sa
from sqlmodel import Session, col

from app.audit import service as audit
from app.audit.chain import chain_for
from app.models import AuditChainHead, AuditEvent, Visibility
from tests.factories import World, sign_in
from tests.testclient import TestClient


def _record_many(session: Session, world: World, n: int, visibility: Visibility) -> None:
    for i in range(n):
        audit.record(
            session,
            actor=world.admin,
            verb=f"test.{visibility}",
            item_type="thing",
            item_id=i,
            account_id=world.account.id,
            changes={"note": [None, f"{visibility}-{i}"]},
            visibility=visibility,
        )
    session.commit()


def test_client_users_see_no_internal_event_nor_a_gap_that_counts_them(
    client: TestClient, session: Session, world: World
) -> None:
    _record_many(session, world, 3, Visibility.INTERNAL)
    _record_many(session, world, 2, Visibility.SHARED)
    sign_in(client, session, world.members["sponsor"])
    page = client.get(f"/accounts/{world.account.id}/audit")
    assert page.status_code == 200
    assert "test.shared" in page.text
    assert "test.internal" not in page.text
    assert "internal-" not in page.text
    assert 'data-label="#"' not in page.text  # sequence numbers would reveal the gaps
    assert "Verify the chain" not in page.text


def test_vendor_users_see_every_event_with_its_number(
    client: TestClient, session: Session, world: World
) -> None:
    _record_many(session, world, 2, Visibility.INTERNAL)
    sign_in(client, session, world.members["team"])
    page = client.get(f"/accounts/{world.account.id}/audit")
    assert "test.internal" in page.text
    assert re.search(r'data-label="#">\d+<', page.text)


def test_pages_hold_fifty_events_and_link_to_older_ones(
    client: TestClient, session: Session, world: World
) -> None:
    _record_many(session, world, 60, Visibility.SHARED)
    sign_in(client, session, world.members["viewer"])
    first = client.get(f"/accounts/{world.account.id}/audit")
    assert first.text.count("test.shared") == 50
    assert "?page=2" in first.text
    second = client.get(f"/accounts/{world.account.id}/audit?page=2")
    assert second.text.count("test.shared") == 10
    assert "?page=1" in second.text
    assert client.get(f"/accounts/{world.account.id}/audit?page=0").status_code == 422


def test_the_pages_verify_says_broken_when_the_accounts_chain_was_deleted(
    client: TestClient, session: Session, world: World
) -> None:
    chain = chain_for(world.account.id)
    sign_in(client, session, world.members["lead"])
    intact = client.get(f"/accounts/{world.account.id}/audit/verify")
    assert "The chain is intact" in intact.text
    session.execute(sa.delete(AuditEvent).where(col(AuditEvent.chain) == chain))
    session.execute(sa.delete(AuditChainHead).where(col(AuditChainHead.chain) == chain))
    session.commit()
    page = client.get(f"/accounts/{world.account.id}/audit/verify")
    assert page.status_code == 200
    assert "The chain is broken" in page.text
    assert "its chain was deleted" in page.text
    assert "intact" not in page.text


def test_verify_without_javascript_opens_the_audit_page_with_the_result(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    url = f"/accounts/{world.account.id}/audit/verify"
    whole = client.get(url)
    assert whole.status_code == 200
    assert "<title>" in whole.text
    assert "<h1" in whole.text
    assert "The chain is intact" in whole.text
    assert 'hx-get="' + url + '"' in whole.text  # the audit page itself, its button included
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert "The chain is intact" in fragment.text
    assert "<title>" not in fragment.text
