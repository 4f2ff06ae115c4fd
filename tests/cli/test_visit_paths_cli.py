"""The five paths of the company's process through the command line only (issue 15).

The same paths as the browser walks (tests/views/test_visit_paths_browser.py): a technician
and a request per path are added with ``technician add`` and ``request add``, the visits
booked with ``calls record`` and the day planned with ``plan``; each path is then walked with
``visit``, ``workshop``, ``remote`` and ``invoice`` and ends on the invoice, whose lines and
totals are checked against the tariff in the settings, so a step left out (no signature, no
clock, no estimate, no workshop step, no test at home) fails it. One day per database
backend (SQLite and PostgreSQL), set up once for the module; each path has its own request.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dispatch.billing import rules
from dispatch.cli.main import main
from dispatch.settings import load_settings
from tests.conftest import TEST_LEGAL
from tests.signing import blank_png, signature_png
from tests.storage_support import _admin_engine, pg_url_or_skip

#: The day of the visits (the bookings are made with ``--force``: the day may be over).
DAY = date(2026, 12, 3)
ADDRESS = "1015 Avenue Saint-Denis, Mascouche"
NAMES = {
    "a": "Alice Sur-Place",
    "b": "Bruno Atelier",
    "c": "Carole Sans-Atelier",
    "d": "Denis Refus",
    "e": "Émile Distance",
    "f": "Fanny Sans-Signature",
}


@dataclass(frozen=True)
class Run:
    """One command's exit code, JSON document (``None`` when stdout is empty) and stderr."""

    code: int
    out: Any
    err: str


@dataclass(frozen=True)
class World:
    """A data directory over one backend: the day booked, a request per path."""

    data: Path
    config: Path
    ids: dict[str, int]
    travel: dict[str, Decimal]
    files: Path

    def __call__(self, *argv: str) -> Run:
        """Run ``opms-dispatch ARGV --json --data-dir D --config C`` in this process."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([*argv, "--json", "--data-dir", str(self.data), "--config", str(self.config)])
        text = out.getvalue()
        return Run(code, json.loads(text) if text.strip() else None, err.getvalue())

    def ok(self, *argv: str) -> Any:
        """Run a command that must succeed; its JSON document."""
        run = self(*argv)
        assert run.code == 0, (argv, run.err)
        return run.out


def _tariff() -> Any:
    return load_settings(env={}).billing


def diagnostic(minutes: int) -> Decimal:
    """The price of ``minutes`` of diagnostic under the default tariff (blocks, minimum)."""
    b = _tariff()
    billed = rules.billed_minutes(minutes, increment_min=b.increment_min, minimum_min=b.minimum_min)
    return rules.diagnostic_price(billed, b.hourly_rate)


def totals(amounts: list[Decimal]) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Subtotal, GST, QST and total of ``amounts`` under the default rates."""
    b = _tariff()
    sub = sum(amounts, Decimal("0.00"))
    gst, qst = rules.taxes(sub, gst_rate=b.gst_rate, qst_rate=b.qst_rate)
    return sub, gst, qst, sub + gst + qst


def assert_invoice(inv: dict[str, Any], lines: list[tuple[str, Decimal]]) -> None:
    """The invoice has exactly ``lines`` (label prefix, amount), in order, and their totals."""
    got = [(ln["label"], Decimal(ln["amount"])) for ln in inv["lines"]]
    assert len(got) == len(lines), got
    for (label, amount), (want_label, want_amount) in zip(got, lines, strict=True):
        assert label.startswith(want_label) and amount == want_amount, (got, lines)
    sub, gst, qst, total = totals([a for _label, a in lines])
    assert (Decimal(inv["subtotal"]), Decimal(inv["gst"]), Decimal(inv["qst"]), Decimal(inv["total"])) == (
        sub, gst, qst, total,
    )  # fmt: skip


def _config(folder: Path, url: str) -> Path:
    path = folder / "settings.toml"
    legal = "".join(f'{k} = "{v}"\n' for k, v in TEST_LEGAL.items())
    database = f'\n[database]\nurl = "{url}"\n' if url else ""
    path.write_text(f'[general]\ndefault_region = "mascouche"\n\n[billing]\n{legal}{database}', encoding="utf-8")
    return path


