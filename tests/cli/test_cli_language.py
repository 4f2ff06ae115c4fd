"""The command line speaks French by default, and English when general.language says so."""

from __future__ import annotations

import pytest

from dispatch.cli.main import main
from dispatch.i18n import active_language


def _region_show(capsys, tmp_path, *, language: str | None = None) -> tuple[int, str]:
    """``opms-dispatch region show nowhere`` (never built: exit 3); returns (code, stderr)."""
    config = tmp_path / "settings.toml"
    config.write_text(f'[general]\nlanguage = "{language}"\n' if language else "", encoding="utf-8")
    code = main(["region", "show", "nowhere", "--data-dir", str(tmp_path / "data"), "--config", str(config), "--json"])
    out, err = capsys.readouterr()
    assert out == ""
    return code, err


@pytest.fixture(autouse=True)
def _no_language_in_environment(monkeypatch):
    monkeypatch.delenv("OPMS_GENERAL__LANGUAGE", raising=False)
    monkeypatch.delenv("OPMS_CONFIG", raising=False)


def test_an_error_on_the_command_line_is_french_by_default(capsys, tmp_path):
    """No language set: the message is the fr_CA translation, not the English source."""
    code, err = _region_show(capsys, tmp_path)
    assert code == 3
    assert err.startswith("opms-dispatch: La région 'nowhere' n'a pas été construite")
    assert "region build" in err and "has not been built" not in err


def test_an_error_is_english_with_general_language_en_in_the_settings_file(capsys, tmp_path):
    """--config with general.language = "en": the English text; the next command is French again."""
    code, err = _region_show(capsys, tmp_path, language="en")
    assert code == 3
    assert err.startswith("opms-dispatch: Region 'nowhere' has not been built")
    assert active_language() == "fr_CA", "the language of one command's settings must not outlive it"
    _, err = _region_show(capsys, tmp_path)
    assert "n'a pas été construite" in err


def test_an_error_is_english_with_the_environment_variable(capsys, tmp_path, monkeypatch):
    """OPMS_GENERAL__LANGUAGE=en (the settings' environment override) gives the English text."""
    monkeypatch.setenv("OPMS_GENERAL__LANGUAGE", "en")
    code, err = _region_show(capsys, tmp_path)
    assert code == 3 and "Region 'nowhere' has not been built" in err


def test_a_bad_argument_value_is_french_by_default_and_english_on_request(capsys, tmp_path, monkeypatch):
    """A value the command refuses (exit 2) follows the same rule."""
    config = tmp_path / "settings.toml"
    config.write_text("", encoding="utf-8")
    argv = ["coverage", "--latlon", "abc", "--data-dir", str(tmp_path / "data"), "--config", str(config)]
    assert main(argv) == 2
    assert "Coordonnées attendues au format LAT,LON" in capsys.readouterr().err
    monkeypatch.setenv("OPMS_GENERAL__LANGUAGE", "en")
    assert main(argv) == 2
    assert "Expected LAT,LON (for example 45.7460,-73.6010), got 'abc'." in capsys.readouterr().err
