"""`cea crossval`: published analyses of the same comparison beside this model re-run under their
nearest assumptions (AdViSHE A2/D2), from inputs/published_analyses.csv."""

from __future__ import annotations

import csv
import json
import math

import pytest
from typer.testing import CliRunner

from cea.analyses.cross_validation import run_cross_validation
from cea.cli import app
from cea.errors import InputError
from cea.inputs.model_inputs import load_inputs
from cea.inputs.published_analyses import load_published_analyses, parse_override_text

from tests.conftest import INPUTS

runner = CliRunner()
PUBLISHED = INPUTS / "published_analyses.csv"


@pytest.fixture(scope="module")
def crossval(shipped_inputs):
    return run_cross_validation(shipped_inputs)


@pytest.fixture(scope="module")
def csv_rows():
    with PUBLISHED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_table_contains_every_published_row_as_written(crossval, csv_rows):
    table = crossval.table
    assert list(table["analysis"]) == ["this_model"] + [r["analysis"] for r in csv_rows]
    for row in csv_rows:
        got = table[table["analysis"] == row["analysis"]].iloc[0]
        columns = ("study", "status", "published_result", "citation", "differences")
        assert tuple(got[c] for c in columns) == tuple(row[c].strip() for c in columns)
        expected_icer = float(row["published_icer"]) if row["published_icer"] else None
        assert (None if math.isnan(got["published_icer"]) else got["published_icer"]) == expected_icer


def test_published_figures_are_the_verified_ones(crossval):
    t = crossval.table.set_index("analysis")
    # Zorginstituut/WAR 2014: EUR 61,079/QALY (WAR's preferred analysis)
    assert (t.loc["zin_2014_nl_discounting", "published_icer"], t.loc["zin_2014_nl_discounting", "currency"]) == (61079, "EUR")
    # Chinese Markov model: CNY 587,442/QALY against a WTP of CNY 161,940 (3 x GDP per capita): 3.63 x
    assert t.loc["china_thesis_2019", "published_icer_to_threshold"] == pytest.approx(587442 / 161940, rel=1e-12)
    assert round(t.loc["china_thesis_2019", "published_icer_to_threshold"], 2) == 3.63
    # Lertjanyakun 2018 (Japan): 15 years, 2%/2%, EXE + EVE dominated, WTP JPY 5 million
    japan = t.loc["lertjanyakun_2018_japan"]
    assert (japan["horizon_years"], japan["discount_costs"], japan["published_threshold"]) == (15, 0.02, 5_000_000)
    assert "dominated" in japan["published_result"]
    # an unverified study carries no number and is not re-run
    xie = t.loc["xie_2015_us"]
    assert xie["status"] == "not_verified" and math.isnan(xie["published_icer"]) and math.isnan(xie["model_icer"])


def test_each_row_says_what_it_can_compare(crossval):
    """A re-run with no override is the base case (only the direction of the published decision can be set beside
    it); only a published ICER with its own threshold allows numbers to be compared (issue 21)."""
    rows = crossval.table.set_index("analysis")
    assert rows.loc["this_model", "comparison"] == "reference"
    for analysis in ("nice_ta421_2016_final_os", "smc_872_13_2016"):
        assert rows.loc[analysis, "comparison"] == "base case"
        assert rows.loc[analysis, "model_icer"] == rows.loc["this_model", "model_icer"]
    assert rows.loc["china_thesis_2019", "comparison"] == "numbers"  # CNY 587,442 against CNY 161,940
    for analysis in ("zin_2014_nl_discounting", "zin_2014_nl_interim_os"):  # EUR 61,079, no threshold stated
        assert rows.loc[analysis, "comparison"] == "direction and size"
    for analysis in ("nice_ta295_2013_list_price", "nice_ta295_2013_interim_os", "pbac_2013", "lertjanyakun_2018_japan"):
        assert rows.loc[analysis, "comparison"] == "direction"
    for analysis in ("kourlaba_2015_greece", "xie_2015_us"):
        assert rows.loc[analysis, "comparison"] == "not re-run"
    numbers = rows[rows["comparison"] == "numbers"]
    assert numbers["published_icer"].notna().all() and numbers["published_threshold"].notna().all()


