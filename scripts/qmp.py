#!/usr/bin/python3
# One QMP command to a running QEMU, its answer ("return") printed as JSON:
#   qmp.py /run/ganeti/kvm-hypervisor/ctrl/INSTANCE.qmp query-block
#   qmp.py SOCKET query-cpus-fast
# The demo and the tests use it to see what QEMU sees without HookRelay's QMP client.
import json, socket, sys

s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")


def run(command):
    f.write(json.dumps({"execute": command}) + "\n")
    f.flush()
    while True:
        message = json.loads(f.readline())
        if "error" in message:
            sys.exit(f"QEMU refused {command}: {message['error']['desc']}")
        if "return" in message:
            return message["return"]


f.readline()
run("qmp_capabilities")
print(json.dumps(run(sys.argv[2])))
