"""The JSON Schema of scenario files, so editors (VS Code's YAML extension …) autocomplete and check.

``scenarios/scenario.schema.json`` is generated from the pydantic models; a test keeps it in step.
Regenerate with ``python -m simulator.assessment.schema > scenarios/scenario.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any, cast

from data.generators import FAMILIES
from simulator import tasks
from simulator.assessment.scenario import Scenario


def _inline(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Moves a sub-model's ``$defs`` into the shared ``defs`` so references resolve from the root."""
    defs.update(schema.pop("$defs", {}))
    return schema


def scenario_json_schema() -> dict[str, Any]:
    """Scenario schema with every family's parameters and every task kind's params spelled out."""
    root = Scenario.model_json_schema()
    defs = root.setdefault("$defs", {})
    props = root["properties"]
    props.pop("path", None)
    props.pop("digest", None)
    props["datasets"] = {
        "type": "object", "additionalProperties": False,
        "description": "dataset families to generate, with their parameters (docs/datasets.md)",
        "properties": {name: _inline(FAMILIES[name].Params.model_json_schema(), defs) for name in FAMILIES},
    }
    branches = []
    for kind in tasks.kinds():
        params = _inline(tasks.get(kind).Params.model_json_schema(), defs)
        branches.append({"if": {"properties": {"kind": {"const": kind}}},
                         "then": {"properties": {"params": params}}})
    task_def = defs["TaskSpec"]
    task_def["properties"]["kind"] = {"enum": list(tasks.kinds()), "description": "task kind"}
    task_def["allOf"] = branches
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    root["title"] = "全媒体运营师 simulator scenario"
    return cast(dict[str, Any], json.loads(json.dumps(root, default=str)))


if __name__ == "__main__":
    print(json.dumps(scenario_json_schema(), ensure_ascii=False, indent=2))
