"""The Excel workbook: structure, safety and hygiene (openpyxl), and proof that its live formulas equal
the Python engine — recalculated in LibreOffice, before and after editing input cells.

The recalculation tests are marked ``libreoffice``: they run wherever ``soffice`` is installed (CI
always has it) and are skipped only where it is absent.  Every workbook variant goes through one
LibreOffice start (module-scoped fixture)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from cea.analyses.base_case import run_base_case
from cea.cli import app
from cea.errors import InputError
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.workbook import results_layout, write_workbook
from cea.workbook.build import HORIZON_MARGIN_YEARS, build_book, trace_rows
from cea.workbook.model import cumulative_hazard
from cea.workbook.recalc import edit_inputs, input_cells, recalculate
from cea.workbook.results import flatten

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"
REL_TOL = 1e-9
INJECTED = '=HYPERLINK("http://example.invalid","click")'


# --------------------------------------------------------------------------- fixtures
def small_frames(inputs) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(7)
    n = 200
    psa = pd.DataFrame({"cost_eve_exe": rng.normal(56000, 5000, n), "qaly_eve_exe": rng.normal(1.52, 0.1, n),
                        "cost_exe": rng.normal(28600, 3000, n), "qaly_exe": rng.normal(1.32, 0.1, n)})
    wtp = np.arange(0, 200001, 10000.0)
    p = np.clip(wtp / 300000, 0, 1)
    ceac = pd.DataFrame({"wtp": wtp, "eve_exe": p, "exe": 1 - p})
    dsa = pd.DataFrame({"parameter": ["hr_pfs", "u_pd", "eve_pack_price_10mg"],
                        "description": ["PFS hazard ratio", "+Utility PD", "-Everolimus price"],
                        "low": [0.38, 0.40, 2004.75], "high": [0.54, 0.50, 3341.25],
                        "inmb_low": [-15000.0, -22000.0, -14000.0], "inmb_high": [-28000.0, -20500.0, -28600.0],
                        "swing": [13000.0, 1500.0, 14600.0]})
    scenarios = pd.DataFrame({"scenario": ["base_case", "discount_0"], "rationale": ["Base case", "@SUM(A1)"],
                              "inc_cost": [27351.0, 30000.0], "inc_qaly": [0.2017, 0.25], "icer": [135595.0, 120000.0]})
    validation = pd.DataFrame({"check": ["OS median", "PFS median"], "model": [31.2, 7.8], "target": [31.0, 7.8],
                               "passed": [True, True]})
    return {"psa": psa, "ceac": ceac, "dsa": dsa, "scenarios": scenarios, "validation": validation}


@pytest.fixture(scope="module")
def inputs():
    loaded = load_inputs(INPUTS)
    parameters = dict(loaded.parameters)
    parameters["u_pf"] = replace(parameters["u_pf"], source=INJECTED)  # text that must stay text
    return replace(loaded, parameters=parameters)


@pytest.fixture(scope="module")
def base(inputs):
    return run_base_case(inputs)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, inputs, base):
    folder = tmp_path_factory.mktemp("workbook")
    path = write_workbook(folder / "model.xlsx", inputs, base, **small_frames(inputs))
    return path


@pytest.fixture(scope="module")
def reloaded(exported):
    return openpyxl.load_workbook(exported)


# --------------------------------------------------------------------------- structure (no LibreOffice)
def test_sheets_in_order(reloaded):
    assert reloaded.sheetnames == ["Cover", "Inputs", "Results", "Surv eve_exe", "Trace eve_exe", "Surv exe",
                                   "Trace exe", "DSA", "Scenarios", "PSA", "Validation", "Life table", "Price"]


def test_every_input_is_a_named_unlocked_cell(reloaded, inputs):
    names = reloaded.defined_names
    ids = list(inputs.parameters) + [f"{c.id}.{k}" for c in inputs.curves.values() for k in c.coefficients]
    ids += ["discount_rate_costs", "discount_rate_outcomes", "within_cycle_correction", "start_age",
            "cycle_length_days", "horizon_years", "pd_mortality", "utility_age_adjustment", "waning_start_months"]
    for pid in ids:
        assert pid in names, pid
        (sheet, ref), = names[pid].destinations
        cell = reloaded[sheet][ref.replace("$", "")]
        assert cell.protection.locked is False, pid
        assert cell.font.color.rgb.endswith("0000FF"), pid
    (sheet, ref), = names["hr_pfs"].destinations
    assert reloaded[sheet][ref.replace("$", "")].value == pytest.approx(0.45)
    assert reloaded[sheet][ref.replace("$", "")].data_type == "n"


def test_formula_cells_are_protected_and_sheets_locked_without_password(reloaded):
    formulas = 0
    for ws in reloaded.worksheets:
        assert ws.protection.sheet is True, ws.title
        assert not ws.protection.password, ws.title
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas += 1
                    assert cell.protection.locked, f"{ws.title}!{cell.coordinate}"
    assert formulas > 50_000  # the model lives in formulas


def test_model_sheets_are_formulas_that_read_inputs(reloaded, inputs):
    n = trace_rows(inputs.settings)
    assert n >= inputs.settings.n_cycles
    assert n * inputs.settings.cycle_years >= inputs.settings.horizon_years + HORIZON_MARGIN_YEARS - 1e-9
    assert (n - 1) * inputs.settings.cycle_years < inputs.settings.horizon_years + HORIZON_MARGIN_YEARS
    for name in ("Surv eve_exe", "Trace eve_exe"):
        ws = reloaded[name]
        for row in ws.iter_rows(min_row=11, max_row=10 + n):  # every cycle after 0
            for cell in row:
                if cell.value is not None:
                    assert cell.data_type == "f", f"{name}!{cell.coordinate}"
    trace = reloaded["Trace eve_exe"]
    assert trace.max_row == 10 + n  # cycles 0..n
    text = " ".join(str(c.value) for row in reloaded["Surv eve_exe"].iter_rows(min_row=11, max_row=11) for c in row)
    assert "cycle_years" in text and "life_qx" in text and "pf_death_share" in text
    # unary minus binds tighter than ^ in Excel: every negation of a power or exponent is written -1*(…)
    for ws in reloaded.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert not re.search(r"EXP\(-(?!1\*)", cell.value), cell.value
                    assert not re.search(r"\^-(?!\d)", cell.value), cell.value


def test_text_from_inputs_and_frames_is_never_a_formula(reloaded):
    ws = reloaded["Inputs"]
    hits = [c for row in ws.iter_rows() for c in row if c.value == INJECTED]
    assert hits and all(c.data_type == "s" and c.quotePrefix for c in hits)
    dsa = [c for row in reloaded["DSA"].iter_rows() for c in row if c.value in ("+Utility PD", "-Everolimus price")]
    assert len(dsa) == 2 and all(c.data_type == "s" for c in dsa)
    scen = [c for row in reloaded["Scenarios"].iter_rows() for c in row if c.value == "@SUM(A1)"]
    assert scen and scen[0].data_type == "s"


def test_no_macros_no_external_links(exported):
    with zipfile.ZipFile(exported) as archive:
        names = archive.namelist()
        content_types = archive.read("[Content_Types].xml").decode()
        rels = " ".join(archive.read(n).decode() for n in names if n.endswith(".rels"))
        sheets = " ".join(archive.read(n).decode() for n in names if n.startswith("xl/worksheets/sheet"))
    assert not any("vbaProject" in n or "externalLink" in n for n in names)
    assert "macroEnabled" not in content_types and "vbaProject" not in content_types
    assert 'TargetMode="External"' not in rels
    assert not re.search(r"<f>[^<]*\[\d+\]", sheets)  # no [1]Sheet!A1 (external workbook) references
    assert sum(n.startswith("xl/charts/chart") for n in names) == 7  # curves + trace per arm, tornado, CE plane, CEAC


def test_charts_are_native(reloaded):
    kinds = {ws.title: sorted(type(c).__name__ for c in ws._charts) for ws in reloaded.worksheets if ws._charts}
    assert kinds == {"DSA": ["BarChart"], "PSA": ["ScatterChart", "ScatterChart"], "Surv eve_exe": ["ScatterChart"],
                     "Trace eve_exe": ["ScatterChart"], "Surv exe": ["ScatterChart"], "Trace exe": ["ScatterChart"]}


def test_frozen_headers_and_number_formats(reloaded):
    assert reloaded["Trace eve_exe"].freeze_panes == "B10"
    assert reloaded["Surv exe"].freeze_panes == "B10"
    results = reloaded["Results"]
    assert "£" in results["B6"].number_format
    # descriptions: narrowed so that Inputs prints one page wide (cea.workbook.printing), wrapped, never cut
    inputs_sheet = reloaded["Inputs"]
    assert inputs_sheet.column_dimensions["B"].width >= 18
    described = [c for c in inputs_sheet["B"] if isinstance(c.value, str) and len(c.value) > 30
                 and not (c.font.i or c.font.b)]
    assert described and all(c.alignment.wrap_text for c in described)


def test_missing_frames_leave_a_note_and_no_chart(inputs, base):
    book = build_book(inputs, base)
    for name in ("DSA", "Scenarios", "PSA", "Validation"):
        text = " ".join(str(c.value) for c in book.sheets[name].cells.values() if c.value)
        assert "cea all" in text, name
        assert not book.sheets[name].charts


def test_cover_has_manifest_and_colour_key(reloaded, base):
    text = " ".join(str(c.value) for row in reloaded["Cover"].iter_rows() for c in row if c.value is not None)
    assert base.manifest.inputs_sha256 in text
    assert "Input (editable)" in text and "Formula (protected)" in text
    assert f"{trace_rows(base.settings)} cycles" in text


def test_results_layout_covers_the_engine_results(inputs, base):
    layout = results_layout(inputs)
    expected = flatten(base.to_dict())
    for arm in ("eve_exe", "exe"):
        for key in ("costs", "lys", "qalys", "lys_by_state.PF", "qalys_by_state.AE", "undiscounted.lys"):
            assert f"arms.{arm}.{key}" in layout
        for c in base.outcomes.cost_categories:
            assert f"arms.{arm}.costs_by_category.{c}" in layout
    for key in ("costs", "qalys", "lys", "icer", "status", "nmb.20000", "nmb.30000"):
        assert f"incremental.{key}" in layout
    assert set(layout) <= set(expected)


def test_family_formulas_use_the_engine_parameterisation():
    assert cumulative_hazard("weibull", "C5", ["$H$5", "$J$5"]) == "(C5/$H$5)^$J$5"
    assert "NORM.S.DIST(-1*((LN(C5)-$H$5)/$J$5),TRUE)" in cumulative_hazard("lognormal", "C5", ["$H$5", "$J$5"])
    assert "GAMMA.DIST" in cumulative_hazard("gengamma", "C5", ["$H$5", "$J$5", "$L$5", "$N$5"])
    with pytest.raises(ValueError):
        cumulative_hazard("cox", "C5", [])


def test_edit_inputs_changes_only_the_named_cells(tmp_path, exported):
    target = edit_inputs(exported, tmp_path / "edited.xlsx", {"hr_pfs": 0.6, "within_cycle_correction": "simpson",
                                                               "utility_age_adjustment": False,
                                                               "waning_start_months": 24})
    wb = openpyxl.load_workbook(target, read_only=True)
    cells = input_cells(target)
    get = lambda name: wb[cells[name][0]][cells[name][1]]  # noqa: E731
    assert get("hr_pfs").value == 0.6
    assert get("within_cycle_correction").value == "simpson"
    assert get("utility_age_adjustment").value is False
    assert get("waning_start_months").value == 24
    assert get("u_pd").value == pytest.approx(0.45)


# --------------------------------------------------------------------------- recalculation (LibreOffice)
EDITS = {  # workbook variant -> input cells edited (same ids as `cea run --set`)
    "base": {},
    "price": {"eve_pack_price_10mg": 2000.0},
    "hr_pfs": {"hr_pfs": 0.6},
    "u_pd": {"u_pd": 0.5},
    "discount": {"discount_rate_costs": 0.015, "discount_rate_outcomes": 0.0},
    "simpson_pd_constant": {"within_cycle_correction": "simpson", "pd_mortality": "constant"},
    "tot_faster_ae_at_start": {"tot_rate_everolimus": 0.1, "hr_os": 1.0, "adverse_event_timing": "at_start"},
    "monthly_simpson_even_age70": {"cycle_length_days": 30.4375, "within_cycle_correction": "simpson",
                                   "start_age": 70.0},  # 180 cycles: Simpson 1/3 only; rows after 180 masked
    "waning_no_correction_no_age_adjustment": {"waning_start_months": 24.0, "waning_end_months": 36.0,
                                               "within_cycle_correction": "none", "utility_age_adjustment": False},
}


def _append_csv(path: Path, rows: list[dict[str, str]]) -> None:
    """Append rows by column name (columns the file has and a row lacks stay blank)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, existing = reader.fieldnames, list(reader)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(existing + [{k: row.get(k, "") for k in header} for row in rows])


