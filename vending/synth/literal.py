"""Config text as Terraform reads it: literally.

Terraform evaluates ``${…}`` and ``%{…}`` in every string of Terraform JSON, keys included, so a
configuration value that holds them (an email address may) would become an expression on the
machine that plans: ``${file("…")}`` reads a file into the plan. Every free-text value that
reaches a stack goes through ``literal()``, which writes them ``$${`` and ``%%{``; the values the
model's types allow contain neither, and pass through unchanged.
"""

from __future__ import annotations


def literal(text: str) -> str:
    return text.replace("${", "$${").replace("%{", "%%{")
