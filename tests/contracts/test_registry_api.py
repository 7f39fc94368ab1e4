"""The Confluent-compatible registry API: shapes, status codes and error codes."""

from __future__ import annotations

import json

import pytest

from catalog.models import AuditEvent, Topic
from contracts.models import Schema, SchemaVersion, Subject
from tests.contracts.conftest import V1, RegistryClient, renamed, with_fields

SUBJECT = "orders.created-value"
LOYALTY = {"name": "loyalty_tier", "type": ["null", "string"], "default": None}


@pytest.fixture
def v1(reg_alice, orders_created):
    response = reg_alice.register(SUBJECT, V1)
    assert response.status_code == 200
    return response.json_body["id"]


def test_root_and_types(reg_charlie):
    assert reg_charlie.get("").json_body == {}
    assert reg_charlie.get("schemas/types").json_body == ["AVRO"]


def test_responses_use_confluents_content_type(reg_charlie, v1):
    response = reg_charlie.get(f"schemas/ids/{v1}")
    assert response["Content-Type"] == "application/vnd.schemaregistry.v1+json"


def test_register_returns_the_id_and_a_new_version_and_audits_it(reg_alice, orders_created):
    first = reg_alice.register(SUBJECT, V1)
    second = reg_alice.register(SUBJECT, with_fields(V1, LOYALTY))
    assert first.json_body["version"] == 1 and second.json_body["version"] == 2
    assert second.json_body["id"] != first.json_body["id"]
    events = list(AuditEvent.objects.filter(verb="schema_version.registered").order_by("id"))
    assert [e.after["version"] for e in events] == [1, 2]
    assert all(e.topic == orders_created and e.actor_label == "alice" for e in events)


def test_registering_the_same_schema_again_is_idempotent(reg_alice, v1):
    # Whitespace and key order do not make a different schema.
    again = reg_alice.register(SUBJECT, json.dumps(V1, indent=4))
    assert again.json_body == {"id": v1, "version": 1}
    assert SchemaVersion.objects.count() == 1
    assert AuditEvent.objects.filter(verb="schema_version.registered").count() == 1


def test_the_same_schema_gets_the_same_id_in_every_subject(reg_alice, reg_charlie, v1):
    other = reg_charlie.register("analytics.copy.created-value", V1)
    assert other.json_body["id"] == v1
    assert Schema.objects.count() == 1
    assert reg_charlie.get(f"schemas/ids/{v1}/subjects").json_body == [
        "analytics.copy.created-value",
        SUBJECT,
    ]
    assert reg_charlie.get(f"schemas/ids/{v1}/versions").json_body == [
        {"subject": "analytics.copy.created-value", "version": 1},
        {"subject": SUBJECT, "version": 1},
    ]


def test_get_by_id_and_raw_schema(reg_charlie, v1):
    body = reg_charlie.get(f"schemas/ids/{v1}").json_body
    assert json.loads(body["schema"]) == V1
    raw = reg_charlie.get(f"schemas/ids/{v1}/schema")
    assert json.loads(raw.content) == V1


def test_versions_and_version_lookups(reg_alice, v1):
    reg_alice.register(SUBJECT, with_fields(V1, LOYALTY))
    assert reg_alice.get(f"subjects/{SUBJECT}/versions").json_body == [1, 2]
    for spec in ("2", "latest", "-1"):
        body = reg_alice.get(f"subjects/{SUBJECT}/versions/{spec}").json_body
        assert (body["subject"], body["version"]) == (SUBJECT, 2)
    one = reg_alice.get(f"subjects/{SUBJECT}/versions/1/schema")
    assert json.loads(one.content) == V1
    assert reg_alice.get(f"subjects/{SUBJECT}/versions/1/referencedby").json_body == []


def test_subjects_listing_with_prefix(reg_alice, reg_charlie, v1):
    reg_charlie.register("payments.payment.captured-value", {"type": "string"})
    assert reg_charlie.get("subjects").json_body == [SUBJECT, "payments.payment.captured-value"]
    assert reg_charlie.get("subjects", subjectPrefix="payments").json_body == [
        "payments.payment.captured-value"
    ]


