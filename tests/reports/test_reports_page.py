"""The "Rapports" page with Streamlit's AppTest (no browser): an empty period is an honest
notice with zeros, never an error; the page is for admin and billing only."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.servers.dashboard import STAFF_PASSWORD, add_staff, prepare_data_dir

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture()
def empty_dir(tmp_path, monkeypatch, mascouche, regions_data_dir):
    """The Mascouche region, the staff accounts, and no invoice at all."""
    d = prepare_data_dir(tmp_path / "data", regions_from=regions_data_dir)
    add_staff(d)
    monkeypatch.setenv("OPMS_DATA_DIR", str(d))
    monkeypatch.delenv("OPMS_CONFIG", raising=False)
    return d


def _reports(user: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.text_input(key="login_username").input(user)
    at.text_input(key="login_password").input(STAFF_PASSWORD)
    at.button(key="login_submit").click()
    at.run()
    at.switch_page("views/reports.py")
    at.run()
    return at


def test_empty_month_shows_zeros_and_aucune_facture_without_error(empty_dir):
    at = _reports("facturation")
    assert not at.exception, at.exception
    assert any("Aucune facture" in str(i.value) for i in at.info)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["TPS facturée"] == metrics["TVQ facturée"] == "0,00\u00a0$"
    assert metrics["Factures"] == "0"
    assert len(at.get("vega_lite_chart")) >= 4


def test_the_dispatcher_has_no_reports_page(empty_dir):
    """The page is registered only for admin and billing: a dispatcher cannot even switch to it."""
    with pytest.raises(ValueError, match="navigation page"):
        _reports("repartition")
