#!/usr/bin/env python3
"""Acceptance check: the official Python SDK (aliyun-python-sdk-core, -ecs, -cms) against the
emulator binary.

Seed checks (aliyunsdkcore's CommonRequest, on a fresh emulator):
  1. ECS InstallCloudAssistant (POST, query parameters) is accepted;
  2. RebootInstance, then DescribeCloudAssistantStatus reports CloudAssistantStatus "true";
  3. CMS NodeInstall (GET) with a Python boolean (Force=True) is accepted;
  4. STS credentials (SecurityToken) are accepted;
  5. a wrongly signed request (wrong secret) is refused: the emulator answers
     SignatureDoesNotMatch (HTTP 400), and the SDK, comparing the server's quoted string-to-sign
     with its own, reports InvalidAccessKeySecret when they are identical (checked with
     CommonRequest by comparing the strings, and with the SDK's RebootInstanceRequest by the
     SDK itself).

Action sweep (the SDK's own request classes, on another fresh emulator): every action of every
spec in specs/ whose product is ECS 2014-05-26 or CloudMonitor 2019-01-01 is sent with its
required parameters (a few with nested optional ones) and must be accepted; a few are sent
without a required parameter and must be refused with the service's code (action_sweep.py).

Usage: check_official_sdk.py PATH_TO_aliyun-emulator_BINARY [--only seed|actions]
                             [--specs DIR] [--serve-spec FILE ...]
Exit status 0 when every check passes. Run it through run.sh, which builds the binary and
installs the SDK into a virtual environment.
"""

import argparse
import json
import os
import sys

from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

import action_sweep
from emulator_process import Emulator
from spec_catalog import load_specs

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

DEV_ID = "LTAI5tEmulatorDevKey"
DEV_SECRET = "EmulatorDevSecretNotForProduction"
STS_ID = "STS.EmulatorDevKey"
STS_SECRET = "EmulatorDevStsSecret"
STS_TOKEN = "EmulatorDevSecurityToken"


def request(domain, version, action, method, params):
    req = CommonRequest()
    req.set_domain(domain)
    req.set_protocol_type("http")
    req.set_version(version)
    req.set_action_name(action)
    req.set_method(method)
    for name, value in params.items():
        req.add_query_param(name, value)
    return req


def call(client, req):
    return json.loads(client.do_action_with_exception(req))


