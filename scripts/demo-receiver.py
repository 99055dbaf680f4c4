#!/usr/bin/env python3
"""The demo's stand-in for Slack and Grafana: one HTTP server on loopback that answers Slack's
incoming-webhook path (/services/...) and Grafana's annotations API (/api/annotations, bearer
token checked) and prints one line per request. The very first request is answered 503, to show
the daemon retrying. Usage: demo-receiver.py PORT GRAFANA_TOKEN LOG"""
import json, sys
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, token, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
seen = {"n": 0}

def say(line):
    with open(log, "a") as f:
        f.write(f"  {line}\n")

def ms(t):
    return datetime.fromtimestamp(t / 1000, timezone.utc).strftime("%H:%M:%S.%f")[:-3]

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        seen["n"] += 1
        if seen["n"] == 1:
            say(f"receiver: {self.path} answered 503 (first request of the demo)")
            self.send_response(503); self.end_headers(); return
        if self.path.startswith("/services/"):
            say(f"slack   got: {body['text']}")
            self.reply(200, b"ok")
        elif self.path == "/api/annotations":
            if self.headers.get("Authorization") != f"Bearer {token}":
                self.reply(401, b'{"message":"invalid API key"}'); return
            span = (f"region {ms(body['time'])} -> {ms(body['timeEnd'])} ({body['timeEnd'] - body['time']} ms)"
                    if "timeEnd" in body else f"point at {ms(body['time'])}")
            say(f"grafana got: {span}, tags {body['tags']}: {body['text']}")
            self.reply(200, b'{"id":1,"message":"Annotation added"}')
        else:
            self.reply(404, b"not found")

    def reply(self, status, payload):
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
