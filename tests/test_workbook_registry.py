"""The workbook package's sheet-writer registry (how other sheet families plug in)."""

import pytest

import cea.workbook as workbook
import cea.workbook.registry as registry


@pytest.fixture()
def clean_registry(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", [])
    monkeypatch.setattr(registry, "SHEET_MODULES", [])


def test_writers_run_in_registration_order_and_after_places_one(clean_registry):
    first, second, third = (lambda book: None), (lambda book: None), (lambda book: None)
    workbook.register_sheet("budget_impact", third, after="inputs")  # before "inputs" exists: placed later
    workbook.register_sheet("results", second)
    workbook.register_sheet("inputs", first)  # built-ins run in BUILTIN_ORDER whatever the import order
    workbook.register_sheet("notes", first)
    assert workbook.registered() == ["inputs", "budget_impact", "results", "notes"]
    replacement = lambda book: None  # noqa: E731
    workbook.register_sheet("inputs", replacement)  # re-registering keeps the place
    assert workbook.registered() == ["inputs", "budget_impact", "results", "notes"]
    assert workbook._writers()[0].write is replacement


def test_after_an_unknown_writer_is_an_error(clean_registry):
    workbook.register_sheet("budget_impact", lambda book: None, after="model")
    with pytest.raises(KeyError, match="no sheet writer 'model'"):
        workbook.registered()


def test_book_names_and_sheets():
    from cea.workbook.core import Book

    book = Book(inputs=None, n_rows=3)
    ws = book.add_sheet("Inputs")
    assert book.add_sheet("inputs").title == "inputs (2)"  # titles are unique ignoring case
    name = book.name("A1", "Inputs", "$C$5")  # an id that looks like a cell reference gets a prefix
    assert name == "p_A1" and book.defined[name] == "'Inputs'!$C$5"
    ws.text(1, 1, "=HYPERLINK(1)")
    assert ws.get(1, 1).text and ws.get(1, 1).formula is None
    ws.formula(2, 1, "=1+1")
    assert ws.get(2, 1).formula == "1+1"
