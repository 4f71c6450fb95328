"""Offline tests of the sweep's machinery against the installed SDK classes (no emulator).

They also pin down how the official SDK's setters put nested values on the wire, which the
emulator must accept: `python -m unittest test_sdk_requests` in the virtual environment.
"""

import json
import os
import tempfile
import unittest
from urllib.parse import urlencode

from aliyunsdkcms.request.v20190101.BatchExportRequest import BatchExportRequest
from aliyunsdkecs.request.v20140526.CreateDiagnosticReportRequest import CreateDiagnosticReportRequest
from aliyunsdkecs.request.v20140526.RunCommandRequest import RunCommandRequest
from aliyunsdkecs.request.v20140526.RunInstancesRequest import RunInstancesRequest

from sdk_requests import Filler, flatten, setters_of
from spec_catalog import Sampler, Spec, expected_missing_code, load_specs

V2_SPEC = """
product: {code: Ecs, name: ECS, api_version: "2014-05-26", crate: aliyun-ecs, signature: v1,
          method: POST, errors: {style: standard}, doc: x}
actions:
  RunCommand:
    operation_type: create
    docs_url: https://api.aliyun.com/api/Ecs/2014-05-26/RunCommand
    params:
      - {name: CommandContent, type: string, required: true, example: ZWNobyAx, location: form_body}
      - {name: Type, type: string, required: true, enum: [RunShellScript, RunBatScript]}
      - {name: Parameters, type: any, style: json}
      - {name: Labels, type: map, items: {type: string}, style: flat, doc_required: true}
      - {name: ClientToken, type: string, client_token: true, deprecated: true}
    errors:
      - {code: MissingCommandContent, status: [400, 403]}
    pagination: [{style: next_token, items: X, input_token: NextToken, output_token: NextToken}]
    response: {fields: [], example: {RequestId: r}}
    tests: {requests: [], responses: []}
"""


def spec(types=None, actions=None):
    return Spec("test.yaml", {
        "product": {"code": "Ecs", "api_version": "2014-05-26"},
        "types": types or {},
        "actions": actions or {},
    })


class Setters(unittest.TestCase):
    def test_setters_are_found_by_the_wire_name_their_getter_reads(self):
        setters = setters_of(RunInstancesRequest)
        self.assertEqual(setters["DataDisk"].name, "set_DataDisks")
        self.assertEqual(setters["DataDisk"].kind, "RepeatList")
        self.assertEqual(setters["SecurityGroupIds"].name, "set_SecurityGroupIdss")
        self.assertEqual(setters["SystemDisk.Size"].name, "set_SystemDiskSize")
        self.assertEqual(setters["SystemDisk"].kind, "Struct")
        self.assertNotIn("RegionId", setters)  # the core adds it from the client's region
        self.assertEqual(setters_of(BatchExportRequest)["Measurements"].location, "body")

    def test_repeat_lists_of_structures_flatten_in_the_setter(self):
        request = RunInstancesRequest()
        filler = Filler(request, setters_of(RunInstancesRequest))
        filler.set({"name": "NetworkInterface", "type": "list"}, [
            {"InstanceType": "Primary", "SecurityGroupIds": ["sg-1", "sg-2"]},
        ])
        filler.set({"name": "SystemDisk", "type": "struct"}, {"Size": 40, "StorageClusterId": "d"})
        params = request.get_query_params()
        self.assertEqual(params["NetworkInterface.1.InstanceType"], "Primary")
        self.assertEqual(params["NetworkInterface.1.SecurityGroupIds.1"], "sg-1")
        self.assertEqual(params["NetworkInterface.1.SecurityGroupIds.2"], "sg-2")
        # SystemDisk.Size has its own setter; the Struct setter takes the remaining fields.
        self.assertEqual(params["SystemDisk.Size"], 40)
        self.assertEqual(params["SystemDisk.StorageClusterId"], "d")
        self.assertEqual(filler.without_setter, [])

    def test_json_parameters(self):
        # A `# Json` setter stores what it is given: a dict would go out as Python's repr.
        raw = RunCommandRequest()
        raw.set_Parameters({"name": "Jack"})
        self.assertEqual(urlencode({"Parameters": raw.get_query_params()["Parameters"]}),
                         "Parameters=%7B%27name%27%3A+%27Jack%27%7D")
        request = RunCommandRequest()
        Filler(request, setters_of(RunCommandRequest)).set(
            {"name": "Parameters", "type": "any", "style": "json"}, {"name": "Jack"})
        self.assertEqual(request.get_query_params()["Parameters"], '{"name":"Jack"}')
        # `# Map` and body `# Array` setters serialize with json.dumps themselves.
        report = CreateDiagnosticReportRequest()
        report.set_AdditionalOptions({"k": "v"})
        self.assertEqual(report.get_query_params()["AdditionalOptions"], '{"k": "v"}')
        export = BatchExportRequest()
        export.set_Measurements(["Maximum", "Minimum"])
        self.assertEqual(export.get_body_params()["Measurements"], '["Maximum", "Minimum"]')

    def test_a_parameter_without_setter_is_added_flattened(self):
        request = RunInstancesRequest()
        filler = Filler(request, setters_of(RunInstancesRequest))
        filler.set({"name": "NoSuchThing", "type": "list", "location": "form_body"},
                   [{"A": 1}, {"A": 2}])
        self.assertEqual(request.get_body_params(), {"NoSuchThing.1.A": 1, "NoSuchThing.2.A": 2})
        self.assertEqual(filler.without_setter, ["NoSuchThing"])
        self.assertEqual(flatten("M", {"k": "v"}), [("M.k", "v")])
        self.assertEqual(flatten("J", {"k": 1}, json_style=True), [("J", '{"k":1}')])


