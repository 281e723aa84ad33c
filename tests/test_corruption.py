"""Corruption suite: hundreds of generated defects in copies of the shipped inputs.

Each case copies ``inputs/`` (without the nested input sets), applies one defect and runs
``cea run --inputs COPY --out OUT`` where OUT already holds a good result.  Every case must
give exit code 2, a message naming the offending file (and the parameter, column or row
when the defect targets one), no traceback, and leave OUT byte for byte unchanged.

The cases are generated deterministically (seed below) from the shipped files: one family
per validation rule (unit ranges, DSA bounds, distribution parameters, Dirichlet sums,
ids, sources, survival families and coefficients, covariance, life table, settings, arms,
costs, adverse events, scenarios, survival data and validation targets) and generic ones
for every file the model reads (random truncations, Latin-1 and UTF-16 encodings, NUL
bytes, empty files, deleted files, folders and spreadsheets in place of files, broken
headers), and lost or duplicated rows in every table (``lost_row_cases``: the silent-loss
defence of ``cea.inputs.completeness``; some run ``cea psa``, ``validate``, ``fit`` or ``all``).
A random truncation must give exit 2 like any other defect: a cut inside a row leaves a file
that does not end with a line break, and a cut at a line end loses rows that another table
expects.  The only exception is a cut at a line end in a table whose rows stand alone
(``ROW_INDEPENDENT``: IPD, scenarios, validation targets), where a lost row cannot be told
from a deleted one; such a case is checked to have cut at a line end and is listed in the summary.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner

from cea.cli import app

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"
SEED = 20240607
OPTIONAL = ("survival_data.csv", "validation_targets.csv", "published_analyses.csv", "budget_impact.csv")  # may be absent; the model then has no data to check
# Tables whose rows are independent records: losing whole rows at the end cannot be detected from the other tables
# (one fewer patient, scenario or validation check); every other table's lost rows are cross-checked.
ROW_INDEPENDENT = ("scenarios.csv", "validation_targets.csv", "published_analyses.csv", "evidence/bolero2_os_ipd_reconstructed.csv")
runner = CliRunner()


# --------------------------------------------------------------------------- file helpers
def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def row_line(path: Path, key: str, key_column: int = 0) -> int:
    """1-based line of the first record whose key column equals ``key`` (records are one line each)."""
    for i, row in enumerate(read_rows(path)):
        if row and row[key_column] == key:
            return i + 1
    raise KeyError(key)


def set_cell(name: str, key: str, column: str, value: str, key_column: int = 0, occurrence: int = 0):
    def mutate(folder: Path) -> None:
        path = folder / name
        rows = read_rows(path)
        j = rows[0].index(column)
        hits = [r for r in rows[1:] if r and r[key_column] == key]
        hits[occurrence][j] = value
        write_rows(path, rows)
    return mutate


def set_cell_at(name: str, index: int, column: str, value: str):
    def mutate(folder: Path) -> None:
        path = folder / name
        rows = read_rows(path)
        rows[index][rows[0].index(column)] = value
        write_rows(path, rows)
    return mutate


def edit_rows(name: str, edit: Callable[[list[list[str]]], None]):
    def mutate(folder: Path) -> None:
        rows = read_rows(folder / name)
        edit(rows)
        write_rows(folder / name, rows)
    return mutate


def set_setting(key: str, value: str):
    def mutate(folder: Path) -> None:
        path = folder / "settings.toml"
        text, n = re.subn(rf"(?m)^{re.escape(key)}\s*=.*$", f"{key} = {value}", path.read_text(encoding="utf-8"))
        assert n == 1, key
        path.write_text(text, encoding="utf-8")
    return mutate


def text_edit(name: str, fn: Callable[[str], str]):
    def mutate(folder: Path) -> None:
        path = folder / name
        path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")
    return mutate


def bytes_edit(name: str, fn: Callable[[bytes], bytes]):
    def mutate(folder: Path) -> None:
        path = folder / name
        path.write_bytes(fn(path.read_bytes()))
    return mutate


def both(*mutations):
    def mutate(folder: Path) -> None:
        for m in mutations:
            m(folder)
    return mutate


# --------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Case:
    id: str
    rule: str
    file: str  # the offending file, as the message must name it
    mutate: Callable[[Path], None] = field(compare=False)
    expect: tuple[str, ...] = ()  # further text the message must hold (parameter, column, line)
    may_stay_valid: bool = False  # random truncations: a cut at a line end of a ROW_INDEPENDENT table
    base: str = ""  # the input set: "" for inputs/, else a nested set such as "us"
    command: tuple[str, ...] = ("run",)  # the cea command (and options before --inputs)


def nested_sets() -> list[str]:
    """Other input sets shipped inside inputs/ (each a folder with its own settings.toml)."""
    return sorted(p.parent.name for p in INPUTS.glob("*/settings.toml"))


def model_files(folder: Path = INPUTS) -> list[str]:
    """Every file the model reads: the tables, settings and the data files survival_data.csv names."""
    names = ["settings.toml", "parameters.csv", "survival_models.csv", "survival_covariance.csv", "arms.csv",
             "cost_items.csv", "adverse_events.csv", "life_table.csv", "scenarios.csv"]
    for optional in OPTIONAL:
        if (folder / optional).is_file():
            names.append(optional)
    if (folder / "survival_data.csv").is_file():
        for row in csv.DictReader(io.StringIO((folder / "survival_data.csv").read_text(encoding="utf-8"))):
            for column in ("file", "numbers_at_risk_file"):
                if row.get(column) and row[column] not in names:
                    names.append(row[column])
    return names


def _parameters() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((INPUTS / "parameters.csv").read_text(encoding="utf-8"))))


def _out_of_range(unit: str) -> str:
    return {"probability": "1.5", "proportion": "-0.2", "utility": "1.7", "disutility": "-0.1", "ratio": "0",
            "rate per month": "-0.01", "months": "-1", "days": "-3", "years": "-1", "tablets": "0",
            "coefficient": "2e6"}.get(unit, "-100")  # currency units: a negative cost


def parameter_cases(rng: random.Random) -> list[Case]:
    P = "parameters.csv"
    params = _parameters()
    line = {p["id"]: row_line(INPUTS / P, p["id"]) for p in params}
    cases: list[Case] = []

    def add(rule, pid, mutate, *expect):
        cases.append(Case(f"{rule}-{pid}", rule, P, mutate, (pid, f"{P}:{line[pid]}", *expect)))

    for p in params:  # every parameter, a value outside its unit's range
        add("unit_range", p["id"], set_cell(P, p["id"], "value", _out_of_range(p["unit"])))
    for p in params:
        if p["low"] and p["high"]:
            add("low_above_value", p["id"], set_cell(P, p["id"], "low", str(float(p["high"]) * 1.01 + 0.001)), "low <= value")
            if float(p["value"]) > 0:  # halving a zero value leaves high >= value: no defect to detect
                add("high_below_value", p["id"], set_cell(P, p["id"], "high", str(float(p["value"]) * 0.5)), "low <= value")
    betas = [p for p in params if p["distribution"] == "beta" and p["se"]]
    for p in betas:
        add("beta_se_too_large", p["id"], set_cell(P, p["id"], "se", "0.6"), "se")
    counts = [p for p in params if p["distribution"] == "beta" and p["events"]]
    for p in rng.sample(counts, min(4, len(counts))):
        add("beta_events_above_n", p["id"], set_cell(P, p["id"], "events", str(float(p["n"]) + 5)), "events")
    gammas = [p for p in params if p["distribution"] == "gamma"]
    for p in rng.sample(gammas, min(8, len(gammas))):
        add("negative_se", p["id"], set_cell(P, p["id"], "se", "-1"), "se")
    for p in rng.sample(gammas, min(8, len(gammas))):
        add("gamma_mean_not_positive", p["id"], set_cell(P, p["id"], "value", "0"), "gamma")
    for p in rng.sample(gammas, min(3, len(gammas))):
        add("gamma_se_huge", p["id"], set_cell(P, p["id"], "se", str(float(p["value"]) * 50)), "se")
    for p in [p for p in params if p["distribution"] == "lognormal"]:
        value = float(p["value"])
        if p["ci_low"]:
            add("lognormal_ci_excludes_value", p["id"], set_cell(P, p["id"], "ci_low", str(value * 1.1)), "ci_low")
            add("lognormal_ci_above_value", p["id"], set_cell(P, p["id"], "ci_high", str(value * 0.9)), "ci_low")
            add("lognormal_ci_negative", p["id"], set_cell(P, p["id"], "ci_low", "-0.2"), "ci_low")
            add("lognormal_ci_too_wide", p["id"], set_cell(P, p["id"], "ci_high", "1e9"), "ci_high")
    members = [p for p in params if p["distribution"] == "dirichlet"]
    for p in members:
        cases.append(Case(f"dirichlet_sum-{p['id']}", "dirichlet_sum", P,  # reported on the group's first line
                          set_cell(P, p["id"], "value", str(float(p["value"]) + 0.1)), (p["id"], "must sum to 1")))
        add("dirichlet_no_alpha", p["id"], set_cell(P, p["id"], "events", ""), "events")
    if members:
        p = members[0]
        add("dirichlet_single_member", p["id"],
            set_cell(P, p["id"], "dirichlet_group", "lonely"), "group")
    for p in rng.sample(params, 5):
        add("unknown_distribution", p["id"], set_cell(P, p["id"], "distribution", "weibul"), "unknown distribution")
    for p in rng.sample(params, 5):
        pid = p["id"]

        def duplicate(rows, pid=pid):
            index = next(i for i, r in enumerate(rows) if r and r[0] == pid)
            rows.append(list(rows[index]))
        cases.append(Case(f"duplicated_id-{pid}", "duplicated_id", P, edit_rows(P, duplicate), (pid, "duplicated")))
    referenced = _referenced_parameters()
    for pid, file in rng.sample(sorted(referenced.items()), min(8, len(referenced))):
        cases.append(Case(f"missing_referenced_id-{pid}", "missing_referenced_id", file,
                          edit_rows(P, lambda rows, pid=pid: rows.remove(next(r for r in rows if r and r[0] == pid))),
                          (pid, "unknown parameter")))
    for pid in ("u_pf", "pf_death_share"):
        cases.append(Case(f"missing_role_parameter-{pid}", "missing_role_parameter", P,
                          edit_rows(P, lambda rows, pid=pid: rows.remove(next(r for r in rows if r and r[0] == pid))),
                          (pid, "required parameter is missing")))
    for p in rng.sample(params, 5):
        add("blank_source", p["id"], set_cell(P, p["id"], "source", ""), "source")
    for p in [p for p in params if p["distribution"] == "fixed"]:
        add("fixed_without_notes", p["id"], set_cell(P, p["id"], "notes", ""), "notes")
    chosen = rng.sample(params, 3)
    for token in ("nan", "NaN", "inf", "-inf", "1e999"):
        for p in chosen:
            add(f"non_finite_{token}", p["id"], set_cell(P, p["id"], "value", token), "finite")
    costs = [p for p in params if p["unit"] == "GBP"]
    for p in rng.sample(costs, 3):
        add("huge_1e300", p["id"], set_cell(P, p["id"], "value", "1e300"), "implausibly large")
        add("huge_1e13_cost", p["id"], set_cell(P, p["id"], "value", "1e13"), "outside the range")
    for text in ("abc", "12,5", "5%", "£100", "0.3.1", "1,234"):
        p = rng.choice(params)
        add(f"not_a_number_{text}", p["id"], set_cell(P, p["id"], "value", text), "not a number")
    p = rng.choice([p for p in params if p["distribution"] != "dirichlet"])
    add("unknown_unit", p["id"], set_cell(P, p["id"], "unit", "furlongs"), "unknown unit")
    cases.append(Case("blank_id", "blank_id", P, set_cell(P, params[3]["id"], "id", ""), ("blank parameter id",
                                                                                           f"{P}:{line[params[3]['id']]}")))
    return cases


def _referenced_parameters() -> dict[str, str]:
    """{parameter id: the file that refers to it} for ids used by cost_items, arms and adverse_events."""
    out: dict[str, str] = {}
    for name, columns in (("cost_items.csv", ("multiply", "divide")),
                          ("arms.csv", ("pfs_hazard_ratio", "pd_death_rate")),
                          ("time_on_treatment.csv", ("discontinuation_rate",)),
                          ("adverse_events.csv", ("rate", "cost", "disutility", "duration_days"))):
        for row in csv.DictReader(io.StringIO((INPUTS / name).read_text(encoding="utf-8"))):
            for column in columns:
                for pid in (row.get(column) or "").split():
                    out.setdefault(pid, name)
    roles = {"u_pf", "u_pd", "pf_death_share", "gp_utility_intercept", "gp_utility_age", "gp_utility_age_squared"}
    return {k: v for k, v in out.items() if k not in roles}


def survival_cases(rng: random.Random) -> list[Case]:
    S, C = "survival_models.csv", "survival_covariance.csv"
    rows = read_rows(INPUTS / S)
    header = rows[0]
    curves = sorted({r[0] for r in rows[1:] if r})
    used = {"pfs_exe", "os_eve_exe", "os_exe"}
    cases = []
    for curve in rng.sample(curves, 4):
        cases.append(Case(f"bad_family-{curve}", "bad_family", S,
                          edit_rows(S, lambda rs, c=curve: [r.__setitem__(header.index("family"), "weibul")
                                                             for r in rs[1:] if r and r[0] == c]),
                          (curve, "unknown family")))
    coefficient_rows = [(i, r) for i, r in enumerate(rows) if i and r]
    for i, r in rng.sample(coefficient_rows, 3):
        cases.append(Case(f"bad_coefficient-{r[0]}-{i}", "bad_coefficient", S,
                          set_cell_at(S, i, "coefficient", "log_scael"), (r[0], f"{S}:{i + 1}")))
    for i, r in rng.sample(coefficient_rows, 3):
        name = f"{r[0]}.{r[header.index('coefficient')]}"
        cases.append(Case(f"coefficient_huge-{name}", "coefficient_out_of_bounds", S,
                          set_cell_at(S, i, "estimate", "250"), (name, f"{S}:{i + 1}", "outside")))
    for i, r in rng.sample(coefficient_rows, 2):
        name = f"{r[0]}.{r[header.index('coefficient')]}"
        cases.append(Case(f"coefficient_nan-{name}", "coefficient_not_finite", S,
                          set_cell_at(S, i, "estimate", "nan"), (name, f"{S}:{i + 1}", "finite")))
    i, r = next((i, r) for i, r in enumerate(rows) if i and r and r[0] in used)
    cases.append(Case("missing_coefficient", "missing_coefficient", S,
                      edit_rows(S, lambda rs, i=i: rs.pop(i)), (r[0], "missing coefficient")))
    cases.append(Case("unknown_endpoint", "unknown_endpoint", S,
                      edit_rows(S, lambda rs: [x.__setitem__(1, "dfs") for x in rs[1:] if x and x[0] == "os_exe"]),
                      ("os_exe", "endpoint")))
    cov = read_rows(INPUTS / C)
    for curve in ("pfs_exe", "os_exe"):
        index = next(i for i, r in enumerate(cov) if i and r and r[0] == curve and r[1] != r[2])
        cases.append(Case(f"covariance_not_psd-{curve}", "covariance_not_psd", C,
                          set_cell_at(C, index, "covariance", "1.0"), (curve, "positive semi-definite")))
        index = next(i for i, r in enumerate(cov) if i and r and r[0] == curve and r[1] == r[2])
        cases.append(Case(f"covariance_negative_variance-{curve}", "covariance_negative_variance", C,
                          set_cell_at(C, index, "covariance", "-0.01"), (curve, "positive semi-definite")))
        cases.append(Case(f"covariance_variance_huge-{curve}", "covariance_variance_too_large", C,
                          set_cell_at(C, index, "covariance", "25"), (curve, "variance")))
    cases.append(Case("covariance_unknown_curve", "covariance_unknown_curve", C,
                      set_cell_at(C, 1, "curve", "pfs_nope"), ("pfs_nope", f"{C}:2")))
    cases.append(Case("covariance_unknown_coefficient", "covariance_unknown_coefficient", C,
                      set_cell_at(C, 1, "coefficient_1", "log_rate"), (f"{C}:2", "coefficients must be among")))
    return cases


def life_table_cases(rng: random.Random) -> list[Case]:
    L = "life_table.csv"
    rows = read_rows(INPUTS / L)
    n = len(rows) - 1
    cases = []
    for i in rng.sample(range(1, n + 1), 3):
        cases.append(Case(f"qx_above_one-{i}", "qx_above_one", L, set_cell_at(L, i, "qx", "1.2"), (f"{L}:{i + 1}", "qx")))
    for i in rng.sample(range(1, n + 1), 2):
        cases.append(Case(f"qx_negative-{i}", "qx_negative", L, set_cell_at(L, i, "qx", "-0.01"), (f"{L}:{i + 1}", "qx")))
    for i in rng.sample(range(2, n), 3):
        cases.append(Case(f"age_gap-{i}", "non_consecutive_ages", L, edit_rows(L, lambda rs, i=i: rs.pop(i)),
                          ("ages must run in steps of one year",)))
    cases.append(Case("age_fraction", "age_not_whole", L, set_cell_at(L, 5, "age", "59.5"), (f"{L}:6", "age")))
    cases.append(Case("ages_swapped", "non_consecutive_ages", L,
                      edit_rows(L, lambda rs: rs.__setitem__(slice(3, 5), [rs[4], rs[3]])), ("steps of one year",)))
    cases.append(Case("life_table_starts_late", "start_age_before_table", L,
                      edit_rows(L, lambda rs: rs.__delitem__(slice(1, 30))), ("start_age",)))
    return cases


def settings_cases() -> list[Case]:
    T = "settings.toml"
    add_key = lambda section, line: text_edit(T, lambda s: s.replace(f"[{section}]\n", f"[{section}]\n{line}\n", 1))  # noqa: E731
    cases = [
        Case("unknown_key_model", "unknown_setting", T, add_key("model", "horizon_yeras = 15"), ("horizon_yeras", "unknown setting")),
        Case("unknown_key_analysis", "unknown_setting", T, add_key("analysis", "sed = 3"), ("sed",)),
        Case("misplaced_key", "unknown_setting", T, add_key("arms", "seed = 3"), ("seed", "[analysis]")),
        Case("unknown_section", "unknown_setting", T, text_edit(T, lambda s: s + "\n[extras]\nfoo = 1\n"), ("extras",)),
        Case("key_outside_section", "unknown_setting", T, text_edit(T, lambda s: "seed = 4\n" + s), ("seed", "outside")),
        Case("quoted_number", "wrong_setting_type", T, set_setting("horizon_years", '"15"'), ("horizon_years", "number")),
        Case("seed_fraction", "wrong_setting_type", T, set_setting("seed", "1.5"), ("seed", "whole")),
        Case("psa_iterations_text", "wrong_setting_type", T, set_setting("psa_iterations", '"many"'), ("psa_iterations",)),
        Case("bool_maybe", "wrong_setting_type", T, set_setting("utility_age_adjustment", '"maybe"'), ("utility_age_adjustment",)),
        Case("discount_negative", "setting_out_of_range", T, set_setting("discount_rate_costs", "-0.035"), ("discount_rate_costs",)),
        Case("horizon_huge", "setting_out_of_range", T, set_setting("horizon_years", "1e300"), ("horizon_years",)),
        Case("horizon_nan", "setting_out_of_range", T, set_setting("horizon_years", "nan"), ("horizon_years", "finite")),
        Case("cycle_tiny", "setting_out_of_range", T, set_setting("cycle_length_days", "0.01"), ("cycle_length_days", "cycles")),
        Case("wtp_grid_dense", "setting_out_of_range", T, set_setting("wtp_grid_step", "0.001"), ("wtp_grid_step",)),
        Case("correction_unknown", "unknown_choice", T, set_setting("within_cycle_correction", '"trapezoid"'), ("within_cycle_correction",)),
        Case("pd_mortality_unknown", "unknown_choice", T, set_setting("pd_mortality", '"fast"'), ("pd_mortality",)),
        Case("wtp_not_list", "wrong_setting_type", T, set_setting("wtp_thresholds", '"20000"'), ("wtp_thresholds",)),
        Case("title_number", "wrong_setting_type", T, set_setting("title", "5"), ("title",)),
        Case("unknown_arm", "unknown_arm", T, set_setting("intervention", '"eve"'), ("intervention", "arms.csv")),
        Case("unknown_comparator", "unknown_arm", T, set_setting("comparator", '"placebo"'), ("comparator",)),
        Case("same_arms", "intervention_is_comparator", T, set_setting("comparator", '"eve_exe"'), ("comparator", "different")),
        Case("price_unknown", "unknown_price_parameter", T, set_setting("price_parameter", '"eve_price"'), ("eve_price",)),
        Case("missing_key", "missing_setting", T, text_edit(T, lambda s: re.sub(r"(?m)^seed\s*=.*\n", "", s)), ("seed", "missing")),
        Case("toml_unquoted_text", "malformed_toml", T, set_setting("within_cycle_correction", "half_cycle"), ("malformed TOML",)),
        Case("toml_duplicate_key", "malformed_toml", T, text_edit(T, lambda s: s.replace("[arms]\n", "[arms]\nseed = 1\n").replace("seed = 20121", "seed = 20121\nseed = 2")), ("malformed TOML",)),
        Case("toml_broken_table", "malformed_toml", T, text_edit(T, lambda s: s.replace("[arms]", "[arms")), ("malformed TOML",)),
        Case("start_age_below_table", "start_age_before_table", "life_table.csv", set_setting("start_age", "20"), ("start_age",)),
    ]
    return cases


def structure_cases() -> list[Case]:
    A, K, E, SC = "arms.csv", "cost_items.csv", "adverse_events.csv", "scenarios.csv"
    return [
        Case("arm_unknown_curve", "unknown_curve", A, set_cell(A, "exe", "os_curve", "os_nope"), ("os_nope", f"{A}:3")),
        Case("arm_pfs_curve_is_os", "curve_endpoint_mismatch", A, set_cell(A, "exe", "pfs_curve", "os_exe"), ("os_exe", "PFS")),
        Case("arm_unknown_hr", "unknown_parameter_ref", A, set_cell(A, "eve_exe", "pfs_hazard_ratio", "hr_nope"), ("hr_nope",)),
        Case("arm_hr_and_af", "hr_and_af", A, set_cell(A, "eve_exe", "pfs_acceleration_factor", "hr_pfs"), ("eve_exe", "not both")),
        Case("arm_duplicated", "duplicated_arm", A, edit_rows(A, lambda rs: rs.append(list(rs[2]))), ("exe", "duplicated arm")),
        Case("arm_named_all", "bad_arm_id", A, set_cell(A, "exe", "arm", "all"), (f"{A}:3",)),
        Case("arm_waning_unknown", "unknown_arm", A, set_cell(A, "eve_exe", "waning_reference", "pbo"), ("pbo",)),
        Case("cost_unknown_basis", "unknown_basis", K, set_cell(K, "pd_care", "basis", "per_week"), ("pd_care", "basis")),
        Case("cost_unknown_arm", "unknown_arm", K, set_cell(K, "exemestane", "arm", "placebo"), ("placebo",)),
        Case("cost_unknown_parameter", "unknown_parameter_ref", K, set_cell(K, "pd_care", "multiply", "pd_care_cost_month extra_factor"), ("extra_factor",)),
        Case("cost_blank_multiply", "unknown_parameter_ref", K, set_cell(K, "pd_care", "multiply", ""), ("pd_care", "multiply")),
        Case("cost_duplicated", "duplicated_cost_item", K, edit_rows(K, lambda rs: rs.append(list(rs[5]))), ("duplicated cost item",)),
        Case("ae_unknown_arm", "unknown_arm", E, set_cell(E, "stomatitis_exe", "arm", "pbo"), ("pbo", f"{E}:3")),
        Case("ae_unknown_parameter", "unknown_parameter_ref", E, set_cell(E, "stomatitis_exe", "cost", "ae_cost_nope"), ("ae_cost_nope",)),
        Case("ae_blank_rate", "unknown_parameter_ref", E, set_cell(E, "stomatitis_exe", "rate", ""), ("stomatitis_exe", "rate")),
        Case("ae_duplicated", "duplicated_event", E, edit_rows(E, lambda rs: rs.append(list(rs[1]))), ("duplicated adverse event",)),
        Case("scenario_unknown_target", "scenario_bad_target", SC, set_cell(SC, "horizon_10y", "target", "horizon_yrs"), ("horizon_yrs", "horizon_10y")),
        Case("scenario_bad_value", "scenario_bad_value", SC, set_cell(SC, "horizon_10y", "value", "ten"), ("horizon_years", "horizon_10y")),
        Case("scenario_out_of_range", "scenario_bad_value", SC, set_cell(SC, "discount_0", "value", "-1"), ("discount_rate_costs",)),
        Case("scenario_bad_curve", "scenario_bad_target", SC, set_cell(SC, "os_gompertz", "value", "os_nope"), ("os_gompertz", "os_nope")),
        Case("scenario_utility_high", "scenario_bad_value", SC, edit_rows(SC, lambda rs: rs.append(["u_high", "u_pf", "1.3", "x"])), ("u_pf", "u_high")),
        Case("scenario_duplicated_target", "scenario_duplicated", SC, edit_rows(SC, lambda rs: rs.append(list(rs[1]))), ("discount_rate_costs", "twice")),
    ]


def survival_data_cases() -> list[Case]:
    D = "survival_data.csv"
    if not (INPUTS / D).is_file():
        return []
    rows = list(csv.DictReader(io.StringIO((INPUTS / D).read_text(encoding="utf-8"))))
    ipd = next((r["file"] for r in rows if r["kind"] == "ipd"), None)
    cases = [
        Case("data_unknown_kind", "survival_data_row", D, set_cell_at(D, 1, "kind", "km"), (f"{D}:2", "kind")),
        Case("data_unknown_arm", "survival_data_row", D, set_cell_at(D, 1, "arm", "pbo"), (f"{D}:2", "pbo")),
        Case("data_path_escapes", "path_outside_inputs", D, set_cell_at(D, 1, "file", "../../etc/passwd"), (f"{D}:2", "..")),
        Case("data_absolute_path", "path_outside_inputs", D, set_cell_at(D, 1, "file", "/etc/passwd"), (f"{D}:2", "absolute")),
        Case("data_missing_file", "missing_data_file", D, set_cell_at(D, 1, "file", "evidence/nope.csv"), ("evidence/nope.csv",)),
        Case("data_blank_source", "survival_data_row", D, set_cell_at(D, 1, "source", ""), (f"{D}:2", "source")),
    ]
    if ipd:
        data = read_rows(INPUTS / ipd)
        for i in (3, len(data) // 2):
            cases.append(Case(f"ipd_negative_time-{i}", "ipd_time_negative", ipd, set_cell_at(ipd, i, "time", "-2.5"),
                              (f"{ipd}:{i + 1}", "time")))
            cases.append(Case(f"ipd_event_two-{i}", "ipd_event_not_binary", ipd, set_cell_at(ipd, i, "event", "2"),
                              (f"{ipd}:{i + 1}", "event")))
        cases.append(Case("ipd_time_nan", "ipd_time_not_finite", ipd, set_cell_at(ipd, 7, "time", "nan"), (f"{ipd}:8",)))
        cases.append(Case("ipd_time_text", "ipd_time_not_number", ipd, set_cell_at(ipd, 9, "time", "12 months"), (f"{ipd}:10",)))
    # digitised Kaplan–Meier coordinates and numbers at risk, added for an arm/endpoint without data
    km = "evidence/pfs_km_digitised.csv"
    risk = "evidence/pfs_numbers_at_risk.csv"

    def add_digitised(survival: list[str], at_risk: list[str]):
        def mutate(folder: Path) -> None:
            (folder / km).write_text("time,survival\n" + "".join(f"{t},{s}\n" for t, s in zip(range(0, 30, 3), survival)))
            (folder / risk).write_text("time,n_risk\n" + "".join(f"{t},{n}\n" for t, n in zip(range(0, 30, 6), at_risk)))
            rows_ = read_rows(folder / D)
            header = rows_[0]
            new = dict.fromkeys(header, "")
            new.update(endpoint="pfs", arm="eve_exe", kind="digitised", file=km, numbers_at_risk_file=risk,
                       source="Digitised test curve")
            rows_.append([new[h] for h in header])
            write_rows(folder / D, rows_)
        return mutate
    good_s = ["1", "0.9", "0.8", "0.7", "0.6", "0.5", "0.45", "0.4", "0.35", "0.3"]
    good_n = ["485", "400", "300", "200", "100"]
    rising = good_s[:4] + ["0.75"] + good_s[5:]
    cases.append(Case("km_not_non_increasing", "km_coordinates_rise", km, add_digitised(rising, good_n),
                      (f"{km}:6", "non-increasing")))
    cases.append(Case("at_risk_rising", "numbers_at_risk_rise", risk, add_digitised(good_s, good_n[:2] + ["450"] + good_n[3:]),
                      (f"{risk}:4", "non-increasing")))
    cases.append(Case("km_percentages", "km_survival_out_of_range", km,
                      add_digitised(["100", "90"] + good_s[2:], good_n), (f"{km}:2", "survival")))
    return cases


def validation_target_cases() -> list[Case]:
    V = "validation_targets.csv"
    if not (INPUTS / V).is_file():
        return []
    return [
        Case("target_unknown_metric", "validation_target_row", V, set_cell_at(V, 1, "metric", "pfs_mean"), (f"{V}:2", "metric")),
        Case("target_unknown_arm", "validation_target_row", V, set_cell_at(V, 1, "arm", "pbo"), (f"{V}:2", "pbo")),
        Case("target_lower_above_upper", "validation_target_row", V,
             edit_rows(V, lambda rs: [r.__setitem__(slice(6, 8), ["40", "30"]) for r in rs[3:4]]), (f"{V}:4", "lower")),
        Case("target_unknown_kind", "validation_target_row", V, set_cell_at(V, 2, "kind", "dependent"), (f"{V}:3", "kind")),
    ]


def published_analysis_cases() -> list[Case]:
    """Bad rows of the cross-validation table: exit 2 naming file, row and column."""
    P = "published_analyses.csv"
    if not (INPUTS / P).is_file():
        return []
    return [
        Case("published_bad_status", "published_analysis_row", P, set_cell_at(P, 1, "status", "yes"), (f"{P}:2", "status")),
        Case("published_icer_not_a_number", "published_analysis_row", P, set_cell_at(P, 6, "published_icer", "61,079"),
             (f"{P}:7", "published_icer")),
        Case("published_unverified_number", "published_analysis_row", P, set_cell_at(P, 11, "published_icer", "50000"),
             (f"{P}:12", "not_verified")),
        Case("published_unknown_override", "published_analysis_row", P,
             set_cell_at(P, 1, "overrides", "eve_pack_price_10mgx=2970"), (f"{P}:2", "overrides", "eve_pack_price_10mgx")),
        Case("published_override_out_of_range", "published_analysis_row", P,
             set_cell_at(P, 6, "overrides", "u_pd=1.7"), (f"{P}:7", "overrides", "u_pd")),
        Case("published_override_malformed", "published_analysis_row", P,
             set_cell_at(P, 2, "overrides", "eve_pack_price_10mg"), (f"{P}:3", "overrides", "ID=VALUE")),
        Case("published_discount_as_percent", "published_analysis_row", P, set_cell_at(P, 8, "discount_costs", "2"),
             (f"{P}:9", "discount_costs")),
        Case("published_duplicate_id", "published_analysis_row", P, set_cell_at(P, 2, "analysis", "nice_ta295_2013_list_price"),
             (f"{P}:3", "duplicated")),
    ]


def lost_row_cases() -> list[Case]:
    """Rows lost or pasted twice: each table stays a valid CSV, so only the cross-checks can tell."""
    P, C, S, K, E, A, L = ("parameters.csv", "survival_covariance.csv", "survival_models.csv", "cost_items.csv",
                           "adverse_events.csv", "arms.csv", "life_table.csv")
    D, V, SC = "survival_data.csv", "validation_targets.csv", "scenarios.csv"
    keep = lambda n: lambda rs: rs.__delitem__(slice(n + 1, None))  # noqa: E731  header + first n rows
    drop = lambda key: lambda rs: rs.remove(next(r for r in rs if r and r[0] == key))  # noqa: E731

    def append_copy(key: str, **changes):
        def edit(rs):
            row = list(next(r for r in rs if r and r[0] == key))
            for column, value in changes.items():
                row[rs[0].index(column)] = value
            rs.append(row)
        return edit
    cov_row = read_rows(INPUTS / C)[4]  # os_eve_exe log_scale variance (line 5)
    cases = [
        # the five cases of issue 11
        Case("cost_items_first_3", "lost_row", K, edit_rows(K, keep(3)),
             ("'exemestane'", "arm 'exe'")),  # the placebo arm's drug row and its time on treatment are gone
        Case("adverse_events_first_2", "lost_row", E, edit_rows(E, keep(2)),
             (f"{P}:", "ae_rate_anaemia_eve_exe", "used by nothing")),
        Case("covariance_duplicated_row_run", "duplicated_row", C, edit_rows(C, lambda rs: rs.append(list(cov_row))),
             ("given twice", "first on line 5", "os_eve_exe.log_scale")),
        Case("covariance_duplicated_row_psa", "duplicated_row", C, edit_rows(C, lambda rs: rs.append(list(cov_row))),
             ("given twice", "first on line 5"), command=("psa", "--iterations", "20")),
        Case("orphan_parameter", "unused_parameter", P, edit_rows(P, append_copy("terminal_care_cost", id="orphan_cost")),
             ("orphan_cost", "used by nothing")),
        # the same defences elsewhere
        Case("covariance_symmetric_entry_twice", "duplicated_row", C,
             edit_rows(C, lambda rs: rs.append([rs[6][0], rs[6][2], rs[6][1], rs[6][3], "x"])),  # (b, a) after (a, b)
             ("given twice",)),
        Case("ae_missing_for_an_arm", "lost_row", E, edit_rows(E, drop("stomatitis_exe")),
             ("adverse event 'Stomatitis' has no row for arm 'exe'", "ae_rate_stomatitis_exe")),
        Case("ae_twice_for_an_arm", "duplicated_row", E,
             edit_rows(E, append_copy("anaemia_exe", event="anaemia_exe_again")), ("two rows for arm 'exe'",)),
        Case("arm_without_pd_costs", "lost_row", K, edit_rows(K, drop("pd_care")),
             ("per_month_in_pd", "pd_care_cost_month")),
        Case("arm_without_pf_costs", "lost_row", K, set_cell(K, "pf_monitoring", "arm", "eve_exe"),
             ("arm 'exe' has no cost item with basis 'per_month_in_pf'",)),
        Case("arm_without_death_cost", "lost_row", K, set_cell(K, "terminal_care", "arm", "eve_exe"),
             ("arm 'exe' has no cost item with basis 'per_death'",)),
        Case("arm_row_lost", "lost_row", A, edit_rows(A, drop("exe")), ("'exe'",)),
        Case("life_table_last_rows_lost", "lost_row", L, edit_rows(L, lambda rs: rs.__delitem__(slice(-5, None))),
             ("ends at age 95",)),
        Case("survival_data_arm_lost", "lost_row", D, edit_rows(D, lambda rs: rs.pop()), ("pbo_exe", "no row")),
        Case("validation_target_twice", "duplicated_row", V,
             edit_rows(V, append_copy("os_median_exe", check="os_median_exe_again")), ("already checked",)),
        Case("last_row_cut_mid_number", "truncated_row", C, bytes_edit(C, lambda b: b.rstrip(b"\n")[:-3]),
             ("without a line break",)),
    ]
    ipd = next((r["file"] for r in csv.DictReader(io.StringIO((INPUTS / D).read_text(encoding="utf-8")))
                if r["kind"] == "ipd"), None)
    if ipd:
        for command in ("validate", "fit", "all"):
            cases.append(Case(f"ipd_time_1e308-{command}", "ipd_time_implausible", ipd, set_cell_at(ipd, 5, "time", "1e308"),
                              (f"{ipd}:6", "implausible"), command=(command,)))
    return cases


def generic_cases(rng: random.Random) -> list[Case]:
    """Defects any file can have, for every file the model reads."""
    cases = []
    for name in model_files():
        data = (INPUTS / name).read_bytes()
        is_csv = name.endswith(".csv")
        for cut in sorted(rng.sample(range(1, len(data) - 1), 4)):  # a cut at a line end may leave a valid file
            cases.append(Case(f"truncate-{name}-{cut}", "random_truncation", name,
                              bytes_edit(name, lambda b, cut=cut: b[:cut]), may_stay_valid=True))
        if is_csv and name not in ROW_INDEPENDENT:  # a cut exactly at a line end: the last row is lost
            cases.append(Case(f"drop_last_row-{name}", "lost_row", name,
                              bytes_edit(name, lambda b: b[: b.rstrip(b"\n").rfind(b"\n") + 1])))
        cases.append(Case(f"latin1-{name}", "not_utf8", name, bytes_edit(name, _latin1), ("UTF-8", f"{name}:2")))
        cases.append(Case(f"utf16-{name}", "not_utf8", name,
                          bytes_edit(name, lambda b: b.decode("utf-8").encode("utf-16")), ("UTF-16",)))
        cases.append(Case(f"empty-{name}", "empty_file", name, bytes_edit(name, lambda b: b""), ("empty",)))
        cases.append(Case(f"blank-{name}", "empty_file", name, bytes_edit(name, lambda b: b"\n\n  \n"), ("empty",)))
        cases.append(Case(f"nul-{name}", "binary_file", name,
                          bytes_edit(name, lambda b: b[: len(b) // 2] + b"\x00\x00" + b[len(b) // 2:]), ("NUL",)))
        if name not in OPTIONAL:
            cases.append(Case(f"deleted-{name}", "missing_file", name, lambda f, n=name: (f / n).unlink(),
                              ("does not exist" if name.startswith("evidence/") else "missing file",)))
        cases.append(Case(f"folder-{name}", "folder_not_file", name,
                          lambda f, n=name: ((f / n).unlink(), (f / n).mkdir()), ("folder",)))
        if is_csv:
            header = read_rows(INPUTS / name)[0]
            cases.append(Case(f"dup_header-{name}", "duplicated_header", name,
                              edit_rows(name, lambda rs: rs[0].__setitem__(-1, rs[0][0])), (header[0], "header")))
            cases.append(Case(f"extra_column-{name}", "unknown_column", name,
                              edit_rows(name, lambda rs: [r.append("x") for r in rs if r] and rs[0].__setitem__(-1, "extra_col")),
                              ("extra_col",)))
            cases.append(Case(f"missing_column-{name}", "missing_column", name,
                              edit_rows(name, lambda rs: [r.pop(0) for r in rs if r]), (header[0],)))
            cases.append(Case(f"extra_cell-{name}", "ragged_row", name,
                              edit_rows(name, lambda rs: rs[1].append("stray")), (f"{name}:2", "cells")))
            cases.append(Case(f"unclosed_quote-{name}", "malformed_csv", name,
                              bytes_edit(name, lambda b: b.rstrip(b"\r\n") + b',"open\n'), ("quoted cell",)))
            cases.append(Case(f"header_only-{name}", "no_data_rows", name,
                              bytes_edit(name, lambda b: b.split(b"\n", 1)[0] + b"\n"), ("no data rows",)))
        stem = Path(name).stem
        if not name.startswith("evidence/"):
            other = ".xlsx" if is_csv else ".yaml"
            cases.append(Case(f"other_format-{name}", "wrong_format", name,
                              lambda f, n=name, o=other: (f / n).rename((f / n).with_suffix(o)), (stem + other,)))
            cases.append(Case(f"xlsx_bytes-{name}", "wrong_format", name,
                              bytes_edit(name, lambda b: b"PK\x03\x04" + b[:100]), ("zip",)))
    return cases


def nested_set_cases(rng: random.Random) -> list[Case]:
    """A lighter pass over the other shipped input sets: a truncation, Latin-1, an empty and a deleted
    file for every file each reads, and a value out of range in its parameters.csv."""
    cases = []
    for base in nested_sets():
        folder = INPUTS / base
        for name in model_files(folder):
            data = (folder / name).read_bytes()
            cut = rng.randrange(1, len(data) - 1)
            cases.append(Case(f"{base}/truncate-{name}-{cut}", "random_truncation", name,
                              bytes_edit(name, lambda b, cut=cut: b[:cut]), may_stay_valid=True, base=base))
            cases.append(Case(f"{base}/latin1-{name}", "not_utf8", name, bytes_edit(name, _latin1), ("UTF-8",), base=base))
            cases.append(Case(f"{base}/empty-{name}", "empty_file", name, bytes_edit(name, lambda b: b""), ("empty",),
                              base=base))
            if name not in OPTIONAL:
                cases.append(Case(f"{base}/deleted-{name}", "missing_file", name, lambda f, n=name: (f / n).unlink(),
                                  base=base))
        params = list(csv.DictReader(io.StringIO((folder / "parameters.csv").read_text(encoding="utf-8"))))
        for p in rng.sample(params, 3):
            cases.append(Case(f"{base}/unit_range-{p['id']}", "unit_range", "parameters.csv",
                              set_cell("parameters.csv", p["id"], "value", _out_of_range(p["unit"])),
                              (p["id"], "outside the range"), base=base))
    return cases


def _latin1(data: bytes) -> bytes:
    """A comment line with accents on line 2, and the whole file saved as Latin-1 (as old Excel does)."""
    lines = data.decode("utf-8").split("\n")
    lines.insert(1, "# café, naïve")
    return "\n".join(lines).encode("latin-1", errors="replace")


def all_cases() -> list[Case]:
    rng = random.Random(SEED)
    cases = (parameter_cases(rng) + survival_cases(rng) + life_table_cases(rng) + settings_cases() + structure_cases()
             + survival_data_cases() + validation_target_cases() + lost_row_cases() + published_analysis_cases()
             + generic_cases(rng)
             + nested_set_cases(rng))
    ids = Counter(c.id for c in cases)
    assert not [i for i, n in ids.items() if n > 1], "case ids must be unique"
    return cases


CASES = all_cases()


# --------------------------------------------------------------------------- running
def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def restore(folder: Path, state: dict[str, bytes]) -> None:
    shutil.rmtree(folder)
    for name, data in state.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("corruption")
    sets = {}
    for base in ["", *nested_sets()]:
        pristine = root / "pristine" / (base or "main")
        shutil.copytree(INPUTS / base, pristine, ignore=shutil.ignore_patterns(*nested_sets(), ".*"))
        out = root / "out" / (base or "main")
        result = runner.invoke(app, ["run", "--inputs", str(pristine), "--out", str(out)])
        assert result.exit_code == 0, result.output
        sets[base] = {"pristine": pristine, "out": out, "state": snapshot(out)}
    return {"root": root, "sets": sets, "results": {}, "valid": set()}


def message_class(stderr: str) -> str:
    """The first problem's message with locations and quoted values removed: 'what is wrong', generically."""
    lines = [line.strip() for line in stderr.splitlines() if line.startswith("  ")]
    text = lines[0] if lines else stderr.strip().splitlines()[0]
    text = re.sub(r"^[^:]*?(:\d+)?: ", "", text, count=1)  # file:row
    text = re.sub(r"^(parameter '[^']*', )?(column '[^']*': )?(parameter '[^']*': )?", "", text)
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"-?\d[\d.,e+\-]*", "N", text)
    return text[:48]


