"""The emulator binary as a child process, and the parts of its admin API the checks read."""

import json
import os
import subprocess
import urllib.request


class Emulator:
    """Starts `aliyun-emulator` on a free loopback port; use as a context manager."""

    def __init__(self, binary, extra_args=()):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.process = None
        self.base_url = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [self.binary, "--listen", "127.0.0.1:0", *self.extra_args],
            stdout=subprocess.PIPE,
            text=True,
            # Only warnings from the emulator itself; RUST_LOG set by the caller wins.
            env=dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "warn")),
        )
        first = self.process.stdout.readline().strip()
        if not first.startswith("listening on http://"):
            self.__exit__(None, None, None)
            raise RuntimeError("the emulator did not start: %r" % first)
        self.base_url = first[len("listening on "):]
        return self

    def __exit__(self, *_):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    @property
    def domain(self):
        """Host and port, as the SDK's `set_endpoint`/`set_domain` wants them."""
        return self.base_url[len("http://"):]

    def admin(self, path):
        with urllib.request.urlopen(self.base_url + "/_emulator/" + path) as response:
            return json.load(response)

    def config(self):
        return self.admin("config")

    def requests_since(self, seq):
        """Log entries after sequence number `seq`, oldest first."""
        return self.admin("requests?since=%d" % seq)

    def last_logged(self):
        return self.admin("requests")[-1]

    def served_actions(self, product, version):
        """The action names the emulator serves for `product` at `version` (empty if none)."""
        for entry in self.config()["products"]:
            if entry["product"].lower() == product.lower() and entry["version"] == version:
                return {a["action"]: a["modelled"] for a in entry["actions"]}
        return {}
