"""One house style for every figure: matplotlib without a display, A4-friendly sizes, 300 dpi."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

DPI = 300
WIDTH = 6.3  # inches: A4 text width with 2.5 cm margins
COLOURS = {"intervention": "#1f5f8b", "comparator": "#c0504d", "neutral": "#7f7f7f", "accent": "#2e8b57"}
ARM_COLOURS = ["#1f5f8b", "#c0504d", "#2e8b57", "#8e44ad"]

plt.rcParams.update({
    "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8, "xtick.labelsize": 8,
    "ytick.labelsize": 8, "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.alpha": 0.3, "figure.dpi": 100, "savefig.dpi": DPI, "savefig.bbox": "tight",
})


def figure(height: float = 3.6, width: float = WIDTH):
    return plt.subplots(figsize=(width, height))


def save(fig, path) -> None:
    fig.savefig(path, dpi=DPI, metadata={"Software": None, "CreationDate": None} if str(path).endswith(".pdf")
                else {"Software": None})
    plt.close(fig)


def money_formatter(currency: str):
    symbol = {"GBP": "£", "USD": "$", "EUR": "€"}.get(currency, "")

    def fmt(value, _pos=None):
        sign = "−" if value < 0 else ""
        value = abs(value)
        if value >= 1000:  # 2,500 -> 2.5k (not "2k": ticks at 2.5k steps must not read as uneven)
            return f"{sign}{symbol}{value / 1000:,.{0 if value % 1000 == 0 else 1}f}k"
        return f"{sign}{symbol}{value:,.0f}"

    return fmt
