"""Fixtures of the explorer tests: one CPU thread, HTTP helpers, and the
system Chromium driven by playwright (skipped when missing unless
MMLATENT_REQUIRE_BROWSER=1, then failed)."""
import os
from typing import Optional

import pytest
import torch
from explorer_helpers import CHROMIUM, CHROMIUM_ARGS, request, serving


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def http():
    return request


@pytest.fixture
def serve():
    return serving


def _browser_missing() -> Optional[str]:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ('the playwright package is missing: pip install -e '
                "'.[tests]'")
    if not os.path.isfile(CHROMIUM):
        return f'no Chromium at {CHROMIUM}: apt-get install chromium'
    return None


@pytest.fixture(scope='session')
def browser():
    """The system Chromium (headless) through playwright."""
    why = _browser_missing()
    if why:
        if os.environ.get('MMLATENT_REQUIRE_BROWSER') == '1':
            pytest.fail(f'MMLATENT_REQUIRE_BROWSER=1 but {why}')
        pytest.skip(why)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