def test_lookup_finds_the_version_holding_a_schema(reg_charlie, v1):
    found = reg_charlie.post(f"subjects/{SUBJECT}", {"schema": json.dumps(V1)})
    assert found.status_code == 200
    assert (found.json_body["id"], found.json_body["version"]) == (v1, 1)
    missing = reg_charlie.post(f"subjects/{SUBJECT}", {"schema": '{"type":"int"}'})
    assert (missing.status_code, missing.json_body["error_code"]) == (404, 40403)
    unknown = reg_charlie.post("subjects/nope-value", {"schema": '{"type":"int"}'})
    assert (unknown.status_code, unknown.json_body["error_code"]) == (404, 40401)


class TestTheGate:
    def test_the_seed_story_rename_is_refused_naming_rule_field_and_consumers(
        self, reg_alice, v1, orders_created
    ):
        from tests.factories import ConsumerFactory, TeamFactory

        for team, fields in (
            ("analytics", ["order_id", "customer_id"]),
            ("reporting", ["amount_cents", "customer_id"]),
            ("billing", ["customer_id", "amount_cents", "discount_code"]),
        ):
            ConsumerFactory(
                topic=orders_created,
                team=TeamFactory(slug=team),
                name=f"{team}-reader",
                group_id=f"{team}.reader",
                fields=fields,
            )
        ConsumerFactory(
            topic=orders_created,
            team=TeamFactory(slug="shipping"),
            group_id="shipping.x",
            fields=["order_id"],
        )
        response = reg_alice.register(SUBJECT, renamed(V1, "customer_id", "customerId"))
        assert response.status_code == 409
        body = response.json_body
        assert body["error_code"] == 409
        message = body["message"]
        assert message.startswith(
            "Schema being registered is incompatible with an earlier schema for subject "
            '"orders.created-value"'
        )
        assert "READER_FIELD_MISSING_DEFAULT_VALUE" in message
        assert "customerId" in message
        for team in ("analytics", "reporting", "billing"):
            assert f"{team}/{team}-reader (group {team}.reader)" in message
        assert "shipping" not in message  # it does not read customer_id
        assert "http://127.0.0.1:8000/topics/orders.created/" in message
        assert SchemaVersion.objects.count() == 1

    def test_an_optional_field_with_a_default_is_accepted(self, reg_alice, v1):
        response = reg_alice.register(SUBJECT, with_fields(V1, LOYALTY))
        assert response.status_code == 200
        assert response.json_body["version"] == 2

    def test_the_subject_level_decides(self, reg_alice, v1):
        assert reg_alice.put(f"config/{SUBJECT}", {"compatibility": "NONE"}).status_code == 200
        response = reg_alice.register(SUBJECT, renamed(V1, "customer_id", "customerId"))
        assert response.status_code == 200

    def test_transitive_levels_compare_with_every_live_version(self, reg_alice, v1):
        reg_alice.put(f"config/{SUBJECT}", {"compatibility": "BACKWARD_TRANSITIVE"})
        # v2 drops a field (fine backward); v3 re-adds it without a default: v1 data lacks... no,
        # v1 had it: so v3 reading v2 data fails (missing), caught only against v2.
        assert reg_alice.register(SUBJECT, with_fields(V1, drop=("currency",))).status_code == 200
        back = with_fields(V1, drop=("currency",))
        back["fields"].append({"name": "currency", "type": "string"})
        response = reg_alice.register(SUBJECT, back)
        assert response.status_code == 409
        assert "version 2" in response.json_body["message"]

    def test_soft_deleted_versions_are_left_out_of_checks(self, reg_alice, v1):
        reg_alice.delete(f"subjects/{SUBJECT}/versions/1")
        response = reg_alice.register(SUBJECT, renamed(V1, "customer_id", "customerId"))
        assert response.status_code == 200
        assert response.json_body["version"] == 2


