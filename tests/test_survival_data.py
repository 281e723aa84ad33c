"""survival_data.csv: IPD and digitised Kaplan–Meier data mapped to model arms, with precise input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cea.cli import app
from cea.errors import InputError
from cea.inputs.survival_data import load_survival_data, read_survival_datasets
from cea.survival import fit, kaplan_meier, km_median, km_survival, numbers_at_risk
from tests.conftest import INPUTS

HEADER = "endpoint,arm,kind,file,label,numbers_at_risk_file,total_events,source\n"


def _problems(exc: pytest.ExceptionInfo) -> list:
    return exc.value.problems


def test_shipped_os_ipd_maps_trial_labels_to_model_arms():
    data = load_survival_data(INPUTS)
    assert set(data) == {("os", "eve_exe"), ("os", "exe")}
    assert (len(data[("os", "eve_exe")]), int(data[("os", "eve_exe")]["event"].sum())) == (485, 268)
    assert (len(data[("os", "exe")]), int(data[("os", "exe")]["event"].sum())) == (239, 143)  # 411 deaths (410 published)
    assert list(data[("os", "exe")].columns) == ["time", "event"]


@pytest.mark.parametrize("file_arm, model_arm", [("EVE+EXE", "eve_exe"), ("PBO+EXE", "exe")])
def test_km_of_the_ipd_matches_the_monthly_km_file(file_arm, model_arm):
    """Landmarks, 95% CI and numbers at risk at every month agree with evidence/…_km_monthly.csv (4 decimals)."""
    table = pd.read_csv(INPUTS / "evidence" / "bolero2_os_piccart2014_km_monthly.csv")
    table = table[table["arm"] == file_arm]
    data = load_survival_data(INPUTS)[("os", model_arm)]
    km = kaplan_meier(data["time"], data["event"])
    months = table["month"].to_numpy()
    np.testing.assert_allclose(km_survival(km, months), table["km_os"], atol=6e-5)
    idx = np.searchsorted(km.time, months, side="right") - 1
    inside = idx >= 0
    np.testing.assert_allclose(km.lower[idx[inside]], table["ci95_lower"][inside], atol=6e-5)
    np.testing.assert_allclose(km.upper[idx[inside]], table["ci95_upper"][inside], atol=6e-5)
    np.testing.assert_array_equal(numbers_at_risk(data["time"], months), table["n_at_risk"])
    landmarks = dict(zip(months, table["km_os"]))
    expected = {"eve_exe": (0.819, 0.615, 0.435), "exe": (0.781, 0.529, 0.384)}[model_arm]  # EVIDENCE_REVIEW.md 2b
    assert [round(landmarks[m], 3) for m in (12.0, 24.0, 36.0)] == list(expected)


def _write_rows(folder, *rows: str) -> None:
    (folder / "survival_data.csv").write_text(HEADER + "".join(r + "\n" for r in rows))


@pytest.mark.parametrize("path, words", [("../outside.csv", "leaves the inputs folder"),
                                         ("evidence/../../outside.csv", "leaves the inputs folder"),
                                         ("/etc/passwd", "absolute path"),
                                         ("C:\\data\\km.csv", "absolute path"),
                                         ("evidence/missing.csv", "does not exist")])
def test_paths_must_stay_inside_the_inputs_folder(inputs_copy, path, words):
    _write_rows(inputs_copy, f'os,eve_exe,ipd,"{path}",eve_exe,,,test')
    with pytest.raises(InputError) as exc:
        load_survival_data(inputs_copy)
    (problem,) = _problems(exc)
    assert (problem.file, problem.row, problem.column) == ("survival_data.csv", 2, "file")
    assert words in problem.message


def test_bad_ipd_rows_are_named_by_file_row_and_column(inputs_copy):
    ipd = inputs_copy / "evidence" / "bad_ipd.csv"
    ipd.write_text("time,event,arm\n1.5,1,a\n-2,0,a\n3,2,a\nx,1,a\n4,1,b\n")
    _write_rows(inputs_copy, "os,eve_exe,ipd,evidence/bad_ipd.csv,a,,,test", "os,exe,ipd,evidence/bad_ipd.csv,zz,,,test")
    with pytest.raises(InputError) as exc:
        load_survival_data(inputs_copy)
    found = {(p.file, p.row, p.column) for p in _problems(exc)}
    assert {("evidence/bad_ipd.csv", 3, "time"), ("evidence/bad_ipd.csv", 4, "event"),
            ("evidence/bad_ipd.csv", 5, "time"), ("survival_data.csv", 3, "label")} <= found
    assert any("no rows with arm 'zz'" in p.message for p in _problems(exc))


def test_bad_ipd_is_exit_code_2_in_validate_and_fit(inputs_copy, tmp_path):
    (inputs_copy / "evidence" / "bolero2_os_ipd_reconstructed.csv").write_text("time,event,arm\n1,1,eve_exe\n2,5,pbo_exe\n")
    runner = CliRunner()
    for command in ("validate", "fit"):
        result = runner.invoke(app, [command, "--inputs", str(inputs_copy), "--out", str(tmp_path / command)])
        assert result.exit_code == 2, result.output
        assert "evidence/bolero2_os_ipd_reconstructed.csv:3" in result.stderr and "event" in result.stderr
        assert "Traceback" not in result.output


def test_a_second_dataset_for_the_same_arm_and_unknown_values_are_rejected(inputs_copy):
    _write_rows(inputs_copy, "os,eve_exe,ipd,evidence/bolero2_os_ipd_reconstructed.csv,eve_exe,,,a",
                "os,eve_exe,ipd,evidence/bolero2_os_ipd_reconstructed.csv,eve_exe,,,b",
                "dfs,nobody,km,evidence/bolero2_os_ipd_reconstructed.csv,eve_exe,,,")
    with pytest.raises(InputError) as exc:
        load_survival_data(inputs_copy)
    found = {(p.row, p.column) for p in _problems(exc)}
    assert {(3, "arm"), (4, "endpoint"), (4, "arm"), (4, "kind"), (4, "source")} <= found


def test_digitised_coordinates_and_numbers_at_risk_are_checked(inputs_copy):
    ev = inputs_copy / "evidence"
    (ev / "km.csv").write_text("time,survival\n0,1\n2,0.9\n3,0.95\n4,1.2\n")
    (ev / "risk.csv").write_text("time,n_risk\n0,100\n2,90\n4,95\n")
    _write_rows(inputs_copy, "pfs,exe,digitised,evidence/km.csv,,evidence/risk.csv,,test")
    with pytest.raises(InputError) as exc:
        load_survival_data(inputs_copy)
    found = {(p.file, p.row, p.column) for p in _problems(exc)}
    assert {("evidence/km.csv", 4, "survival"), ("evidence/km.csv", 5, "survival"),
            ("evidence/risk.csv", 4, "n_risk")} <= found
    assert any("non-increasing" in p.message for p in _problems(exc))


def test_digitised_km_reproduces_the_ipd_fit(inputs_copy):
    """Digitise the KM of the shipped OS IPD (every step, numbers at risk every 4 months, total deaths), declare
    it as 'digitised' in a copy of the inputs, reconstruct (Guyot) and refit: medians within 0.5 months."""
    ipd = load_survival_data(INPUTS)
    ev = inputs_copy / "evidence"
    rows = []
    for arm in ("eve_exe", "exe"):
        data = ipd[("os", arm)]
        km = kaplan_meier(data["time"], data["event"])
        steps = km.n_event > 0
        curve = pd.DataFrame({"time": np.concatenate(([0.0], km.time[steps], [km.time[-1]])),
                              "survival": np.concatenate(([1.0], km.survival[steps], [km.survival[-1]]))}).round(6)
        grid = np.arange(0.0, km.time[-1], 4.0)
        risk = pd.DataFrame({"time": grid, "n_risk": numbers_at_risk(data["time"], grid)})
        curve.to_csv(ev / f"digitised_{arm}.csv", index=False)
        risk.to_csv(ev / f"risk_{arm}.csv", index=False)
        rows.append(f"os,{arm},digitised,evidence/digitised_{arm}.csv,,evidence/risk_{arm}.csv,"
                    f"{int(data['event'].sum())},digitised for the test")
    _write_rows(inputs_copy, *rows)
    datasets = {d.arm: d for d in read_survival_datasets(inputs_copy)}
    for arm in ("eve_exe", "exe"):
        original, rebuilt = ipd[("os", arm)], datasets[arm].data
        assert datasets[arm].kind == "digitised"
        assert len(rebuilt) == len(original)
        assert abs(int(rebuilt["event"].sum()) - int(original["event"].sum())) <= 1
        assert abs(km_median(kaplan_meier(rebuilt["time"], rebuilt["event"]))
                   - km_median(kaplan_meier(original["time"], original["event"]))) <= 0.5
        for family in ("weibull", "loglogistic"):
            from cea.engine.survival import median

            m_original = median(family, fit(family, original["time"], original["event"]).coefficients)[0]
            m_rebuilt = median(family, fit(family, np.maximum(rebuilt["time"], 1e-3), rebuilt["event"]).coefficients)[0]
            assert abs(m_rebuilt - m_original) < 0.5, (arm, family, m_original, m_rebuilt)
