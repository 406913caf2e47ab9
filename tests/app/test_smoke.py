def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Log in" in response.data


def test_world_user_logs_in_and_sees_overview(client, world, login):
    login("owner@a.test")
    response = client.get("/overview")
    assert response.status_code == 200
    assert b"Account A1" in response.data