@contextlib.contextmanager
def _database_url(backend: str) -> Iterator[str]:
    """``""`` (SQLite in the data directory) or a PostgreSQL database made for this module."""
    if backend == "sqlite":
        yield ""
        return
    url = pg_url_or_skip()
    name = f"opms_cli_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(
    scope="module",
    params=[pytest.param("sqlite", id="sqlite"), pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)],
)
def world(request, tmp_path_factory, mascouche, regions_data_dir) -> Iterator[World]:
    """One technician, a request per path (e: remote), a-d and f booked on DAY, the day planned."""
    folder = tmp_path_factory.mktemp(f"visit-paths-{request.param}")
    data = folder / "data"
    data.mkdir()
    (data / "regions").symlink_to(regions_data_dir / "regions", target_is_directory=True)
    files = folder / "files"
    files.mkdir()
    (files / "signature.png").write_bytes(signature_png())
    (files / "blank.png").write_bytes(blank_png())
    with _database_url(request.param) as url:
        w = World(data, _config(folder, url), {}, {}, files)
        tech = w.ok("technician", "add", "Théo Technicien", "--skills", "pc", "--start", "08:00", "--end", "17:00")
        assert [t["id"] for t in w.ok("technician", "list")["technicians"]] == [tech["id"]]
        for letter, name in NAMES.items():
            remote = ["--remote"] if letter == "e" else []
            req = w.ok(
                "request", "add", "--name", name, "--phone", "450 555-0199", "--address", ADDRESS,
                "--problem", "Ordinateur lent", "--consent", *remote,
            )  # fmt: skip
            assert req["zone"] == "core" and req["state"] == "requested", req
            w.ids[letter], w.travel[letter] = req["id"], Decimal(req["travel_fee"])
        for letter in "abcdf":
            call = w.ok(
                "calls", "record", str(w.ids[letter]), "--kind", "contact", "--outcome", "reached",
                "--start", f"{DAY}T08:00", "--end", f"{DAY}T16:00", "--duration-min", "45", "--force",
            )  # fmt: skip
            assert call["request_state"] == "contacted"
        plan = w.ok("plan", "--date", DAY.isoformat(), "--time-limit", "1", "--publish")
        assert plan["unassigned"] == [], plan["unassigned"]
        assert plan["published"] >= 1, plan
        listed = w.ok("visit", "list", "--date", DAY.isoformat())
        assert sorted(v["id"] for v in listed["visits"]) == sorted(w.ids[x] for x in "abcdf")
        yield w


def arrive_sign_diagnose(w: World, rid: int, *, name: str) -> dict[str, Any]:
    """Arrival, the policy signed, the clock 09:10-09:20 and 09:25-09:45 (30 min); the sheet."""
    assert w.ok("visit", "arrive", str(rid), "--at", "09:00")["state"] == "on_site"
    sheet = w.ok("visit", "sign", str(rid), "--name", name, "--signature", str(w.files / "signature.png"), "--at", "09:05")
    assert sheet["state"] == "policy_signed" and sheet["policy"]["signer"] == name
    w.ok("visit", "diagnostic", str(rid), "start", "--at", "09:10")
    assert w.ok("visit", "diagnostic", str(rid), "pause", "--at", "09:20")["diagnostic"]["state"] == "paused"
    w.ok("visit", "diagnostic", str(rid), "resume", "--at", f"{DAY}T09:25")
    sheet = w.ok("visit", "diagnostic", str(rid), "stop", "--at", "09:45")
    assert sheet["state"] == "diagnosed"
    assert (sheet["diagnostic"]["minutes"], Decimal(sheet["diagnostic"]["price"])) == (30, diagnostic(30))
    return sheet


def issue(w: World, rid: int, lines: list[tuple[str, Decimal]]) -> dict[str, Any]:
    """Issue the request's invoice and check its lines and totals."""
    inv = w.ok("invoice", "issue", str(rid))
    assert_invoice(inv, lines)
    assert inv["status"] == "unpaid"
    return inv