def seed_checks(emulator):
    """The hand-picked checks 1-5 of the module doc; raises AssertionError on a failure."""
    domain = emulator.domain

    client = AcsClient(credential=AccessKeyCredential(DEV_ID, DEV_SECRET), region_id="cn-hangzhou")

    out = call(client, request(domain, "2014-05-26", "InstallCloudAssistant", "POST",
                               {"RegionId": "cn-hangzhou", "InstanceId.1": "i-emu000001"}))
    assert "RequestId" in out, out
    logged = emulator.last_logged()
    assert logged["outcome"] == "ok", logged
    print("ok  InstallCloudAssistant accepted; the SDK sent:", sorted(logged["params"]))

    call(client, request(domain, "2014-05-26", "RebootInstance", "POST",
                         {"InstanceId": "i-emu000001", "ForceStop": False}))
    out = call(client, request(domain, "2014-05-26", "DescribeCloudAssistantStatus", "POST",
                               {"RegionId": "cn-hangzhou", "InstanceId.1": "i-emu000001"}))
    status = out["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"][0]
    assert status["CloudAssistantStatus"] == "true", out
    print("ok  RebootInstance + DescribeCloudAssistantStatus: CloudAssistantStatus", status["CloudAssistantStatus"])

    out = call(client, request(domain, "2017-03-01", "NodeInstall", "GET",
                               {"InstanceId": "i-emu000002", "UserId": "1234567890", "Force": True}))
    assert out["Success"] is True and out["ErrorCode"] == 200, out
    logged = emulator.last_logged()
    print("ok  NodeInstall (GET) accepted with Force=%s" % logged["params"]["Force"])

    sts = AcsClient(credential=StsTokenCredential(STS_ID, STS_SECRET, STS_TOKEN), region_id="cn-hangzhou")
    out = call(sts, request(domain, "2017-03-01", "NodeStatus", "GET", {"InstanceId": "i-emu000002"}))
    assert out["Status"] in ("installing", "running"), out
    print("ok  STS credentials accepted; NodeStatus", out["Status"])

    wrong = AcsClient(credential=AccessKeyCredential(DEV_ID, "not-the-secret"), region_id="cn-hangzhou")
    req = request(domain, "2014-05-26", "InstallCloudAssistant", "POST",
                  {"RegionId": "cn-hangzhou", "InstanceId.1": "i-emu000003"})
    try:
        call(wrong, req)
    except ServerException as e:
        logged = emulator.last_logged()
        assert logged["code"] == "SignatureDoesNotMatch" and logged["status"] == 400, logged
        assert e.get_http_status() == 400, e
        # aliyunsdkcore renames the code to InvalidAccessKeySecret when the quoted
        # string-to-sign equals the request's own; with CommonRequest it compares against the
        # wrapper (always empty), so the code stays SignatureDoesNotMatch.
        assert e.get_error_code() in ("SignatureDoesNotMatch", "InvalidAccessKeySecret"), e
        print("ok  wrong secret refused: emulator answered %s (HTTP %d); SDK reports %s"
              % (logged["code"], logged["status"], e.get_error_code()))
        # The SDK's own string-to-sign (on the request CommonRequest wraps) must be exactly
        # what the emulator quotes: both sides canonicalized the same way.
        inner = getattr(req, "request", None)
        ours = getattr(inner, "string_to_sign", "")
        marker = "server string to sign is:"
        if e.get_error_code() == "SignatureDoesNotMatch":
            server = e.get_error_msg().split(marker, 1)[1]
            assert ours and ours == server, (ours, server)
        print("ok  the emulator's quoted string-to-sign equals the SDK's own (%d chars)" % len(ours))
    else:
        raise AssertionError("a wrongly signed request was accepted")

    # With the SDK's own request class the SDK makes the comparison itself.
    reboot = RebootInstanceRequest()
    reboot.set_endpoint(domain)
    reboot.set_protocol_type("http")
    reboot.set_InstanceId("i-emu000001")
    try:
        call(wrong, reboot)
    except ServerException as e:
        assert e.get_error_code() == "InvalidAccessKeySecret", e
        print("ok  RebootInstanceRequest with a wrong secret: the SDK reports InvalidAccessKeySecret "
              "(the emulator's string-to-sign is identical to its own)")
    else:
        raise AssertionError("a wrongly signed request was accepted")
    print("ok  seed checks passed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="path to the aliyun-emulator binary")
    parser.add_argument("--only", choices=["seed", "actions"],
                        help="run only the seed checks or only the action sweep")
    parser.add_argument("--specs", default=os.path.join(ROOT, "specs"),
                        help="directory of the spec files the sweep reads (default: the repository's specs/)")
    parser.add_argument("--serve-spec", action="append", default=[], metavar="FILE",
                        help="also serve this spec file (the emulator's --spec; repeatable)")
    args = parser.parse_args()
    extra = [arg for path in args.serve_spec for arg in ("--spec", path)]
    if args.only != "actions":
        with Emulator(args.binary, extra) as emulator:
            print("emulator:", emulator.base_url)
            seed_checks(emulator)
    if args.only == "seed":
        print("PASS: the official Python SDK is accepted by the emulator")
        return 0
    specs = load_specs(args.specs)
    with Emulator(args.binary, extra) as emulator:
        result = action_sweep.sweep(emulator, specs)
    if not action_sweep.print_report(result):
        return 1
    print("PASS: the official Python SDK is accepted by the emulator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