class Samples(unittest.TestCase):
    def test_format_v2_members(self):
        s = spec(types={
            "Disk": {"kind": "struct", "fields": [
                {"name": "Size", "type": "integer", "minimum": 20},
                {"name": "Category", "type": "string", "required": True, "enum": ["cloud_essd"]},
            ]},
            "Os": {"kind": "enum", "values": [{"value": "Linux"}]},
        })
        sample = Sampler(s).value
        self.assertEqual(sample({"type": "map", "items": {"type": "integer"}}), {"key": 1})
        self.assertEqual(sample({"type": "any", "example": '{"a": [1]}'}), {"a": [1]})
        self.assertEqual(sample({"type": "struct", "ref": "Disk", "style": "json"}),
                         {"Category": "cloud_essd"})
        self.assertEqual(sample({"type": "list", "min_items": 2, "items": {"type": "enum", "ref": "Os"}}),
                         ["Linux", "Linux"])
        self.assertEqual(sample({"type": "integer", "minimum": 5, "example": 2}), 5)
        self.assertEqual(sample({"type": "string", "example": "i-****", "pattern": "^i-[a-z0-9]+$"}),
                         "emulator-check")
        self.assertEqual(sample({"type": "boolean", "example": "true"}), True)
        self.assertEqual(json.loads(json.dumps(sample({"type": "string", "max_length": 3}))), "emu")


class FormatV2(unittest.TestCase):
    def test_new_keys_are_read_or_ignored(self):
        with tempfile.TemporaryDirectory() as specs:
            with open(os.path.join(specs, "ecs.yaml"), "w") as f:
                f.write(V2_SPEC)
            os.mkdir(os.path.join(specs, "overlays"))
            with open(os.path.join(specs, "overlays", "ecs.yaml"), "w") as f:
                f.write(V2_SPEC)
            [s] = load_specs(specs)
        self.assertEqual((s.code, s.version), ("Ecs", "2014-05-26"))
        sampler = Sampler(s)
        required = [p for p in s.params("RunCommand") if p.get("required")]
        self.assertEqual([sampler.value(p) for p in required], ["ZWNobyAx", "RunShellScript"])
        self.assertEqual(expected_missing_code(s, "RunCommand", "CommandContent"),
                         "MissingCommandContent")
        self.assertEqual(expected_missing_code(s, "RunCommand", "Type"), "MissingParameter")
        request = RunCommandRequest()
        filler = Filler(request, setters_of(RunCommandRequest))
        for p in s.params("RunCommand"):
            filler.set(p, sampler.value(p))
        params = request.get_query_params()
        self.assertEqual(params["Parameters"], '{"name":"Jack"}')
        self.assertEqual(params["CommandContent"], "ZWNobyAx")  # the SDK sends it in the query
        self.assertEqual(request.get_body_params(), {})
        # No setter for the map: added by hand in its flat form.
        self.assertEqual(params["Labels.key"], "emulator-check")
        self.assertEqual(filler.without_setter, ["Labels"])


if __name__ == "__main__":
    unittest.main()
