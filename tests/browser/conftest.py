"""Browser tests: the app served on an ephemeral port by a real WSGI server, driven by headless Chromium.

CSRF protection is on here, as in production: every form and htmx request the pages make carries the token
(the unit tests turn it off, except tests/web/test_csrf.py)."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from tests.support.browser import HANG_GUARD_MS, HTMX_EVENTS

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def chromium_executable() -> str | None:
    """Debian's Chromium where installed (this project's CI); else Playwright's own download."""
    return (
        os.environ.get("PLAYWRIGHT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser():
    # `expect` re-checks on every DOM change; its timeout (5 s by default) is only the hang guard here.
    expect.set_options(timeout=HANG_GUARD_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


# The browser logs every non-2xx answer as a console error (and htmx logs its own line for it). 422 is how
# this app answers invalid input (the form comes back with its errors), so that answer is expected; a test
# that provokes another refusal on purpose says so with @pytest.mark.expected_statuses(400, ...). Any other
# failed resource (a 404 favicon, a 500) is a problem.
FAILED_STATUS = re.compile(r"(?:status of|Status Error Code) (\d{3})\b")


def console_problem(message, expected: frozenset[int] = frozenset({422})) -> str | None:
    """What a console message says is wrong, or None when it is not an error."""
    if message.type != "error":
        return None
    status = FAILED_STATUS.search(message.text)
    if status and int(status.group(1)) in expected:
        return None
    url = message.location.get("url", "")
    return f"console error: {message.text}" + (f" ({url})" if url else "")


class RequestJournal:
    """The page's requests as the browser saw them (sent, answered with a status, or failed), static files
    left out; the last lines are printed at teardown, so a failing test says what reached the server."""

    KEEP = 40

    def __init__(self, page) -> None:
        self.lines: list[str] = []
        page.on("request", lambda r: self._note(f"sent     {r.method} {r.url}", r.url))
        page.on("response", lambda r: self._note(f"answered {r.status} {r.request.method} {r.url}", r.url))
        page.on("requestfailed", lambda r: self._note(f"failed   {r.method} {r.url}: {r.failure}", r.url))

    def _note(self, line: str, url: str) -> None:
        if "/static/" not in url and not url.endswith("/favicon.ico"):
            self.lines.append(f"{time.monotonic():.3f} {line}")

    def print_tail(self) -> None:
        print("The browser's last requests:", *self.lines[-self.KEEP :], sep="\n  ")


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context per test. At teardown the test fails on any console error (a CSP violation, a
    resource that failed to load, a script error) or uncaught page error seen during the test."""
    context = browser.new_context(base_url=live_server)
    context.add_init_script(HTMX_EVENTS)
    context.set_default_timeout(HANG_GUARD_MS)  # waits follow events; this only ends a hung test
    context.set_default_navigation_timeout(HANG_GUARD_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    marker = request.node.get_closest_marker("expected_statuses")
    expected = frozenset({422, *(marker.args if marker else ())})
    page.on(
        "console",
        lambda message: (problem := console_problem(message, expected)) and problems.append(problem),
    )
    journal = RequestJournal(page)
    yield page
    context.close()
    journal.print_tail()  # captured: pytest shows it beside a failure (did a request leave, did it come back)
    if problems:
        pytest.fail("The browser reported errors:\n" + "\n".join(problems), pytrace=False)
