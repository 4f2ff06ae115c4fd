"""Staff access: argon2 hashes, same message for every refusal, throttling, roles, timeout, CLI."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from dispatch import records as st
from dispatch.cli.main import main
from dispatch.errors import AccessDenied, ConflictError, InvalidInput, NotFound
from dispatch.office import auth
from dispatch.office.auth import LOGIN_REFUSED, LoginRefused
from dispatch.records import TZ, UserRow

pytest_plugins = ["tests.storage_support"]

PASSWORD = "cheval agrafe batterie"
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=TZ)


@pytest.fixture()
def fast_hash(monkeypatch):
    """A cheap argon2id (1 pass, 8 MiB) for the tests that make hundreds of attempts: the
    throttling is under test there, not the hash's cost."""
    fast = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    dummy = fast.hash("opms-dispatch: no such user")
    monkeypatch.setattr(auth, "_hasher", lambda: fast)
    monkeypatch.setattr(auth, "_dummy_hash", lambda: dummy)


def _stored_hash(db, username: str) -> str:
    with db.read() as s:
        return s.scalars(sa.select(UserRow.password_hash).where(UserRow.username == username)).one()


def _refusal(db, username, password, settings, now, client="test") -> LoginRefused:
    with pytest.raises(LoginRefused) as info:
        auth.authenticate(db, username, password, settings=settings, now=now, client=client)
    return info.value


def test_stored_hash_is_argon2id_and_never_the_password(db):
    """The users table holds a salted $argon2id$ hash: not the password, different per user."""
    auth.add_user(db, "marie", PASSWORD, role="dispatcher", actor="test")
    auth.add_user(db, "luc", PASSWORD, role="billing", actor="test")
    h1, h2 = _stored_hash(db, "marie"), _stored_hash(db, "luc")
    assert h1.startswith("$argon2id$") and h2.startswith("$argon2id$")
    assert PASSWORD not in h1 and h1 != h2
    with db.read() as s:
        dump = json.dumps([list(r) for r in s.execute(sa.select(UserRow.__table__)).all()], default=str)
    assert PASSWORD not in dump
    assert auth.verify_password(h1, PASSWORD) and not auth.verify_password(h1, PASSWORD + "x")


def test_right_password_logs_in_and_is_audited(db, settings):
    """A correct login returns the user, records last_login_at and a 'login' audit entry."""
    created = auth.add_user(db, "Marie", PASSWORD, role="dispatcher", actor="test")
    user = auth.authenticate(db, " MARIE ", PASSWORD, settings=settings, now=T0)
    assert user.id == created.id and user.username == "marie" and user.role == "dispatcher"
    assert user.last_login_at == T0
    actions = [e.action for e in st.audit_log(db, entity="user", entity_id=user.id)]
    assert actions == ["login", "user_created"]


def test_unknown_user_and_wrong_password_get_the_same_message(db, settings):
    """Unknown user, wrong password, disabled account: one identical message, reasons only in the log."""
    auth.add_user(db, "marie", PASSWORD, role="dispatcher", actor="test")
    auth.add_user(db, "luc", PASSWORD, role="billing", actor="test")
    auth.disable_user(db, "luc", actor="test")
    unknown = _refusal(db, "personne", PASSWORD, settings, T0)
    wrong = _refusal(db, "marie", "mauvais mot de passe", settings, T0)
    disabled = _refusal(db, "luc", PASSWORD, settings, T0)
    assert str(unknown) == str(wrong) == str(disabled) == LOGIN_REFUSED
    assert (unknown.reason, wrong.reason, disabled.reason) == ("unknown_user", "wrong_password", "disabled")
    assert isinstance(unknown, AccessDenied) and unknown.exit_code == 2
    failed = [e for e in st.audit_log(db, entity="user") if e.action in {"login_failed", "login_refused"}]
    assert {e.details["reason"] for e in failed} == {"unknown_user", "wrong_password", "disabled"}
    assert "personne" not in json.dumps([e.to_dict() for e in st.audit_log(db)], default=str)


