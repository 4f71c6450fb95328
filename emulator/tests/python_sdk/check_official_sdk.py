#!/usr/bin/env python3
"""Acceptance check: the official Python SDK (aliyun-python-sdk-core) against the emulator binary.

Starts the emulator binary on a free loopback port, then with aliyunsdkcore's CommonRequest:
  1. ECS InstallCloudAssistant (POST, query parameters) is accepted;
  2. RebootInstance, then DescribeCloudAssistantStatus reports CloudAssistantStatus "true";
  3. CMS NodeInstall (GET) with a Python boolean (Force=True) is accepted;
  4. STS credentials (SecurityToken) are accepted;
  5. a wrongly signed request (wrong secret) is refused: the emulator answers
     SignatureDoesNotMatch (HTTP 400), and the SDK, comparing the server's quoted string-to-sign
     with its own, reports InvalidAccessKeySecret when they are identical.

Usage: check_official_sdk.py PATH_TO_aliyun-emulator_BINARY
Exit status 0 when every check passes. Run it through run.sh, which builds the binary and
installs the SDK into a virtual environment.
"""

import json
import subprocess
import sys
import urllib.request

from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

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


def last_logged(base_url):
    with urllib.request.urlopen(base_url + "/_emulator/requests") as response:
        return json.load(response)[-1]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    emulator = subprocess.Popen(
        [sys.argv[1], "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = emulator.stdout.readline().strip()
        assert first.startswith("listening on http://"), first
        base_url = first[len("listening on "):]
        domain = base_url[len("http://"):]
        print("emulator:", base_url)

        client = AcsClient(credential=AccessKeyCredential(DEV_ID, DEV_SECRET), region_id="cn-hangzhou")

        out = call(client, request(domain, "2014-05-26", "InstallCloudAssistant", "POST",
                                   {"RegionId": "cn-hangzhou", "InstanceId.1": "i-emu000001"}))
        assert "RequestId" in out, out
        logged = last_logged(base_url)
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
        logged = last_logged(base_url)
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
            logged = last_logged(base_url)
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
        print("PASS: the official Python SDK is accepted by the emulator")
        return 0
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
