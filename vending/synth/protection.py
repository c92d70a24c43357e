"""Production safety in state: stateful production resources cannot be destroyed by a plan.

``PreventDestroy`` gives every stateful resource of a production stack Terraform's
``lifecycle { prevent_destroy = true }``: a plan that would delete (or replace) one fails.
A stack named in ``VENDING_ALLOW_DESTROY`` gets ``AllowDestroy`` instead, which also lifts the
deletion protection that AWS itself enforces, so that deploying and then destroying it works.
"""

from __future__ import annotations

import functools

import jsii
from cdktf import IAspect, TerraformResource, TerraformStack

# Data that a re-creation would not bring back.
STATEFUL_TYPES = frozenset({"aws_db_instance", "aws_s3_bucket", "aws_kms_key"})
# The attribute that, set, makes AWS refuse a deletion.
DELETION_PROTECTION = {"aws_db_instance": "deletion_protection", "aws_lb": "enable_deletion_protection"}


def apply(stack: TerraformStack, aspect: IAspect) -> None:
    """Visit every construct of the built ``stack`` with ``aspect`` now, from Python, rather than
    adding it to the stack's Aspects: an Aspect written in Python costs a call from Node for every
    construct at synth, more than building the stack itself."""
    for node in stack.node.find_all():
        aspect.visit(node)


@functools.cache
def _resource_type(binding: type) -> str:
    return binding.TF_RESOURCE_TYPE  # a call into Node: once per class, not per resource


@jsii.implements(IAspect)
class PreventDestroy:
    def visit(self, node) -> None:
        if isinstance(node, TerraformResource) and _resource_type(type(node)) in STATEFUL_TYPES:
            node.add_override("lifecycle.prevent_destroy", True)


@jsii.implements(IAspect)
class EmptiedOnDestroy:
    """Outside production: a bucket goes with its stack, objects and all (build artifacts)."""

    def visit(self, node) -> None:
        if isinstance(node, TerraformResource) and _resource_type(type(node)) == "aws_s3_bucket":
            node.add_override("force_destroy", True)


@jsii.implements(IAspect)
class AllowDestroy:
    """The explicit opt-in: deletion protection off, and buckets emptied on destroy."""

    def visit(self, node) -> None:
        if not isinstance(node, TerraformResource):
            return
        kind = _resource_type(type(node))
        if kind in DELETION_PROTECTION:
            node.add_override(DELETION_PROTECTION[kind], False)
        if kind == "aws_s3_bucket":
            node.add_override("force_destroy", True)