class TestCompatibilityEndpoint:
    def test_against_latest_and_verbose_messages(self, reg_charlie, v1):
        bad = {"schema": json.dumps(renamed(V1, "customer_id", "customerId"))}
        plain = reg_charlie.post(f"compatibility/subjects/{SUBJECT}/versions/latest", bad)
        assert plain.json_body == {"is_compatible": False}
        verbose = reg_charlie.post(
            f"compatibility/subjects/{SUBJECT}/versions/latest", bad, verbose="true"
        )
        assert verbose.json_body["is_compatible"] is False
        assert any("READER_FIELD_MISSING_DEFAULT_VALUE" in m for m in verbose.json_body["messages"])
        good = {"schema": json.dumps(with_fields(V1, LOYALTY))}
        assert reg_charlie.post(f"compatibility/subjects/{SUBJECT}/versions", good).json_body == {
            "is_compatible": True
        }

    def test_a_dry_run_writes_nothing(self, reg_charlie, v1):
        reg_charlie.post(
            f"compatibility/subjects/{SUBJECT}/versions",
            {"schema": json.dumps(with_fields(V1, LOYALTY))},
        )
        assert SchemaVersion.objects.count() == 1

    def test_unknown_version_and_subject(self, reg_charlie, v1):
        body = {"schema": json.dumps(V1)}
        assert (
            reg_charlie.post(f"compatibility/subjects/{SUBJECT}/versions/7", body).json_body[
                "error_code"
            ]
            == 40402
        )
        assert (
            reg_charlie.post("compatibility/subjects/nope-value/versions/1", body).json_body[
                "error_code"
            ]
            == 40401
        )


class TestDeletion:
    def test_soft_then_permanent_version_delete(self, reg_alice, v1):
        reg_alice.register(SUBJECT, with_fields(V1, LOYALTY))
        hard_first = reg_alice.delete(f"subjects/{SUBJECT}/versions/1", permanent="true")
        assert (hard_first.status_code, hard_first.json_body["error_code"]) == (404, 40407)
        assert reg_alice.delete(f"subjects/{SUBJECT}/versions/1").json_body == 1
        again = reg_alice.delete(f"subjects/{SUBJECT}/versions/1")
        assert again.json_body["error_code"] == 40406
        assert reg_alice.get(f"subjects/{SUBJECT}/versions").json_body == [2]
        assert reg_alice.get(f"subjects/{SUBJECT}/versions", deleted="true").json_body == [1, 2]
        assert reg_alice.get(f"subjects/{SUBJECT}/versions/1").json_body["error_code"] == 40402
        assert reg_alice.get(f"subjects/{SUBJECT}/versions/1", deleted="true").status_code == 200
        assert reg_alice.delete(f"subjects/{SUBJECT}/versions/1", permanent="true").json_body == 1
        assert reg_alice.get(f"subjects/{SUBJECT}/versions", deleted="true").json_body == [2]
        # The id stays resolvable: events written with it must stay readable.
        assert reg_alice.get(f"schemas/ids/{v1}").status_code == 200

    def test_soft_then_permanent_subject_delete(self, reg_alice, v1):
        hard_first = reg_alice.delete(f"subjects/{SUBJECT}", permanent="true")
        assert hard_first.json_body["error_code"] == 40405
        assert reg_alice.delete(f"subjects/{SUBJECT}").json_body == [1]
        assert reg_alice.delete(f"subjects/{SUBJECT}").json_body["error_code"] == 40404
        assert reg_alice.get("subjects").json_body == []
        assert reg_alice.get("subjects", deleted="true").json_body == [SUBJECT]
        assert reg_alice.get(f"subjects/{SUBJECT}/versions").json_body["error_code"] == 40401
        assert reg_alice.delete(f"subjects/{SUBJECT}", permanent="true").json_body == [1]
        assert reg_alice.get("subjects", deleted="true").json_body == []
        verbs = list(AuditEvent.objects.values_list("verb", flat=True))
        assert "subject.deleted" in verbs and "subject.deleted_permanently" in verbs

    def test_deleting_an_unknown_subject(self, reg_alice, db):
        assert reg_alice.delete("subjects/nope-value").json_body["error_code"] == 40401