def _families_inputs(tmp_path: Path):
    """The shipped inputs with four arms covering every survival family, HRs, AFs, waning, discontinuation,
    an at-start cost and arms without drug costs or adverse events."""
    folder = tmp_path / "families_inputs"
    shutil.copytree(INPUTS, folder, ignore=shutil.ignore_patterns("us", "tamrad"))
    with (folder / "scenarios.csv").open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    (folder / "scenarios.csv").write_text(",".join(header) + "\n", encoding="utf-8")
    _append_csv(folder / "scenarios.csv", [{"scenario": "discount_0", "target": "discount_rate_costs", "value": "0",
                                            "rationale": "Test"}])
    curves = [("pfs_gomp", "pfs", "gompertz", "log_rate", "-1.897"), ("pfs_gomp", "pfs", "gompertz", "shape", "-0.02"),
              ("pfs_ll", "pfs", "loglogistic", "log_scale", "1.386"), ("pfs_ll", "pfs", "loglogistic", "log_shape", "0.405"),
              ("pfs_exp", "pfs", "exponential", "log_rate", "-2.12"),
              ("pfs_ggn", "pfs", "gengamma", "mu", "1.6"), ("pfs_ggn", "pfs", "gengamma", "log_sigma", "-0.223"),
              ("pfs_ggn", "pfs", "gengamma", "q", "-0.5"),
              ("os_ln", "os", "lognormal", "mu", "3.4"), ("os_ln", "os", "lognormal", "log_sigma", "0.0"),
              ("os_gg", "os", "gengamma", "mu", "3.3"), ("os_gg", "os", "gengamma", "log_sigma", "-0.105"),
              ("os_gg", "os", "gengamma", "q", "0.6"), ("os_exp", "os", "exponential", "log_rate", "-3.69")]
    _append_csv(folder / "survival_models.csv", [dict(zip(("curve", "endpoint", "family", "coefficient", "estimate"), c),
                                                      source="Test") for c in curves])
    _append_csv(folder / "parameters.csv", [
        {"id": pid, "group": "hazard_ratio", "description": text, "value": value, "unit": "ratio",
         "distribution": "fixed", "source": "Assumption: test only", "status": "assumption", "notes": "Test only"}
        for pid, text, value in (("af_os", "OS acceleration factor (test)", "1.15"),
                                 ("af_pfs3", "PFS acceleration factor (test)", "1.3"),
                                 ("hr_os3", "OS hazard ratio (test)", "0.8"))])
    (folder / "arms.csv").write_text(
        "arm,label,pfs_curve,pfs_hazard_ratio,pfs_acceleration_factor,os_curve,os_hazard_ratio,os_acceleration_factor,"
        "pd_death_rate,waning_reference\n"
        "eve_exe,Gompertz PFS x HR; log-normal OS x AF,pfs_gomp,hr_pfs,,os_ln,,af_os,pd_death_rate,exe\n"
        "exe,Log-logistic PFS; gen. gamma OS (Q > 0),pfs_ll,,,os_gg,,,pd_death_rate,\n"
        "arm3,Exponential PFS x AF; exponential OS x HR,pfs_exp,,af_pfs3,os_exp,hr_os3,,pd_death_rate,\n"
        "arm4,Gen. gamma PFS (Q < 0); Weibull OS x AF,pfs_ggn,,,os_eve_exe,,af_os,pd_death_rate,\n", encoding="utf-8")
    _append_csv(folder / "cost_items.csv", [{"item": "start_assessment", "arm": "all", "category": "monitoring",
                                             "basis": "at_start", "multiply": "progression_cost",
                                             "description": "One-off assessment at start (test)"}])
    for arm in ("arm3", "arm4"):
        _clone_arm_rows(folder, "exe", arm)
    for optional in ("survival_data.csv", "validation_targets.csv", "published_analyses.csv"):
        (folder / optional).unlink(missing_ok=True)
    _prune_unused(folder)
    return apply_overrides(load_inputs(folder), {"tot_rate_everolimus": "0.035", "waning_start_months": "24",
                                                 "waning_end_months": "36"})


