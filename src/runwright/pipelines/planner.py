"""Cache keys and the reasons behind them.

A step's key hashes its code fingerprint (or its explicit ``version``), the content
hashes of the artifacts it reads and the values of its constant arguments. The parts
are kept with the step run, so a miss can be explained against the previous run of
the same node: which function changed, which input, which parameter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runwright.entities.pipelines import OutputRef, StepInput, StepRecord
from runwright.pipelines.expansion import whole_outputs
from runwright.pipelines.graph import Const, Container, Node, Ref, Template
from runwright.pipelines.hashing import code_fingerprint, digest, value_hash

__all__ = ["CacheKey", "cache_key", "explain_miss", "param_values", "step_inputs"]

#: Bump when the key recipe changes, so old entries stop matching instead of lying.
KEY_RECIPE = "2"
_PARAM_LIMIT = 500


@dataclass(frozen=True, slots=True)
class CacheKey:
    key: str
    components: dict[str, Any]


def _refs_of(ref: Ref, upstream: Mapping[str, Mapping[str, OutputRef]]) -> list[OutputRef]:
    outputs = upstream[ref.node_id]
    if ref.output is not None:
        return [outputs[ref.output]]
    return [outputs[name] for name in sorted(whole_outputs(list(outputs)))]


def _template_hash(template: Template, upstream: Mapping[str, Mapping[str, OutputRef]]) -> str:
    if isinstance(template, Const):
        return value_hash(template.value)
    if isinstance(template, Ref):
        return digest(":".join(r.content_hash for r in _refs_of(template, upstream)))
    parts = [(str(key), _template_hash(item, upstream)) for key, item in template.items]
    return digest(json.dumps([template.kind, parts]))


def cache_key(
    node: Node, upstream: Mapping[str, Mapping[str, OutputRef]], *, split: Sequence[str] = ()
) -> CacheKey:
    """``split``: the outputs to store item by item too; an earlier run that did not
    store them cannot serve this one."""
    options = node.step.options
    code: dict[str, str] = (
        {"version": options.version}
        if options.version is not None
        else code_fingerprint(node.step.fn)
    )
    inputs: dict[str, str] = {}
    params: dict[str, str] = {}
    for name, template in node.args.items():
        (params if isinstance(template, Const) else inputs)[name] = _template_hash(
            template, upstream
        )
    components: dict[str, Any] = {
        "recipe": KEY_RECIPE,
        "code": code,
        "inputs": inputs,
        "params": params,
        "outputs": list(node.step.outputs.names),
    }
    if split:
        components["split"] = sorted(split)
    return CacheKey(digest(json.dumps(components, sort_keys=True)), components)


def _changed(now: Mapping[str, Any], before: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(now) | set(before) if now.get(k) != before.get(k))


def explain_miss(components: Mapping[str, Any], previous: StepRecord | None) -> str:
    """Why this node was not served from the cache, in words a user can act on."""
    if previous is None:
        return "no earlier run of this step"
    before = previous.cache_components
    reasons = []
    if before.get("recipe") != components.get("recipe"):
        reasons.append("Runwright's cache key recipe changed")
    if code := _changed(components.get("code", {}), before.get("code", {})):
        reasons.append("code changed: " + ", ".join(code))
    if inputs := _changed(components.get("inputs", {}), before.get("inputs", {})):
        reasons.append("input changed: " + ", ".join(inputs))
    if params := _changed(components.get("params", {}), before.get("params", {})):
        reasons.append("parameter changed: " + ", ".join(params))
    if components.get("outputs") != before.get("outputs"):
        reasons.append("declared outputs changed")
    if components.get("split") != before.get("split"):
        reasons.append("which outputs a .map() maps over item by item changed")
    if reasons:
        return "; ".join(reasons)
    return f"the outputs of the matching run {previous.run_id} are no longer available"


def _param_text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | int | float | str):
        text = str(value)
    else:
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            return None
    return text if len(text) <= _PARAM_LIMIT else None


def param_values(args: Mapping[str, Template]) -> dict[str, str]:
    """The constant arguments worth showing as run params (short, printable ones)."""
    found = {}
    for name, template in args.items():
        if isinstance(template, Const):
            text = _param_text(template.value)
            if text is not None:
                found[name] = text
    return found


def step_inputs(node: Node, upstream: Mapping[str, Mapping[str, OutputRef]]) -> list[StepInput]:
    """The lineage edges into a node: one per artifact it reads."""
    found: list[StepInput] = []

    def visit(name: str, template: Template) -> None:
        if isinstance(template, Ref):
            for ref in _refs_of(template, upstream):
                found.append(
                    StepInput(name, len(found), ref.content_hash, ref.producer_run_id, ref.name)
                )
        elif isinstance(template, Container):
            for _key, item in template.items:
                visit(name, item)

    for name, template in node.args.items():
        visit(name, template)
    return found
