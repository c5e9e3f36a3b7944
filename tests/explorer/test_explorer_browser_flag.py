"""Without a browser the browser tests skip, unless
MMLATENT_REQUIRE_BROWSER=1 makes them fail (as in .ci/run)."""
import pytest
from explorer_helpers import CHROMIUM, browser_missing, require_browser


def test_missing_browser_skips_or_fails(tmp_path, monkeypatch):
    nowhere = str(tmp_path / 'no-chromium')
    monkeypatch.delenv('MMLATENT_REQUIRE_BROWSER', raising=False)
    with pytest.raises(pytest.skip.Exception, match='no Chromium at'):
        require_browser(nowhere)
    monkeypatch.setenv('MMLATENT_REQUIRE_BROWSER', '1')
    with pytest.raises(pytest.fail.Exception,
                       match='MMLATENT_REQUIRE_BROWSER=1 but no Chromium'):
        require_browser(nowhere)
    if browser_missing(CHROMIUM) is None:
        require_browser(CHROMIUM)          # present: neither skip nor fail