def test_disabled_user_is_refused_even_with_the_right_password(db, settings):
    """A disabled account cannot log in; enabling it again lets it in."""
    auth.add_user(db, "luc", PASSWORD, role="billing", actor="test")
    assert auth.authenticate(db, "luc", PASSWORD, settings=settings, now=T0).username == "luc"
    auth.disable_user(db, "luc", actor="admin")
    assert _refusal(db, "luc", PASSWORD, settings, T0).reason == "disabled"
    auth.enable_user(db, "luc", actor="admin")
    assert auth.authenticate(db, "luc", PASSWORD, settings=settings, now=T0).username == "luc"


def test_wrong_passwords_from_one_client_delay_that_client_with_growing_capped_delays(db, settings, fast_hash):
    """max_failed_logins=3 free failures, then 1, 2, 4... s up to lockout_min=1 min (60 s) for
    that client: the next attempt inside the delay is refused with "réessayez dans N s" without
    checking the password, the right password works once the delay has passed."""
    settings = settings.with_section("security", max_failed_logins=3, lockout_min=1)
    auth.add_user(db, "marie", PASSWORD, role="dispatcher", actor="test")
    at = T0
    for i in range(3):
        assert _refusal(db, "marie", f"faux {i}", settings, at, client="10.0.0.9").reason == "wrong_password"
    delays = []
    for i in range(9):
        assert _refusal(db, "marie", f"faux {i}", settings, at, client="10.0.0.9").reason == "wrong_password"
        refused = _refusal(db, "marie", PASSWORD, settings, at, client="10.0.0.9")
        assert refused.reason == "throttled"
        delays.append(refused.retry_after)
        text = refused.localized("fr_CA")
        assert re.search(rf"réessayez dans {refused.retry_after} s", text), text
        at += timedelta(seconds=refused.retry_after)
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    ok = auth.authenticate(db, "marie", PASSWORD, settings=settings, now=at, client="10.0.0.9")
    assert ok.username == "marie" and ok.failed_logins == 0
    assert [t.failures for t in auth.list_throttles(db, now=at) if t.scope == "client"] == [0]


def test_owner_logs_in_from_another_client_after_1000_failed_attempts_with_bounded_audit(db, settings, fast_hash):
    """1,000 wrong passwords on admin from one client (one every 2 s, ignoring the delays): the
    attacker is refused with a delay, the owner logs in at once from a clean client, and the
    audit log grows by a bounded number of rows (checked attempts are spaced by the delays,
    refused ones aggregated into one row per client per 15 min)."""
    auth.add_user(db, "admin", PASSWORD, role="admin", actor="test")
    before = len(st.audit_log(db, limit=100_000))
    for i in range(1000):
        with pytest.raises(LoginRefused):
            auth.authenticate(db, "admin", f"essai {i}", settings=settings, now=T0 + timedelta(seconds=2 * i),
                              client="203.0.113.66")
    end = T0 + timedelta(seconds=2000)
    attacker = _refusal(db, "admin", PASSWORD, settings, end, client="203.0.113.66")
    assert attacker.reason == "throttled" and attacker.retry_after > 0
    owner = auth.authenticate(db, "admin", PASSWORD, settings=settings, now=end, client="192.168.1.20")
    assert owner.username == "admin"
    added = len(st.audit_log(db, limit=100_000)) - before
    # measured 21: 17 checked attempts (5 free, then one per delay: 1, 2, 4 ... 512, 900 s),
    # 3 aggregated rows of refused attempts (2,000 s: three 15-minute windows), the owner's login
    assert added <= 25, added


