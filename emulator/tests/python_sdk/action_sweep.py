"""Sends every ECS (2014-05-26) and CloudMonitor (2019-01-01) action of the repository's specs
through the official SDK's own request class, and judges each by the emulator's request log.

Per action: the request class is filled through its setters with every required parameter
(sample values from the spec), plus, for a few chosen actions, nested optional ones; it is sent
once (no SDK retries); the log entry it produced must say `ok`, or, for an action the emulator
models, an error of its modelled world (the log says it was refused by the action itself).

Then, for a few actions, one required parameter is left out and the emulator must refuse with
the code the service uses (`MissingParameter`, or the parameter-named code the action
documents), HTTP 400, naming the parameter.
"""

import json

from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkcore.auth.credentials import AccessKeyCredential
from aliyunsdkcore.client import AcsClient

import sdk_requests
from spec_catalog import Sampler, expected_missing_code

# Parameters every signed RPC request carries; left out of the printed wire form.
COMMON_PARAMS = {
    "Action", "Version", "Format", "AccessKeyId", "SignatureMethod", "SignatureVersion",
    "SignatureNonce", "SignatureType", "Timestamp",
}

# Nested optional parameters sent on top of the required ones, by wire name, as a user of the
# SDK would pass them to the class's setters. Anything the spec does not declare is dropped.
NESTED = {
    ("ecs", "RunInstances"): {
        "ImageId": "aliyun_3_x64_20G_alibase_20240528.vhd",
        "InstanceType": "ecs.g7.large",
        "DataDisk": [
            {"Size": 40, "Category": "cloud_essd", "PerformanceLevel": "PL1",
             "DeleteWithInstance": True, "DiskName": "data-1"},
            {"Size": 100, "Category": "cloud_auto", "Encrypted": "true", "Device": "/dev/xvdc"},
        ],
        "Tag": [{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "sdk"}],
        "NetworkInterface": [
            {"InstanceType": "Primary", "VSwitchId": "vsw-emu0001",
             "SecurityGroupIds": ["sg-emu0001", "sg-emu0002"]},
            {"InstanceType": "Secondary", "VSwitchId": "vsw-emu0002",
             "NetworkInterfaceName": "eni-two", "SecurityGroupIds": ["sg-emu0003"]},
        ],
        "SystemDisk.Category": "cloud_essd",
        "SystemDisk.Size": "40",
        "SystemDisk": {"Category": "cloud_essd", "Size": 40},
    },
    ("ecs", "RunCommand"): {
        "InstanceId": ["i-emu000001", "i-emu000002"],
        "Parameters": {"name": "Jack", "dir": "/tmp"},
        "EnableParameter": True,
        "Tag": [{"Key": "env", "Value": "test"}],
    },
    ("ecs", "AuthorizeSecurityGroup"): {
        "Permissions": [
            {"IpProtocol": "TCP", "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8",
             "Policy": "accept"},
            {"IpProtocol": "ICMP", "PortRange": "-1/-1", "SourceCidrIp": "0.0.0.0/0"},
        ],
    },
    ("cms", "DescribeMetricRuleBlackList"): {"InstanceIds": ["i-emu000001", "i-emu000002"]},
    ("cms", "BatchExport"): {"Measurements": ["Maximum", "Minimum"]},
}

# Missing-parameter checks: (product, action, parameter) first tried; more are picked from the
# spec so each product has a few.
MISSING_PREFERRED = [
    ("ecs", "RebootInstance", "InstanceId"),
    ("ecs", "RunCommand", "CommandContent"),
    ("ecs", "AuthorizeSecurityGroup", "SecurityGroupId"),
    ("cms", "DescribeMetricList", "MetricName"),
    ("cms", "PutLogMonitor", "LogstoreName"),
]
MISSING_PER_PRODUCT = 3

DEV_ID = "LTAI5tEmulatorDevKey"
DEV_SECRET = "EmulatorDevSecretNotForProduction"


class Result:
    def __init__(self):
        self.total = {}  # product -> actions tried
        self.accepted = {}  # product -> accepted
        self.failures = []  # printed lines
        self.no_class = []  # (product, action)
        self.world_errors = []  # (product, action, code)
        self.without_setter = []  # (product, action, [wire names])
        self.left_to_core = []  # (product, action, [names]): region spelt otherwise than RegionId
        self.wire = {}  # (product, action) -> params sent, for the chosen nested actions
        self.missing_checks = 0
        self.probes = []  # printed lines