def test_a_repaired_on_site_then_paid_in_two_partial_payments(world):
    """(a) signed -> diagnostic -> estimate accepted -> repaired on site -> invoice -> 2 payments."""
    w, rid = world, world.ids["a"]
    arrive_sign_diagnose(w, rid, name=NAMES["a"])
    sheet = w.ok("visit", "estimate", str(rid), "--part", "Remplacement de l'écran=180,00", "--line", "Installation=45.50")
    assert [(ln["kind"], ln["amount"]) for ln in sheet["estimate"]["lines"]] == [("parts", "180.00"), ("labour", "45.50")]
    sheet = w.ok("visit", "outcome", str(rid), "accepted_on_site", "--at", "10:30")
    assert sheet["state"] == "repaired_on_site" and sheet["outcome"]["name"] == "accepted_on_site"
    lines = [("Déplacement", w.travel["a"]), ("Temps de diagnostic", diagnostic(30)),
             ("Remplacement de l'écran", Decimal("180.00")), ("Installation", Decimal("45.50"))]  # fmt: skip
    inv = issue(w, rid, lines)
    total = Decimal(inv["total"])
    paid = w.ok("invoice", "pay", inv["number"], "--method", "cash", "--amount", "100,00")
    assert (Decimal(paid["balance"]), paid["status"]) == (total - 100, "partial")
    assert w.ok("visit", "show", str(rid))["state"] == "invoiced"
    rest = f"{total - 100}".replace(".", ",")
    paid = w.ok("invoice", "pay", inv["number"], "--method", "interac", "--amount", rest, "--reference", "CA42")
    assert (Decimal(paid["balance"]), paid["status"]) == (Decimal("0.00"), "paid")
    assert w.ok("visit", "show", str(rid))["state"] == "paid"


def test_b_workshop_then_return_visit_tested_at_home_then_paid(world):
    """(b) accepted in the workshop -> repairing -> ready -> return visit booked and planned ->
    test at home passed -> invoice (with the return trip) -> paid."""
    w, rid = world, world.ids["b"]
    arrive_sign_diagnose(w, rid, name=NAMES["b"])
    w.ok("visit", "estimate", str(rid), "--part", "Carte mère=250,00")
    sheet = w.ok(
        "visit", "outcome", str(rid), "accepted_workshop", "--device", "Portable Lenovo T14",
        "--serial", "PF-3X9K2", "--accessories", "Chargeur", "--signature", str(w.files / "signature.png"),
        "--name", NAMES["b"], "--at", "10:00",
    )  # fmt: skip
    assert sheet["state"] == "in_workshop" and sheet["workshop"]["state"] == "received"
    items = w.ok("workshop", "list")["items"]
    assert [(i["device"], i["serial"]) for i in items if i["request_id"] == rid] == [("Portable Lenovo T14", "PF-3X9K2")]
    assert w.ok("workshop", "advance", str(rid), "repairing")["state"] == "repairing"
    ready = w.ok("workshop", "advance", str(rid), "ready")
    assert [e["state"] for e in ready["history"]] == ["received", "repairing", "ready"]
    assert rid in [c["request_id"] for c in w.ok("calls", "contact")["calls"]]
    call = w.ok(
        "calls", "record", str(rid), "--kind", "contact", "--outcome", "reached",
        "--start", f"{DAY}T13:00", "--end", f"{DAY}T16:30", "--duration-min", "30", "--force",
    )  # fmt: skip
    assert call["request_state"] == "return_scheduled"
    plan = w.ok("plan", "--date", DAY.isoformat(), "--time-limit", "1", "--publish")
    assert plan["unassigned"] == [] and plan["published"] >= 1, plan
    assert w.ok("visit", "arrive", str(rid), "--at", "14:00")["state"] == "return_scheduled"
    tested = w.ok("visit", "test", str(rid), "--passed", "--attended-by", NAMES["b"], "--at", "14:20")
    assert tested["state"] == "returned" and tested["workshop"]["state"] == "returned"
    lines = [("Déplacement", w.travel["b"]), ("Temps de diagnostic", diagnostic(30)),
             ("Carte mère", Decimal("250.00")), ("Déplacement (visite de retour)", w.travel["b"])]  # fmt: skip
    inv = issue(w, rid, lines)
    paid = w.ok("invoice", "pay", inv["number"], "--method", "bank_transfer", "--amount", inv["total"], "--reference", "VB-7")
    assert paid["status"] == "paid" and w.ok("visit", "show", str(rid))["state"] == "paid"


def test_c_workshop_refused_bills_travel_diagnostic_and_20_percent(world):
    """(c) the estimate accepted but the workshop refused: travel + diagnostic + 20 % of it."""
    w, rid = world, world.ids["c"]
    arrive_sign_diagnose(w, rid, name=NAMES["c"])
    w.ok("visit", "estimate", str(rid), "--line", "Réparation en atelier=300,00")
    assert w.ok("visit", "outcome", str(rid), "workshop_refused")["state"] == "workshop_refused"
    compensation = rules.percent_of(diagnostic(30), _tariff().workshop_refused_pct)
    assert compensation == Decimal("8.50")
    inv = issue(w, rid, [("Déplacement", w.travel["c"]), ("Temps de diagnostic", diagnostic(30)),
                         ("Compensation : 20 % du diagnostic", compensation)])  # fmt: skip
    assert "Réparation en atelier" not in json.dumps(inv, ensure_ascii=False)


