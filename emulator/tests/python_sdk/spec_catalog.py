"""Reads the repository's spec files (specs/*.yaml) and builds sample parameter values from them.

Only what the sweep needs: product code and version, each action's parameters (name, type,
required, example, limits, style, location) and the named types. Unknown keys are ignored, so
later additions to the spec format do not break the check.

A sample value is a plain Python value shaped like the parameter: scalars, lists, dicts for
structures and maps; the SDK setters decide how it goes on the wire.
"""

import glob
import json
import os
import re

import yaml

try:  # libyaml is ~10x faster on the large imported specs
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on the PyYAML wheel
    from yaml import SafeLoader


class SpecLoader(SafeLoader):
    """Reads plain scalars as YAML 1.2 does (the Rust side's reading): PyYAML's YAML 1.1 rules
    would turn `=` into its `value` tag, `2019-02-30...` into a (failing) timestamp and
    `yes`/`off` into booleans."""


SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:value", "tag:yaml.org,2002:timestamp",
                           "tag:yaml.org,2002:bool")]
    for first, resolvers in SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


class Spec:
    """One spec file: product code, API version, named types and actions."""

    def __init__(self, path, data):
        self.path = path
        product = data.get("product") or {}
        self.code = str(product.get("code", ""))
        self.version = str(product.get("api_version", ""))
        self.types = data.get("types") or {}
        self.actions = data.get("actions") or {}

    def params(self, action):
        return self.actions[action].get("params") or []

    def errors(self, action):
        return self.actions[action].get("errors") or []

    def struct_fields(self, name):
        entry = self.types.get(name) or {}
        return entry.get("fields") or []

    def enum_values(self, name):
        entry = self.types.get(name) or {}
        return [str(v.get("value")) for v in entry.get("values") or []]


def load_specs(specs_dir):
    """Every spec in `specs_dir` (the overlays directory is not a spec)."""
    specs = []
    for path in sorted(glob.glob(os.path.join(specs_dir, "*.yaml"))):
        with open(path, encoding="utf-8") as f:
            data = yaml.load(f, Loader=SpecLoader)
        if isinstance(data, dict) and "product" in data and "actions" in data:
            specs.append(Spec(path, data))
    return specs


def kind(member):
    """The member's type, with the item type for lists: ('list', item_member) or (type, None)."""
    ty = member.get("type", "string")
    if ty == "list":
        return ty, member.get("items") or {"type": "string"}
    return ty, None


def is_json_style(member):
    return member.get("style") == "json"


class Sampler:
    """Builds a valid sample value for a member of `spec`."""

    def __init__(self, spec):
        self.spec = spec

    def value(self, member, depth=0):
        ty, item = kind(member)
        example = member.get("example")
        if ty == "list":
            count = max(1, int(member.get("min_items") or 1))
            if isinstance(example, list) and len(example) >= count and self._valid_list(example, item):
                return list(example)
            one = self.value(dict(item, name=member.get("name")), depth + 1)
            if example is not None and not isinstance(example, list) and self._valid(item, example):
                one = example
            return [one] * count
        if ty == "struct":
            return self.struct(member.get("ref"), depth)
        if ty == "map":
            if isinstance(example, dict):
                return example
            return {"key": self.value(member.get("items") or {"type": "string"}, depth + 1)}
        if ty == "any":
            return _parsed_json(example, default={"name": "Jack"})
        if ty == "enum":
            values = self.spec.enum_values(member.get("ref"))
            if example is not None and str(example) in values:
                return str(example)
            return values[0] if values else "x"
        if example is not None and self._valid(member, example):
            return _typed(ty, example)
        if member.get("enum"):
            return _typed(ty, member["enum"][0])
        return self.synthetic(member, ty)

    def struct(self, ref, depth):
        """Required fields, or the first field when none is required (an empty structure does
        not arrive at all)."""
        fields = self.spec.struct_fields(ref)
        chosen = [f for f in fields if f.get("required")] or fields[:1]
        if depth > 3:
            return {}
        return {f["name"]: self.value(f, depth + 1) for f in chosen}

    def synthetic(self, member, ty):
        if ty in ("integer", "long"):
            low = _number(member.get("minimum"), 1)
            return int(max(low, 1)) if member.get("maximum") is None else int(
                min(max(low, 1), _number(member.get("maximum"), 1)))
        if ty == "float":
            return float(_number(member.get("minimum"), 1.0))
        if ty == "boolean":
            return False
        text = "emulator-check"
        low = int(member.get("min_length") or 0)
        high = member.get("max_length")
        if len(text) < low:
            text = text + "x" * (low - len(text))
        if high is not None:
            text = text[: int(high)] or "x"
        return text

    def _valid_list(self, values, item):
        return all(self._valid(item, v) for v in values)

    def _valid(self, member, value):
        """Whether an example satisfies the member's own limits (Python `re` stands in for the
        emulator's Rust `regex`; both agree on the patterns specs use)."""
        ty = member.get("type", "string")
        if ty in ("integer", "long", "float"):
            try:
                n = float(value)
            except (TypeError, ValueError):
                return False
            lo, hi = member.get("minimum"), member.get("maximum")
            return (lo is None or n >= float(lo)) and (hi is None or n <= float(hi))
        if ty == "boolean":
            return str(value).lower() in ("true", "false")
        if ty == "enum":
            return str(value) in self.spec.enum_values(member.get("ref"))
        if ty == "string":
            text = str(value)
            if text == "":
                return False
            if member.get("enum") and text not in [str(e) for e in member["enum"]]:
                return False
            if member.get("min_length") and len(text) < int(member["min_length"]):
                return False
            if member.get("max_length") and len(text) > int(member["max_length"]):
                return False
            pattern = member.get("pattern")
            if pattern:
                try:
                    return re.search(pattern, text) is not None
                except re.error:
                    return True
        return True


def _typed(ty, value):
    if ty in ("integer", "long"):
        return int(float(value))  # examples arrive as text too ("40", "1.0")
    if ty == "float":
        return float(value)
    if ty == "boolean":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    return value if isinstance(value, str) else str(value)


def _number(value, default):
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _parsed_json(example, default):
    if isinstance(example, (dict, list)):
        return example
    if isinstance(example, str):
        try:
            return json.loads(example)
        except ValueError:
            pass
    return default


def expected_missing_code(spec, action, name):
    """The code the service answers when required parameter `name` is absent: the
    parameter-named code the action documents (`MissingParameter.<Name>`, `Missing<Name>`),
    else `MissingParameter`."""
    codes = {str(e.get("code")) for e in spec.errors(action)}
    for code in ("MissingParameter.%s" % name, "Missing%s" % name):
        if code in codes:
            return code
    return "MissingParameter"
