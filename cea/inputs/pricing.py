"""Net prices: a confidential discount on the list price (a NICE patient access scheme, PAS).

``pas_discount`` (settings.toml, or ``--set pas_discount=0.25``) is the proportion taken off
the list price of the priced technology: the parameters ``price_parameter`` and
``price_linked``.  Their rows hold the *net* price, net = list × (1 − pas_discount), with
everything that describes the price's uncertainty (DSA low/high, SE, CI) scaled by the
same factor; so the engine, the DSA, the PSA, the threshold analysis, the workbook and the
appendix all read the same net price.  The list price is always recoverable as
net / (1 − pas_discount).  Nothing here is sampled: the discount is a setting.
"""

from __future__ import annotations

from dataclasses import replace

from cea.inputs.settings import Settings
from cea.inputs.tables import ParameterRow

SCALED_FIELDS = ("value", "low", "high", "se", "ci_low", "ci_high")


def priced_parameters(settings: Settings) -> tuple[str, ...]:
    """The parameters the discount applies to: the threshold price and the prices linked to it."""
    return (settings.price_parameter, *settings.price_linked)


def scale_price_row(row: ParameterRow, factor: float) -> ParameterRow:
    """``row`` with its value and every number describing its spread multiplied by ``factor``."""
    return replace(row, **{name: getattr(row, name) * factor for name in SCALED_FIELDS
                           if getattr(row, name) is not None})


def with_net_prices(parameters: dict[str, ParameterRow], settings: Settings,
                    previous_discount: float = 0.0, list_prices: dict[str, float] | None = None) -> dict[str, ParameterRow]:
    """Parameters with the priced rows moved from ``previous_discount`` to ``settings.pas_discount``.

    ``list_prices``: priced rows whose value was just set as a list price (an override); their
    value becomes list × (1 − discount) while their spread moves with the change of discount."""
    factor = (1.0 - settings.pas_discount) / (1.0 - previous_discount)
    list_prices = list_prices or {}
    if factor == 1.0 and not list_prices:
        return parameters
    out = dict(parameters)
    for pid in priced_parameters(settings):
        if pid not in out:
            continue  # reported by the consistency checks
        row = scale_price_row(out[pid], factor)
        if pid in list_prices:
            row = replace(row, value=list_prices[pid] * (1.0 - settings.pas_discount))
        out[pid] = row
    return out


def list_price(value: float, settings: Settings) -> float:
    """The list price behind a net price."""
    return value / (1.0 - settings.pas_discount)