class TestConfigAndMode:
    def test_global_config_defaults_to_backward_and_only_platform_changes_it(
        self, reg_alice, reg_pat
    ):
        assert reg_alice.get("config").json_body == {"compatibilityLevel": "BACKWARD"}
        refused = reg_alice.put("config", {"compatibility": "FULL"})
        assert (refused.status_code, refused.json_body["error_code"]) == (403, 40301)
        assert reg_pat.put("config", {"compatibility": "full"}).json_body == {
            "compatibility": "FULL"
        }
        assert reg_alice.get("config").json_body == {"compatibilityLevel": "FULL"}
        assert reg_pat.delete("config").json_body == {"compatibilityLevel": "FULL"}
        assert reg_alice.get("config").json_body == {"compatibilityLevel": "BACKWARD"}

    def test_subject_config_and_default_to_global(self, reg_alice, v1):
        missing = reg_alice.get(f"config/{SUBJECT}")
        assert (missing.status_code, missing.json_body["error_code"]) == (404, 40408)
        assert reg_alice.get(f"config/{SUBJECT}", defaultToGlobal="true").json_body == {
            "compatibilityLevel": "BACKWARD"
        }
        reg_alice.put(f"config/{SUBJECT}", {"compatibility": "FORWARD_TRANSITIVE"})
        assert reg_alice.get(f"config/{SUBJECT}").json_body == {
            "compatibilityLevel": "FORWARD_TRANSITIVE"
        }
        assert reg_alice.delete(f"config/{SUBJECT}").json_body == {
            "compatibilityLevel": "FORWARD_TRANSITIVE"
        }
        assert Subject.objects.get(name=SUBJECT).compatibility == ""

    def test_readonly_mode_refuses_writes(self, reg_alice, reg_pat, v1):
        assert reg_pat.put("mode", {"mode": "READONLY"}).json_body == {"mode": "READONLY"}
        refused = reg_alice.register(SUBJECT, with_fields(V1, LOYALTY))
        assert (refused.status_code, refused.json_body["error_code"]) == (422, 42205)
        assert reg_alice.delete(f"subjects/{SUBJECT}").json_body["error_code"] == 42205
        assert reg_alice.get(f"subjects/{SUBJECT}/versions").json_body == [1]
        reg_pat.put("mode", {"mode": "READWRITE"})
        assert reg_alice.register(SUBJECT, with_fields(V1, LOYALTY)).status_code == 200

    def test_subject_mode(self, reg_alice, v1):
        assert reg_alice.get(f"mode/{SUBJECT}").json_body == {"mode": "READWRITE"}
        reg_alice.put(f"mode/{SUBJECT}", {"mode": "READONLY"})
        assert reg_alice.get(f"mode/{SUBJECT}").json_body == {"mode": "READONLY"}
        assert (
            reg_alice.register(SUBJECT, with_fields(V1, LOYALTY)).json_body["error_code"] == 42205
        )


class TestSubjectsAndTopics:
    def test_a_subject_of_an_unknown_topic_creates_it_unowned(self, reg_charlie, db):
        response = reg_charlie.register("shipping.parcel.sent-value", {"type": "string"})
        assert response.status_code == 200
        topic = Topic.objects.get(name="shipping.parcel.sent")
        assert topic.owner is None and topic.status == Topic.Status.PROPOSED
        assert Subject.objects.get().topic == topic
        assert AuditEvent.objects.filter(verb="topic.created_by_registry", topic=topic).exists()

    def test_with_the_setting_unknown_topics_are_refused_and_nothing_is_written(
        self, reg_charlie, settings, db
    ):
        settings.REGISTRY_REQUIRE_CATALOGED_TOPICS = True
        response = reg_charlie.register("shipping.parcel.sent-value", {"type": "string"})
        assert (response.status_code, response.json_body["error_code"]) == (422, 42208)
        assert "not in the catalog" in response.json_body["message"]
        assert not Topic.objects.exists() and not Subject.objects.exists()

    def test_key_subjects_map_to_the_topic_too(self, reg_alice, orders_created):
        reg_alice.register("orders.created-key", {"type": "string"})
        subject = Subject.objects.get(name="orders.created-key")
        assert (subject.topic, subject.role) == (orders_created, "key")


