import pytest

from tests.conftest import wait_for_app


@pytest.mark.browser
def test_home_page_renders_in_chromium(app_url: str, page, artifacts) -> None:
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("heading", name="LRP Explorer").first.wait_for()  # the page, not the start-up message
    page.wait_for_url("**preset=ancona-max*")