def run_case(case: Case, workspace) -> str:
    """'ok' or 'valid' (a truncation that left a valid file); raises AssertionError otherwise."""
    folder = workspace["root"] / "cases" / re.sub(r"[^\w.-]", "_", case.id)
    if folder.exists():
        shutil.rmtree(folder)
    base = workspace["sets"][case.base]
    shutil.copytree(base["pristine"], folder)
    case.mutate(folder)
    out = base["out"]
    result = runner.invoke(app, [*case.command, "--inputs", str(folder), "--out", str(out)])
    cut_at_line_end = case.may_stay_valid and (folder / case.file).read_bytes().endswith(b"\n")
    shutil.rmtree(folder)
    changed = snapshot(out) != base["state"]
    if changed:  # restore before asserting, so that one failure does not cascade into the next cases
        restore(out, base["state"])
    if case.may_stay_valid and result.exit_code == 0:
        # the one accepted way to stay valid: whole rows lost from a table whose rows stand alone
        assert case.file in ROW_INDEPENDENT and cut_at_line_end, (
            f"{case.id}: a truncation of {case.file} was accepted (exit 0): rows were lost silently\n{result.output}")
        workspace["valid"].add(case.id)
        return "valid"
    detail = f"{case.id}: exit {result.exit_code}\n{result.output}"
    assert result.exit_code == 2, detail
    assert result.exception is None or isinstance(result.exception, SystemExit), (detail, repr(result.exception))
    assert "Traceback" not in result.output, detail
    stderr = result.stderr
    assert case.file in stderr, f"{detail}\nexpected the file '{case.file}' to be named"
    for token in case.expect:
        assert token in stderr, f"{detail}\nexpected '{token}' in the message"
    assert not changed, f"{case.id}: the output folder changed"
    workspace["results"][case.id] = message_class(stderr)
    return "ok"


def test_at_least_200_corruptions_are_generated():
    assert len(CASES) >= 200
    assert len({c.rule for c in CASES}) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corruption_is_exit_2_naming_the_file_and_keeps_outputs(case, workspace):
    run_case(case, workspace)


def test_summary_of_cases_and_message_classes(workspace, capsys):
    """Runs any case not run yet (e.g. with -k), then prints how many ran and every message class."""
    for case in CASES:
        if case.id not in workspace["results"] and case.id not in workspace["valid"]:
            run_case(case, workspace)
    ran, skipped = len(workspace["results"]), len(workspace["valid"])
    classes = Counter(workspace["results"].values())
    with capsys.disabled():
        print(f"\ncorruption suite: {ran} cases gave exit 2 with a located message; {skipped} truncations cut whole "
              f"rows from a table whose rows stand alone {sorted(workspace['valid'])}; {len(classes)} message classes:")
        for text, n in sorted(classes.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {n:4d}  {text}")
    assert ran >= 200
