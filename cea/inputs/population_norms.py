"""General-population norms for the NICE severity modifier (``population_norms.csv``, optional).

Columns: ``age, sex, lx, dx, utility, life_table_source, utility_source``: one row per single
year of age and sex (``female``/``male``), as the QALY Shortfall Calculator holds them
(Schneider et al. 2021; McNamara et al. 2023): the life-table survivors ``lx`` and deaths
``dx`` (per 100,000) and the mean EQ-5D of the general population at that age.  Ages must
be consecutive, the same for each sex, and end with the table's last age.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cea.errors import InputError, Problem
from cea.inputs.readers import parse_float, read_csv

POPULATION_NORMS_FILE = "population_norms.csv"
COLUMNS = ("age", "sex", "lx", "dx", "utility", "life_table_source", "utility_source")
SEXES = ("female", "male")


@dataclass(frozen=True)
class PopulationNorms:
    """Per sex: ages, lx, dx, utility (tuples of equal length, ages consecutive)."""
    ages: tuple[int, ...]
    lx: dict[str, tuple[float, ...]]
    dx: dict[str, tuple[float, ...]]
    utility: dict[str, tuple[float, ...]]
    life_table_source: str
    utility_source: str


def load_population_norms(inputs_folder: Path | str) -> PopulationNorms | None:
    """The norms of ``inputs_folder``, or None when the file is absent; all problems reported at once."""
    path = Path(inputs_folder) / POPULATION_NORMS_FILE
    if not path.exists():
        return None
    rows = read_csv(path, COLUMNS)
    problems: list[Problem] = []
    by_sex: dict[str, dict[int, tuple[float, float, float]]] = {s: {} for s in SEXES}
    sources = {"life_table_source": "", "utility_source": ""}
    for row in rows:
        v = row.values
        sex = v["sex"].lower()
        if sex not in SEXES:
            problems.append(row.problem(f"sex '{v['sex']}' is not one of {SEXES}", "sex"))
            continue
        age = parse_float(row, "age", problems)
        lx, dx, u = (parse_float(row, c, problems) for c in ("lx", "dx", "utility"))
        if None in (age, lx, dx, u):
            continue
        if age != int(age) or not 0 <= age <= 120:
            problems.append(row.problem(f"age {age:g} is not a whole number of years in [0, 120]", "age"))
            continue
        if lx <= 0 or not 0 <= dx <= lx:
            problems.append(row.problem(f"needs lx > 0 and 0 <= dx <= lx; got lx {lx:g}, dx {dx:g}", "dx"))
        if not -0.594 <= u <= 1:
            problems.append(row.problem(f"utility {u:g} is outside the EQ-5D-3L range [-0.594, 1]", "utility"))
        if int(age) in by_sex[sex]:
            problems.append(row.problem(f"age {int(age)} appears twice for {sex}", "age"))
        by_sex[sex][int(age)] = (lx, dx, u)
        for column in sources:
            if not v[column]:
                problems.append(row.problem("source is blank; every norm cites its publication", column))
            sources[column] = sources[column] or v[column]
    ages = sorted(by_sex["female"])
    if not problems:
        if not ages or ages != list(range(ages[0], ages[-1] + 1)):
            problems.append(Problem(POPULATION_NORMS_FILE, "ages must be consecutive whole years"))
        elif sorted(by_sex["male"]) != ages:
            problems.append(Problem(POPULATION_NORMS_FILE, "female and male rows must cover the same ages"))
    if problems:
        raise InputError(problems)
    return PopulationNorms(
        ages=tuple(ages),
        lx={s: tuple(by_sex[s][a][0] for a in ages) for s in SEXES},
        dx={s: tuple(by_sex[s][a][1] for a in ages) for s in SEXES},
        utility={s: tuple(by_sex[s][a][2] for a in ages) for s in SEXES},
        life_table_source=sources["life_table_source"], utility_source=sources["utility_source"])
