"""A stand-in LTI 1.3 platform (what Canvas or Moodle is to the hub), on loopback, for the hub tests.

It does the platform's two parts of an LTI 1.3 launch and nothing else:

* ``GET /jwks`` — its public key set, which the hub fetches to verify the ID token's signature;
* ``GET /authorize`` — the OIDC authorization step: the hub sends the browser
  here with a nonce, a state and its redirect URL; the platform answers with
  a page that POSTs a signed ID token (RS256) for the user named by
  ``login_hint`` back to the hub, as a real LMS does.

Users are given on the command line as ``HINT=EMAIL:ROLE`` (ROLE a LIS
context role such as ``Learner`` or ``Instructor``).  Run with the hub's
environment's Python (it has PyJWT and cryptography, LTI's own libraries)::

    python fake_lms.py --port 18300 --client-id test-client --user ada=ada@school.example:Learner
"""
from __future__ import annotations

import argparse
import html
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
KID = "nncourse-fake-lms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--user", action="append", default=[], help="HINT=EMAIL:ROLE")
    parser.add_argument("--forge", action="append", default=[],
                        help="HINT whose tokens are signed with a key the platform never published (an impostor)")
    args = parser.parse_args()
    issuer = f"http://127.0.0.1:{args.port}"
    users = {}
    for spec in args.user:
        hint, rest = spec.split("=", 1)
        email, role = rest.rsplit(":", 1)
        users[hint] = (email, role)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=KID, alg="RS256", use="sig")
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    class Platform(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            url = urlparse(self.path)
            if url.path == "/jwks":
                return self._send(200, "application/json", json.dumps({"keys": [jwk]}))
            if url.path == "/authorize":
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if q.get("client_id") != args.client_id or q.get("login_hint") not in users:
                    return self._send(400, "text/plain", f"unknown client or user: {q}")
                email, role = users[q["login_hint"]]
                now = int(time.time())
                claims = {
                    "iss": issuer, "aud": args.client_id, "azp": args.client_id, "sub": q["login_hint"],
                    "email": email, "iat": now, "exp": now + 300, "nonce": q["nonce"],
                    LTI + "version": "1.3.0", LTI + "deployment_id": "1",
                    LTI + "message_type": "LtiResourceLinkRequest",
                    LTI + "target_link_uri": q["redirect_uri"], LTI + "resource_link": {"id": "nn-course-link"},
                    LTI + "roles": [LIS + role],
                    LTI + "context": {"id": "nn101", "label": "NN101", "title": "Neural networks from scratch"},
                }
                signer = impostor if q["login_hint"] in args.forge else key
                token = jwt.encode(claims, signer, algorithm="RS256", headers={"kid": KID})
                page = (f'<html><body><form id="launch" method="post" action="{html.escape(q["redirect_uri"])}">'
                        f'<input type="hidden" name="id_token" value="{token}">'
                        f'<input type="hidden" name="state" value="{html.escape(q["state"])}">'
                        '</form><script>document.getElementById("launch").submit()</script></body></html>')
                return self._send(200, "text/html", page)
            return self._send(404, "text/plain", "not found")

        def _send(self, status: int, kind: str, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):  # quiet
            pass

    ThreadingHTTPServer(("127.0.0.1", args.port), Platform).serve_forever()


if __name__ == "__main__":
    main()