def sweep(emulator, specs):
    """Runs every action of the ECS/CMS specs in `specs`; returns a Result."""
    client = AcsClient(credential=AccessKeyCredential(DEV_ID, DEV_SECRET),
                       region_id="cn-hangzhou", auto_retry=False, timeout=20)
    result = Result()
    seq = _last_seq(emulator)
    for spec in specs:
        package = sdk_requests.package_for(spec.code, spec.version)
        if package is None:
            continue
        product = spec.code.lower()
        served = emulator.served_actions(spec.code, spec.version)
        sampler = Sampler(spec)
        for action in sorted(spec.actions):
            cls = sdk_requests.request_class(package, action)
            if cls is None:
                result.no_class.append((product, action))
                continue
            result.total[product] = result.total.get(product, 0) + 1
            request, filler = _build(emulator, cls, spec, sampler, product, action)
            outcome, seq = _send(emulator, client, request, seq)
            if filler.without_setter:
                result.without_setter.append((product, action, filler.without_setter))
            if any(n != "RegionId" for n in filler.left_to_core):
                result.left_to_core.append((product, action, filler.left_to_core))
            verdict = _judge(outcome, modelled=served.get(action, False))
            if (product, action) in NESTED:
                result.wire[(product, action)] = outcome.get("params", {})
            if verdict == "ok":
                result.accepted[product] = result.accepted.get(product, 0) + 1
            elif verdict.startswith("world:"):
                result.accepted[product] = result.accepted.get(product, 0) + 1
                result.world_errors.append((product, action, verdict[len("world:"):]))
            else:
                result.failures.append("FAIL %s %s: sent %s -> %s" % (
                    product, action, _wire(outcome.get("params", {})), verdict))
    seq = _missing_checks(emulator, client, specs, result, seq)
    _malformed_probes(emulator, client, specs, result, seq)
    return result


def _build(emulator, cls, spec, sampler, product, action, leave_out=None):
    request = cls()
    request.set_endpoint(emulator.domain)
    request.set_protocol_type("http")
    filler = sdk_requests.Filler(request, sdk_requests.setters_of(cls))
    params = {p["name"]: p for p in spec.params(action)}
    for name, member in params.items():
        if member.get("required") and name != leave_out:
            filler.set(member, sampler.value(member))
    for name, value in NESTED.get((product, action), {}).items():
        member = params.get(name)
        if member is None or name == leave_out:
            continue
        value = _prune(spec, member, value)
        if value not in ({}, []):
            filler.set(member, value)
    return request, filler


def _prune(spec, member, value):
    """Keeps only what the spec declares (nested fields it does not know are dropped)."""
    ty = member.get("type")
    if ty == "list" and isinstance(value, list):
        item = member.get("items") or {}
        return [_prune(spec, item, v) for v in value]
    if ty == "struct" and isinstance(value, dict):
        fields = {f["name"]: f for f in spec.struct_fields(member.get("ref"))}
        return {k: _prune(spec, fields[k], v) for k, v in value.items() if k in fields}
    return value


def _send(emulator, client, request, seq):
    """Sends once; returns the log entry it produced (with the SDK's view added) and the new
    last sequence number."""
    sdk_error = None
    try:
        body = client.do_action_with_exception(request)
        # An error in an HTTP 200 envelope (CloudMonitor 2019-01-01 style) raises nothing.
        sdk_error = _envelope_error(body)
    except ServerException as e:
        sdk_error = (e.get_http_status(), e.get_error_code(), e.get_error_msg())
    except ClientException as e:
        sdk_error = (None, e.get_error_code(), e.get_error_msg())
    entries = emulator.requests_since(seq)
    if not entries:
        return {"outcome": "not_logged", "sdk_error": sdk_error}, seq
    entry = entries[-1]
    entry["sdk_error"] = sdk_error
    entry["attempts"] = len(entries)
    return entry, entry["seq"]


def _envelope_error(body):
    try:
        answer = json.loads(body)
    except (TypeError, ValueError):
        return None
    if not isinstance(answer, dict) or "Message" not in answer:
        return None
    return (200, answer.get("Code"), str(answer.get("Message")))


def _last_seq(emulator):
    entries = emulator.requests_since(0)
    return entries[-1]["seq"] if entries else 0


def _judge(entry, modelled):
    """"ok", "world:<code>" (accepted: an error of the modelled world) or a refusal text."""
    outcome = entry.get("outcome")
    if outcome == "ok":
        return "ok"
    sdk_error = entry.get("sdk_error")
    said = "HTTP %s %s" % (entry.get("status"), entry.get("code"))
    if sdk_error:
        said += ": %s" % (sdk_error[2] or "")[:300]
    if outcome != "error":
        return "not accepted (%s) %s" % (outcome, said)
    # The emulator logs where it refused: request, routing, signature, validation or action.
    stage = entry.get("refused_at")
    if stage != "action":
        return "refused at %s, %s" % (stage, said)
    if modelled:
        return "world:" + entry.get("code", "")
    return "refused (an action the emulator does not model answered an error), " + said


