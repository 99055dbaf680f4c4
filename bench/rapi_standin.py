#!/usr/bin/env python3
"""A stand-in for Ganeti's RAPI for the DNS reconcile benchmark only (no Ganeti holds 10,000
instances on this machine): HTTPS with a self-signed certificate, basic auth, /2/info and
/2/instances?bulk=1 (name, nic.ips, nic.macs, nic.networks.names) from a JSON file re-read on
every request, so the benchmark changes instances between runs by rewriting it.
Usage: rapi_standin.py PORT CERT KEY USER PASSWORD INSTANCES_JSON CLUSTER"""
import base64, http.server, json, ssl, sys

port, cert, key, user, password, path, cluster = sys.argv[1:8]
expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.headers.get("Authorization") != expected:
            self.send_response(401); self.send_header("Content-Length", "0"); self.end_headers(); return
        if self.path == "/2/info":
            body = json.dumps({"name": cluster}).encode()
        elif self.path == "/2/instances?bulk=1":
            with open(path, "rb") as f:
                body = f.read()
        else:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("ready", flush=True)
server.serve_forever()
