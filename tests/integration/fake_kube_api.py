# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Kubernetes API server of recorded responses, for playbooks that read a cluster with
kubernetes.core.k8s_info: plain HTTP on 127.0.0.1 only, read-only (GET), in a thread.

It answers what the kubernetes Python client's dynamic discovery asks (``/version``, ``/api``,
``/api/v1``, ``/apis``, ``/apis/<group>/<version>``) for the kinds in ``RESOURCES``, and lists
them from the List files in ``recorded/`` (written by hand in the API's shapes): all
namespaces, one namespace (``/namespaces/<ns>/<plural>``), one object by name, with
``labelSelector`` (``k=v``, ``k!=v``, ``k``, ``!k``, comma-separated) applied. Every request is
logged in ``requests`` as (path, query) so a test can check what a playbook asked for.
"""

import copy
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

RECORDED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recorded")

# (group, version, plural, kind, namespaced, recorded file)
RESOURCES = (
    ("", "v1", "nodes", "Node", False, "nodes.json"),
    ("", "v1", "namespaces", "Namespace", False, "namespaces.json"),
    ("", "v1", "resourcequotas", "ResourceQuota", True, "resourcequotas.json"),
    ("kubevirt.io", "v1", "virtualmachineinstances", "VirtualMachineInstance", True,
     "virtualmachineinstances.json"),
    ("kubevirt.io", "v1", "virtualmachines", "VirtualMachine", True, "virtualmachines.json"),
    ("kubevirt.io", "v1", "kubevirts", "KubeVirt", True, "kubevirts.json"),
    ("k8s.cni.cncf.io", "v1", "network-attachment-definitions", "NetworkAttachmentDefinition",
     True, "network-attachment-definitions.json"),
)


def recorded_items(filename):
    """The items of a recorded List file."""
    with open(os.path.join(RECORDED, filename)) as stream:
        return json.load(stream)["items"]


def _selector_matches(selector, labels):
    for term in filter(None, (part.strip() for part in selector.split(","))):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.split("=", 1)
            if labels.get(key.strip().rstrip("=")) != value.strip().lstrip("="):
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def _group_version(group, version):
    return "%s/%s" % (group, version) if group else version


def _resource_list(group, version):
    resources = []
    for res_group, res_version, plural, kind, namespaced, _file in RESOURCES:
        if (res_group, res_version) != (group, version):
            continue
        resources.append({"name": plural, "singularName": kind.lower(), "namespaced": namespaced,
                          "kind": kind, "verbs": ["get", "list", "watch"]})
    if not resources:
        return None
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": _group_version(group, version), "resources": resources}


def _groups():
    seen = []
    for group, version, *_rest in RESOURCES:
        if group and (group, version) not in seen:
            seen.append((group, version))
    groups = []
    for group, version in seen:
        gv = {"groupVersion": _group_version(group, version), "version": version}
        groups.append({"name": group, "versions": [gv], "preferredVersion": gv})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


class FakeKubeApi:
    """``with FakeKubeApi() as api:`` serves on ``api.url`` until the block ends."""

    def __init__(self):
        self.requests = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                api.requests.append((parts.path, parse_qs(parts.query)))
                status, body = api.answer(parts.path, parse_qs(parts.query))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def lists(self):
        """The (group, plural, namespace, labelSelector) of each list or get request, in order."""
        asked = []
        for path, query in self.requests:
            found = self._route(path)
            if found is not None:
                resource, namespace, name = found
                asked.append((resource[0], resource[2], namespace, name,
                              query.get("labelSelector", [""])[0]))
        return asked

    def kubeconfig(self, path):
        """Write a kubeconfig for this server (no credentials) to ``path``."""
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": "fake",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "fake", "user": {}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
        }
        with open(path, "w") as stream:
            json.dump(config, stream)
        return path

    def _route(self, path):
        """(resource, namespace, name) for a list or get path, else None."""
        segments = [s for s in path.split("/") if s]
        if segments[:1] == ["api"]:
            group, rest = "", segments[1:]
        elif segments[:1] == ["apis"] and len(segments) >= 3:
            group, rest = segments[1], segments[2:]
        else:
            return None
        if len(rest) < 2:
            return None
        version, rest = rest[0], rest[1:]
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        for resource in RESOURCES:
            if resource[:3] == (group, version, rest[0]) and len(rest) <= 2:
                if namespace is not None and not resource[4]:
                    return None
                return resource, namespace, rest[1] if len(rest) == 2 else None
        return None

    def answer(self, path, query):
        if path == "/version":
            return 200, {"major": "1", "minor": "34", "gitVersion": "v1.34.2",
                         "platform": "linux/amd64"}
        if path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [
                             {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}
        if path == "/apis":
            return 200, _groups()
        segments = [s for s in path.split("/") if s]
        if segments == ["api", "v1"]:
            return 200, _resource_list("", "v1")
        if len(segments) == 3 and segments[0] == "apis":
            found = _resource_list(segments[1], segments[2])
            if found is not None:
                return 200, found
        routed = self._route(path)
        if routed is None:
            return _not_found(path)
        (group, version, plural, kind, namespaced, filename), namespace, name = routed
        items = copy.deepcopy(recorded_items(filename))
        if namespace is not None:
            items = [i for i in items if i["metadata"].get("namespace") == namespace]
        if name is not None:
            for item in items:
                if item["metadata"]["name"] == name:
                    return 200, item
            return _not_found(path)
        selector = query.get("labelSelector", [""])[0]
        items = [i for i in items if _selector_matches(selector, i["metadata"].get("labels", {}))]
        return 200, {"kind": kind + "List", "apiVersion": _group_version(group, version),
                     "metadata": {"resourceVersion": "48213"}, "items": items}


def _not_found(path):
    return 404, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                 "message": "the server could not find the requested resource (%s)" % path,
                 "reason": "NotFound", "code": 404}
