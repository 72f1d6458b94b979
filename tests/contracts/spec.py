"""The vendored spec fragments as validators, and a recorder of what crosses the emulator's wire.

`*.openapi.json` are cut from the official specs by `vendor.py` (see README.md); the validators read
them as JSON Schema 2020-12 (OpenAPI 3.1; Twilio's 3.0 `nullable` is turned into a `null` type).
`closed=True` also refuses properties the spec does not name: what the emulator produces must be
what the provider documents, no more.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

HERE = Path(__file__).parent


@cache
def fragment(name: str) -> dict[str, Any]:
    spec = json.loads((HERE / f"{name}.openapi.json").read_text())
    if spec["openapi"].startswith("3.0"):
        spec = _nullable_to_null(spec)
    return spec


def validator(name: str, pointer: str, *, closed: bool = False) -> Draft202012Validator:
    """A validator for the schema at `pointer` (a JSON pointer into the fragment)."""
    spec = fragment(name)
    if closed:
        spec = _closed(copy.deepcopy(spec))
    return Draft202012Validator({**spec, "$ref": pointer})


def problems(name: str, pointer: str, instance: Any, *, closed: bool = False) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator(name, pointer, closed=closed).iter_errors(instance)
    ]


def operation(name: str, method: str, path: str) -> str | None:
    """The JSON pointer of the spec operation serving `method path`, or None if the spec has none."""
    for template, operations in fragment(name)["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return f"#/paths/{_escape(template)}/{method.lower()}"
    return None


def resolve(name: str, pointer: str) -> Any:
    node: Any = fragment(name)
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _closed(spec: dict) -> dict:
    """Add `unevaluatedProperties: false` to object schemas. A component that is a member of an
    `allOf` is closed where it is used on its own instead, so that its extensions stay valid."""
    schemas = spec["components"]["schemas"]
    extended = {
        m["$ref"].rsplit("/", 1)[1]
        for s in _walk(spec)
        if isinstance(s.get("allOf"), list)
        for m in s["allOf"]
        if isinstance(m, dict) and "$ref" in m
    }

    def close(node: Any, in_all_of: bool = False) -> None:
        if isinstance(node, dict):
            is_object = node.get("type") == "object" and "properties" in node
            if (is_object or "allOf" in node) and "additionalProperties" not in node and not in_all_of:
                node["unevaluatedProperties"] = False
            if "$ref" in node and node["$ref"].rsplit("/", 1)[1] in extended and not in_all_of:
                node["unevaluatedProperties"] = False
            for key, value in node.items():
                if key == "allOf":
                    for member in value:
                        close(member, in_all_of=True)
                else:
                    close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    for name, schema in schemas.items():
        close(schema, in_all_of=name in extended)
    close(spec.get("paths", {}))
    close(spec.get("webhooks", {}))
    return spec


def _walk(node: Any):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _nullable_to_null(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _nullable_to_null(v) for k, v in node.items()}
        if node.pop("nullable", False):
            if "$ref" in node:
                ref = node.pop("$ref")
                node["anyOf"] = [{"$ref": ref}, {"type": "null"}]
            elif isinstance(node.get("type"), str):
                node["type"] = [node["type"], "null"]
                if "enum" in node:
                    node["enum"] = [*node["enum"], None]
        return node
    if isinstance(node, list):
        return [_nullable_to_null(v) for v in node]
    return node


# ------------------------------------------------------------------ what crosses the wire


@dataclass
class Exchange:
    method: str
    path: str
    content_type: str
    request: bytes
    status: int = 0
    response: bytes = b""

    def request_body(self) -> Any:
        if not self.request:
            return None
        if "json" in self.content_type:
            return json.loads(self.request)
        return dict(parse_qsl(self.request.decode(), keep_blank_values=True))

    def response_body(self) -> Any:
        return json.loads(self.response) if self.response else None


@dataclass
class Recorder:
    """ASGI middleware around the emulator: every request and answer, as sent and received."""

    app: Any
    exchanges: list[Exchange] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_emulator"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        exchange = Exchange(scope["method"], scope["path"], headers.get("content-type", ""), b"")

        more = True
        while more:  # the whole body, whether or not the emulator reads it before answering
            message = await receive()
            exchange.request += message.get("body", b"")
            more = message.get("more_body", False)
        replayed = False

        async def recording_receive():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": exchange.request, "more_body": False}
            return await receive()

        async def recording_send(message):
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
            elif message["type"] == "http.response.body":
                exchange.response += message.get("body", b"")
            await send(message)

        await self.app(scope, recording_receive, recording_send)
        with self.lock:
            self.exchanges.append(exchange)

    def __getattr__(self, name: str) -> Any:  # `running()` reads the wrapped app's state
        return getattr(self.app, name)


def callback_problems(kind: str, params: dict) -> list[str]:
    """`params` against the documented parameters of one kind of Twilio callback."""
    hooks = json.loads((HERE / "twilio.webhooks.json").read_text())
    spec = Resource.from_contents({"$schema": "https://json-schema.org/draft/2020-12/schema", **fragment("twilio")})
    registry = Registry().with_resource("urn:contracts:twilio.openapi.json", spec)
    schema = json.loads(json.dumps(hooks[kind]).replace('"twilio.openapi.json#', '"urn:contracts:twilio.openapi.json#'))
    validator = Draft202012Validator(schema, registry=registry)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(params)]
