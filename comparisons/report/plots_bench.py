"""Benchmark plots: scaling curves on log axes and memory over time, as inline SVG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from comparisons.report.plots import COLOURS, _svg, plt

__all__ = ["memory_plot", "scaling_plot"]

MARKERS = {"airflow": "o", "prefect": "s", "baseline": "^"}


def scaling_plot(title: str, xlabel: str,
                 series: Mapping[str, Sequence[tuple[float, float, float, float]]]) -> str:
    """series: name -> [(x, median, min, max)]; log-log, with min–max error bars."""
    figure, axis = plt.subplots(figsize=(5.2, 3.2))
    for name, points in series.items():
        if not points:
            continue
        xs, med, low, high = zip(*sorted(points), strict=True)
        axis.errorbar(xs, med, yerr=[[m - lo for m, lo in zip(med, low, strict=True)],
                                     [hi - m for m, hi in zip(med, high, strict=True)]],
                      label=name, marker=MARKERS.get(name, "o"), color=COLOURS.get(name, "#666"), capsize=3)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel(xlabel)
    axis.set_ylabel("seconds (median, min–max)")
    axis.set_title(title, fontsize=10)
    axis.grid(which="both", alpha=0.3)
    axis.legend(fontsize=8)
    return _svg(figure)


def memory_plot(title: str, series: Sequence[Mapping[str, float]], sides: Sequence[str]) -> str:
    figure, axis = plt.subplots(figsize=(5.2, 3.0))
    for side in sides:
        axis.plot([s["t"] for s in series], [s[f"{side}_pss_mib"] for s in series], label=side,
                  color=COLOURS.get(side))
    axis.set_xlabel("seconds since the step started")
    axis.set_ylabel("PSS of the whole process tree (MiB)")
    axis.set_title(title, fontsize=10)
    axis.set_ylim(bottom=0)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    return _svg(figure)