class TestPermissions:
    def test_outsiders_cannot_change_an_owned_subject(self, reg_charlie, v1):
        for response in (
            reg_charlie.register(SUBJECT, with_fields(V1, LOYALTY)),
            reg_charlie.delete(f"subjects/{SUBJECT}"),
            reg_charlie.delete(f"subjects/{SUBJECT}/versions/1"),
            reg_charlie.put(f"config/{SUBJECT}", {"compatibility": "NONE"}),
            reg_charlie.put(f"mode/{SUBJECT}", {"mode": "READONLY"}),
        ):
            assert (response.status_code, response.json_body["error_code"]) == (403, 40301)
            assert "owned by team orders" in response.json_body["message"]
        assert SchemaVersion.objects.filter(deleted=False).count() == 1
        assert Subject.objects.get().compatibility == ""

    def test_teammates_and_the_platform_lead_may_write(self, reg_bob, reg_pat, v1):
        assert reg_bob.register(SUBJECT, with_fields(V1, LOYALTY)).status_code == 200
        assert reg_pat.put(f"config/{SUBJECT}", {"compatibility": "FULL"}).status_code == 200

    def test_outsiders_may_read(self, reg_charlie, v1):
        assert reg_charlie.get(f"subjects/{SUBJECT}/versions/latest").status_code == 200

    def test_reads_need_credentials_unless_allowed(self, v1, settings):
        anonymous = RegistryClient()
        response = anonymous.get(f"schemas/ids/{v1}")
        assert (response.status_code, response.json_body["error_code"]) == (401, 401)
        assert response["WWW-Authenticate"].startswith("Basic")
        settings.REGISTRY_ALLOW_ANONYMOUS_READS = True
        assert anonymous.get(f"subjects/{SUBJECT}/versions").status_code == 200
        assert anonymous.register(SUBJECT, with_fields(V1, LOYALTY)).status_code == 401

    def test_wrong_passwords_are_refused(self, alice, v1):
        response = RegistryClient("alice", password="wrong").get("subjects")
        assert response.status_code == 401

    def test_read_only_tokens_read_but_cannot_write(self, alice, v1):
        from catalog.tokens import api_token_create

        _, read = api_token_create(user=alice, name="ci", scope="read")
        _, write = api_token_create(user=alice, name="deploy", scope="write")
        reader = RegistryClient(token=read)
        assert reader.get("subjects").json_body == [SUBJECT]
        refused = reader.register(SUBJECT, with_fields(V1, LOYALTY))
        assert (refused.status_code, refused.json_body["error_code"]) == (403, 40301)
        assert (
            RegistryClient(token=write).register(SUBJECT, with_fields(V1, LOYALTY)).status_code
            == 200
        )
        # Confluent clients only speak Basic: a token works as the password.
        basic = RegistryClient("alice", password=write)
        assert basic.get("subjects").status_code == 200

    def test_revoked_and_expired_tokens_are_refused(self, alice, v1):
        import datetime

        from django.utils import timezone

        from catalog.models import ApiToken
        from catalog.tokens import api_token_create, api_token_revoke

        token, plaintext = api_token_create(user=alice, name="old", scope="write")
        assert RegistryClient(token=plaintext).get("subjects").status_code == 200
        api_token_revoke(user=alice, token=token)
        assert RegistryClient(token=plaintext).get("subjects").status_code == 401
        expiring, secret = api_token_create(
            user=alice, name="short", expires_at=timezone.now() + datetime.timedelta(hours=1)
        )
        ApiToken.objects.filter(pk=expiring.pk).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        assert RegistryClient(token=secret).get("subjects").status_code == 401


