"""The library API: the functions the CLI is a thin shell around."""

from cea.analyses.base_case import run_base_case
from cea.analyses.strategies import incremental_table
from cea.engine.model import evaluate
from cea.inputs.model_inputs import load_inputs
from cea.parameters.parameter_set import point_estimates

__all__ = ["load_inputs", "point_estimates", "evaluate", "run_base_case", "incremental_table"]
