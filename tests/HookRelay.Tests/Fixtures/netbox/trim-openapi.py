#!/usr/bin/env python3
"""Cuts NetBox's OpenAPI document down to what HookRelay's NetBox sync calls.

Input: api/openapi.yaml of netbox-community/go-netbox at the commit named below, which is
NetBox 4.2.2's own document (contrib/openapi.json of that release) as go-netbox publishes it,
after its scripts/fix-spec.py (null taken out of nullable enums; nullable properties made
optional). Output: openapi-4.2.2.json beside this script: the listed paths whole, and every
component they reference, transitively; nothing else changed. Run it again to check:

    git -C MIRROR show 924ab235:api/openapi.yaml | ./trim-openapi.py > openapi-4.2.2.json
"""
import json
import sys

import yaml

PATHS = [
    "/api/status/",
    "/api/virtualization/clusters/",
    "/api/virtualization/virtual-machines/",
    "/api/virtualization/virtual-machines/{id}/",
    "/api/virtualization/interfaces/",
    "/api/virtualization/interfaces/{id}/",
    "/api/virtualization/virtual-disks/",
    "/api/virtualization/virtual-disks/{id}/",
    "/api/ipam/ip-addresses/",
    "/api/ipam/ip-addresses/{id}/",
    "/api/dcim/devices/",
    "/api/dcim/mac-addresses/",
    "/api/dcim/mac-addresses/{id}/",
    "/api/dcim/platforms/",
    "/api/dcim/platforms/{id}/",
    "/api/extras/tags/",
]


def refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            found.add(ref)
        for value in node.values():
            refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


def main():
    spec = yaml.load(sys.stdin, Loader=yaml.CSafeLoader)
    paths = {p: spec["paths"][p] for p in PATHS}
    wanted, seen = set(), set()
    refs(paths, wanted)
    components = {}
    while wanted - seen:
        ref = sorted(wanted - seen)[0]
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        item = spec["components"][kind][name]
        components.setdefault(kind, {})[name] = item
        refs(item, wanted)
    # Security schemes are named by every operation's "security".
    components["securitySchemes"] = spec["components"].get("securitySchemes", {})
    out = {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "paths": paths,
        "components": {k: dict(sorted(v.items())) for k, v in sorted(components.items())},
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
