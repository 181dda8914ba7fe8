#!/usr/bin/python3
"""validate.py: pysaml2 (Debian's python3-pysaml2) as a SAML 2.0 service
provider facing fedgate's identity provider. e2e/pysaml2_test.go runs it;
by hand:

    /usr/bin/python3 validate.py request  CONFIG.json
    /usr/bin/python3 validate.py validate CONFIG.json < cases.json

Run it with /usr/bin/python3: a pyenv or venv python3 earlier on PATH does
not see Debian's packages.

CONFIG.json (every path absolute):
    {"entity_id": "...", "acs": "https://.../acs",
     "idp_metadata": "/path/FederationMetadata.xml",   fedgate's real metadata
     "xmlsec1": "/usr/bin/xmlsec1",
     "key_file": "...", "cert_file": "...",            the SP's key pair; it
                                                       signs AuthnRequests and
                                                       decrypts assertions
     "accepted_time_diff": 60}                         seconds of clock skew

request prints one JSON object on stdout:
    {"metadata": "<md:EntityDescriptor ...>",   pysaml2's own SP metadata
     "requests": [{"sig_alg": "<URI>",          one AuthnRequest per algorithm
                   "request_id": "id-...",      in SIGNING_ALGORITHMS, first
                   "url": "https://.../adfs/ls/?SAMLRequest=...&SigAlg=...&Signature=..."}]}
The requests go to the HTTP-Redirect SingleSignOnService pysaml2 found in
fedgate's metadata. RSA-SHA256 is what fedgate accepts; RSA-SHA1 is
pysaml2 7.0's own default, which fedgate refuses unless the party is
configured for it.

validate reads a JSON list of cases on stdin:
    [{"name": "...", "saml_response": "<base64>",
      "outstanding": {"<request id>": "<acs url>"}}]
Each case gets a fresh client (no replay cache is shared between cases) with
allow_unsolicited off, want_response_signed and want_assertions_signed on.
It prints one JSON list, one outcome per case, in order:
    {"name": ..., "ok": true, "name_id": ..., "name_id_format": ...,
     "issuer": ..., "in_response_to": ..., "session_index": ...,
     "attributes": {"<name>": ["<value>", ...]}}
or  {"name": ..., "ok": false, "error": "<ExceptionType>: <message>"}

Exit status: 0 = the command ran (every outcome is in the output, accepted
or not); 2 = usage, configuration or input error (message on stderr). A
rejection is never signalled by the exit status, so a crash can never pass
for one.
"""

import json
import logging
import sys

MAX_CONFIG_BYTES = 64 << 10
MAX_INPUT_BYTES = 8 << 20
MAX_CASES = 32
MAX_RESPONSE_CHARS = 1 << 20  # base64 of one SAMLResponse
SIGNING_ALGORITHMS = (
    ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256"),
    ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1"),
)
CONFIG_KEYS = {"entity_id", "acs", "idp_metadata", "xmlsec1", "key_file", "cert_file", "accepted_time_diff"}


class UsageError(Exception):
    """A problem with the arguments, the configuration or the input."""


def read_limited(stream, limit, what):
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UsageError(f"{what} is larger than {limit} bytes")
    return data


def load_config(path):
    try:
        with open(path, "rb") as f:
            cfg = json.loads(read_limited(f, MAX_CONFIG_BYTES, path))
    except (OSError, ValueError) as err:
        raise UsageError(f"config {path}: {err}") from err
    if not isinstance(cfg, dict):
        raise UsageError(f"config {path}: want a JSON object")
    missing = sorted(CONFIG_KEYS - cfg.keys())
    unknown = sorted(cfg.keys() - CONFIG_KEYS)
    if missing or unknown:
        raise UsageError(f"config {path}: missing keys {missing}, unknown keys {unknown}")
    return cfg


