import httpx

from tests.live import LiveServer, Mailbox


def test_live_server_serves_sign_in_page(live_server: LiveServer, mailbox: Mailbox) -> None:
    response = httpx.get(f"{live_server.url}/login")
    assert response.status_code == 200
    assert "Sign in to Jointplan" in response.text
