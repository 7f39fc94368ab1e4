"""Fingerprints are stored in the registry's database: they must never change.

The expected values were computed with the engine before its parser was
optimized; any change to parsing, normalization or hashing that moves one of
them would silently duplicate every stored schema.
"""

# ruff: noqa: E501 - the schema texts are kept verbatim, exactly as they were hashed

from __future__ import annotations

import hashlib
import json
import random

import pytest

from contracts.schema import parse_schema
from tests.benchmarks.bench_schema_engine import build_schema
from tests.contracts.schema.generators import SchemaGenerator

SCHEMAS = {
    "primitive": '"string"',
    "logical primitive": '{"type": "long", "logicalType": "timestamp-millis"}',
    "flat record": '{"type": "record", "name": "R", "namespace": "shop", "fields": [{"name": "id", "type": "long", "doc": "the id"}]}',
    "formatted record": '{\n  "fields": [ {"type": {"type": "long"}, "name": "id", "doc": "the id"} ],\n  "name": "shop.R",\n  "type": "record"\n}',
    "everything": r"""{
        "type": "record", "name": "Order", "namespace": "com.example.shop",
        "doc": "An order \u00e9\u540d", "aliases": ["OldOrder", "legacy.Order"], "owner": "team-a",
        "fields": [
            {"name": "id", "type": "long", "order": "descending"},
            {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"], "default": "NEW", "doc": "s"}, "default": "PAID"},
            {"name": "again", "type": "Status", "aliases": ["prior"]},
            {"name": "hash", "type": {"type": "fixed", "name": "Hash", "namespace": "com.example.crypto", "size": 4}, "default": "\u0000\u00ff\u0001\u0002"},
            {"name": "hash2", "type": ["null", "com.example.crypto.Hash"], "default": null},
            {"name": "when", "type": {"type": "long", "logicalType": "timestamp-millis", "custom": 1}},
            {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
            {"name": "tags", "type": {"type": "array", "items": "string"}, "default": ["a", "b"]},
            {"name": "attrs", "type": {"type": "map", "values": ["null", "double"]}, "default": {"k": null}},
            {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "aliases": ["Row"], "fields": [
                {"name": "sku", "type": "string", "default": "x\u00e9"},
                {"name": "qty", "type": "int", "default": 1},
                {"name": "parent", "type": ["null", "Order"], "default": null}
            ]}}},
            {"name": "first", "type": ["null", "Line"], "default": null},
            {"name": "rec_default", "type": {"type": "record", "name": "P", "namespace": "", "fields": [{"name": "x", "type": "float"}]}, "default": {"x": 1.5}},
            {"name": "mixed", "type": ["int", "string", "Status", {"type": "map", "values": "int"}], "default": 3}
        ]
    }""",
    "recursive list": '{"type": "record", "name": "Node", "fields": [{"name": "value", "type": "int"}, {"name": "next", "type": ["null", "Node"], "default": null}]}',
    "error type": '{"type": "error", "name": "Oops", "fields": [{"name": "message", "type": "string"}]}',
    "top-level union": '["null", "int", {"type": "record", "name": "U", "fields": []}, {"type": "enum", "name": "E", "symbols": ["A"]}]',
}

KNOWN_FINGERPRINTS = {
    "primitive": "e9e5c1c9e4f6277339d1bcde0733a59bd42f8731f449da6dc13010a916930d48",
    "logical primitive": "82134c1f39b4413f8b051356fc014e41f1a235a6738bed53285e932f9d0260b0",
    "flat record": "da7bc6c9cc6c7e4398bc36e023f2e8f9009d9e56c180501ccfde633a531a520d",
    "formatted record": "da7bc6c9cc6c7e4398bc36e023f2e8f9009d9e56c180501ccfde633a531a520d",
    "everything": "1caec7c294f384deed404fa94efc1f340944184064e99e015eb3eeff177d016b",
    "recursive list": "226d0fdae24528e341a3d753aef40209d07e4d512f45ae30793d2d87c0e61745",
    "error type": "1ce2cbe63a3464b185964f80aa4f249eef37eec5750fa45856e8aac2a07c4b84",
    "top-level union": "41a5476ce2d45a2b472405000d6379a592636c8b1df65841ea35e2c89aa836e8",
}

BENCHMARK_FINGERPRINTS = {
    10: "e5bfd9271a2447d741319ce950f02fbc3cdb0c62df775bf5371c378ea9771f1d",
    50: "99d950d67c5bd2f0e94fb616917efb0419c94657d0ccda6e61253a5f326f8823",
    200: "0137583f5bfc2e84e87c9527daece82df2a5fb413caa6414cc90dd5a16a83044",
}

CORPUS_DIGEST = "c323ec8776beeb6e2b3d09a8b34e3ec8d7e995e168ea445f4079b0e911e16acd"


@pytest.mark.parametrize("label", sorted(SCHEMAS))
def test_known_fingerprints_do_not_change(label):
    text = SCHEMAS[label]
    assert parse_schema(text).fingerprint == KNOWN_FINGERPRINTS[label]
    value = json.loads(text)
    if isinstance(value, dict | list):  # a JSON string is taken as schema text
        assert parse_schema(value).fingerprint == KNOWN_FINGERPRINTS[label]
    assert parse_schema(text.encode("utf-8")).fingerprint == KNOWN_FINGERPRINTS[label]


@pytest.mark.parametrize("count", sorted(BENCHMARK_FINGERPRINTS))
def test_the_benchmark_schemas_keep_their_fingerprints(count):
    schema = build_schema(count)
    assert parse_schema(json.dumps(schema)).fingerprint == BENCHMARK_FINGERPRINTS[count]
    assert parse_schema(schema).fingerprint == BENCHMARK_FINGERPRINTS[count]


def corpus_digest() -> str:
    """SHA-256 over the fingerprints and canonical forms of 400 generated schemas."""
    rng = random.Random(20250101)
    digest = hashlib.sha256()
    for _ in range(400):
        gen = SchemaGenerator(rng, namespace=rng.choice([None, "com.example"]))
        schema = gen.record(rng.randint(1, 8), depth=3, recursive=rng.random() < 0.2)
        parsed = parse_schema(json.dumps(schema))
        digest.update(f"{parsed.fingerprint} {parsed.canonical}\n".encode())
    return digest.hexdigest()


def test_generated_schemas_keep_their_fingerprints_and_canonical_forms():
    assert corpus_digest() == CORPUS_DIGEST
