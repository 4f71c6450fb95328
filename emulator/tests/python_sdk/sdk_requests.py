"""The official SDK's own request classes: finding them and filling them through their setters.

Each generated class (`aliyunsdkecs.request.v20140526.RunInstancesRequest`) has, per parameter,
a getter that names the wire parameter and its location
(`return self.get_query_params().get('DataDisk')`) and a setter whose comment gives the SDK's
kind (`# String`, `# RepeatList`, `# Struct`, `# Array`, `# Json`, `# Map`, ...). Setter names
do not follow the wire name reliably (`set_DataDisks`, `set_SecurityGroupIdss`,
`set_SystemDiskSize` for `SystemDisk.Size`), so setters are found by the wire name their getter
reads, never guessed from the parameter name.
"""

import importlib
import inspect
import json
import re

PACKAGES = {
    ("ecs", "2014-05-26"): "aliyunsdkecs.request.v20140526",
    ("cms", "2019-01-01"): "aliyunsdkcms.request.v20190101",
}

# Parameters the SDK core fills itself: `RpcRequest` adds `RegionId` (the client's region) when
# the request has none; the request classes have no setter for it.
CLIENT_FILLED = {"regionid"}

_GETTER = re.compile(r"get_(query|body)_params\(\)\.get\(['\"]([^'\"]+)['\"]\)")
_KIND = re.compile(r"def set_\w+\(self, \w+\):\s*#\s*(\w+)")


def package_for(code, version):
    return PACKAGES.get((code.lower(), version))


def request_class(package, action):
    """The SDK's request class for `action`, or None when the installed package lacks it."""
    try:
        module = importlib.import_module("%s.%sRequest" % (package, action))
    except ImportError:
        return None
    return getattr(module, action + "Request", None)


class Setter:
    """One setter of a request class, with the wire name and location its getter reads."""

    def __init__(self, name, wire, location, kind, source):
        self.name = name
        self.wire = wire
        self.location = location  # "query" or "body"
        self.kind = kind  # the SDK's comment: String, RepeatList, Struct, Json, Map, ...
        # The setter serializes dicts and lists itself (`json.dumps(...)`).
        self.dumps_json = "json.dumps(" in source


def setters_of(cls):
    """Setters by the wire name their getter reads."""
    found = {}
    for name, method in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("set_"):
            continue
        getter = getattr(cls, "get_" + name[4:], None)
        if getter is None:
            continue
        try:
            match = _GETTER.search(inspect.getsource(getter))
            source = inspect.getsource(method)
        except (OSError, TypeError):
            continue
        if not match:
            continue
        kind = _KIND.search(source)
        found[match.group(2)] = Setter(
            name, match.group(2), match.group(1), kind.group(1) if kind else "?", source)
    return found


class Filler:
    """Fills one request object through its setters; records what had no setter."""

    def __init__(self, request, setters):
        self.request = request
        self.setters = setters
        self.without_setter = []  # wire names set with add_query_param instead
        self.left_to_core = []  # spec parameters the SDK core fills (RegionId)

    def set(self, member, value):
        """Sets parameter `member` (a spec member) to the sample `value`."""
        name = member["name"]
        if name.lower() in CLIENT_FILLED and name not in self.setters:
            # As an SDK user would: left to the core, which sends `RegionId` (even where the
            # spec spells it `regionId`).
            self.left_to_core.append(name)
            return
        json_style = member.get("style") == "json" or member.get("type") == "any"
        setter = self.setters.get(name)
        if isinstance(value, dict) and not json_style and not (setter and setter.dumps_json):
            # `SystemDisk`: `set_SystemDiskSize` and friends take some fields, the Struct
            # setter (if any) the rest.
            value = self._set_fields(name, value)
            if not value:
                return
        if setter is None:
            self._raw(name, value, member, json_style)
        else:
            self._call(setter, self._for_setter(setter, member, value, json_style))

    def _set_fields(self, name, value):
        """Sets the fields of structure `name` that have a setter of their own (wire name
        `name.Field`); returns the others."""
        rest = {}
        for field, v in value.items():
            own = self.setters.get("%s.%s" % (name, field))
            if own is not None:
                self._call(own, v)
            else:
                rest[field] = v
        return rest

    def _for_setter(self, setter, member, value, json_style):
        if isinstance(value, (dict, list)):
            if setter.dumps_json:
                return value
            if json_style or (setter.kind in ("Json", "String") and isinstance(value, dict)):
                # The setter hands the value to the query as is: a dict would go out as Python's
                # repr, so the caller serializes it, as the SDK's users must.
                return json.dumps(value, separators=(",", ":"))
            if setter.kind in ("String", "Integer", "Long", "Boolean", "Float"):
                # A list the service takes joined (`InstanceIds="a,b"`) or as JSON text.
                separator = member.get("separator", ",")
                if member.get("style") == "joined":
                    return separator.join(str(v) for v in value)
                return json.dumps(value, separators=(",", ":"))
        return value

    def _call(self, setter, value):
        getattr(self.request, setter.name)(value)

    def _raw(self, name, value, member, json_style=False):
        """No setter: put the parameter on the request by hand, flattened the way the spec says."""
        location = "body" if member.get("location") == "form_body" else "query"
        add = self.request.add_body_params if location == "body" else self.request.add_query_param
        self.without_setter.append(name)
        for wire, v in flatten(name, value, member.get("style"), json_style):
            add(wire, v)


def flatten(name, value, style=None, json_style=False):
    """`Name.1.Field=v` pairs for a nested value (the repeat/flat wire form)."""
    if json_style and isinstance(value, (dict, list)):
        return [(name, json.dumps(value, separators=(",", ":")))]
    if isinstance(value, list):
        if style == "joined":
            return [(name, ",".join(str(v) for v in value))]
        pairs = []
        for i, item in enumerate(value, 1):
            pairs.extend(flatten("%s.%d" % (name, i), item))
        return pairs
    if isinstance(value, dict):
        pairs = []
        for k, v in value.items():
            pairs.extend(flatten("%s.%s" % (name, k), v))
        return pairs
    return [(name, value)]
