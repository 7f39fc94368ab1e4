"""Property tests: the engine's verdicts agree with what fastavro actually does."""

from __future__ import annotations

import io
import random

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.schema import Rule, check_compatibility, parse_schema
from tests.contracts.schema.generators import (
    MUTATIONS,
    NON_NULL_PRIMITIVES,
    PROMOTIONS,
    SchemaGenerator,
    datum_for,
    mutate,
)

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
RECORDS_PER_EXAMPLE = 5


def writer_schema(seed: int, recursive: bool):
    rng = random.Random(seed)
    gen = SchemaGenerator(rng, namespace=rng.choice([None, "com.example"]))
    return gen, gen.record(rng.randint(1, 6), depth=2, recursive=recursive)


def roundtrip(writer, reader, rng: random.Random) -> None:
    """Write generated records with ``writer`` and read them back with ``reader``."""
    parsed_writer = parse_schema(writer)
    fast_writer = fastavro.parse_schema(writer)
    fast_reader = fastavro.parse_schema(reader)
    for _ in range(RECORDS_PER_EXAMPLE):
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, fast_writer, datum_for(parsed_writer.root, rng))
        buffer.seek(0)
        fastavro.schemaless_reader(buffer, fast_writer, fast_reader)


@PROPERTY_SETTINGS
@given(
    seed=st.integers(0, 2**32),
    recursive=st.booleans(),
    mutations=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3),
)
def test_when_the_engine_says_compatible_fastavro_reads_the_old_data(seed, recursive, mutations):
    gen, old = writer_schema(seed, recursive)
    new = old
    for mutation in mutations:
        new = mutate(gen, new, mutation)
    rng = random.Random(seed)
    if check_compatibility(new, [old], "BACKWARD").is_compatible:
        roundtrip(writer=old, reader=new, rng=rng)
    if check_compatibility(new, [old], "FORWARD").is_compatible:
        roundtrip(writer=new, reader=old, rng=rng)


@PROPERTY_SETTINGS
@given(seed=st.integers(0, 2**32), recursive=st.booleans(), position=st.integers(0, 10))
def test_when_a_field_without_default_is_added_fastavro_cannot_read_the_old_data(
    seed, recursive, position
):
    gen, old = writer_schema(seed, recursive)
    new = mutate(gen, old, "identity")
    field = gen.field(1)
    field.pop("default", None)
    new["fields"].insert(position % (len(new["fields"]) + 1), field)

    result = check_compatibility(new, [old], "BACKWARD")

    assert [(i.rule, i.field) for i in result.incompatibilities] == [
        (Rule.READER_FIELD_MISSING_DEFAULT_VALUE, field["name"])
    ]
    with pytest.raises(fastavro.read.SchemaResolutionError):
        roundtrip(writer=old, reader=new, rng=random.Random(seed))


@PROPERTY_SETTINGS
@given(
    seed=st.integers(0, 2**32),
    recursive=st.booleans(),
    writer_type=st.sampled_from(NON_NULL_PRIMITIVES),
    reader_type=st.sampled_from(NON_NULL_PRIMITIVES),
)
def test_when_a_field_type_cannot_be_promoted_fastavro_cannot_read_the_old_data(
    seed, recursive, writer_type, reader_type
):
    if reader_type == writer_type or reader_type in PROMOTIONS.get(writer_type, []):
        return
    gen, old = writer_schema(seed, recursive)
    old["fields"].insert(0, {"name": "changed", "type": writer_type})
    new = mutate(gen, old, "identity")
    new["fields"][0]["type"] = reader_type

    result = check_compatibility(new, [old], "BACKWARD")

    assert [(i.rule, i.path) for i in result.incompatibilities] == [
        (Rule.TYPE_MISMATCH, "/fields/0/type")
    ]
    with pytest.raises(fastavro.read.SchemaResolutionError):
        roundtrip(writer=old, reader=new, rng=random.Random(seed))
