"""Number formats that the workbook in memory (cea.workbook.core: ``Book.money``) and the cell helpers
(cea.workbook.style) both use; imports nothing, so that core never imports style (style imports core)."""

from __future__ import annotations

_SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€"}


def money_format(currency: str, decimals: int = 0) -> str:
    symbol = _SYMBOLS.get(currency, currency + " ")
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f'"{symbol}"{digits};-"{symbol}"{digits}'