def test_every_rerun_equals_cea_run_with_the_same_overrides(crossval, tmp_path):
    t = crossval.table
    for row in t.itertuples():
        if not row.comparable:
            continue
        overrides, _ = parse_override_text("" if row.model_assumptions.startswith("base case") else row.model_assumptions)
        args = ["run", "--out", str(tmp_path / row.analysis), "--json"]
        for key, value in overrides.items():
            args += ["--set", f"{key}={value}"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        inc = json.loads(result.stdout)["incremental"]
        assert (row.model_inc_cost, row.model_inc_qaly, row.model_inc_ly, row.model_icer, row.model_status) == (
            inc["costs"], inc["qalys"], inc["lys"], inc["icer"], inc["status"]), row.analysis
        assert row.model_icer_to_threshold == inc["icer"] / 30000


def test_reruns_move_the_icer_the_way_their_assumptions_say(crossval):
    t = crossval.table.set_index("analysis")
    base = t.loc["this_model"]
    assert base["model_icer"] == pytest.approx(crossval.table["model_icer"].iloc[0])
    # the 2013 list price (GBP 2,970 vs 2,673) raises drug cost only: QALYs unchanged, costs up
    price = t.loc["nice_ta295_2013_list_price"]
    assert price["model_inc_qaly"] == base["model_inc_qaly"] and price["model_inc_cost"] > base["model_inc_cost"]
    # interim OS HR 0.77 gives more life-years than the final-OS base case
    assert t.loc["nice_ta295_2013_interim_os", "model_inc_ly"] > 2 * base["model_inc_ly"]
    # the SMC row has no overrides: it is the base case
    assert t.loc["smc_872_13_2016", "model_icer"] == base["model_icer"]


def test_interim_os_rows_set_hr_077_on_the_joint_ph_weibull(shipped_inputs):
    from cea.inputs.overrides import apply_overrides

    analyses = {a.analysis: a for a in load_published_analyses(INPUTS)}
    for name in ("nice_ta295_2013_interim_os", "zin_2014_nl_interim_os"):
        rerun = apply_overrides(shipped_inputs, analyses[name].overrides)
        eve, exe = (rerun.structure.arm(arm) for arm in ("eve_exe", "exe"))
        # both arms on the reference curve of the joint PH fit; the everolimus arm through hr_os, now 0.77
        assert eve.os_curve == exe.os_curve == "os_exe_weibull_ph" and eve.os_hazard_ratio == "hr_os"
        assert exe.os_hazard_ratio is None and rerun.parameters["hr_os"].value == 0.77


def test_cli_writes_csv_and_json_with_the_manifest(tmp_path):
    result = runner.invoke(app, ["crossval", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["manifest"]["inputs_sha256"] and len(document["cross_validation"]) == 12
    assert json.loads((tmp_path / "crossval" / "crossval.json").read_text()) == document
    with (tmp_path / "crossval" / "crossval.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["analysis"] for r in rows] == [r["analysis"] for r in document["cross_validation"]]
    assert (tmp_path / "crossval" / "manifest.json").is_file()
    text = runner.invoke(app, ["crossval", "--out", str(tmp_path / "text")])
    base_icer = document["cross_validation"][0]["model_icer"]
    assert text.exit_code == 0 and "zin_2014_nl_discounting" in text.stdout and f"{base_icer:,.0f}" in text.stdout


def _rewrite(path, edit):
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0])
    edit(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize("edit, row, column, words", [
    (lambda rs: rs[0].__setitem__("overrides", "eve_pack_price_10mg=-5"), 2, "overrides", "eve_pack_price_10mg"),
    (lambda rs: rs[1].__setitem__("overrides", "no_such_parameter=1"), 3, "overrides", "no_such_parameter"),
    (lambda rs: rs[10].__setitem__("published_icer", "40000"), 12, "published_icer", "not_verified"),
    (lambda rs: rs[9].__setitem__("overrides", "horizon_years=5"), 11, "overrides", "comparable = no"),
    (lambda rs: rs[5].__setitem__("currency", "euro"), 7, "currency", "ISO"),
    (lambda rs: rs[5].__setitem__("year", "14"), 7, "year", "1990"),
])
def test_bad_rows_are_exit_2_naming_file_row_and_column(inputs_copy, tmp_path, edit, row, column, words):
    _rewrite(inputs_copy / "published_analyses.csv", edit)
    with pytest.raises(InputError) as exc:
        load_inputs(inputs_copy)
    (problem,) = exc.value.problems
    assert (problem.file, problem.row, problem.column) == ("published_analyses.csv", row, column)
    assert words in str(problem)
    result = runner.invoke(app, ["crossval", "--inputs", str(inputs_copy), "--out", str(tmp_path)])
    assert result.exit_code == 2 and f"published_analyses.csv:{row}" in result.stderr
    assert not (tmp_path / "crossval").exists()


def test_an_inputs_folder_without_the_table_is_exit_2(tmp_path):
    result = runner.invoke(app, ["crossval", "--inputs", str(INPUTS / "tamrad"), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "published_analyses.csv" in result.stderr


@pytest.mark.parametrize("analysis, expected_hr", [
    ("nice_ta295_2013_interim_os", 0.77), ("zin_2014_nl_interim_os", 0.77), ("nice_ta421_2016_final_os", None),
])
def test_the_rerun_os_hazard_ratio_is_the_one_the_row_states(shipped_inputs, analysis, expected_hr):
    """The modelled OS of the re-run (1 - Dead, with os_tracking) has the stated proportional-hazards effect:
    ln S_eve(t) / ln S_exe(t) is the HR at every t.  A second HR stacked on the re-run's curves (e.g. an
    arm-level os_hazard_ratio left in place) would fail here, not pass silently."""
    from cea.analyses.base_case import run_base_case
    from cea.analyses.validation import cumulative_hazard_ratio, modelled_curves
    from cea.inputs.overrides import apply_overrides

    row = {a.analysis: a for a in load_published_analyses(INPUTS)}[analysis]
    inputs = apply_overrides(shipped_inputs, row.overrides)
    if expected_hr is None:  # the base case's joint PH fit: HR 0.9014 (the published Cox HR is 0.89, 0.73-1.10)
        expected_hr = inputs.parameters["hr_os"].value
        assert expected_hr == pytest.approx(0.9014, abs=5e-4)
    result = run_base_case(inputs)
    eve, exe = (modelled_curves(result, arm) for arm in ("eve_exe", "exe"))
    for t in (6.0, 12.0, 24.0):
        assert cumulative_hazard_ratio(eve["time"], eve["os"], exe["os"], t) == pytest.approx(expected_hr, abs=2e-3)