def test_d_refused_bills_travel_and_diagnostic(world):
    """(d) the estimate refused: travel + diagnostic only."""
    w, rid = world, world.ids["d"]
    arrive_sign_diagnose(w, rid, name=NAMES["d"])
    w.ok("visit", "estimate", str(rid), "--part", "Disque SSD=129,99")
    sheet = w.ok("visit", "outcome", str(rid), "refused")
    assert sheet["state"] == "estimate_refused" and sheet["outcome"]["name"] == "refused"
    issue(w, rid, [("Déplacement", w.travel["d"]), ("Temps de diagnostic", diagnostic(30))])


def test_e_remote_session_interrupted_has_no_travel_nor_compensation(world):
    """(e) remote: refused without consent; started with it, interrupted after 1 min: one
    15-min block (no minimum), no travel line, no compensation."""
    w, rid = world, world.ids["e"]
    run = w("remote", "start", str(rid))
    assert run.code == 2 and "consentement" in run.err and run.out is None
    session = w.ok("remote", "start", str(rid), "--consent", "--at", f"{DAY}T10:00")["session"]
    stopped = w.ok("remote", "stop", str(session), "--interrupted", "--at", f"{DAY}T10:01")
    assert (stopped["minutes"], stopped["billed_min"]) == (1, 15)
    one_block = rules.diagnostic_price(15, _tariff().hourly_rate)
    inv = issue(w, rid, [("Soutien à distance (interrompu par le client)", one_block)])
    assert not any(ln["label"].startswith(("Déplacement", "Compensation")) for ln in inv["lines"])
    w.ok("invoice", "pay", inv["number"], "--method", "paypal", "--amount", inv["total"], "--reference", "PP-77")
    assert w.ok("visit", "show", str(rid))["state"] == "paid"


def test_diagnostic_before_the_signature_exits_2_in_french_and_a_blank_signature_is_refused(world):
    """No diagnostic before the policy is signed (exit 2, French, no traceback); a blank
    canvas is not a signature (exit 2); signed, the clock starts."""
    w, rid = world, world.ids["f"]
    w.ok("visit", "arrive", str(rid), "--at", "11:00")
    run = w("visit", "diagnostic", str(rid), "start", "--at", "11:05")
    assert run.code == 2 and run.out is None
    assert run.err.startswith("opms-dispatch: ") and "politique" in run.err and "Traceback" not in run.err
    run = w("visit", "sign", str(rid), "--name", NAMES["f"], "--signature", str(w.files / "blank.png"))
    assert run.code == 2 and "signature est vide" in run.err, run.err
    assert w.ok("visit", "show", str(rid))["policy"] is None
    w.ok("visit", "sign", str(rid), "--name", NAMES["f"], "--signature", str(w.files / "signature.png"), "--at", "11:06")
    run = w("visit", "diagnostic", str(rid), "start", "--at", "2026-12-04T11:07")
    assert run.code == 2 and "2026-12-03" in run.err  # another day than the appointment's
    assert w.ok("visit", "diagnostic", str(rid), "start", "--at", "11:07")["diagnostic"]["state"] == "running"


def test_policy_set_adds_a_version_that_the_next_signature_names(world, tmp_path):
    """policy show gives the version in force and its SHA-256; policy set adds the next one."""
    w = world
    shown = w.ok("policy", "show")
    assert shown["sha256"] == hashlib.sha256(shown["text"].encode("utf-8")).hexdigest()
    text = "# Politique de service (CLI)\n\nLe diagnostic est facturé au temps passé.\n"
    (tmp_path / "p.md").write_text(text, encoding="utf-8")
    stored = w.ok("policy", "set", str(tmp_path / "p.md"))
    assert stored["version"] == shown["version"] + 1
    assert stored["sha256"] == hashlib.sha256(text.strip().encode("utf-8")).hexdigest()
    assert w.ok("policy", "show")["version"] == stored["version"]
    assert w.ok("policy", "show", "--version", str(shown["version"]))["sha256"] == shown["sha256"]
