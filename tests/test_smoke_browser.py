import pytest

from tests.conftest import wait_for_app


@pytest.mark.browser
def test_home_page_renders_in_chromium(app_url: str, page, artifacts) -> None:
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_text("LRP Explorer").first.wait_for()
    assert "preset=ancona-max" in page.url
