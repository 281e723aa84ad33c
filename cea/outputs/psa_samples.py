"""The PSA's per-iteration samples file: iteration, every stochastic parameter's draw, and costs, QALYs and LYs
per arm.

Written as CSV while every spreadsheet program opens it whole, as Parquet (columnar, typed, compressed, float64
exact) above that:

- CSV (``psa_samples.csv``, numbers to 10 significant digits as every other CSV of the project) when the file has
  at most ``SPREADSHEET_ROWS`` rows (Excel's and LibreOffice Calc's rows per sheet, the header included) and at
  most ``SPREADSHEET_CELLS`` cells (Google Sheets' limit per spreadsheet); its run manifest is the folder's
  ``manifest.json``, as for every other file of the folder;
- Parquet (``psa_samples.parquet``) above either limit: exact float64 values, one row group per block of
  iterations, and the run manifest (JSON) in the file's own key-value metadata under ``MANIFEST_KEY`` (the
  folder's ``manifest.json`` holds the same manifest).

``read_psa_samples`` reads either file back as a DataFrame (the same columns in the same order).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cea.outputs.analysis_files import FLOAT
from cea.outputs.files import to_json

SPREADSHEET_ROWS = 1_048_576
SPREADSHEET_CELLS = 10_000_000
CSV_NAME = "psa_samples.csv"
PARQUET_NAME = "psa_samples.parquet"
NAMES = (CSV_NAME, PARQUET_NAME)
MANIFEST_KEY = b"cea.manifest"


def file_columns(ids: list[str], arms) -> list[str]:
    return ["iteration", *ids, *(f"{k}_{a}" for a in arms for k in ("cost", "qaly", "ly"))]


def samples_format(iterations: int, n_columns: int) -> str:
    """'csv' when a spreadsheet opens the file whole (header row included), else 'parquet'."""
    rows = iterations + 1
    return "csv" if rows <= SPREADSHEET_ROWS and rows * n_columns <= SPREADSHEET_CELLS else "parquet"


def block_columns(start: int, parameters, ids: list[str], arms, costs, qalys, lys) -> dict[str, np.ndarray]:
    """One block of per-iteration rows, column by column: iteration, parameter draws, costs/QALYs/LYs per arm."""
    columns: dict[str, np.ndarray] = {"iteration": np.arange(start + 1, start + 1 + costs.shape[0])}
    for pid in ids:
        columns[pid] = parameters[pid]
    for j, a in enumerate(arms):
        columns[f"cost_{a}"], columns[f"qaly_{a}"], columns[f"ly_{a}"] = costs[:, j], qalys[:, j], lys[:, j]
    return columns


class SamplesWriter:
    """Streams blocks of iterations into ``folder``/psa_samples.csv or .parquet (chosen by the run's size)."""

    def __init__(self, folder: Path, iterations: int, ids: list[str], arms, manifest: dict[str, Any]) -> None:
        self.ids, self.arms, self.manifest = list(ids), tuple(arms), manifest
        self.format = samples_format(iterations, len(file_columns(self.ids, self.arms)))
        self.path = Path(folder) / (CSV_NAME if self.format == "csv" else PARQUET_NAME)
        self._handle: Any = None
        self._writer: Any = None
        self._schema: Any = None
        if self.format == "csv":
            self._handle = open(self.path, "w", encoding="utf-8", newline="")

    def write(self, start: int, parameters, costs, qalys, lys) -> None:
        columns = block_columns(start, parameters, self.ids, self.arms, costs, qalys, lys)
        if self._handle is not None:
            pd.DataFrame(columns).to_csv(self._handle, index=False, header=start == 0, float_format=FLOAT,
                                         lineterminator="\n")
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._writer is None:
            fields = [pa.field("iteration", pa.int64())] + [pa.field(name, pa.float64()) for name in list(columns)[1:]]
            self._schema = pa.schema(fields, metadata={MANIFEST_KEY: to_json(self.manifest)})
            # float draws do not repeat: no dictionary encoding; zstd at its fastest level
            self._writer = pq.ParquetWriter(self.path, self._schema, compression="zstd", compression_level=1,
                                            use_dictionary=False, write_statistics=False)
        arrays = [pa.array(np.asarray(values, dtype=np.int64 if k == 0 else np.float64))
                  for k, values in enumerate(columns.values())]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema), row_group_size=len(arrays[0]))

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __enter__(self) -> "SamplesWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def samples_file(folder: Path) -> Path:
    """The samples file of a PSA output folder (whichever format it was written in)."""
    for name in NAMES:
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    raise FileNotFoundError(f"no {' or '.join(NAMES)} in {folder}")


def read_psa_samples(path: Path) -> pd.DataFrame:
    """The samples as a DataFrame, from psa_samples.csv or psa_samples.parquet (or the folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = samples_file(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pandas()
    return pd.read_csv(path, float_precision="round_trip")


def samples_manifest(path: Path) -> dict[str, Any]:
    """The run manifest of a samples file: the Parquet file's own metadata, else the folder's manifest.json."""
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return json.loads(pq.read_schema(path).metadata[MANIFEST_KEY])
    return json.loads((path.parent / "manifest.json").read_text(encoding="utf-8"))
