"""The README's run command installs what the dashboard needs only, visibly, without warnings.

``make run`` was slow (181 s) because it installed the test and benchmark extras; the extras
now come with ``make test``. Checked on what make would really execute (``make -n -B``: every
command of the target, none run), and on setuptools' own reading of ``pyproject.toml``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def planned(target: str, tmp_path: Path) -> list[str]:
    """The commands ``make TARGET`` would run from scratch (a venv in ``tmp_path``)."""
    done = subprocess.run(
        ["make", "-n", "-B", target, f"VENV={tmp_path / 'venv'}"], cwd=ROOT,
        capture_output=True, text=True, timeout=60, check=True,
    )
    return done.stdout.splitlines()


def pip_installs(lines: list[str]) -> list[str]:
    return [line for line in lines if re.search(r"\bpip\b.*\binstall\b", line)]


def test_run_installs_the_product_without_extras(tmp_path):
    """``make run``: one ``pip install -e .``, no ``[dev]``/``[test]``/``[bench]`` extra."""
    lines = planned("run", tmp_path)
    installs = pip_installs(lines)
    assert installs, lines
    for line in installs:
        assert "[" not in line, f"make run installs an extra: {line}"
        assert re.search(r"install\b.*-e \.(\s|$)", line), line
    assert any("scripts/run.sh" in line for line in lines)


def test_run_shows_pip_progress(tmp_path):
    """No ``-q``: pip prints what it collects and installs while the newcomer waits."""
    for line in pip_installs(planned("run", tmp_path)):
        assert not re.search(r"\s-q+\b|--quiet", line), line


def test_test_command_still_installs_the_dev_extra(tmp_path):
    """``make test`` keeps the tests' tools (pytest, playwright, ruff, mypy)."""
    installs = pip_installs(planned("test", tmp_path))
    assert any(".[dev]" in line for line in installs), installs


def test_run_script_installs_nothing():
    """scripts/run.sh only builds the default region and starts the dashboard."""
    script = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert not re.search(r"\bpip\b", script)
    assert "opms-dispatch serve" in script


def build_output(project: Path) -> str:
    """What pip and the build backend print while preparing ``project`` for an editable install.

    ``pip install --dry-run --no-deps -v -e``: pip builds the metadata with the backend pinned
    by ``[build-system]`` (setuptools >= 77, in an isolated environment) and shows its
    output; nothing is installed.
    """
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "-v", "-e", str(project)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout + done.stderr


def deprecations(output: str) -> list[str]:
    return [line for line in output.splitlines()
            if "SetuptoolsDeprecationWarning" in line or "deprecated" in line.lower()]


def test_pyproject_builds_without_setuptools_deprecation_warnings():
    """The project's metadata builds without a single deprecation warning."""
    assert deprecations(build_output(ROOT)) == []


def test_the_deprecation_check_sees_a_license_table(tmp_path):
    """The check can fail: a ``license = {text = ...}`` table (the old form) is reported."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    old = re.sub(r'^license = ".*"$', 'license = {text = "Proprietary"}', text, flags=re.M)
    assert old != text
    old = re.sub(r"(?s)\[project\.optional-dependencies\].*", "", old)
    old = re.sub(r"(?m)^readme = .*$", "", old)
    (tmp_path / "pyproject.toml").write_text(old + '\n[tool.setuptools]\npy-modules = []\n',
                                             encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        re.sub(r'(?s)dependencies = \[.*?\]\n', "dependencies = []\n", (tmp_path / "pyproject.toml").read_text()),
        encoding="utf-8")
    assert deprecations(build_output(tmp_path)) != []
