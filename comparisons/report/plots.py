"""Plots for the report, drawn with matplotlib's non-interactive backend into SVG text."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["breakdown_plot", "latency_plot"]

COLOURS = {"airflow": "#017cee", "prefect": "#e4572e", "baseline": "#4caf50"}
HATCH = {"airflow": "", "prefect": "//"}


def _svg(figure: plt.Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def latency_plot(title: str, samples: Mapping[str, Sequence[float]]) -> str:
    """Every run's trigger → done, per orchestrator: a box over the individual points."""
    figure, axis = plt.subplots(figsize=(6, 2.2))
    names = list(samples)
    axis.boxplot([samples[n] for n in names], orientation="horizontal", widths=0.5, showfliers=False)
    for row, name in enumerate(names, start=1):
        values = samples[name]
        axis.scatter(values, [row] * len(values), s=18, alpha=0.7, color=COLOURS.get(name), zorder=3)
    axis.set_yticks(range(1, len(names) + 1), names)
    axis.set_xlabel("seconds (trigger → done, server timestamps)")
    axis.set_xlim(left=0)
    axis.set_title(title, fontsize=10)
    axis.grid(axis="x", alpha=0.3)
    return _svg(figure)


def breakdown_plot(title: str, parts: Mapping[str, Mapping[str, float]]) -> str:
    """Stacked medians: where the time of a run goes, per orchestrator."""
    figure, axis = plt.subplots(figsize=(6, 2.2))
    names = list(parts)
    segments = list(next(iter(parts.values())))
    palette = ["#c7c7c7", "#f2b134", "#4caf50", "#e4572e", "#7e57c2"]
    left = [0.0] * len(names)
    for colour, segment in zip(palette, segments, strict=False):
        widths = [parts[n].get(segment, 0.0) for n in names]
        axis.barh(names, widths, left=left, color=colour, label=segment, edgecolor="white")
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axis.set_xlabel("seconds (medians)")
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=7, ncol=len(segments), loc="upper center", bbox_to_anchor=(0.5, -0.35), frameon=False)
    axis.grid(axis="x", alpha=0.3)
    return _svg(figure)
