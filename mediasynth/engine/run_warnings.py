"""Warnings of a run, summarised by kind for the terminal.

A run may warn about the same thing many times (one duplicate output per source, one class
too small per class...). Each warning keeps its own text (`ExpandResult.warnings`; the
details also stay in the manifest and the report); the terminal gets one line per kind: the
warning itself when it happened once, else its count, what it means and a first example.
"""

from __future__ import annotations

from collections.abc import Iterable


class RunWarning(str):
    """A warning's text (it is a str) with its `kind` and the `summary` that stands for
    several of the kind ("{n}" is their count)."""

    kind: str
    summary: str

    def __new__(cls, text: str, kind: str, summary: str) -> RunWarning:
        warning = super().__new__(cls, text)
        warning.kind = kind
        warning.summary = summary
        return warning


def summarize(warnings: Iterable[str]) -> list[str]:
    """One line per kind of warning, in order of first appearance: a warning that happened
    once as it is, several of a kind as "<summary with their count>, e.g. <the first>".
    Plain strings are a kind of their own (a repeated one is counted)."""
    groups: dict[str, list[str]] = {}
    for warning in warnings:
        groups.setdefault(getattr(warning, "kind", None) or str(warning), []).append(warning)
    lines = []
    for items in groups.values():
        first = items[0]
        if len(items) == 1:
            lines.append(str(first))
        elif isinstance(first, RunWarning):
            lines.append(f"{first.summary.format(n=len(items))}, e.g. {first}")
        else:
            lines.append(f"{first} ({len(items)} times)")
    return lines
