from sqlmodel import Session

from tests.factories import World, sign_in
from tests.testclient import TestClient


def test_home_redirects_anonymous_to_sign_in(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F"


def test_lead_sees_account_page(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.get(f"/accounts/{world.account.id}")
    assert response.status_code == 200
    assert "Own account" in response.text
    assert "Invite someone" in response.text
