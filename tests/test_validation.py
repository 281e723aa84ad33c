"""`cea validate`: the model against published medians and the Kaplan–Meier of the trial data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from cea.analyses.validation import curve_median, curve_rmst, general_population_survival, run_validation
from cea.cli import app
from cea.errors import InputError
from cea.inputs.overrides import apply_overrides
from cea.outputs.files import to_json

runner = CliRunner()
CHECK_KEYS = {"name", "kind", "arm", "metric", "model", "target", "target_basis", "published", "tolerance", "passed"}


@pytest.fixture(scope="module")
def shipped_validation(shipped_inputs):
    return run_validation(shipped_inputs)


def test_shipped_inputs_pass_every_check(shipped_validation):
    failed = [(c.name, c.model, c.lower, c.upper) for c in shipped_validation.checks if not c.passed]
    assert shipped_validation.passed, failed
    names = {c.name for c in shipped_validation.checks}
    for arm in ("eve_exe", "exe"):
        assert {f"pfs_median_{arm}", f"os_median_{arm}", f"os_landmark_12_{arm}", f"os_landmark_24_{arm}",
                f"os_landmark_36_{arm}", f"os_rmst_48_{arm}", f"dead_at_horizon_{arm}",
                f"below_general_population_{arm}", f"pf_le_os_{arm}"} <= names


def test_targets_and_bands_come_from_the_files_and_the_data(shipped_validation):
    c = {check.name: check for check in shipped_validation.checks}
    # published PFS medians (Yardley 2013) with the stated +/-0.3 months
    assert (c["pfs_median_eve_exe"].target, c["pfs_median_eve_exe"].tolerance) == (7.8, 0.3)
    assert c["pfs_median_eve_exe"].model == pytest.approx(7.8, abs=0.02)
    assert c["pfs_median_exe"].model == pytest.approx(3.2, abs=0.02)
    # OS median: KM of the reconstructed IPD, band = published 95% CI (Piccart 2014)
    assert (c["os_median_eve_exe"].target, c["os_median_eve_exe"].lower, c["os_median_eve_exe"].upper) == (30.8, 28.0, 34.6)
    assert (c["os_median_exe"].target, c["os_median_exe"].lower, c["os_median_exe"].upper) == (26.5, 22.6, 33.1)
    # landmarks: KM with its 95% CI (EVIDENCE_REVIEW.md 2b: 0.819/0.615/0.435 and 0.781/0.529/0.384)
    assert round(c["os_landmark_24_eve_exe"].target, 3) == 0.615 and round(c["os_landmark_36_exe"].target, 3) == 0.384
    assert c["os_landmark_24_eve_exe"].lower < 0.615 < c["os_landmark_24_eve_exe"].upper
    assert c["os_landmark_24_eve_exe"].tolerance is None
    # RMST to 48 months: KM (EVIDENCE_REVIEW.md: 29.96 / 28.54) with our +/-1 month
    assert c["os_rmst_48_eve_exe"].target == pytest.approx(29.96, abs=0.01)
    assert c["os_rmst_48_exe"].target == pytest.approx(28.54, abs=0.01)
    assert c["os_rmst_48_exe"].tolerance == 1.0
    assert c["dead_at_horizon_exe"].model > 0.999


def test_json_has_the_contract(shipped_validation):
    document = json.loads(to_json(shipped_validation.to_dict()))
    assert set(document) == {"checks", "summary", "passed"} and document["passed"] is True
    assert document["summary"] == {"internal": {"checks": 12, "passed": 12, "failed": 0},
                                   "external": {"checks": 1, "passed": 1, "failed": 0},
                                   "structural": {"checks": 6, "passed": 6, "failed": 0}}
    for check in document["checks"]:
        assert CHECK_KEYS <= set(check) <= CHECK_KEYS | {"lower", "upper"}
        assert isinstance(check["model"], float) and isinstance(check["passed"], bool)
        assert check["tolerance"] is None or check["tolerance"] >= 0


@pytest.mark.parametrize("override, failing, unaffected", [
    ({"hr_os": "1.8"}, {"os_median_eve_exe", "os_landmark_24_eve_exe", "os_rmst_48_eve_exe"},
     {"os_median_exe", "pfs_median_eve_exe"}),
    ({"hr_pfs": "0.8"}, {"pfs_median_eve_exe"}, {"pfs_median_exe", "os_median_eve_exe"}),
    ({"pfs_exe.log_scale": "1.9"}, {"pfs_median_exe", "pfs_median_eve_exe"}, {"os_median_exe"}),
    ({"arm.exe.os_curve": "os_exe_lognormal"}, {"dead_at_horizon_exe"}, {"dead_at_horizon_eve_exe"}),
])
def test_a_wrong_curve_fails_the_relevant_checks(shipped_inputs, override, failing, unaffected):
    result = run_validation(apply_overrides(shipped_inputs, override))
    failed = {c.name for c in result.failed}
    assert not result.passed
    assert failing <= failed
    assert not unaffected & failed


def test_modelled_os_stays_below_general_population_survival(shipped_inputs, shipped_validation):
    base = shipped_validation.base_case
    s_gp = general_population_survival(shipped_inputs, base.outcomes.times_years)
    assert s_gp[0] == 1 and np.all(np.diff(s_gp) < 0)
    alive = 1 - base.outcomes.trace.dead[0]
    assert np.all(alive <= s_gp[None, :] + 1e-12)


def test_curve_helpers_on_known_curves():
    t = np.linspace(0, 100, 1001)
    s = np.exp(-np.log(2) / 10 * t)
    assert curve_median(t, s) == pytest.approx(10, abs=1e-3)
    assert curve_rmst(t, s, 20) == pytest.approx(10 / np.log(2) * (1 - 0.25), rel=1e-4)


def test_blank_target_without_data_and_bad_rows_are_input_errors(shipped_inputs, inputs_copy):
    from cea.inputs.model_inputs import load_inputs

    path = inputs_copy / "validation_targets.csv"
    path.write_text(path.read_text() + "pfs_rmst_eve_exe,internal,eve_exe,pfs_rmst,12,,,,0.5,,no PFS data\n"
                    "bad_one,internal,eve_exe,os_mean,,1,,,,,x\n")
    with pytest.raises(InputError) as exc:
        run_validation(load_inputs(inputs_copy))
    (problem,) = exc.value.problems
    assert (problem.file, problem.column, problem.parameter) == ("validation_targets.csv", "metric", "bad_one")
    path.write_text(path.read_text().replace("bad_one,internal,eve_exe,os_mean,,1,,,,,x\n", ""))
    with pytest.raises(InputError) as exc:
        run_validation(load_inputs(inputs_copy))
    assert "no pfs data" in str(exc.value).lower()


def test_cli_validate_exit_0_writes_files_and_exit_1_on_a_failed_check(tmp_path):
    ok = runner.invoke(app, ["validate", "--out", str(tmp_path / "ok"), "--json"])
    assert ok.exit_code == 0, ok.output
    document = json.loads(ok.stdout)
    assert document["passed"] is True and len(document["checks"]) == 19
    folder = tmp_path / "ok" / "validation"
    assert json.loads((folder / "validation.json").read_text()) == document
    fits = (folder / "fit_table.csv").read_text().splitlines()
    assert {"aic", "bic"} <= set(fits[0].split(",")) and len(fits) == 1 + 26
    landmarks = (folder / "os_landmarks.csv").read_text().splitlines()
    assert landmarks[0].startswith("source,model,family,arm,s_1y,s_2y,s_3y,s_5y,s_10y") and len(landmarks) > 26
    for png in ("survival_os.png", "survival_pfs.png", "hazard_os.png", "log_cumulative_hazard_os.png"):
        assert (folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    bad = runner.invoke(app, ["validate", "--out", str(tmp_path / "bad"), "--set", "os_exe_weibull_ph.log_scale=3.2"])
    assert bad.exit_code == 1, bad.output
    assert "FAIL" in bad.stdout and "os_median_exe" in bad.stdout
    written = json.loads((tmp_path / "bad" / "validation" / "validation.json").read_text())
    assert written["passed"] is False
    assert not next(c for c in written["checks"] if c["name"] == "os_median_exe")["passed"]


# --------------------------------------------------------------------------- kinds (finding 7)
def test_every_check_has_an_honest_kind(shipped_validation):
    kinds = {c.name: c.kind for c in shipped_validation.checks}
    # fitted or calibrated to: the PFS medians (calibration targets) and the OS IPD (fitting data) are internal
    for arm in ("eve_exe", "exe"):
        for name in (f"pfs_median_{arm}", f"os_median_{arm}", f"os_landmark_12_{arm}", f"os_rmst_48_{arm}"):
            assert kinds[name] == "internal", name
        for name in (f"dead_at_horizon_{arm}", f"below_general_population_{arm}", f"pf_le_os_{arm}"):
            assert kinds[name] == "structural", name
    # the interim OS cut (HR 0.77, 0.57-1.04) was not used in fitting: external
    assert kinds["os_interim_hr_eve_exe"] == "external"


def test_reconstructed_medians_are_never_labelled_published(shipped_validation):
    c = {check.name: check for check in shipped_validation.checks}
    for name, reconstructed, published in (("os_median_eve_exe", 30.8, 31.0), ("os_median_exe", 26.5, 26.6)):
        assert (c[name].target, c[name].target_basis, c[name].published) == (
            reconstructed, "kaplan_meier_of_survival_data", published)
    assert (c["pfs_median_eve_exe"].target_basis, c["pfs_median_eve_exe"].published) == ("stated", None)
    text = __import__("cea.outputs.validation_output", fromlist=["x"]).validation_table_text(shipped_validation)
    line = next(row for row in text.splitlines() if row.strip().startswith("os_median_eve_exe"))
    assert "30.8000" in line and "KM of survival_data.csv" in line and "31.0000" in line
    internal, external, structural = (text.index(h) for h in ("Internal (dependent)", "External (independent)",
                                                                "Structural checks"))
    assert internal < text.index("os_median_eve_exe") < external < text.index("os_interim_hr") < structural


def test_cumulative_hazard_ratio_is_the_hazard_ratio_under_proportional_hazards():
    from cea.analyses.validation import cumulative_hazard_ratio

    t = np.linspace(0, 60, 601)
    s_ref = np.exp(-(t / 30.0) ** 1.3)
    for hr in (0.45, 0.77, 1.0, 1.6):
        for at in (6.0, 18.0, 41.3):
            assert cumulative_hazard_ratio(t, s_ref**hr, s_ref, at) == pytest.approx(hr, rel=1e-3)


def test_interim_os_check_reproduces_the_ratio_of_modelled_cumulative_hazards(shipped_validation):
    from cea.analyses.validation import modelled_curves

    check = next(c for c in shipped_validation.checks if c.name == "os_interim_hr_eve_exe")
    assert (check.target, check.lower, check.upper, check.time_months) == (0.77, 0.57, 1.04, 18.0)
    eve, exe = (modelled_curves(shipped_validation.base_case, arm) for arm in ("eve_exe", "exe"))
    s_eve, s_exe = (np.interp(18.0, c["time"], c["os"]) for c in (eve, exe))
    assert check.model == pytest.approx(np.log(s_eve) / np.log(s_exe), rel=1e-12)


def test_an_external_result_outside_its_band_is_reported_but_does_not_fail(inputs_copy, tmp_path):
    path = inputs_copy / "validation_targets.csv"
    text = path.read_text().replace("os_hazard_ratio,18,0.77,0.57,1.04", "os_hazard_ratio,18,0.77,0.57,0.60")
    assert text != path.read_text()
    path.write_text(text)
    out = runner.invoke(app, ["validate", "--inputs", str(inputs_copy), "--out", str(tmp_path / "o"), "--json"])
    assert out.exit_code == 0, out.output
    document = json.loads(out.stdout)
    assert document["passed"] is True and document["summary"]["external"] == {"checks": 1, "passed": 0, "failed": 1}
    text_out = runner.invoke(app, ["validate", "--inputs", str(inputs_copy), "--out", str(tmp_path / "t")])
    assert text_out.exit_code == 0 and "OUTSIDE" in text_out.stdout


def test_kind_is_required_and_checked(inputs_copy):
    from cea.inputs.model_inputs import load_inputs

    path = inputs_copy / "validation_targets.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace(",internal,", ",dependent,", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as exc:
        load_inputs(inputs_copy)
    (problem,) = exc.value.problems
    assert (problem.file, problem.row, problem.column) == ("validation_targets.csv", 2, "kind")
