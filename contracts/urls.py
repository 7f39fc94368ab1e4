"""URL map of the Confluent-compatible registry API (mounted at /registry/)."""

from __future__ import annotations

from django.urls import path, re_path

from contracts import registry_api as api
from contracts.registry_api import READ, WRITE, endpoint

app_name = "registry"

urlpatterns = [
    path("", endpoint({"GET": (api.root, READ)}), name="root"),
    path("schemas/types", endpoint({"GET": (api.schema_types, READ)}), name="schema-types"),
    path("schemas/ids/<str:schema_id>", endpoint({"GET": (api.schema_get, READ)}), name="schema"),
    path(
        "schemas/ids/<str:schema_id>/schema",
        endpoint({"GET": (api.schema_raw, READ)}),
        name="schema-raw",
    ),
    path(
        "schemas/ids/<str:schema_id>/subjects",
        endpoint({"GET": (api.schema_subjects, READ)}),
        name="schema-subjects",
    ),
    path(
        "schemas/ids/<str:schema_id>/versions",
        endpoint({"GET": (api.schema_versions, READ)}),
        name="schema-versions",
    ),
    path("subjects", endpoint({"GET": (api.subjects, READ)}), name="subjects"),
    path(
        "subjects/<str:subject>",
        endpoint({"POST": (api.subject_lookup, READ), "DELETE": (api.subject_delete, WRITE)}),
        name="subject",
    ),
    path(
        "subjects/<str:subject>/versions",
        endpoint({"GET": (api.versions_list, READ), "POST": (api.versions_register, WRITE)}),
        name="subject-versions",
    ),
    path(
        "subjects/<str:subject>/versions/<str:version>",
        endpoint({"GET": (api.version_get, READ), "DELETE": (api.version_delete, WRITE)}),
        name="subject-version",
    ),
    path(
        "subjects/<str:subject>/versions/<str:version>/schema",
        endpoint({"GET": (api.version_schema, READ)}),
        name="subject-version-schema",
    ),
    path(
        "subjects/<str:subject>/versions/<str:version>/referencedby",
        endpoint({"GET": (api.version_referenced_by, READ)}),
        name="subject-version-referencedby",
    ),
    path(
        "compatibility/subjects/<str:subject>/versions",
        endpoint({"POST": (api.compatibility_versions, READ)}),
        name="compatibility-versions",
    ),
    path(
        "compatibility/subjects/<str:subject>/versions/<str:version>",
        endpoint({"POST": (api.compatibility_version, READ)}),
        name="compatibility-version",
    ),
    path(
        "config",
        endpoint(
            {
                "GET": (api.config_get, READ),
                "PUT": (api.config_put, WRITE),
                "DELETE": (api.config_delete, WRITE),
            }
        ),
        name="config",
    ),
    path(
        "config/<str:subject>",
        endpoint(
            {
                "GET": (api.subject_config_get, READ),
                "PUT": (api.subject_config_put, WRITE),
                "DELETE": (api.subject_config_delete, WRITE),
            }
        ),
        name="subject-config",
    ),
    path(
        "mode",
        endpoint({"GET": (api.mode_get, READ), "PUT": (api.mode_put, WRITE)}),
        name="mode",
    ),
    path(
        "mode/<str:subject>",
        endpoint({"GET": (api.subject_mode_get, READ), "PUT": (api.subject_mode_put, WRITE)}),
        name="subject-mode",
    ),
    re_path(r"^(?P<rest>.*)$", api.not_found),
]
