"""The HTA submission appendix (issue 6): one Word document generated from one run.

The document is built once per module from a short run of the shipped inputs (6-year horizon,
1,000 PSA iterations) and reopened with python-docx: every section in the NICE order, every
figure embedded, numbered captions, the CHEERS 2022 table in the published order, and the
results tables equal to ``results.json`` and the PSA summary of the same run.  The PDF
conversion test needs LibreOffice (marked ``libreoffice``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import warnings
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from docx.table import Table
from docx.text.paragraph import Paragraph

from cea.analyses.bundle import run_all_analyses
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.outputs.appendix import build_appendix, write_appendix
from cea.outputs.appendix_doc import icer, money, percent, qalys
from cea.outputs.cheers import CHEERS_ITEMS
from cea.outputs.diagrams import TRANSITIONS
from cea.outputs.parameter_table import parameter_frame
from cea.outputs.report import write_base_case

INPUTS = Path(__file__).resolve().parents[1] / "inputs"
EXPECTED_SECTIONS = (  # the order of the economic section of a NICE company submission (issue 6)
    "Summary", "Model structure", "Population, comparators, perspective, time horizon and discounting",
    "Clinical parameters and survival extrapolation", "Adverse events", "Health-related quality of life",
    "Costs and healthcare resource use", "Severity", "Base-case results", "Markov traces", "Deterministic sensitivity analysis",
    "Scenario analyses", "Threshold price analysis", "Probabilistic sensitivity analysis", "Value of information",
    "Validation against the pivotal trial", "Model verification", "Interpretation and limitations",
    "CHEERS 2022 checklist", "Run manifest", "References",
)


@pytest.fixture(scope="module")
def bundle():
    inputs = apply_overrides(load_inputs(INPUTS), {"horizon_years": "6"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = run_all_analyses(inputs, iterations=1000, seed=2)  # seed 2: the EVPPI fits converge fast
    if result.fits is None:  # the bundle may not compute the survival fits yet
        try:
            from cea.analyses.survival_fits import run_survival_fits
        except ImportError:
            return result
        result = replace(result, fits=run_survival_fits(inputs))
    return result


@pytest.fixture(scope="module")
def written(bundle, tmp_path_factory):
    folder = tmp_path_factory.mktemp("appendix")
    path = write_appendix(folder / "appendix.docx", bundle, folder / "figures")
    return path, folder / "figures"


@pytest.fixture(scope="module")
def document(written):
    return docx.Document(str(written[0]))


def body_items(document):
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            yield Paragraph(child, document)
        elif child.tag.endswith("}tbl"):
            yield Table(child, document)


def tables_by_caption(document) -> dict[str, Table]:
    """Caption text without its number ('Base-case results (…)') → the table that follows it."""
    out, caption = {}, None
    for item in body_items(document):
        if isinstance(item, Paragraph) and item.style.name == "Caption" and item.text.startswith("Table"):
            caption = item.text.split(": ", 1)[1]
        elif isinstance(item, Table) and caption is not None:
            out[caption] = item
            caption = None
    return out


def find_table(document, prefix: str) -> Table:
    matches = [t for c, t in tables_by_caption(document).items() if c.startswith(prefix)]
    assert len(matches) == 1, f"expected one table captioned '{prefix}…'"
    return matches[0]


def rows_by_label(table: Table) -> dict[str, list[str]]:
    return {row.cells[0].text: [c.text for c in row.cells] for row in table.rows}


def test_every_section_in_the_nice_order(document):
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1" and p.text != "Contents"]
    numbers = [int(h.split(" ", 1)[0]) for h in headings]
    titles = [h.split(" ", 1)[1] for h in headings]
    assert titles == list(EXPECTED_SECTIONS)
    assert numbers == list(range(1, len(EXPECTED_SECTIONS) + 1))


def test_every_figure_is_embedded_and_written_at_300_dpi(document, written):
    from PIL import Image

    pngs = sorted(written[1].glob("*.png"))
    assert len(document.inline_shapes) == len(pngs) >= 12
    names = {p.name for p in pngs}
    for required in ("state_diagram.png", "survival_os.png", "survival_pfs.png", "markov_trace.png", "tornado.png",
                     "ce_plane.png", "ceac.png", "convergence.png", "evpi.png", "validation_overlay.png"):
        assert required in names
    for png in pngs:
        dpi = Image.open(png).info.get("dpi", (0, 0))
        assert round(dpi[0]) == 300, png.name
    a4_text_width = docx.shared.Cm(16.0)
    assert all(0 < shape.width <= a4_text_width for shape in document.inline_shapes)


def test_captions_are_numbered_consecutively(document):
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    for kind, count in (("Table", len(document.tables)), ("Figure", len(document.inline_shapes))):
        numbers = [int(re.match(rf"{kind} (\d+): \S", c).group(1)) for c in captions if c.startswith(kind)]
        assert numbers == list(range(1, count + 1)), kind
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)


def test_cheers_table_has_all_28_items_in_the_published_order(document):
    table = find_table(document, "CHEERS 2022 checklist")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert len(rows) == 28
    assert [int(r[0]) for r in rows] == list(range(1, 29))
    assert [r[1] for r in rows] == [item.topic for item in CHEERS_ITEMS]
    assert rows[6][1] == "Comparators" and rows[7][1] == "Perspective"  # published order, not the web app's
    assert [r[1] for r in rows[17:20]] == ["Characterizing heterogeneity", "Characterizing distributional effects",
                                           "Characterizing uncertainty"]
    headings = {p.text.split(" ", 1)[0]: p.text for p in document.paragraphs if p.style.name == "Heading 1"}
    for row in rows:
        reported = row[3]
        assert reported
        cited = re.findall(r"(?:^|; )(\d+) ", reported)
        assert cited or reported.startswith(("Not reported", "Not applicable", "Title page")), row
        for number in cited:
            assert reported.count(headings[number]) == 1, row


def test_base_case_tables_equal_results_json(document, bundle, tmp_path):
    write_base_case(tmp_path, bundle.base_case)
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    currency = bundle.inputs.settings.currency
    inc = results["incremental"]
    rows = rows_by_label(find_table(document, "Base-case results"))
    for arm_id, arm in results["arms"].items():
        row = rows[arm["label"]]
        assert row[1:4] == [money(arm["costs"], currency), qalys(arm["lys"]), qalys(arm["qalys"])]
    intervention = rows[results["arms"][inc["intervention"]]["label"]]
    assert intervention[4:8] == [money(inc["costs"], currency), qalys(inc["lys"]), qalys(inc["qalys"]),
                                 icer(inc["icer"], inc["status"], currency)]
    nmb = find_table(document, "Incremental net benefit")
    assert [r.cells[1].text for r in nmb.rows[1:]] == [money(v, currency) for v in inc["nmb"].values()]
    detail = rows_by_label(find_table(document, "Disaggregated base-case results"))
    for arm_id, arm in results["arms"].items():
        column = list(detail["Outcome"]).index(arm["label"])
        assert detail["Total costs"][column] == money(arm["costs"], currency)
        assert detail["Total QALYs"][column] == qalys(arm["qalys"])
        assert detail["QALYs: PF"][column] == qalys(arm["qalys_by_state"]["PF"])
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"The base-case ICER is {money(inc['icer'], currency)} per QALY gained" in text


def test_psa_tables_equal_the_psa_summary(document, bundle):
    summary = bundle.psa.summary()
    currency = bundle.inputs.settings.currency
    inc = summary["incremental"]
    rows = rows_by_label(find_table(document, "Probabilistic and deterministic"))
    assert rows["Incremental costs"][2] == money(inc["costs"], currency)
    assert rows["Incremental QALYs"][2] == qalys(inc["qalys"])
    assert rows["ICER (per QALY gained)"][2] == icer(inc["icer"], inc["status"], currency)
    assert rows["Incremental costs"][3] == f"{money(inc['costs_95ci'][0], currency)} to " \
                                           f"{money(inc['costs_95ci'][1], currency)}"
    for wtp, value in inc["nmb"].items():
        label = f"INMB at {money(float(wtp), currency)} per QALY"
        assert rows[label][2] == money(value, currency)
        assert rows[label][1] == money(summary["deterministic"]["nmb"][wtp], currency)
    for arm, mean in summary["mean"].items():
        label = bundle.inputs.structure.arm(arm).label
        assert rows[f"Total costs, {label}"][2] == money(mean["costs"], currency)
        assert rows[f"Total QALYs, {label}"][2] == qalys(mean["qalys"])
    probability = find_table(document, "Probability of being cost-effective")
    body = [[c.text for c in r.cells] for r in probability.rows[2:]]
    expected = [[f"{money(float(w), currency)} per QALY"] + [percent(p[a], 1) for a in bundle.psa.arms]
                + [money(summary["evpi"][w], currency)] for w, p in summary["prob_cost_effective"].items()]
    assert body == expected


def test_parameter_tables_list_every_input_with_its_source(document, bundle):
    text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    frame = parameter_frame(bundle.inputs)
    scalars = frame[~frame["id"].str.contains(".", regex=False)]
    for pid in scalars["id"]:
        assert f"[{pid}]" in text, pid
    for curve in bundle.inputs.curves:
        assert curve in text
    for source in scalars["source"]:
        assert source in text


def test_state_diagram_has_only_the_model_transitions():
    assert set(TRANSITIONS) == {("PF", "PD"), ("PF", "Dead"), ("PD", "Dead")}
    assert ("PD", "PF") not in TRANSITIONS


def test_missing_fits_and_validation_are_stated(bundle, tmp_path):
    document = build_appendix(replace(bundle, fits=None, validation=None), tmp_path / "figures")
    text = "\n".join(p.text for p in document.paragraphs)
    assert "`cea validate`" in text
    assert len(document.inline_shapes) == len(list((tmp_path / "figures").glob("*.png")))


@pytest.mark.libreoffice
def test_converts_to_pdf_with_libreoffice(written, tmp_path):
    out = tmp_path / "pdf"
    result = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                             "--convert-to", "pdf", "--outdir", str(out), str(written[0])],
                            capture_output=True, text=True, timeout=240)
    pdf = out / "appendix.pdf"
    assert result.returncode == 0 and pdf.is_file(), result.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 15


@pytest.mark.parametrize("absolute, proportional, weight", [
    (11.99, 0.8499, 1.0), (12.0, 0.5, 1.2), (5.0, 0.85, 1.2), (17.99, 0.9499, 1.2), (18.0, 0.5, 1.7),
    (5.0, 0.95, 1.7)])
def test_severity_weight_bands(absolute, proportional, weight):
    from cea.analyses.severity import severity_weight

    assert severity_weight(absolute, proportional) == weight


def test_validation_table_labels_kinds_and_the_cross_validation_table_is_there(document, bundle):
    validation = find_table(document, "Validation: modelled against observed outcomes, by kind")
    kinds = [row.cells[0].text for row in validation.rows[1:]]
    assert {"Internal", "External", "Structural"} <= set(kinds)
    median = next(row for row in validation.rows if row.cells[1].text.startswith("Median OS")
                  and "published 31.0" in row.cells[4].text)
    assert "30.8 (KM of reconstructed data)" in median.cells[4].text
    crossval = rows_by_label(find_table(document, "Cross-validation: published analyses"))
    expected = bundle.cross_validation.table.set_index("analysis")
    assert set(crossval) - {"Analysis"} == set(expected.index)
    assert crossval["zin_2014_nl_discounting"][3].startswith("EUR 61,079/QALY")
    assert crossval["china_thesis_2019"][4] == "3.63"
    assert crossval["kourlaba_2015_greece"][5] == "not re-run"
    model = expected.loc["zin_2014_nl_discounting", "model_icer"]
    assert crossval["zin_2014_nl_discounting"][5] == f"£{model:,.0f} per QALY"