def _missing_checks(emulator, client, specs, result, seq):
    for spec in specs:
        package = sdk_requests.package_for(spec.code, spec.version)
        if package is None:
            continue
        product = spec.code.lower()
        sampler = Sampler(spec)
        for action, name in _missing_candidates(spec, product, package):
            cls = sdk_requests.request_class(package, action)
            request, _ = _build(emulator, cls, spec, sampler, product, action, leave_out=name)
            entry, seq = _send(emulator, client, request, seq)
            expected = expected_missing_code(spec, action, name)
            result.missing_checks += 1
            sdk_error = entry.get("sdk_error") or (None, None, "")
            message = sdk_error[2] or ""
            if entry.get("code") != expected or entry.get("status") != 400 or name not in message:
                result.failures.append(
                    "FAIL %s %s without %s: expected HTTP 400 %s naming %s; got HTTP %s %s: %s" % (
                        product, action, name, expected, name, entry.get("status"),
                        entry.get("code"), message[:200]))
            else:
                print("ok  %s %s without %s: HTTP 400 %s" % (product, action, name, expected))
    return seq


# Nested names no SDK writes (index 0, a leading zero, not a number, no index): the emulator
# must refuse them at validation as the service does, HTTP 400 `InvalidParameter` naming them.
MALFORMED_PROBES = [("ecs", "RunInstances", "Tag", name) for name in (
    "Tag.0.Key", "Tag.01.Key", "Tag.x.Key", "Tag.Key")]


def _malformed_probes(emulator, client, specs, result, seq):
    for spec in specs:
        package = sdk_requests.package_for(spec.code, spec.version)
        product = spec.code.lower()
        for p, action, top, name in MALFORMED_PROBES:
            if p != product or package is None or action not in spec.actions:
                continue
            if not any(m["name"] == top for m in spec.params(action)):
                continue
            cls = sdk_requests.request_class(package, action)
            if cls is None:
                continue
            request, _ = _build(emulator, cls, spec, Sampler(spec), product, action)
            request.add_query_param(name, "probe")
            entry, seq = _send(emulator, client, request, seq)
            answer = entry.get("outcome")
            if answer == "error":
                answer = "HTTP %s %s" % (entry.get("status"), entry.get("code"))
            line = "%s %s with %s=probe: %s" % (product, action, name, answer)
            message = (entry.get("sdk_error") or (None, None, ""))[2] or ""
            refused = (entry.get("status"), entry.get("code"), entry.get("refused_at")) == (
                400, "InvalidParameter", "validation")
            if refused and name in message:
                result.probes.append("probe " + line)
            else:
                result.failures.append("FAIL malformed name not refused: " + line)
    return seq


def _missing_candidates(spec, product, package):
    chosen = []
    for p, action, name in MISSING_PREFERRED:
        if p == product and action in spec.actions and _required(spec, action, name):
            chosen.append((action, name))
    for action in sorted(spec.actions):
        if len(chosen) >= MISSING_PER_PRODUCT:
            break
        if any(a == action for a, _ in chosen):
            continue
        names = [p["name"] for p in spec.params(action)
                 if p.get("required") and p["name"] != "RegionId" and p.get("type") != "list"]
        if names and sdk_requests.request_class(package, action) is not None:
            chosen.append((action, names[0]))
    return [(a, n) for a, n in chosen if sdk_requests.request_class(package, a) is not None]


def _required(spec, action, name):
    return any(p["name"] == name and p.get("required") for p in spec.params(action))


def _wire(params):
    shown = {k: v for k, v in params.items() if k not in COMMON_PARAMS}
    return "{%s}" % ", ".join("%s=%s" % (k, shown[k]) for k in sorted(shown))


def print_report(result):
    for line in result.failures:
        print(line)
    for (product, action), params in sorted(result.wire.items()):
        print("wire %s %s: %s" % (product, action, _wire(params)))
    for product, action, names in result.without_setter:
        print("note %s %s: no SDK setter for %s (set with add_query_param)" % (
            product, action, ", ".join(names)))
    for product, action, names in result.left_to_core:
        print("note %s %s: %s left to the SDK core, which sends RegionId" % (
            product, action, ", ".join(names)))
    for product, action, code in result.world_errors:
        print("note %s %s: passed signature and validation; the modelled world answered %s" % (
            product, action, code))
    for line in result.probes:
        print(line)
    if result.no_class:
        print("not in the installed SDK (%d, not failures): %s" % (
            len(result.no_class), ", ".join("%s/%s" % pa for pa in result.no_class)))
    ecs = (result.accepted.get("ecs", 0), result.total.get("ecs", 0))
    cms = (result.accepted.get("cms", 0), result.total.get("cms", 0))
    print("official SDK: %d of %d actions accepted (ECS %d/%d, CMS %d/%d); %d missing-parameter checks" % (
        ecs[0] + cms[0], ecs[1] + cms[1], ecs[0], ecs[1], cms[0], cms[1], result.missing_checks))
    return not result.failures
