"""``opms-dispatch user throttles``: see and clear the login delays (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher

from dispatch.cli.main import main
from dispatch.office import auth
from dispatch.office.auth import LoginRefused
from dispatch.records import TZ

pytest_plugins = ["tests.storage_support"]

PASSWORD = "cheval agrafe batterie"


@pytest.fixture()
def fast_hash(monkeypatch):
    """A cheap argon2id (1 pass, 8 MiB): the throttling is under test, not the hash's cost."""
    fast = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    dummy = fast.hash("opms-dispatch: no such user")
    monkeypatch.setattr(auth, "_hasher", lambda: fast)
    monkeypatch.setattr(auth, "_dummy_hash", lambda: dummy)


def _fail(db, settings, client: str, times: int) -> None:
    """``times`` checked wrong passwords from ``client``, each waiting out the delay, the last
    one now (the command reads the real clock): 5 free, then 1, 2, 4, 8 s."""
    waits = [0] * 5 + [2 ** i for i in range(times)]
    at = datetime.now(TZ) - timedelta(seconds=sum(waits[: times - 1]))
    for i in range(times):
        with pytest.raises(LoginRefused) as info:
            auth.authenticate(db, "admin", "mauvais mot de passe", settings=settings, client=client, now=at)
        assert info.value.reason == "wrong_password"
        at += timedelta(seconds=waits[i])


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_user_throttles_lists_clients_and_accounts_and_clears_them(db, settings, capsys, monkeypatch, fast_hash):
    """After failures from two clients, `user throttles --json` lists both clients and the
    account; `--clear --client` and `--clear ACCOUNT` remove one each, `--clear` the rest."""
    monkeypatch.setenv("OPMS_DATABASE__URL", db.engine.url.render_as_string(hide_password=False))
    auth.add_user(db, "admin", PASSWORD, role="admin", actor="test")
    _fail(db, settings, "203.0.113.7", 10)
    _fail(db, settings, "198.51.100.3", 1)
    code, out, err = _run(capsys, "user", "throttles", "--json")
    assert code == 0, err
    rows = {(t["scope"], t["key"]): t for t in json.loads(out)["throttles"]}
    assert set(rows) == {("client", "203.0.113.7"), ("client", "198.51.100.3"), ("account", "admin")}
    assert rows["client", "203.0.113.7"]["failures"] == 10 and rows["client", "203.0.113.7"]["retry_after"] > 0
    assert rows["account", "admin"]["failures"] == 11
    code, out, _ = _run(capsys, "user", "throttles", "--clear", "--client", "203.0.113.7", "--json")
    assert code == 0 and json.loads(out)["cleared"] == 1
    # the cleared client logs in at once with the right password
    assert auth.authenticate(db, "admin", PASSWORD, settings=settings, client="203.0.113.7")
    code, out, _ = _run(capsys, "user", "throttles", "--json")
    assert [(t["scope"], t["key"]) for t in json.loads(out)["throttles"]] == [("client", "198.51.100.3")]
    code, out, _ = _run(capsys, "user", "throttles", "--clear", "--json")
    assert code == 0 and json.loads(out)["cleared"] == 1
    code, out, _ = _run(capsys, "user", "throttles")
    assert code == 0 and "198.51.100.3" not in out


def test_user_throttles_clear_of_an_unknown_account_is_refused(db, capsys, monkeypatch):
    """`--clear nobody`: exit 3 and the name in the message, nothing cleared."""
    monkeypatch.setenv("OPMS_DATABASE__URL", db.engine.url.render_as_string(hide_password=False))
    code, _, err = _run(capsys, "user", "throttles", "--clear", "nobody")
    assert code == 3 and "nobody" in err


def test_cli_delay_message_names_the_seconds_in_french():
    """The throttled refusal is in French with the number of seconds."""
    err = auth.LoginThrottled(42)
    assert "réessayez dans 42 s" in err.localized("fr_CA")
    assert err.exit_code == 2 and isinstance(err, LoginRefused)
    assert datetime(2026, 1, 1, tzinfo=TZ) + timedelta(seconds=err.retry_after) > datetime(2026, 1, 1, tzinfo=TZ)
