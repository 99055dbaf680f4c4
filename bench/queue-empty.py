#!/usr/bin/env python3
"""Waits until an outbox holds no pending delivery; prints that moment (ns since the epoch).

One process with one read-only connection, polling every 50 ms: a shell loop that starts
sqlite3, date and sleep twenty times a second took about 0.4 of this 2-core machine's CPU
(perf, a NATS drain), which the daemon under test then did not have.
Usage: queue-empty.py OUTBOX_DB TIMEOUT_SECONDS
"""
import sqlite3
import sys
import time

db, timeout = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + timeout
connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
left = None
while time.monotonic() < deadline:
    try:
        left = connection.execute("SELECT COUNT(*) FROM deliveries WHERE state = 0").fetchone()[0]
    except sqlite3.OperationalError:
        left = "busy"
    if left == 0:
        print(time.time_ns())
        sys.exit(0)
    time.sleep(0.05)
print(f"not drained within {timeout:.0f} s ({left} left)", file=sys.stderr)
sys.exit(1)
