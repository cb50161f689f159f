"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

Chromium comes from Debian (`apt-get install chromium`; `.ci/run` installs it when missing), never from
`playwright install`. Outside CI a machine without it skips these tests and says why; in CI they fail
instead. When a test fails, every page it opened is photographed into test-artifacts/.
"""

import os
import re
from pathlib import Path

import pytest
from django.db import connections

from tests.helpers import IN_CI

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def browser(monkeypatch):
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"CI must run the browser tests: no Chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium); runs in CI")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
    # synchronous, one at a time, so Django's async-safety guard can stand aside here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # The test's ORM calls made while Playwright's loop was running got their own connection (Django
        # keeps connections per thread and per async context): close it, or PostgreSQL will not drop the
        # test database at the end.
        connections.close_all()


@pytest.fixture
def new_page(browser, request):
    """Open a page in a fresh browser context (its own cookies: one person each)."""
    pages = []

    def _open(*, width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(20_000)
        page = context.new_page()
        pages.append(page)
        return page

    yield _open
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for number, page in enumerate(pages, 1):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{number}.png"), full_page=True)
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"no screenshot of page {number}: {exc}")
    for page in pages:
        page.context.close()


@pytest.fixture
def steps(request, tmp_path):
    """``steps(page, "name")`` photographs the page at one step of a walk; the photos are kept in
    test-artifacts/ when the test fails (CI uploads that folder), and thrown away when it passes."""
    taken: list[Path] = []

    def _step(page, name: str) -> None:
        path = tmp_path / f"{len(taken) + 1:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as exc:  # a screenshot that fails must not fail the walk
            print(f"no screenshot of step {name}: {exc}")
            return
        taken.append(path)

    yield _step
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and taken:
        folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        folder.mkdir(parents=True, exist_ok=True)
        for path in taken:
            path.replace(folder / path.name)
