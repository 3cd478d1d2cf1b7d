"""Population stability index and missing-rate shift between a reference and a current sample.

PSI = sum((current_share - reference_share) * ln(current_share / reference_share)) over bins
cut at the reference's quantiles. An empty bin gets a small epsilon instead of zero, so the
logarithm stays finite. Below 0.1 a feature is stable, up to 0.25 moderately shifted, above
that significantly shifted.
"""

from __future__ import annotations

import numpy as np

EPSILON = 1e-4
MODERATE = 0.1
SIGNIFICANT = 0.25


def psi(reference, current, bins: int = 10, epsilon: float = EPSILON) -> float:
    """PSI of `current` against `reference` (missing values ignored; NaN if either is empty)."""
    reference = _present(reference)
    current = _present(current)
    if len(reference) == 0 or len(current) == 0:
        return float("nan")
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    expected = _shares(reference, edges, epsilon)
    actual = _shares(current, edges, epsilon)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def psi_level(value: float) -> str | None:
    """'stable' (< 0.1), 'moderate' (0.1-0.25) or 'significant' (> 0.25); None for NaN."""
    if np.isnan(value):
        return None
    if value < MODERATE:
        return "stable"
    return "moderate" if value <= SIGNIFICANT else "significant"


def missing_rate(values) -> float:
    """Share of missing values (NaN for an empty sample)."""
    values = np.asarray(values, dtype=float)
    return float(np.isnan(values).mean()) if len(values) else float("nan")


def _present(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[~np.isnan(values)]


def _shares(values: np.ndarray, edges: np.ndarray, epsilon: float) -> np.ndarray:
    """Share of `values` in each bin (bin i holds edges[i-1] < x <= edges[i]); empty -> eps."""
    counts = np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)
    shares = counts / counts.sum()
    return np.where(shares == 0, epsilon, shares)
