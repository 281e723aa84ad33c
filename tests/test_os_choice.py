"""OS base case (joint proportional-hazards Weibull with a hazard ratio), the equal-OS scenario, waning that
ends at equal hazards, the PSA's joint draw of the reference curve and the HR, and the landmark table."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cea.analyses.base_case import run_base_case
from cea.analyses.landmarks import LANDMARK_YEARS, crossing_month, os_landmark_table
from cea.engine import survival as engine
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.parameters.sampling import draw

INPUTS = Path(__file__).resolve().parents[1] / "inputs"


@pytest.fixture(scope="module")
def shipped():
    return load_inputs(INPUTS)


def _scenario(inputs, name):
    rows = [r for r in inputs.scenarios if r.scenario == name]
    assert rows, name
    return apply_overrides(inputs, {r.target: r.value for r in rows})


def _alive(result, arm):
    j = result.outcomes.arms.index(arm)
    return 1.0 - result.outcomes.trace.dead[0, j]


def test_base_case_os_is_the_joint_ph_weibull_and_never_crosses(shipped):
    eve, exe = shipped.structure.arm("eve_exe"), shipped.structure.arm("exe")
    assert eve.os_curve == exe.os_curve == "os_exe_weibull_ph" and eve.os_hazard_ratio == "hr_os"
    assert shipped.parameter_value("hr_os") == pytest.approx(0.9014, abs=1e-4)
    base = run_base_case(shipped)
    t = base.outcomes.times_years * 12
    # modelled OS follows S_ref(t)^HR (os_tracking), so everolimus is never below placebo
    scale, shape = (math.exp(shipped.parameter_value(f"os_exe_weibull_ph.{c}")) for c in ("log_scale", "log_shape"))
    s_ref = np.exp(-(t / scale) ** shape)
    # (in the first weeks deaths from PF, 5% of PFS events, exceed the deaths OS allows, so tracking is
    # infeasible and the trace catches up with S_OS within about 2 months: compared from cycle 10)
    assert_allclose(_alive(base, "exe")[10:400], s_ref[10:400], rtol=1e-9)
    assert_allclose(_alive(base, "eve_exe")[10:400], s_ref[10:400] ** shipped.parameter_value("hr_os"), rtol=1e-9)
    assert np.all(_alive(base, "eve_exe") >= _alive(base, "exe") - 1e-12)


def test_equal_os_scenario_gives_equal_life_years(shipped):
    equal = _scenario(shipped, "os_equal")
    result = run_base_case(equal)
    # alive = S_OS in both arms once tracking is feasible (after the first weeks, see above) …
    assert_allclose(_alive(result, "eve_exe")[10:], _alive(result, "exe")[10:], rtol=1e-9, atol=1e-15)
    lys = result.outcomes.lys_undiscounted[0]
    assert lys[0] == pytest.approx(lys[1], rel=2e-4)
    # … and exactly equal in the partitioned-survival structure, which reads OS directly
    psm = run_base_case(apply_overrides(equal, {"model_structure": "psm"})).outcomes.lys_undiscounted[0]
    assert psm[0] == pytest.approx(psm[1], rel=1e-12)
    # … while the everolimus arm still spends longer progression-free: the QALY gain is PF quality only
    assert result.outcomes.lys_by_state[0, 0, 0] > result.outcomes.lys_by_state[0, 1, 0]


def test_waning_ends_at_equal_hazards_and_never_helps_the_intervention(shipped):
    base = run_base_case(shipped)
    waned = run_base_case(_scenario(shipped, "waning_24_36"))
    t = waned.outcomes.times_years * 12
    after = np.flatnonzero(t >= 36.0 + 7 / 30.4375)[:-1]
    for endpoint_series in (lambda r, a: _alive(r, a), lambda r, a: r.outcomes.trace.pf[0, r.outcomes.arms.index(a)]):
        eve, exe = endpoint_series(waned, "eve_exe"), endpoint_series(waned, "exe")
        # per-cycle conditional survival equal in both arms once the effect has waned
        assert_allclose(eve[after + 1] / eve[after], exe[after + 1] / exe[after], rtol=1e-9)
        before = np.flatnonzero(t < 24.0)[1:-1]
        assert np.any(np.abs(eve[before + 1] / eve[before] - exe[before + 1] / exe[before]) > 1e-4)
    d_base = base.outcomes.lys[0, 0] - base.outcomes.lys[0, 1]
    d_waned = waned.outcomes.lys[0, 0] - waned.outcomes.lys[0, 1]
    assert 0 < d_waned < d_base


def test_psa_draws_the_reference_curve_and_the_hazard_ratio_jointly(shipped):
    n = 20000
    samples = draw(shipped, n, np.random.default_rng(7)).values
    log_hr = np.log(samples["hr_os"])
    log_scale = samples["os_exe_weibull_ph.log_scale"]
    log_shape = samples["os_exe_weibull_ph.log_shape"]
    observed = np.cov(np.vstack([log_scale, log_shape, log_hr]))
    expected = np.array([[0.004055143543, -0.0003754739039, 0.005282488040],
                         [-0.0003754739039, 0.001885894319, -0.0000332038661],
                         [0.005282488040, -0.0000332038661, ((math.log(1.1042) - math.log(0.7358)) / 3.919927969) ** 2]])
    # Monte Carlo SE of a covariance ≈ sqrt((σ_i²σ_j² + σ_ij²)/n): within 4 SE
    se = np.sqrt((np.outer(np.diag(expected), np.diag(expected)) + expected**2) / n)
    assert np.all(np.abs(observed - expected) < 4 * se)
    assert np.mean(log_hr) == pytest.approx(math.log(0.9014), abs=4 * math.sqrt(expected[2, 2] / n))


def test_crossing_month_on_known_curves():
    months = np.arange(0.0, 121.0)
    a = np.exp(-0.02 * months)
    b = np.exp(-0.03 * months + 0.0005 * months**2 / 2)  # hazard 0.03 − 0.0005·t: equal hazards at 20 months
    # b's cumulative hazard catches a's (0.03t − 0.00025t² = 0.02t) at t = 40 months
    assert crossing_month(a, b, months) == pytest.approx(41.0)
    assert math.isnan(crossing_month(a, a * 0.5, months))
    # a curve that dips below early and ends above is not a crossing for good; one below throughout is, from 0
    assert math.isnan(crossing_month(np.maximum(a, b), b, months)) and crossing_month(a * 0.5, a, months) == 0.0


def test_landmark_table_recomputes_each_fit_and_flags_the_independent_weibull_crossing(shipped):
    from cea.analyses.survival_fits import run_survival_fits
    fits = run_survival_fits(shipped)
    table = os_landmark_table(fits, run_base_case(shipped))
    t = np.array([12.0 * y for y in LANDMARK_YEARS])
    for model, family in (("ph", "weibull"), ("independent", "loglogistic")):
        for arm in ("eve_exe", "exe"):
            row = table[(table.source == "fit") & (table.model == model) & (table.family == family) & (table.arm == arm)]
            expected = engine.survival(family, fits.coefficients("os", arm, family, model)[None, :], t)[0]
            assert_allclose(row[[f"s_{y}y" for y in LANDMARK_YEARS]].to_numpy()[0], expected, rtol=1e-12)
    weibull = table[(table.model == "independent") & (table.family == "weibull")]
    assert weibull["crosses_at_month"].iloc[0] == pytest.approx(72.0, abs=1.0)  # the audit's ~72 months
    assert table[(table.model == "ph") & (table.family == "weibull")]["crosses_at_month"].isna().all()
    # the base case's modelled OS is the joint PH Weibull at every landmark, and within the external bound
    model = table[table.source == "model"].set_index("arm")
    ph = table[(table.model == "ph") & (table.family == "weibull")].set_index("arm")
    cols = [f"s_{y}y" for y in LANDMARK_YEARS]
    assert_allclose(model.loc[["eve_exe", "exe"], cols].to_numpy(float), ph.loc[["eve_exe", "exe"], cols].to_numpy(float),
                    rtol=0, atol=5e-5)  # weekly trace points interpolated; hr_os rounded to 0.9014
    assert model["within_external_5y"].all()
    assert (table.source == "external upper bound").sum() >= 1
    assert pd.notna(table[table.source == "external upper bound"]["reference"]).all()


def test_joint_aft_loglogistic_scenario_uses_the_acceleration_factor_and_never_crosses(shipped):
    inputs = _scenario(shipped, "os_loglogistic_aft")
    eve = inputs.structure.arm("eve_exe")
    assert eve.os_hazard_ratio is None and eve.os_acceleration_factor == "af_os_loglogistic"
    result = run_base_case(inputs)
    t = result.outcomes.times_years * 12
    ref = inputs.curves["os_exe_loglogistic_aft"].estimates
    af = inputs.parameter_value("af_os_loglogistic")
    # S_eve(t) = S_ref(t/AF), log-logistic S(t) = 1/(1 + (t/scale)^shape); compared after the early weeks
    s_ref = lambda x: 1.0 / (1.0 + (x / math.exp(ref[0])) ** math.exp(ref[1]))  # noqa: E731
    assert_allclose(_alive(result, "exe")[20:300], s_ref(t[20:300]), rtol=1e-9)
    assert_allclose(_alive(result, "eve_exe")[20:300], s_ref(t[20:300] / af), rtol=1e-9)
    assert np.all(_alive(result, "eve_exe") >= _alive(result, "exe") - 1e-12)
    samples = draw(inputs, 20000, np.random.default_rng(3)).values
    c = np.cov(samples["os_exe_loglogistic_aft.log_scale"], np.log(samples["af_os_loglogistic"]))[0, 1]
    assert c == pytest.approx(-0.005325, rel=0.1)
