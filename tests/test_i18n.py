"""One language for people: every message is a marked template with a French translation."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dispatch import i18n
from dispatch.billing.rules import PaymentMethod, method_label
from dispatch.errors import DispatchError, InvalidInput
from dispatch.office.calls import outcome_label
from dispatch.records.lifecycle import State, state_label

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("dispatch", "views", "maps")
FRENCH_PO = ROOT / "dispatch" / "locale" / "fr_CA" / "LC_MESSAGES" / "messages.po"


def _python_files() -> list[Path]:
    files = [p for d in SOURCES for p in (ROOT / d).rglob("*.py") if "migrations" not in p.parts]
    return [*files, ROOT / "app.py"]


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """Names of the classes that derive from DispatchError anywhere in the product."""
    names = {"DispatchError"}
    grown = True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                    if bases & names:
                        names.add(node.name)
                        grown = True
    return names


def _marked(node: ast.expr, assigned: dict[str, ast.expr]) -> bool:
    if isinstance(node, ast.Name) and node.id in assigned:
        node = assigned[node.id]
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"N_", "_"}
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def _unmarked_raises() -> list[str]:
    trees = {p: ast.parse(p.read_text(), str(p)) for p in _python_files()}
    errors = _error_classes(trees)
    found = []
    for path, tree in trees.items():
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
                continue
            assigned = {
                t.id: n.value
                for n in ast.walk(func)
                if isinstance(n, ast.Assign)
                for t in n.targets
                if isinstance(t, ast.Name)
            }
            for node in ast.walk(func):
                if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                    continue
                name = node.exc.func
                cls = name.id if isinstance(name, ast.Name) else getattr(name, "attr", "")
                if cls in errors and (not node.exc.args or not _marked(node.exc.args[0], assigned)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {cls}")
    return sorted(set(found))


def _extracted() -> set[str]:
    ids: set[str] = set()
    for d in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / d, method_map=[("**.py", "python")]
        ):
            if isinstance(message, str):
                ids.add(message)
    return ids


def _fields(text: str) -> set[str]:
    return {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None}


def test_every_error_raised_by_the_product_is_a_marked_template() -> None:
    """A DispatchError built from an unmarked string would reach people untranslated."""
    assert _unmarked_raises() == []


def test_every_marked_message_has_a_french_translation_with_the_same_placeholders() -> None:
    with FRENCH_PO.open("rb") as fh:
        catalog = read_po(fh, locale="fr_CA")
    missing, broken = [], []
    for msgid in sorted(_extracted()):
        message = catalog.get(msgid)
        if message is None or not message.string or message.fuzzy:
            missing.append(msgid)
        elif _fields(message.string) != _fields(msgid):
            broken.append(msgid)
    assert missing == []
    assert broken == []


def test_error_reads_in_french_by_default_and_in_english_on_request() -> None:
    err = InvalidInput(i18n.N_("Expected LAT,LON (for example 45.7460,-73.6010), got {text!r}."), text="x")
    assert str(err) == "Expected LAT,LON (for example 45.7460,-73.6010), got 'x'."
    french = err.localized("fr_CA")
    assert french != str(err) and "'x'" in french
    assert re.search(r"\b(attendu|reçu|exemple)\b", french, re.I)
    assert err.localized("en") == str(err)


def test_active_language_follows_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    err = DispatchError(i18n.N_("Expected LAT,LON (for example 45.7460,-73.6010), got {text!r}."), text="x")
    monkeypatch.setenv("OPMS_GENERAL__LANGUAGE", "en")
    assert err.localized() == str(err)
    i18n.set_language("fr_CA")
    try:
        assert err.localized() != str(err)
    finally:
        i18n.set_language(None)


def test_state_payment_and_call_labels_follow_the_language() -> None:
    i18n.set_language("fr_CA")
    try:
        assert (state_label(State.REQUESTED), method_label(PaymentMethod.CASH)) == ("Demande reçue", "Comptant")
        assert outcome_label("message_left") == "Message laissé"
        i18n.set_language("en")
        assert (state_label("requested"), method_label("cash")) == ("Request received", "Cash")
        assert outcome_label("message_left") == "Message left"
    finally:
        i18n.set_language(None)
