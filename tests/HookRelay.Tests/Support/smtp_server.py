#!/usr/bin/python3
"""A real SMTP server for the e-mail sink's tests: Debian's aiosmtpd on loopback, with STARTTLS
(the test's certificate) and AUTH LOGIN/PLAIN for one user, only after STARTTLS. Each message is
saved as N.eml with N.json (envelope and who authenticated) in DIR. Prints "ready" once listening.
The .json also holds "peer", the client's address and port: one per SMTP session.
Usage: smtp_server.py PORT DIR CERT KEY USER PASSWORD [--no-starttls] [--idle-timeout SECONDS]"""
import json, signal, ssl, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port = int(sys.argv[1])
directory, cert, key, user, password = sys.argv[2:7]
starttls = "--no-starttls" not in sys.argv
# aiosmtpd drops a session idle this long with "421 Timeout" (its default: 300 s).
idle_timeout = float(sys.argv[sys.argv.index("--idle-timeout") + 1]) if "--idle-timeout" in sys.argv else 300
count = {"n": 0}
lock = threading.Lock()


class Saver:
    async def handle_DATA(self, server, session, envelope):
        with lock:
            count["n"] += 1
            n = count["n"]
        with open(f"{directory}/{n}.eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(f"{directory}/{n}.json", "w") as f:
            login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "login": login,
                       "tls": session.ssl is not None, "peer": list(session.peer)}, f)
        return "250 OK saved"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    # handled=False: aiosmtpd answers 535 itself (its default, handled=True, would answer nothing).
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


context = None
if starttls:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

controller = Controller(Saver(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=starttls,
                        authenticator=authenticate, auth_require_tls=starttls, auth_required=True,
                        server_kwargs={"timeout": idle_timeout})
controller.start()
print("ready", flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
controller.stop()
