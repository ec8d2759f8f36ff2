"""Demo safety: every staff page warns while the demo accounts (public passwords) are
active; disabling them removes the banner; tablets never show it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from pages.common import _demo_accounts
from score_impact.demo import demo_accounts_in_use, disable_demo_accounts
from tests.app.test_dashboard import demo  # noqa: F401  (fixture)
from tests.conftest import ROOT

BANNER = "Demo accounts with public passwords are active"


def _banner(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if w.value.startswith(BANNER)]


def test_banner_until_the_demo_accounts_are_disabled(demo):  # noqa: F811
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    [banner] = _banner(at)
    assert "admin" in banner and "trainer.li" in banner
    tablet = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    tablet.query_params["code"] = "AFWDEMO"
    assert not _banner(tablet.run())  # workers never see it

    with demo.session() as s:
        assert disable_demo_accounts(s, actor="test") == sorted(
            ["admin", "trainer.li", "northwind", "lotus", "manager.evergreen"]
        )
        assert demo_accounts_in_use(s) == []
    _demo_accounts.clear()
    assert not _banner(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run())
