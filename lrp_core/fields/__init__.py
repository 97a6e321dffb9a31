"""Explanation fields of 2-input networks (issue 17): every method's relevance
over a grid of the plane, and step records of a backward pass."""

from lrp_core.fields.field import FIELD_METHODS, Field, explanation_field, grid, method_names, relevance_at

__all__ = ["FIELD_METHODS", "Field", "explanation_field", "grid", "method_names", "relevance_at"]
