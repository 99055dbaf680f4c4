#!/usr/bin/python3
"""The end-to-end tests' stand-in for Slack, Grafana and friends, run inside the lab's node1:
every POST is answered 200 and appended as one JSON line (path, body) to FILE.
Usage: lab_receiver.py PORT FILE"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, path = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(path, "a") as f:
            f.write(json.dumps({"path": self.path, "body": json.loads(body)}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
