"""Evaluating a pilot: KPIs measured on activities, judged against targets, and the verdict."""

from .scorecard import EvaluateError, KpiResult, Scorecard, evaluate_playbook

__all__ = ["EvaluateError", "KpiResult", "Scorecard", "evaluate_playbook"]
