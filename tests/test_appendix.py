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
import numpy as np
import pytest
from docx.table import Table
from docx.text.paragraph import Paragraph

from cea.analyses.bundle import run_all_analyses
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.appendix import build_appendix, write_appendix
from cea.appendix.document import AppendixContext, DocWriter, icer, money, percent, qalys
from cea.appendix.language import curve_label, submission_text
from cea.appendix.cheers import CHEERS_ITEMS
from cea.inputs.references import cited_keys, internal_mentions, load_references
from cea.outputs.diagrams import TRANSITIONS
from cea.outputs.parameter_table import parameter_frame
from cea.analyses.base_case import run_base_case
from cea.outputs.report import write_base_case

INPUTS = Path(__file__).resolve().parents[1] / "inputs"
EXPECTED_SECTIONS = (  # the order of NICE Document B, section B.3 (issue 14)
    "Summary of the cost-effectiveness evidence", "Published cost-effectiveness studies",
    "Decision problem and modelled population", "Model structure", "Features of the economic analysis",
    "Clinical parameters and variables", "Adverse events", "Measurement and valuation of health effects",
    "Cost and healthcare resource use", "Severity", "Key sources of uncertainty",
    "Summary of base-case inputs and assumptions", "Base-case results", "Markov traces",
    "Probabilistic sensitivity analysis", "Deterministic sensitivity analysis", "Scenario analyses",
    "Structural uncertainty", "Plausibility of survival extrapolation and time on treatment",
    "Threshold price analysis", "Price analysis",
    "Review group's preferred assumptions, step by step", "Value of information", "Subgroup analysis",
    "Benefits not captured in the QALY calculation", "Validation", "Verification", "Interpretation and conclusions",
    "Limitations", "Equality considerations", "Budget impact", "CHEERS 2022 checklist", "References",
    "Technical annex: reproducibility",
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
    path = write_appendix(folder / "appendix.docx", bundle, folder / "figures", check_workbook=False)
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


def reference_numbers(document) -> dict[str, int]:
    """Reference key → its number in the document's reference list (matched on the citation text)."""
    references = load_references(INPUTS)
    listed = [p.text for p in document.paragraphs if re.match(r"\d+\.\t", p.text)]
    out = {}
    for line in listed:
        number, _, citation = line.partition(".\t")
        for r in references:
            if r.citation == citation:
                out[r.key] = int(number)
    return out


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
    rows = rows_by_label(find_table(document, "Base-case results (deterministic"))
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
    assert find_table(document, "Base-case results (deterministic, discounted), at list price")


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
    references = load_references(bundle.inputs.folder)
    numbered = reference_numbers(document)
    ctx = AppendixContext(bundle, DocWriter(), {})
    for _, p in scalars.iterrows():  # in submission language: labels, never ids
        assert submission_text(ctx, p["description"]) in text, p["id"]
        for key in cited_keys(p["source"], references):  # each cited publication with its number
            assert f"{key} [{numbered[key]}]" in text, (p["id"], key)
    for curve in bundle.inputs.curves:
        assert curve_label(ctx, curve) in text


def test_state_diagram_has_only_the_model_transitions():
    assert set(TRANSITIONS) == {("PF", "PD"), ("PF", "Dead"), ("PD", "Dead")}
    assert ("PD", "PF") not in TRANSITIONS


def test_missing_fits_and_validation_are_stated(bundle, tmp_path):
    document = build_appendix(replace(bundle, fits=None, validation=None), tmp_path / "figures", check_workbook=False)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "No validation targets are in the inputs of this run" in text
    assert "No patient-level overall survival data were available to the model" in text
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


def test_budget_impact_section_reports_the_run(document, bundle, written):
    from cea.appendix.document import money, number

    result = bundle.budget_impact
    table = find_table(document, "Budget impact at list price")
    rows = rows_by_label(table)
    for _, r in result.table().iterrows():
        label = "Total" if r["year"] == "Total" else f"Year {r['year']}"
        assert rows[label] == [label, number(r["eligible"], 0), number(r["treated"], 0), money(r["costs_with"], "GBP"),
                               money(r["costs_without"], "GBP"), money(r["net"], "GBP")]
    sources = rows_by_label(find_table(document, "Budget impact inputs"))
    assert "NICE TA421" in sources["eligible_patients (year 1)"][3]
    assert {"budget_impact.png", "budget_impact_tornado.png"} <= {p.name for p in written[1].glob("*.png")}
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Sullivan SD, Mauskopf JA" in text and "ISPOR Budget Impact Analysis Good Practice II" in text


def test_validation_table_labels_kinds_and_the_cross_validation_table_is_there(document, bundle):
    validation = find_table(document, "Validation: modelled against observed outcomes, by kind")
    first_cells = [row.cells[0].text for row in validation.rows[1:]]
    for kind in ("Internal (dependent)", "Same trial, another data cut (dependent)", "External (independent)",
                 "Structural"):
        assert any(text.startswith(kind) for text in first_cells), kind
    # the interim OS of the same trial sits under the dependent heading, never under "External (independent)"
    headings = [k for k, text in enumerate(first_cells) if text.startswith(("Internal", "Same trial", "External",
                                                                           "Structural"))]
    interim = next(k for k, text in enumerate(first_cells) if text.startswith("Average OS hazard ratio"))
    owner = first_cells[max(h for h in headings if h < interim)]
    assert owner.startswith("Same trial") and "dependent" in owner
    median = next(row for row in validation.rows if row.cells[0].text.startswith("Median OS")
                  and "published 31.0" in row.cells[3].text)
    assert "30.8 (KM of reconstructed data)" in median.cells[3].text
    crossval = find_table(document, "Cross-validation: published analyses")
    expected = bundle.cross_validation.table
    assert len(crossval.rows) - 1 == len(expected)
    zin = next(row for row in crossval.rows if "61,079" in row.cells[1].text)
    model = expected.set_index("analysis").loc["zin_2014_nl_discounting", "model_icer"]
    assert f"{model:,.0f}" in zin.cells[2].text
    # no row claims more than it compares: the re-runs that are the base case say so, none says "verified"
    compared = {row.cells[0].text: row.cells[-1].text for row in crossval.rows[1:]}
    assert not any("verified" in text.lower() for text in compared.values())
    by_analysis = expected.set_index("analysis")
    for analysis in ("nice_ta421_2016_final_os", "smc_872_13_2016"):
        assert by_analysis.loc[analysis, "comparison"] == "base case"
        assert by_analysis.loc[analysis, "model_icer"] == pytest.approx(by_analysis.loc["this_model", "model_icer"])
        study = clean_study(by_analysis.loc[analysis, "study"])
        (text,) = [v for k, v in compared.items() if k.startswith(study)]
        assert text == "Direction only (the re-run is the base case)"
    assert by_analysis.loc["china_thesis_2019", "comparison"] == "numbers"  # published ICER and threshold


def clean_study(text: str) -> str:
    from cea.appendix.citations import clean
    return clean(text)


def test_advishe_has_one_source_of_truth(document, bundle):
    """The AdViSHE table and the limitations say the same for every item (e.g. D4): both read advishe_status."""
    from cea.appendix.validation import NOT_DONE, advishe_status

    items = {i.item: i for i in advishe_status(bundle, bundle.verification)}
    table = {r.cells[0].text: r.cells[2].text for r in find_table(document, "AdViSHE validation questionnaire").rows[1:]}
    assert table == {k: i.text for k, i in items.items()}
    # D4: population-based survival is independent but only an upper bound; the interim cut of BOLERO-2 is not D4
    assert items["D4"].status == "Partly" and "population-based" in items["D4"].detail
    assert "same trial" in items["D3"].detail
    # D2: the cross-validation rows that are the base case are not counted as comparisons of numbers
    assert items["D2"].status == "Partly" and "2 that are the base case itself" in items["D2"].detail
    limitation = next(p.text for p in document.paragraphs if p.text.startswith("Validation: the checks against"))
    not_done = [k for k, i in items.items() if i.status == NOT_DONE]
    assert not_done == ["A1", "C1", "D1"]
    assert f"AdViSHE items not done: {', '.join(not_done)}" in limitation
    partly = [k for k, i in items.items() if i.status == "Partly"]
    assert "D4" in partly and f"done in part: {', '.join(partly)}" in limitation and "D4 not done" not in limitation


# --------------------------------------------------------------------------- issue 14: a complete Document B
def all_text(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    footer = [p.text for s in document.sections for p in s.footer.paragraphs]
    return "\n".join([p.text for p in document.paragraphs] + cells + footer)


def body_paragraphs(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name != "Caption"]


def test_reference_list_is_generated_from_the_citations(document):
    listed = [p.text for p in document.paragraphs if re.match(r"\d+\.\t", p.text)]
    numbers = [int(line.split(".", 1)[0]) for line in listed]
    assert numbers == list(range(1, len(listed) + 1)) and len(listed) >= 30
    citations = [line.split("\t", 1)[1] for line in listed]
    assert len(set(citations)) == len(citations)  # each source once
    text = "\n".join(line for line in all_text(document).split("\n") if not re.match(r"\d+\.\t", line))
    cited = {int(n) for group in re.findall(r"\[(\d+(?:, \d+)*)\]", text) for n in group.split(", ")}
    assert cited == set(numbers)  # every listed reference is cited, every citation is listed
    numbered = reference_numbers(document)
    for key in ("Baselga 2012", "Piccart 2014", "Yardley 2013", "Rugo 2014", "Swinburn 2010", "Georghiou 2014",
                "NICE TA421", "NICE TA612", "NICE TA851", "NICE TA496", "NICE CG131", "Lloyd 2006", "Huang 2020"):
        assert key in numbered, key  # the sources the review found missing


def test_no_internal_file_recollection_or_placeholder_anywhere(document):
    hashes = find_table(document, "Input files and their SHA-256")  # the manifest lists every file, not as a source
    text = all_text(document)
    for row in hashes.rows:
        text = text.replace(row.cells[0].text, "")
    assert not internal_mentions(text), internal_mentions(text)[:5]
    for placeholder in ("to be completed", "TBC", "TODO", "XXX", "…", "lorem", "Source not given"):
        assert placeholder.lower() not in text.lower(), placeholder


def test_every_figure_is_cited_in_the_text_by_number(document):
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption" and p.text.startswith("Figure")]
    text = "\n".join(body_paragraphs(document))
    for caption in captions:
        number = re.match(r"Figure (\d+)", caption).group(1)
        assert re.search(rf"Figure {number}\b", text), caption


def test_numbers_never_break_across_lines(document):
    """Every word and number of every table cell fits its column on one line (an upper estimate of Arial)."""
    from cea.appendix.document import CELL_PADDING_CM, token_width_cm

    for table in document.tables:
        widths = [col.width.cm for col in table.columns]
        for row in table.rows:
            cells = row.cells
            if len({id(c._tc) for c in cells}) < len(cells):
                continue  # a merged group header
            for k, cell in enumerate(cells):
                size = next((r.font.size.pt for p in cell.paragraphs for r in p.runs if r.font.size), 10.0)
                for token in re.findall(r"[£$€−-]?\d[\d,.]*%?", cell.text):
                    assert token_width_cm(token, size) + CELL_PADDING_CM <= widths[k] + 1e-6, (token, widths[k])


def test_verification_reports_each_black_box_check_with_its_result(document, bundle):
    table = find_table(document, "Black-box verification run with this document")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert len(rows) == len(bundle.verification) >= 6
    assert all(r[3] == "Pass" for r in rows)
    checks = " ".join(r[0] for r in rows)
    for phrase in ("Hazard ratio 1", "QALYs equal life years", "Zero discounting", "PF + PD + dead = 1",
                   "Extreme value"):
        assert phrase in checks
    assert len(find_table(document, "TECH-VER checklist").rows) == 6
    advishe = [[c.text for c in r.cells] for r in find_table(document, "AdViSHE validation questionnaire").rows[1:]]
    assert [r[0] for r in advishe] == ["A1", "A2", "B1", "B2", "C1", "C2", "C3", "C4", "D1", "D2", "D3", "D4", "E1"]
    assert all(r[2] for r in advishe)


def test_landmark_table_equals_the_trace(document, bundle):
    from cea.analyses.base_case import trace_rows

    rows = rows_by_label(find_table(document, "Landmark survival"))
    s = bundle.inputs.settings
    for arm in bundle.inputs.structure.arms:
        t = trace_rows(bundle.base_case, arm.id)
        row = rows[f"Model: {arm.label}"]
        if row[1] != "OS":
            continue
        for k, years in enumerate((1, 2, 3, 5)):
            expected = float(np.interp(12.0 * years, t["time_months"], t["PF"] + t["PD"]))
            assert row[2 + k] == f"{expected:.3f}"
    assert s.horizon_years == 6 and rows[f"Model: {bundle.inputs.structure.arms[0].label}"][-1] == "—"


def test_severity_weight_is_carried_into_results_psa_threshold_and_conclusions(document, bundle):
    from cea.analyses.severity import weighted_acceptability

    r = bundle.severity
    assert r["method"] == "calculator" and r["weight"] == 1.2
    currency = bundle.inputs.settings.currency
    inc = bundle.base_case.incremental()
    weighted_icer = money(inc["costs"] / (1.2 * inc["qalys"]), currency)
    text = "\n".join(body_paragraphs(document))
    results = text.split("Base-case results")[1]
    assert weighted_icer in results.split("Markov traces")[0]
    assert weighted_icer in text.split("Interpretation and conclusions")[-1]
    probs = weighted_acceptability(bundle.psa, 1.2, bundle.inputs.settings.wtp_thresholds)
    psa_text = text.split("Probabilistic sensitivity analysis")[1]
    assert all(percent(p, 1) in psa_text for p in probs.values())
    table = rows_by_label(find_table(document, "Threshold price with the severity weight"))
    for _, row in bundle.weighted_threshold.table.iterrows():
        assert table[f"{money(row['wtp'] / 1.2, currency)} per QALY"][2] == money(row["threshold_value"], currency, 2)


@pytest.fixture(scope="module")
def confidential(tmp_path_factory):
    inputs = apply_overrides(load_inputs(INPUTS), {"horizon_years": "6", "pas_discount": "0.3"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = run_all_analyses(inputs, iterations=200, seed=2, overrides={"pas_discount": "0.3"})
    folder = tmp_path_factory.mktemp("pas")
    path = write_appendix(folder / "appendix.docx", result, folder / "figures", check_workbook=False)
    return result, docx.Document(str(path))


def test_a_confidential_price_gives_a_labelled_appendix_beside_list_price_results(confidential):
    result, document = confidential
    currency = result.inputs.settings.currency
    text = all_text(document)
    assert "Contains commercial-in-confidence information" in text
    assert all("commercial-in-confidence" in p.text for s in document.sections for p in s.footer.paragraphs)
    assert find_table(document, "Base-case results (deterministic, discounted), at the confidential price (30.0% "
                                "discount on the list price)")
    rows = rows_by_label(find_table(document, "Base-case results at the list price and at the confidential price"))
    at_list = result.list_price_base_case.incremental()
    at_net = result.base_case.incremental()
    assert rows["ICER (per QALY gained)"][1:] == [icer(at_list["icer"], at_list["status"], currency),
                                                  icer(at_net["icer"], at_net["status"], currency)]
    unlisted = run_base_case(apply_overrides(load_inputs(INPUTS), {"horizon_years": "6"})).incremental()
    assert at_list["icer"] == pytest.approx(unlisted["icer"], rel=1e-12)
    assert at_net["costs"] < at_list["costs"]
    dsa = [r.cells[0].text for r in find_table(document, "One-way sensitivity analysis").rows[1:]]
    price = result.inputs.parameters[result.inputs.settings.price_parameter].description
    assert not any("price" in row for row in dsa)  # a price is analysed as a price (threshold), not as uncertainty
    net = price.replace("list price", "net price")
    assert any(net in p.text and "threshold price analysis" in p.text for p in document.paragraphs)


@pytest.mark.libreoffice
def test_the_workbook_recalculated_in_libreoffice_equals_the_engine(bundle):
    from cea.appendix.verification import workbook_check

    row = workbook_check(bundle)
    assert row["passed"] is True, row["observed"]
