"""The lab: one experiment per classic deep-learning question, each judged by measurement."""

from .framework import (
    AtLeast,
    AtMost,
    Claim,
    Context,
    Custom,
    Effect,
    Estimate,
    Experiment,
    Result,
    Rule,
    Table,
    Verdict,
    estimate,
    paired_difference,
)

__all__ = [
    "AtLeast",
    "AtMost",
    "Claim",
    "Context",
    "Custom",
    "Effect",
    "Estimate",
    "Experiment",
    "Result",
    "Rule",
    "Table",
    "Verdict",
    "estimate",
    "paired_difference",
]