class TestBadInput:
    @pytest.mark.parametrize(
        "raw, status, code",
        [
            (b"not json", 400, 400),
            (b"[1, 2]", 400, 400),
            (b"{}", 422, 42201),
            (b'{"schema": ""}', 422, 42201),
            (b'{"schema": "{not json"}', 422, 42201),
            (b'{"schema": "{\\"type\\": \\"record\\", \\"name\\": \\"X\\"}"}', 422, 42201),
            (b'{"schema": "\\"int\\"", "schemaType": "THRIFT"}', 422, 42201),
            (b'{"schema": "\\"int\\"", "schemaType": "PROTOBUF"}', 422, 42201),
            (b'{"schema": 42}', 422, 42201),
        ],
    )
    def test_bad_bodies_get_confluent_codes_and_write_nothing(
        self, reg_alice, orders_created, raw, status, code
    ):
        response = reg_alice.post(f"subjects/{SUBJECT}/versions", raw=raw)
        assert (response.status_code, response.json_body["error_code"]) == (status, code)
        assert response.json_body["message"]
        assert not SchemaVersion.objects.exists() and not Subject.objects.exists()

    @pytest.mark.parametrize("version", ["0", "-2", "abc", "2147483648", "01", "1.5"])
    def test_invalid_versions(self, reg_alice, v1, version):
        response = reg_alice.get(f"subjects/{SUBJECT}/versions/{version}")
        assert (response.status_code, response.json_body["error_code"]) == (422, 42202)

    def test_version_that_does_not_exist(self, reg_alice, v1):
        assert (
            reg_alice.get(f"subjects/{SUBJECT}/versions/2147483647").json_body["error_code"]
            == 40402
        )

    @pytest.mark.parametrize("schema_id", ["999999", "abc", "-1"])
    def test_unknown_ids(self, reg_alice, v1, schema_id):
        response = reg_alice.get(f"schemas/ids/{schema_id}")
        assert (response.status_code, response.json_body["error_code"]) == (404, 40403)

    def test_invalid_levels_and_modes(self, reg_pat, v1):
        assert reg_pat.put("config", {"compatibility": "SIDEWAYS"}).json_body["error_code"] == 42203
        assert reg_pat.put("config", {}).json_body["error_code"] == 42203
        assert reg_pat.put("mode", {"mode": "IMPORTISH"}).json_body["error_code"] == 42204
        assert reg_pat.get("config").json_body == {"compatibilityLevel": "BACKWARD"}

    def test_a_body_over_the_limit_is_refused(self, reg_alice, orders_created, settings):
        settings.REGISTRY_MAX_BODY_BYTES = 10_000
        response = reg_alice.post(f"subjects/{SUBJECT}/versions", {"schema": "x" * 20_000})
        assert (response.status_code, response.json_body["error_code"]) == (413, 413)
        assert not Subject.objects.exists()

    def test_a_schema_over_the_limit_is_refused(self, reg_alice, orders_created, settings):
        settings.REGISTRY_MAX_SCHEMA_BYTES = 1_000
        big = with_fields(
            V1, *[{"name": f"f{i}", "type": "string", "default": ""} for i in range(50)]
        )
        response = reg_alice.register(SUBJECT, big)
        assert (response.status_code, response.json_body["error_code"]) == (422, 42209)

    def test_unknown_paths_and_methods(self, reg_alice, db):
        assert reg_alice.get("nope/nothing").json_body == {
            "error_code": 404,
            "message": "HTTP 404 Not Found",
        }
        response = reg_alice.put("subjects")
        assert (response.status_code, response.json_body["error_code"]) == (405, 405)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/vnd.schemaregistry.v1+json",
        "application/vnd.schemaregistry+json",
        "application/json",
    ],
)
def test_each_confluent_content_type_is_accepted(alice, orders_created, content_type):
    client = RegistryClient("alice")
    response = client.client.post(
        f"/registry/subjects/{SUBJECT}/versions",
        data=json.dumps({"schema": json.dumps(V1)}),
        content_type=content_type,
        **client.headers,
    )
    assert response.status_code == 200


def test_a_password_is_hashed_once_then_trusted_for_the_cache_window(reg_alice, v1, monkeypatch):
    from catalog import authentication

    calls = []
    real = authentication.authenticate

    def counting(**credentials):
        calls.append(credentials["username"])
        return real(**credentials)

    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(authentication, "authenticate", counting)
    for _ in range(3):
        assert reg_alice.get(f"schemas/ids/{v1}").status_code == 200
    assert calls == ["alice"]
    wrong = RegistryClient("alice", password="nope")
    for _ in range(3):
        assert wrong.get("subjects").status_code == 401
    assert calls == ["alice", "alice"]  # failures are remembered too