def _rewrite_csv(path: Path, keep, change=lambda row: row) -> None:
    """Rewrite a CSV keeping the rows for which keep(row) is true, each passed through change(row)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(change(dict(row)) for row in rows if keep(row))


def _clone_arm_rows(folder: Path, source_arm: str, arm: str) -> None:
    """Give a test arm the source arm's adverse events, arm-specific cost items and time on treatment (the
    completeness checks refuse an arm without them), under ids of its own."""
    def rows(name):
        with (folder / name).open(newline="", encoding="utf-8") as handle:
            return [r for r in csv.DictReader(handle) if r["arm"] == source_arm]
    _append_csv(folder / "adverse_events.csv", [{**r, "event": f"{r['event']}_{arm}", "arm": arm}
                                                for r in rows("adverse_events.csv")])
    items = {r["item"]: f"{r['item']}_{arm}" for r in rows("cost_items.csv")}
    _append_csv(folder / "cost_items.csv", [{**r, "item": items[r["item"]], "arm": arm} for r in rows("cost_items.csv")])
    _append_csv(folder / "time_on_treatment.csv", [
        {**r, "arm": arm, "cost_items": " ".join(items.get(i, i) for i in r["cost_items"].split())}
        for r in rows("time_on_treatment.csv")])


def _prune_unused(folder: Path) -> None:
    """Delete the curves and parameters the test arms no longer use (the completeness checks refuse unused rows)."""
    for _ in range(5):
        try:
            load_inputs(folder)
            return
        except InputError as error:
            unused = {p.parameter for p in error.problems if "used by no" in p.message or "is used by nothing" in p.message}
            if not unused:
                raise
        _rewrite_csv(folder / "parameters.csv", lambda r: r["id"] not in unused)
        _rewrite_csv(folder / "survival_models.csv", lambda r: r["curve"] not in unused)
        _rewrite_csv(folder / "survival_covariance.csv", lambda r: r["curve"] not in unused
                     and r["coefficient_2"].removeprefix("log(").removesuffix(")") not in unused)
        _rewrite_csv(folder / "scenarios.csv", lambda r: r["target"] not in unused)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, exported):
    """{variant: (recalculated path, inputs the engine should see)} — all converted in one LibreOffice run."""
    folder = tmp_path_factory.mktemp("variants")
    shipped = load_inputs(INPUTS)
    paths, engine_inputs = [], {}
    for name, changes in EDITS.items():
        paths.append(edit_inputs(exported, folder / f"{name}.xlsx", changes))
        engine_inputs[name] = apply_overrides(shipped, {k: str(v).lower() if isinstance(v, bool) else str(v)
                                                        for k, v in changes.items()})
    families = _families_inputs(folder)
    paths.append(write_workbook(folder / "families.xlsx", families, run_base_case(families)))
    engine_inputs["families"] = families
    out = recalculate(paths, folder / "recalculated")
    return {name: (path, engine_inputs[name]) for name, path in zip(list(EDITS) + ["families"], out)}


def _compare(path: Path, model_inputs) -> float:
    """Largest relative difference between the recalculated Results sheet and the engine; asserts each cell."""
    expected = flatten(run_base_case(model_inputs).to_dict())
    layout = results_layout(model_inputs)
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    ws = wb["Results"]
    values = {c.coordinate: c.value for row in ws.iter_rows() for c in row if hasattr(c, "coordinate")}
    wb.close()
    worst = 0.0
    for key, coordinate in layout.items():
        want, got = expected[key], values.get(coordinate)
        if want is None:
            assert got == "n/a", (key, got)
        elif isinstance(want, str):
            assert got == want, (key, got, want)
        else:
            assert isinstance(got, (int, float)), (key, got)
            scale = abs(want) if want != 0 else 1.0
            rel = abs(got - want) / scale
            assert rel <= REL_TOL, f"{key}: workbook {got!r} vs engine {want!r} (relative {rel:.2e})"
            worst = max(worst, rel)
    return worst


@pytest.mark.libreoffice
def test_recalculated_base_case_equals_engine(recalculated):
    path, model_inputs = recalculated["base"]
    worst = _compare(path, model_inputs)
    assert worst < REL_TOL
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    validation = [c.value for row in wb["Validation"].iter_rows(min_row=5, max_row=5) for c in row]
    assert isinstance(validation[1], float) and validation[1] < REL_TOL  # the workbook's own check agrees
    for name in ("Results", "Trace eve_exe", "Surv exe"):
        errors = [c.coordinate for row in wb[name].iter_rows() for c in row
                  if isinstance(getattr(c, "value", None), str) and c.value.startswith("#")]
        assert not errors, (name, errors[:5])
    injected = [c for row in wb["Inputs"].iter_rows() for c in row if getattr(c, "value", None) == INJECTED]
    assert injected  # still the literal text after a spreadsheet engine has loaded and saved it
    n_sheets = len(wb.sheetnames)
    assert n_sheets >= 12  # every sheet of the model, each protected below
    wb.close()
    with zipfile.ZipFile(path) as archive:  # protection survives the round trip, still without a password
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == n_sheets and all("<sheetProtection" in x and "password" not in x.lower() for x in sheets)


@pytest.mark.libreoffice
@pytest.mark.parametrize("variant", [v for v in EDITS if v != "base"])
def test_edited_inputs_recalculate_to_the_engine_with_the_same_changes(recalculated, variant):
    path, model_inputs = recalculated[variant]
    assert _compare(path, model_inputs) < REL_TOL


@pytest.mark.libreoffice
def test_edited_workbook_equals_cea_run_set(recalculated, tmp_path):
    """The literal contract: edit cells in the workbook == `cea run --set` with the same changes."""
    path, _ = recalculated["hr_pfs"]
    args = ["run", "--inputs", str(INPUTS), "--out", str(tmp_path), "--json"]
    for key, value in EDITS["hr_pfs"].items():
        args += ["--set", f"{key}={value}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    ws = wb["Results"]
    layout = results_layout(load_inputs(INPUTS))
    for key in ("arms.eve_exe.costs", "arms.exe.costs", "arms.eve_exe.qalys", "arms.exe.qalys", "incremental.icer",
                "incremental.nmb.30000"):
        want = flatten(doc)[key]
        assert ws[layout[key]].value == pytest.approx(want, rel=REL_TOL), key
    wb.close()


@pytest.mark.libreoffice
def test_every_survival_family_recalculates_to_the_engine(recalculated):
    path, model_inputs = recalculated["families"]
    assert _compare(path, model_inputs) < REL_TOL


def test_cached_values_of_every_survival_family_equal_the_engine(tmp_path):
    """Without any recalculation: the values stored in the file (computed by cea.workbook.evaluate) for
    four arms covering all six families, HRs, AFs, waning and discontinuation."""
    families = _families_inputs(tmp_path)
    path = write_workbook(tmp_path / "families.xlsx", families, run_base_case(families))
    assert _compare(path, families) < REL_TOL


@pytest.mark.libreoffice
@pytest.mark.parametrize("variant", ["base", "families"])
def test_libreoffice_and_the_cached_values_agree_cell_by_cell(recalculated, exported, variant):
    """Every cell of every sheet (Cover, Inputs, Results, each arm's Surv and Trace, DSA, Scenarios, PSA with its
    pasted iterations and percentiles, Validation, Life table, Price): LibreOffice's value equals the cached value
    written at export (the evaluator is an independent implementation of the same formulas); numbers to 1e-9,
    text, logical values and errors exactly.  'families' has four arms and every survival family."""
    from tests.workbook_compare import differences

    path, _ = recalculated[variant]
    cached = exported if variant == "base" else path.parent.parent / path.name
    # abs 1e-11: cells that are differences of O(1) quantities (e.g. PF − OS on Validation, zero in exact
    # arithmetic) carry summation-order rounding of a few 1e-13 that differs between LibreOffice and the evaluator
    compared, wrong = differences(cached, path, rel=1e-9, abs_=1e-11)
    assert not wrong, wrong[:10]
    assert set(compared) == set(openpyxl.load_workbook(cached, read_only=True).sheetnames)
    assert all(compared.values()), compared  # no sheet left out or empty
    if variant == "base":
        assert {"DSA", "Scenarios", "PSA", "Validation", "Price"} <= set(compared)
    assert sum(compared.values()) > 100_000


def test_validation_sheet_carries_the_cross_validation_table():
    from cea.analyses.cross_validation import run_cross_validation
    from cea.workbook.analyses import pretty

    inputs = load_inputs(ROOT / "inputs")
    crossval = run_cross_validation(inputs).table
    book = build_book(inputs, run_base_case(inputs), crossval=crossval, max_horizon_years=15.1)
    cells = {rc: c.value for rc, c in book.sheets["Validation"].cells.items() if c.value is not None}
    heading = next(rc for rc, v in cells.items() if isinstance(v, str) and v.startswith("Cross-validation"))
    header = heading[0] + 1
    columns = {v: col for (r, col), v in cells.items() if r == header}
    by_analysis = {cells[(r, columns[pretty("analysis")])]: r for (r, col), v in cells.items()
                   if col == columns[pretty("analysis")] and r > header}
    assert set(by_analysis) == set(crossval["analysis"])
    zin = by_analysis["zin_2014_nl_discounting"]
    assert cells[(zin, columns[pretty("published_icer")])] == 61079
    expected = crossval.set_index("analysis").loc["zin_2014_nl_discounting", "model_icer"]
    assert cells[(zin, columns[pretty("model_icer")])] == pytest.approx(expected, rel=1e-12)
