"""cea: cost-effectiveness model of everolimus + exemestane vs exemestane (BOLERO-2).

Flow: inputs/ → cea.inputs (validated ModelInputs) → cea.parameters (ParameterSet) →
cea.engine (evaluate) → cea.analyses (results) → cea.outputs (files) → cea.cli.
"""

import os

# The model's matrices are small: multithreaded BLAS only competes for the cores (EVPPI ran 10x slower
# with it on a busy 2-core machine).  Takes effect when cea is imported before numpy; never overrides.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from cea.version import __version__  # noqa: E402 (imports nothing; the settings above come first)

__all__ = ["__version__", "load_inputs", "point_estimates", "evaluate", "run_base_case", "incremental_table"]


def __getattr__(name: str):
    """The library API (cea.api), imported on first use so that importing one layer does not load the rest."""
    if name in __all__:
        from cea import api

        return getattr(api, name)
    raise AttributeError(f"module 'cea' has no attribute {name!r}")
