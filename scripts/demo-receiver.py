#!/usr/bin/env python3
"""The demo's stand-in for Slack: a webhook receiver on loopback that checks the Standard
Webhooks signature with its copy of the secret and prints one line per event. The first
request is answered 503, to show the daemon retrying. Usage: demo-receiver.py PORT SECRET LOG"""
import base64, hashlib, hmac, json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, secret, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
key = base64.b64decode(secret.removeprefix("whsec_"))
seen = {"n": 0}

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        seen["n"] += 1
        if seen["n"] == 1:
            self.send_response(503); self.end_headers(); return
        signed = f'{self.headers["webhook-id"]}.{self.headers["webhook-timestamp"]}.'.encode() + body
        expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        ok = expected in self.headers.get("webhook-signature", "").split()
        e = json.loads(body); d = e["data"]; m = d["migrate"]
        with open(log, "a") as f:
            f.write(f'  receiver got {e["type"]} id {e["id"]} (signature {"valid" if ok else "INVALID"}): '
                    f'*{d["instance"]["name"]} migrated live* from {m["old_primary"]} to {m["new_primary"]} on {d["cluster"]}\n')
        self.send_response(200 if ok else 401); self.end_headers()

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