def test_account_under_attack_from_many_clients_delays_only_clients_that_failed(db, settings, fast_hash):
    """Failures from 50 addresses put a delay on the account for clients that have failed; a
    clean client with the right password still goes in, and a failing one is delayed."""
    auth.add_user(db, "admin", PASSWORD, role="admin", actor="test")
    for i in range(50):
        _refusal(db, "admin", "devinette", settings, T0, client=f"198.51.100.{i}")
    tainted = _refusal(db, "admin", PASSWORD, settings, T0 + timedelta(seconds=5), client="198.51.100.7")
    assert tainted.reason == "throttled" and tainted.retry_after > 0
    assert auth.get_user(db, "admin").failed_logins == 50
    owner = auth.authenticate(db, "admin", PASSWORD, settings=settings, now=T0 + timedelta(seconds=5),
                              client="192.168.1.20")
    assert owner.username == "admin" and owner.failed_logins == 0


def test_unknown_user_attempts_are_aggregated_per_client_and_window(db, settings, fast_hash):
    """300 unknown usernames from one client within 15 min: one aggregated audit row with the
    count (and the client), not 300; the next window starts a new row; names never stored."""
    settings = settings.with_section("security", max_failed_logins=1000)
    for i in range(300):
        _refusal(db, f"inconnu{i}", PASSWORD, settings, T0 + timedelta(seconds=i), client="203.0.113.5")
    _refusal(db, "inconnu", PASSWORD, settings, T0 + timedelta(minutes=20), client="203.0.113.5")
    rows = [e for e in st.audit_log(db, limit=100_000) if e.details.get("reason") == "unknown_user"]
    assert [(e.details["client"], e.details["count"]) for e in rows] == [("203.0.113.5", 1), ("203.0.113.5", 300)]
    assert "inconnu" not in json.dumps([e.to_dict() for e in rows], default=str)


def test_failures_below_the_free_budget_are_not_delayed_and_success_resets_the_count(db, settings):
    """4 failures then a success then 4 failures: never delayed with max_failed_logins=5."""
    auth.add_user(db, "marie", PASSWORD, role="dispatcher", actor="test")
    for round_ in range(2):
        for i in range(4):
            assert _refusal(db, "marie", "faux", settings, T0 + timedelta(minutes=round_, seconds=i)).reason \
                == "wrong_password"
        auth.authenticate(db, "marie", PASSWORD, settings=settings, now=T0 + timedelta(minutes=round_, seconds=30),
                          client="test")
    assert auth.get_user(db, "marie").failed_logins == 0


def test_after_an_hour_without_failure_a_client_starts_a_fresh_budget(db, settings):
    """A delayed client is forgotten an hour after its last failure: no delay any more."""
    settings = settings.with_section("security", max_failed_logins=2, lockout_min=5)
    auth.add_user(db, "marie", PASSWORD, role="dispatcher", actor="test")
    for _ in range(3):
        _refusal(db, "marie", "faux", settings, T0)
    assert _refusal(db, "marie", PASSWORD, settings, T0).reason == "throttled"
    later = T0 + timedelta(hours=1, seconds=1)
    assert _refusal(db, "marie", "faux", settings, later).reason == "wrong_password"
    assert auth.authenticate(db, "marie", PASSWORD, settings=settings, now=later).username == "marie"


