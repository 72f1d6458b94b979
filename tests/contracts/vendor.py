"""Cut the fragments of the providers' official OpenAPI specs that we use into this folder.

    python tests/contracts/vendor.py <resend-openapi git dir> <twilio-oai git dir>

Each fragment keeps the operations we call, the webhook events we receive and every component
schema they reference, unchanged, plus `x-source` naming the repository, commit and path it was cut
from. Re-run it to move to a newer spec; the contract tests then say what drifted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

RESEND = {
    "repo": "resend/resend-openapi",
    "path": "resend.json",
    "operations": {
        "/emails": ["post"],
        "/emails/batch": ["post"],
        "/emails/{email_id}": ["get"],
        "/emails/receiving/{email_id}": ["get"],
        "/segments": ["get", "post"],
        "/segments/{id}": ["get", "delete"],
        "/contacts": ["post"],
        "/contacts/{id}": ["get", "patch", "delete"],
        "/contacts/{contact_id}/segments/{segment_id}": ["post", "delete"],
    },
    "webhooks": [
        "email.sent",
        "email.delivered",
        "email.delivery_delayed",
        "email.bounced",
        "email.complained",
        "email.opened",
        "email.clicked",
        "email.failed",
        "email.suppressed",
        "email.received",
    ],
}
TWILIO = {
    "repo": "twilio/twilio-oai",
    "path": "spec/json/twilio_api_v2010.json",
    "operations": {
        "/2010-04-01/Accounts/{AccountSid}/Messages.json": ["get", "post"],
        "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json": ["get"],
        "/2010-04-01/Accounts/{Sid}.json": ["get"],
    },
    "webhooks": [],
}


def cut(git_dir: str, source: dict) -> dict:
    commit = subprocess.check_output(["git", "--git-dir", git_dir, "rev-parse", "HEAD"], text=True).strip()
    spec = json.loads(subprocess.check_output(["git", "--git-dir", git_dir, "show", f"HEAD:{source['path']}"]))
    paths = {p: {m: spec["paths"][p][m] for m in methods} for p, methods in source["operations"].items()}
    webhooks = {w: spec["webhooks"][w] for w in source["webhooks"]}
    schemas = spec["components"]["schemas"]
    needed: set[str] = set()
    todo = [paths, webhooks]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in needed:
                    needed.add(name)
                    todo.append(schemas[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    fragment = {
        "x-source": {
            "repo": source["repo"],
            "commit": commit,
            "path": source["path"],
            "url": f"https://github.com/{source['repo']}/blob/{commit}/{source['path']}",
        },
        "openapi": spec["openapi"],
        "paths": paths,
        "components": {"schemas": {n: schemas[n] for n in sorted(needed)}},
    }
    if webhooks:
        fragment["webhooks"] = webhooks
    return fragment


def main(resend_git: str, twilio_git: str) -> None:
    for name, git_dir, source in (("resend", resend_git, RESEND), ("twilio", twilio_git, TWILIO)):
        (HERE / f"{name}.openapi.json").write_text(json.dumps(cut(git_dir, source), indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
