"""inputs/us: a self-contained US third-party payer input set in USD; and the Markdown parameter table."""

from __future__ import annotations

import hashlib
import json

import pytest
from typer.testing import CliRunner

from cea.analyses.base_case import run_base_case
from cea.cli import app
from cea.inputs.model_inputs import load_inputs
from cea.inputs.survival_data import read_survival_datasets
from cea.outputs.parameter_markdown import parameter_markdown
from tests.conftest import INPUTS

US = INPUTS / "us"
runner = CliRunner()


@pytest.fixture(scope="module")
def us_inputs():
    return load_inputs(US)


def test_us_settings(us_inputs):
    s = us_inputs.settings
    assert (s.currency, s.country, s.perspective) == ("USD", "United States", "US third-party payer")
    assert s.discount_rate_costs == s.discount_rate_outcomes == 0.03
    assert us_inputs.structure.life_table_qx[us_inputs.structure.life_table_ages.index(62)] == 0.008004  # NCHS 2019
    assert all(p.unit != "GBP" for p in us_inputs.parameters.values())


def test_us_base_case_gives_a_positive_icer_in_usd(us_inputs, shipped_inputs):
    inc = run_base_case(us_inputs).incremental()
    pinned = json.loads((INPUTS.parent / "tests" / "golden" / "us.json").read_text())["incremental"]
    for key in ("costs", "qalys", "lys", "icer"):  # the pinned US base case (tests/golden/us.json)
        assert inc[key] == pytest.approx(pinned[key], rel=1e-9), key
    assert inc["icer"] == pytest.approx(inc["costs"] / inc["qalys"], rel=1e-14)
    # US mortality and 3% discounting change outcomes: undiscounted, on the UK life table, the QALYs differ by
    # the discounting alone
    uk = run_base_case(shipped_inputs).incremental()
    assert abs(inc["qalys"] / uk["qalys"] - 1) > 1e-3


def test_every_unverified_usd_value_is_a_labelled_assumption_with_a_wide_range(us_inputs):
    usd = [p for p in us_inputs.parameters.values() if p.unit == "USD"]
    assert len(usd) >= 14
    for p in usd:
        assert p.source.startswith("Assumption: ") and len(p.source) > 40, p.id
        assert p.low is not None and p.low < p.value < p.high and p.high / p.low >= 2.5, p.id
    assert us_inputs.parameters["eve_tablets_per_pack"].value == 28


def test_us_set_mirrors_the_uk_set(us_inputs, shipped_inputs):
    assert set(us_inputs.parameters) == set(shipped_inputs.parameters)
    assert set(us_inputs.curves) == set(shipped_inputs.curves)
    assert us_inputs.structure.arms == shipped_inputs.structure.arms
    assert us_inputs.settings.to_dict().keys() == shipped_inputs.settings.to_dict().keys()


def test_us_folder_is_self_contained():
    """Its survival data are its own copies of the evidence files, byte for byte the UK ones."""
    for dataset in read_survival_datasets(US):
        own = US / dataset.file
        assert own.resolve().is_relative_to(US.resolve())
        assert hashlib.sha256(own.read_bytes()).digest() == hashlib.sha256((INPUTS / dataset.file).read_bytes()).digest()
    for name in ("validation_targets.csv", "pfs_data_cuts.csv", "survival_data.csv", "README.md"):
        assert (US / name).is_file()
    assert "us/settings.toml" not in load_inputs(INPUTS).file_hashes  # a nested input set is not part of the UK hash


def test_cli_run_on_us_inputs(tmp_path):
    result = runner.invoke(app, ["run", "--inputs", str(US), "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["manifest"]["settings"]["currency"] == "USD"
    assert document["incremental"]["icer"] > 0


def test_params_markdown_flags_assumptions_with_their_reason(tmp_path, us_inputs):
    target = tmp_path / "params.md"
    result = runner.invoke(app, ["params", "--inputs", str(US), "--markdown", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert text == parameter_markdown(us_inputs)
    assert "| Parameter | Value | Uncertainty | Distribution (PSA) | DSA range | Source |" in text
    row = next(line for line in text.splitlines() if line.startswith("| `eve_pack_price_10mg`"))
    assert "**Assumption**" in row and "**Assumption:** the US wholesale acquisition cost" in row and "1,000 – 20,000" in row
    hr = next(line for line in text.splitlines() if line.startswith("| `hr_pfs`"))
    assert "95% CI 0.38–0.54" in hr and "Yardley" in hr and "Assumption" not in hr
    n_params = len(us_inputs.parameters) + sum(len(c.coefficients) for c in us_inputs.curves.values())
    assert sum(line.startswith("| `") for line in text.splitlines()) == n_params
