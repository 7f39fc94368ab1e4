"""Differential test: our verdicts against Apache Avro's own Python checker.

Apache Avro's ``avro.compatibility`` (a port of the Java ``SchemaCompatibility``)
has quirks; the corpus avoids the classes of schema where it departs from the
specification rather than papering over differences:

- Aliases of named types are compared as written, not resolved against the
  namespace (``writer.fullname in aliases``), so an unqualified alias in a
  namespaced record never matches there although the specification qualifies
  it. The generator writes named-type aliases fully qualified.
- A reader field without default, missing in the writer, whose type is an enum
  with a default is compared as "enum vs the writer record" instead of being
  reported as a missing default. The verdict (incompatible) is the same, only
  the rule differs, so such pairs stay in the corpus; only verdicts are compared.
"""

from __future__ import annotations

import json
import random
from typing import Any

from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from avro.schema import parse as avro_parse

from contracts.schema import check_compatibility, parse_schema
from tests.contracts.schema.generators import MUTATIONS, SchemaGenerator, mutate

PAIRS = 1_200


def corpus(seed: int, size: int):
    rng = random.Random(seed)
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    while len(pairs) < size:
        gen = SchemaGenerator(rng, namespace=rng.choice([None, "com.example"]))
        writer = gen.record(rng.randint(2, 8), depth=2, recursive=rng.random() < 0.15)
        reader = mutate(gen, writer, rng.choice(MUTATIONS))
        if rng.random() < 0.3:
            reader = mutate(gen, reader, rng.choice(MUTATIONS))
        pairs.append((reader, writer))
        pairs.append((writer, reader))
    return pairs


def avro_verdict(reader, writer) -> bool:
    result = ReaderWriterCompatibilityChecker().get_compatibility(
        avro_parse(json.dumps(reader)), avro_parse(json.dumps(writer))
    )
    return result.compatibility is SchemaCompatibilityType.compatible


def test_our_verdicts_match_apache_avros_checker_on_a_generated_corpus():
    pairs = corpus(seed=20240611, size=PAIRS)
    disagreements = []
    compatible = 0
    for reader, writer in pairs:
        ours = check_compatibility(parse_schema(reader), [parse_schema(writer)]).is_compatible
        # From text, each side is parsed with the other as reference.
        from_text = check_compatibility(json.dumps(reader), [json.dumps(writer)])
        assert from_text.is_compatible == ours
        compatible += ours
        if ours != avro_verdict(reader, writer):
            disagreements.append((ours, json.dumps(reader), json.dumps(writer)))
    assert disagreements == []
    # The corpus must exercise both verdicts in earnest.
    assert 0.2 * len(pairs) < compatible < 0.8 * len(pairs)
