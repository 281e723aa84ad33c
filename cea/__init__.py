"""cea: cost-effectiveness model of everolimus + exemestane vs exemestane (BOLERO-2).

Flow: inputs/ → cea.inputs (validated ModelInputs) → cea.parameters (ParameterSet) →
cea.engine (evaluate) → cea.analyses (results) → cea.outputs (files) → cea.cli.
"""

__version__ = "0.1.0"

from cea.api import evaluate, load_inputs, point_estimates, run_base_case  # noqa: E402,F401

__all__ = ["__version__", "load_inputs", "point_estimates", "evaluate", "run_base_case"]
