import pytest

# serialized_rollback: live_server tests flush the database; the role groups made by a migration come back.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_staff_log_in_and_see_only_their_sections(page, login, receiver):
    login(receiver.username)
    page.goto("/admin/")
    text = page.inner_text("#content-main")
    assert "Inbound orders" in text
    assert "Outbox messages" not in text  # not a Receiver's business
    page.screenshot_as("receiver-home")


def test_wrong_password_is_refused(page, receiver):
    page.goto("/admin/login/")
    page.fill("#id_username", receiver.username)
    page.fill("#id_password", "not-the-password")
    page.click("input[type=submit]")
    assert "Please enter the correct username and password" in page.inner_text(".errornote")
    page.screenshot_as("login-refused")
