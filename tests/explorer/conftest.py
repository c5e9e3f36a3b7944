"""Fixtures of the explorer tests: one CPU thread, HTTP helpers, and the
system Chromium driven by playwright (skipped when missing unless
MMLATENT_REQUIRE_BROWSER=1, then failed)."""
import pytest
import torch
from explorer_helpers import (CHROMIUM, CHROMIUM_ARGS, request,
                              require_browser, serving)


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


@pytest.fixture(scope='session')
def browser():
    """The system Chromium (headless) through playwright."""
    require_browser(CHROMIUM)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
