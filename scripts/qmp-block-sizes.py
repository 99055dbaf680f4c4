#!/usr/bin/python3
# What a running QEMU's own query-block reports: {drive: virtual-size in bytes}, as JSON.
# Usage: qmp-block-sizes.py /run/ganeti/kvm-hypervisor/ctrl/INSTANCE.qmp
# Used by the demo and the tests to see what QEMU sees without HookRelay's QMP client.
import json, socket, sys

s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")


def answer():
    while True:
        message = json.loads(f.readline())
        if "return" in message or "error" in message:
            return message


f.readline()
f.write('{"execute": "qmp_capabilities"}\n'); f.flush(); answer()
f.write('{"execute": "query-block"}\n'); f.flush()
print(json.dumps({b["device"]: b["inserted"]["image"]["virtual-size"] for b in answer()["return"] if "inserted" in b}))
