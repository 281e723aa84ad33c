"""The model-structure figure: a state-transition diagram drawn with matplotlib patches.

Three states — progression-free (PF), progressed disease (PD) and dead — with the
transitions the engine allows (HTA_METHODS MS-4, OR-2): PF → PD, PF → Dead and PD → Dead,
plus staying in PF or PD.  There is no PD → PF arrow because there is no such transition
in the model.  The arrows are drawn from :data:`TRANSITIONS`, which a test compares with
the engine's structural mask.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from cea.outputs.style import DPI, WIDTH  # noqa: E402

STATE_NAMES = {"PF": "Progression-free\n(PF)", "PD": "Progressed disease\n(PD)", "Dead": "Dead"}
# (from, to): the only transitions between different states (no PD → PF; Dead is absorbing).
TRANSITIONS = (("PF", "PD"), ("PF", "Dead"), ("PD", "Dead"))
STAYS = ("PF", "PD")  # states a patient may remain in from one cycle to the next (Dead too, absorbing)
_POSITION = {"PF": (0.17, 0.68), "PD": (0.83, 0.68), "Dead": (0.50, 0.17)}
_FILL = {"PF": "#d6e6f2", "PD": "#fbe3c4", "Dead": "#e3e3e3"}
_EDGE = {"PF": "#1f5f8b", "PD": "#b86e00", "Dead": "#555555"}
_BOX = (0.30, 0.18)  # width, height in axes units


def transition_labels(pd_mortality: str = "os_tracking") -> dict[tuple[str, str], str]:
    """Short labels of what drives each transition (from the model settings)."""
    pd_label = ("Post-progression death:\nset so modelled OS follows\nthe fitted OS curve"
                if pd_mortality == "os_tracking" else "Post-progression death:\nconstant monthly rate")
    return {
        ("PF", "PD"): "Progression:\nPFS × (1 − death share)",
        ("PF", "Dead"): "Death before progression:\nPFS curve × death share\n(≥ general-population mortality)",
        ("PD", "Dead"): pd_label,
    }


def _anchor(state: str, towards: str) -> tuple[float, float]:
    """Point on the edge of ``state``'s box in the direction of ``towards``."""
    (x0, y0), (x1, y1) = _POSITION[state], _POSITION[towards]
    dx, dy = x1 - x0, y1 - y0
    w, h = _BOX[0] / 2, _BOX[1] / 2
    scale = min(w / abs(dx) if dx else float("inf"), h / abs(dy) if dy else float("inf"))
    return x0 + dx * scale, y0 + dy * scale


def state_diagram(pd_mortality: str = "os_tracking", title: str | None = None):
    """The figure (matplotlib Figure) of the three-state model."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.1, 1)
    ax.set_aspect("auto")
    ax.axis("off")
    for state, (x, y) in _POSITION.items():
        w, h = _BOX
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.012,rounding_size=0.03",
                                    facecolor=_FILL[state], edgecolor=_EDGE[state], lw=1.6, zorder=2))
        ax.text(x, y, STATE_NAMES[state], ha="center", va="center", fontsize=10, fontweight="bold", zorder=3)
    labels = transition_labels(pd_mortality)
    for source, target in TRANSITIONS:
        start, end = _anchor(source, target), _anchor(target, source)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, lw=1.6,
                                     color=_EDGE[source], shrinkA=4, shrinkB=4, zorder=1))
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        if (source, target) == ("PF", "PD"):
            offset, ha, va = (0.0, 0.035), "center", "bottom"
        elif target == "Dead" and source == "PF":
            offset, ha, va = (-0.045, 0.0), "right", "center"
        else:
            offset, ha, va = (0.045, 0.0), "left", "center"
        ax.text(mx + offset[0], my + offset[1], labels[(source, target)], ha=ha, va=va, fontsize=7.5,
                color="#333333", zorder=3)
    for state in STAYS:
        x, y = _POSITION[state]
        top = y + _BOX[1] / 2 + 0.01
        ax.add_patch(FancyArrowPatch((x - 0.045, top), (x + 0.045, top), connectionstyle="arc3,rad=-1.6",
                                     arrowstyle="-|>", mutation_scale=11, lw=1.1, color=_EDGE[state], zorder=1))
    x, y = _POSITION["Dead"]
    right = x + _BOX[0] / 2 + 0.012
    ax.add_patch(FancyArrowPatch((right, y + 0.045), (right, y - 0.045), connectionstyle="arc3,rad=-1.6",
                                 arrowstyle="-|>", mutation_scale=11, lw=1.1, color=_EDGE["Dead"], zorder=1))
    if title:
        ax.set_title(title)
    ax.text(0.0, -0.1, "No transition from PD back to PF; Dead is absorbing.\nLoops: remaining in the state "
            "for another cycle.", ha="left", va="bottom", fontsize=7, color="#555555")
    return fig


def write_state_diagram(path: Path, pd_mortality: str = "os_tracking") -> Path:
    """Save the state diagram as a 300-dpi PNG."""
    fig = state_diagram(pd_mortality)
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return Path(path)
