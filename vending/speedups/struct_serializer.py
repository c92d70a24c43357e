"""Hand structs to jsii from their values, not through their property getters.

jsii's Python runtime serializes a struct argument (``S3BucketVersioningVersioningConfiguration``,
``LaunchTemplateTagSpecifications``, …) by reading each field through its generated property,
and every getter evaluates a typing expression such as ``typing.Optional[typing.List[...]]``
before it returns ``self._values.get(name)``: about a tenth of a synth. ``install()`` puts a
serializer in front of jsii's that reads ``_values`` directly; everything that is not such a
struct (scalars, lists, maps, enums, constructs, tokens) goes to jsii's own, unchanged. It is
installed with the lazy provider (``lazy_provider.install``); the plain path keeps jsii's own,
and the tests compare the bytes both write.
"""

from __future__ import annotations

import enum
from typing import Any

_SCALARS = frozenset({str, int, float, bool, type(None)})  # exact types: an enum may subclass str


def install() -> None:
    """Replace ``jsii._kernel._make_reference_for_native``, once (the kernel's methods look it up
    by name at each call)."""
    from jsii import _kernel

    original = _kernel._make_reference_for_native
    if getattr(original, "reads_struct_values", False):
        return

    def make_reference(kernel: Any, value: Any) -> Any:
        if type(value) in _SCALARS:
            return value
        if type(value) is dict:
            return {"$jsii.map": {key: make_reference(kernel, item) for key, item in value.items()}}
        if type(value) is list:
            return [make_reference(kernel, item) for item in value]
        mapping = getattr(type(value), "__jsii_name_mapping__", None)  # only data types have one
        values = getattr(value, "_values", None)
        fqn = getattr(value, "__jsii_type__", None)
        if mapping is None or fqn is None or type(values) is not dict or isinstance(value, enum.Enum):
            return original(kernel, value)
        data = {jsii_name: make_reference(kernel, values.get(name)) for name, jsii_name in mapping.items()}
        return {"$jsii.struct": {"fqn": fqn, "data": data}}

    make_reference.reads_struct_values = True
    make_reference.original = original
    _kernel._make_reference_for_native = make_reference