def client(cfg):
    """client builds a pysaml2 SP from cfg."""
    from saml2 import BINDING_HTTP_POST
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

    conf = SPConfig()
    conf.load({
        "entityid": cfg["entity_id"],
        "xmlsec_binary": cfg["xmlsec1"],
        "metadata": {"local": [cfg["idp_metadata"]]},
        "key_file": cfg["key_file"],
        "cert_file": cfg["cert_file"],
        # The same pair decrypts: the metadata then lists the certificate
        # for encryption too, and fedgate encrypts assertions to it.
        "encryption_keypairs": [{"key_file": cfg["key_file"], "cert_file": cfg["cert_file"]}],
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(cfg["acs"], BINDING_HTTP_POST)]},
            "allow_unsolicited": False,
            "authn_requests_signed": True,
            "want_response_signed": True,
            "want_assertions_signed": True,
        }},
        "accepted_time_diff": int(cfg["accepted_time_diff"]),
        # Top level: under service.sp it is ignored and every attribute is
        # dropped (test-recipes.md, recipe 5).
        "allow_unknown_attributes": True,
    })
    return conf, Saml2Client(config=conf)


def cmd_request(cfg):
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.metadata import create_metadata_string

    conf, sp = client(cfg)
    idps = list(sp.metadata.identity_providers())
    if len(idps) != 1:
        raise UsageError(f"fedgate's metadata names {len(idps)} identity providers, want 1: {idps}")
    requests = []
    for sigalg, digest in SIGNING_ALGORITHMS:
        req_id, info = sp.prepare_for_authenticate(entityid=idps[0], binding=BINDING_HTTP_REDIRECT,
                                                   sigalg=sigalg, digest_alg=digest)
        location = dict(info["headers"]).get("Location", "")
        requests.append({"sig_alg": sigalg, "request_id": req_id, "url": location})
    metadata = create_metadata_string(None, config=conf, sign=False)
    return {"metadata": metadata.decode("utf-8"), "requests": requests}


def outcome(sp, case):
    from saml2 import BINDING_HTTP_POST

    name = case["name"]
    try:
        resp = sp.parse_authn_request_response(case["saml_response"], BINDING_HTTP_POST,
                                               outstanding=case["outstanding"])
    except Exception as err:  # pysaml2 rejects with many exception types
        return {"name": name, "ok": False, "error": f"{type(err).__name__}: {err}"}
    # A Destination mismatch only logs an error and returns an empty
    # response (test-recipes.md, recipe 5).
    if resp is None or resp.assertion is None:
        return {"name": name, "ok": False, "error": "EmptyResponse: pysaml2 returned no assertion (see its log on stderr)"}
    info = resp.session_info()
    return {
        "name": name, "ok": True,
        "name_id": info["name_id"].text, "name_id_format": info["name_id"].format,
        "issuer": info["issuer"], "in_response_to": resp.in_response_to,
        "session_index": info["session_index"], "attributes": info["ava"],
    }


def cmd_validate(cfg, stdin):
    try:
        cases = json.loads(read_limited(stdin, MAX_INPUT_BYTES, "stdin"))
    except ValueError as err:
        raise UsageError(f"stdin: {err}") from err
    if not isinstance(cases, list) or not 1 <= len(cases) <= MAX_CASES:
        raise UsageError(f"stdin: want a JSON list of 1 to {MAX_CASES} cases")
    for i, c in enumerate(cases):
        ok = (isinstance(c, dict) and set(c) == {"name", "saml_response", "outstanding"}
              and isinstance(c["name"], str) and isinstance(c["saml_response"], str)
              and len(c["saml_response"]) <= MAX_RESPONSE_CHARS and isinstance(c["outstanding"], dict))
        if not ok:
            raise UsageError(f"stdin: case {i} wants exactly name, saml_response (at most "
                             f"{MAX_RESPONSE_CHARS} characters) and outstanding (an object)")
    return [outcome(client(cfg)[1], c) for c in cases]


def main(argv):
    if len(argv) != 3 or argv[1] not in ("request", "validate"):
        raise UsageError("usage: validate.py request|validate CONFIG.json")
    cfg = load_config(argv[2])
    if argv[1] == "request":
        return cmd_request(cfg)
    return cmd_validate(cfg, sys.stdin.buffer)


if __name__ == "__main__":
    # pysaml2 explains rejections in its log; stderr is shown on failure.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="pysaml2 %(levelname)s %(name)s: %(message)s")
    try:
        result = main(sys.argv)
    except UsageError as err:
        print(f"validate.py: {err}", file=sys.stderr)
        sys.exit(2)
    except Exception as err:  # a crash is exit 2 too, never a silent pass or reject
        logging.exception("validate.py: %s", err)
        sys.exit(2)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