def test_concurrent_failures_are_all_counted(db, settings):
    """16 wrong passwords sent at once from 8 threads and 16 clients: the account's counter
    ends at 16 (no lost update)."""
    from concurrent.futures import ThreadPoolExecutor

    auth.add_user(db, "marie", PASSWORD, role="dispatcher", actor="test")

    def attempt(i):
        with pytest.raises(LoginRefused):
            auth.authenticate(db, "marie", f"faux {i}", settings=settings, now=T0, client=f"10.1.0.{i}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(attempt, range(16)))
    assert auth.get_user(db, "marie").failed_logins == 16


def test_concurrent_attempts_from_one_client_get_no_more_than_the_free_budget_checked(db, settings):
    """16 wrong passwords at once from one client: 5 free failures plus 1 (then delayed)."""
    from concurrent.futures import ThreadPoolExecutor

    auth.add_user(db, "marie", PASSWORD, role="dispatcher", actor="test")

    def attempt(i):
        with pytest.raises(LoginRefused) as info:
            auth.authenticate(db, "marie", f"faux {i}", settings=settings, now=T0, client="10.2.0.1")
        return info.value.reason

    with ThreadPoolExecutor(8) as pool:
        reasons = list(pool.map(attempt, range(16)))
    assert reasons.count("wrong_password") == 6 and reasons.count("throttled") == 10


def test_set_password_replaces_the_hash_and_clears_the_account_delay(db, settings):
    """passwd: the old password stops working, the new one works, the account's failures go."""
    settings = settings.with_section("security", max_failed_logins=1)
    auth.add_user(db, "marie", PASSWORD, role="dispatcher", actor="test")
    _refusal(db, "marie", "faux", settings, T0, client="a")
    _refusal(db, "marie", "faux", settings, T0, client="b")
    assert auth.get_user(db, "marie").failed_logins == 2
    auth.set_password(db, "marie", "nouvelle phrase secrète", actor="admin")
    assert auth.get_user(db, "marie").failed_logins == 0
    assert _refusal(db, "marie", PASSWORD, settings, T0, client="c").reason == "wrong_password"
    assert auth.authenticate(db, "marie", "nouvelle phrase secrète", settings=settings, now=T0, client="d")


def test_throttles_are_listed_and_cleared(db, settings):
    """list_throttles shows clients and accounts with their failures and delays; clear_throttles
    removes one client, one account, or all, and writes the audit log."""
    settings = settings.with_section("security", max_failed_logins=1)
    auth.add_user(db, "marie", PASSWORD, role="dispatcher", actor="test")
    t10, t20 = T0 + timedelta(seconds=10), T0 + timedelta(seconds=20)
    for at, client in ((T0, "10.0.0.1"), (T0, "10.0.0.1"), (t10, "10.0.0.2"), (t20, "10.0.0.2")):
        assert _refusal(db, "marie", "faux", settings, at, client=client).reason == "wrong_password"
    rows = {(t.scope, t.key): t for t in auth.list_throttles(db, now=t20)}
    assert set(rows) == {("client", "10.0.0.1"), ("client", "10.0.0.2"), ("account", "marie")}
    assert (rows["client", "10.0.0.2"].failures, rows["client", "10.0.0.2"].retry_after) == (2, 1)
    assert (rows["account", "marie"].failures, rows["account", "marie"].retry_after) == (4, 4)
    assert _refusal(db, "marie", PASSWORD, settings, t20, client="10.0.0.1").reason == "throttled"
    assert auth.clear_throttles(db, client="10.0.0.1", actor="admin") == 1
    assert auth.authenticate(db, "marie", PASSWORD, settings=settings, now=t20, client="10.0.0.1")
    assert _refusal(db, "marie", PASSWORD, settings, t20, client="10.0.0.2").reason == "throttled"
    assert auth.clear_throttles(db, account="marie", actor="admin") == 0  # the login cleared it
    assert auth.clear_throttles(db, actor="admin") == 1
    assert auth.list_throttles(db, now=t20) == []
    assert auth.authenticate(db, "marie", PASSWORD, settings=settings, now=t20, client="10.0.0.2")
    assert "throttle_cleared" in {e.action for e in st.audit_log(db)}


def test_account_rules(db):
    """Short password, unknown role, duplicate name, technician link rules are refused clearly."""
    with pytest.raises(InvalidInput) as err:
        auth.add_user(db, "marie", "court", role="dispatcher", actor="t")
    assert re.search("trop court", err.value.localized("fr_CA"))
    with pytest.raises(InvalidInput) as err:
        auth.add_user(db, "marie.tremblay", "Marie.Tremblay", role="dispatcher", actor="t")
    assert re.search("nom d'utilisateur", err.value.localized("fr_CA"))
    with pytest.raises(InvalidInput) as err:
        auth.add_user(db, "marie", PASSWORD, role="root", actor="t")
    assert re.search("Rôle inconnu", err.value.localized("fr_CA"))
    with pytest.raises(InvalidInput) as err:
        auth.add_user(db, "<script>", PASSWORD, role="admin", actor="t")
    assert re.search("invalide", err.value.localized("fr_CA"))
    with pytest.raises(InvalidInput, match="--technician-id"):
        auth.add_user(db, "paul", PASSWORD, role="technician", actor="t")
    with pytest.raises(NotFound):
        auth.add_user(db, "paul", PASSWORD, role="technician", technician_id=99, actor="t")
    tech = st.add_technician(db, name="Paul")
    with pytest.raises(InvalidInput) as err:
        auth.add_user(db, "paul", PASSWORD, role="billing", technician_id=tech.id, actor="t")
    assert re.search("Seul un compte technicien", err.value.localized("fr_CA"))
    auth.add_user(db, "paul", PASSWORD, role="technician", technician_id=tech.id, actor="t")
    with pytest.raises(ConflictError) as err:
        auth.add_user(db, "PAUL", PASSWORD, role="billing", actor="t")
    assert re.search("déjà pris", err.value.localized("fr_CA"))
    assert [u.username for u in auth.list_users(db)] == ["paul"]


def test_require_role_admits_listed_roles_and_admin_only():
    """billing cannot open a dispatcher page; dispatcher and admin can; no user is refused."""
    def user(role):
        return auth.User(1, "u", role, None, False, 0, None, None, T0, T0)

    assert auth.require_role(user("dispatcher"), "dispatcher").role == "dispatcher"
    assert auth.require_role(user("admin"), "dispatcher").role == "admin"
    with pytest.raises(AccessDenied) as err:
        auth.require_role(user("billing"), "dispatcher")
    assert re.search("réservée", err.value.localized("fr_CA"))
    with pytest.raises(AccessDenied) as err:
        auth.require_role(None, "dispatcher")
    assert re.search("Connectez-vous", err.value.localized("fr_CA"))
    with pytest.raises(AccessDenied) as err:
        auth.require_role(auth.User(1, "u", "admin", None, True, 0, None, None, T0, T0), "admin")
    assert re.search("désactivé", err.value.localized("fr_CA"))


def test_session_expires_after_the_timeout(settings):
    """30 min of inactivity expire a session; 29 do not; a naive or future time counts as expired."""
    s = settings.with_section("security", session_timeout_min=30)
    assert not auth.session_expired(T0, settings=s, now=T0 + timedelta(minutes=29, seconds=59))
    assert auth.session_expired(T0, settings=s, now=T0 + timedelta(minutes=30))
    assert auth.session_expired(None, settings=s, now=T0)
    assert auth.session_expired(T0.replace(tzinfo=None), settings=s, now=T0)
    assert auth.session_expired(T0 + timedelta(hours=1), settings=s, now=T0)


def test_open_session_ends_on_timeout_or_when_the_account_is_disabled(db, settings):
    """check_session: a live session gives the user; idle past the timeout or disabled since
    the login, the page is refused."""
    auth.add_user(db, "marie", PASSWORD, role="dispatcher", actor="t")
    s = settings.with_section("security", session_timeout_min=30)
    assert auth.check_session(db, "marie", T0, settings=s, now=T0 + timedelta(minutes=10)).username == "marie"
    with pytest.raises(AccessDenied) as err:
        auth.check_session(db, "marie", T0, settings=s, now=T0 + timedelta(minutes=31))
    assert re.search("Session expirée", err.value.localized("fr_CA"))
    auth.disable_user(db, "marie", actor="admin")
    with pytest.raises(AccessDenied) as err:
        auth.check_session(db, "marie", T0, settings=s, now=T0 + timedelta(minutes=1))
    assert re.search("désactivé", err.value.localized("fr_CA"))
    with pytest.raises(AccessDenied) as err:
        auth.check_session(db, "personne", T0, settings=s, now=T0 + timedelta(minutes=1))
    assert re.search("n'existe plus", err.value.localized("fr_CA"))


def test_technician_sees_only_own_appointments(db):
    """A technician account keeps only its technician's appointments; a dispatcher keeps all."""
    a = st.add_technician(db, name="Paul")
    b = st.add_technician(db, name="Julie")
    paul = auth.add_user(db, "paul", PASSWORD, role="technician", technician_id=a.id, actor="t")
    disp = auth.add_user(db, "marie", PASSWORD, role="dispatcher", actor="t")

    class Appt:
        def __init__(self, tid):
            self.technician_id = tid

    items = [Appt(a.id), Appt(b.id), Appt(None)]
    assert [i.technician_id for i in auth.own_appointments(paul, items)] == [a.id]
    assert len(auth.own_appointments(disp, items)) == 3


def test_record_view_writes_the_audit_log(db):
    """Viewing a customer record adds a 'view' entry naming the user and the record."""
    user = auth.add_user(db, "marie", PASSWORD, role="dispatcher", actor="t")
    auth.record_view(db, user, "customer", 42, page="fiche")
    entry = st.audit_log(db, entity="customer", entity_id=42)[0]
    assert (entry.actor, entry.action, entry.details) == ("user:marie", "view", {"page": "fiche"})


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def _cli(capsys, monkeypatch, stdin, *argv):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_user_commands_add_passwd_disable_list(db, settings, capsys, monkeypatch):
    """user add/passwd/disable/list through the CLI; list never prints a hash or the password."""
    monkeypatch.setenv("OPMS_DATABASE__URL", db.engine.url.render_as_string(hide_password=False))
    tech = st.add_technician(db, name="Paul")
    code, out, err = _cli(capsys, monkeypatch, PASSWORD + "\n", "user", "add", "marie", "--role", "dispatcher",
                          "--password-stdin", "--json")
    assert code == 0, err
    assert out["username"] == "marie" and "password_hash" not in out
    code, out, err = _cli(capsys, monkeypatch, PASSWORD + "\n", "user", "add", "paul", "--role", "technician",
                          "--technician-id", str(tech.id), "--password-stdin", "--json")
    assert code == 0 and out["technician_id"] == tech.id, err
    code, _, err = _cli(capsys, monkeypatch, "court\n", "user", "add", "x1", "--role", "admin", "--password-stdin")
    assert code == 2 and "trop court" in err
    code, _, _ = _cli(capsys, monkeypatch, "phrase toute neuve\n", "user", "passwd", "marie", "--password-stdin", "--json")
    assert code == 0
    assert auth.authenticate(db, "marie", "phrase toute neuve", settings=settings)
    code, _, _ = _cli(capsys, monkeypatch, "", "user", "disable", "paul", "--json")
    assert code == 0
    code, out, _ = _cli(capsys, monkeypatch, "", "user", "list", "--json")
    text = json.dumps(out)
    assert [(u["username"], u["disabled"]) for u in out["users"]] == [("marie", False), ("paul", True)]
    assert "argon2" not in text and "hash" not in text and PASSWORD not in text
    code, _, err = _cli(capsys, monkeypatch, "", "user", "disable", "nobody")
    assert code == 3 and "nobody" in err


def test_user_add_without_terminal_or_stdin_flag_is_refused(db, capsys, monkeypatch):
    """No --password-stdin and no terminal: a clear message, no account created."""
    monkeypatch.setenv("OPMS_DATABASE__URL", db.engine.url.render_as_string(hide_password=False))
    code, _, err = _cli(capsys, monkeypatch, PASSWORD + "\n", "user", "add", "marie", "--role", "admin")
    assert code == 2 and "--password-stdin" in err
    assert auth.list_users(db) == []
