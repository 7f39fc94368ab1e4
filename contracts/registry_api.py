"""The Confluent Schema Registry REST API, served under ``/registry/``.

Plain Django views rather than DRF: Kafka clients call ``/schemas/ids/{id}`` on every cache miss,
so this layer stays thin. Requests authenticate with HTTP Basic or a bearer token on every call
(never the browser session, so these views need no CSRF token); answers use Confluent's shapes,
status codes and ``error_code``s.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from catalog.authentication import ApiPrincipal, AuthenticationFailed, authenticate_api_request
from contracts import registry
from contracts.registry import RegistryError

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
logger = logging.getLogger(__name__)
Handler = Callable[..., HttpResponse]


def respond(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, separators=(",", ":")), content_type=CONTENT_TYPE, status=status
    )


def _error(error: RegistryError) -> HttpResponse:
    response = respond(error.as_dict(), status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="contract-catalog registry"'
    return response


def _flag(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name, "").lower() == "true"


def _principal(request: HttpRequest, *, required: bool) -> ApiPrincipal | None:
    try:
        principal = authenticate_api_request(request)
    except AuthenticationFailed as exc:
        raise RegistryError(401, 401, f"Unauthorized: {exc}") from exc
    if principal is None and (required or not settings.REGISTRY_ALLOW_ANONYMOUS_READS):
        raise RegistryError(401, 401, "Unauthorized: send HTTP Basic credentials or a bearer token")
    return principal


def _body(request: HttpRequest) -> dict[str, Any]:
    limit = settings.REGISTRY_MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise RegistryError(
            413, 413, f"Request body of {length} bytes is over the limit of {limit} bytes"
        )
    raw = request.body
    if len(raw) > limit:
        raise RegistryError(413, 413, f"Request body is over the limit of {limit} bytes")
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, RecursionError) as exc:
        raise RegistryError(400, 400, f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RegistryError(400, 400, "The request body must be a JSON object")
    return data


def _schema_from(body: dict[str, Any]) -> tuple[str, str | None]:
    if "schema" not in body or body["schema"] in (None, ""):
        raise registry.invalid_schema("Empty schema: the body needs a 'schema' field")
    if body.get("references"):
        raise registry.invalid_schema("schema references are not supported by this registry")
    schema_type = body.get("schemaType")
    if schema_type is not None and not isinstance(schema_type, str):
        raise registry.invalid_schema("'schemaType' must be a string")
    return registry.schema_text_from(body["schema"]), schema_type


def endpoint(
    handlers: dict[str, tuple[Handler, bool]],
) -> Callable[..., HttpResponse]:
    """A view dispatching on method; each handler says whether it needs credentials."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        entry = handlers.get(request.method or "GET")
        if entry is None:
            return _error(RegistryError(405, 405, "HTTP 405 Method Not Allowed"))
        handler, needs_principal = entry
        try:
            principal = _principal(request, required=needs_principal)
            return handler(request, principal, **kwargs)
        except RegistryError as error:
            return _error(error)
        except Exception:
            # A bug or an outage: still answer in Confluent's shape, and log the traceback.
            logger.exception("registry request failed: %s %s", request.method, request.path)
            return _error(RegistryError(500, 50001, "Error in the backend data store"))

    return view


def _required(principal: ApiPrincipal | None) -> ApiPrincipal:
    assert principal is not None  # endpoint() guarantees it for write handlers
    return principal


# --- handlers ----------------------------------------------------------------------------


def root(request: HttpRequest, principal: ApiPrincipal | None) -> HttpResponse:
    return respond({})


def schema_types(request: HttpRequest, principal: ApiPrincipal | None) -> HttpResponse:
    return respond(list(registry.SUPPORTED_TYPES))


def subjects(request: HttpRequest, principal: ApiPrincipal | None) -> HttpResponse:
    prefix = request.GET.get("subjectPrefix") or request.GET.get("subject") or ""
    return respond(
        registry.subject_names(
            prefix=prefix,
            deleted=_flag(request, "deleted"),
            deleted_only=_flag(request, "deleted_only"),
        )
    )


def subject_lookup(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str
) -> HttpResponse:
    schema_text, schema_type = _schema_from(_body(request))
    if schema_type is not None and schema_type.upper() not in registry.SUPPORTED_TYPES:
        raise registry.invalid_schema(f"schemaType {schema_type} is not supported")
    found = registry.lookup(subject, schema_text, deleted=_flag(request, "deleted"))
    return respond(found.as_dict())


def subject_delete(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str
) -> HttpResponse:
    return respond(
        registry.delete_subject(
            principal=_required(principal),
            subject_name=subject,
            permanent=_flag(request, "permanent"),
        )
    )


def versions_list(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str
) -> HttpResponse:
    return respond(registry.subject_versions(subject, deleted=_flag(request, "deleted")))


def versions_register(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str
) -> HttpResponse:
    schema_text, schema_type = _schema_from(_body(request))
    registration = registry.register(
        principal=_required(principal),
        subject_name=subject,
        schema_text=schema_text,
        schema_type=schema_type,
    )
    return respond({"id": registration.schema_id, "version": registration.version})


def version_get(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str, version: str
) -> HttpResponse:
    found = registry.subject_version(
        subject, registry.parse_version(version), deleted=_flag(request, "deleted")
    )
    return respond(found.as_dict())


def version_schema(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str, version: str
) -> HttpResponse:
    found = registry.subject_version(
        subject, registry.parse_version(version), deleted=_flag(request, "deleted")
    )
    return HttpResponse(found.schema, content_type=CONTENT_TYPE)


def version_referenced_by(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str, version: str
) -> HttpResponse:
    registry.subject_version(subject, registry.parse_version(version))
    # Schema references are not supported, so nothing can refer to a version.
    return respond([])


def version_delete(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str, version: str
) -> HttpResponse:
    return respond(
        registry.delete_version(
            principal=_required(principal),
            subject_name=subject,
            version=registry.parse_version(version),
            permanent=_flag(request, "permanent"),
        )
    )


def _schema_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 10:
        raise registry.schema_not_found()
    return int(raw)


@lru_cache(maxsize=8192)
def _schema_by_id_body(schema_id: int) -> bytes:
    # Ids are immutable and schemas are never deleted (old events keep their id), so the
    # rendered answer can be kept for the life of the process.
    schema = registry.schema_by_id(schema_id)
    data: dict[str, Any] = {"schema": schema.text}
    if schema.schema_type != "AVRO":
        data["schemaType"] = schema.schema_type
    return json.dumps(data, separators=(",", ":")).encode()


def schema_get(
    request: HttpRequest, principal: ApiPrincipal | None, schema_id: str
) -> HttpResponse:
    return HttpResponse(_schema_by_id_body(_schema_id(schema_id)), content_type=CONTENT_TYPE)


def schema_raw(
    request: HttpRequest, principal: ApiPrincipal | None, schema_id: str
) -> HttpResponse:
    schema = registry.schema_by_id(_schema_id(schema_id))
    return HttpResponse(schema.text, content_type=CONTENT_TYPE)


def schema_subjects(
    request: HttpRequest, principal: ApiPrincipal | None, schema_id: str
) -> HttpResponse:
    pairs = registry.schema_subject_versions(
        _schema_id(schema_id), deleted=_flag(request, "deleted")
    )
    return respond(sorted({subject for subject, _ in pairs}))


def schema_versions(
    request: HttpRequest, principal: ApiPrincipal | None, schema_id: str
) -> HttpResponse:
    pairs = registry.schema_subject_versions(
        _schema_id(schema_id), deleted=_flag(request, "deleted")
    )
    return respond([{"subject": subject, "version": version} for subject, version in pairs])


def _compatibility(
    request: HttpRequest, subject: str, version: registry.VersionSpec | None
) -> HttpResponse:
    schema_text, schema_type = _schema_from(_body(request))
    verdict = registry.check(
        subject_name=subject, schema_text=schema_text, schema_type=schema_type, version=version
    )
    data: dict[str, Any] = {"is_compatible": verdict.is_compatible}
    if _flag(request, "verbose"):
        data["messages"] = verdict.messages()
    return respond(data)


def compatibility_version(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str, version: str
) -> HttpResponse:
    return _compatibility(request, subject, registry.parse_version(version))


def compatibility_versions(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str
) -> HttpResponse:
    return _compatibility(request, subject, None)


def config_get(request: HttpRequest, principal: ApiPrincipal | None) -> HttpResponse:
    return respond({"compatibilityLevel": registry.global_config().compatibility})


def _level_from(request: HttpRequest) -> Any:
    return _body(request).get("compatibility")


def config_put(request: HttpRequest, principal: ApiPrincipal | None) -> HttpResponse:
    level = registry.set_compatibility(
        principal=_required(principal), subject_name=None, level=_level_from(request)
    )
    return respond({"compatibility": level})


def config_delete(request: HttpRequest, principal: ApiPrincipal | None) -> HttpResponse:
    previous = registry.delete_compatibility(principal=_required(principal), subject_name=None)
    return respond({"compatibilityLevel": previous})


def subject_config_get(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str
) -> HttpResponse:
    level = registry.subject_compatibility(
        subject, default_to_global=_flag(request, "defaultToGlobal")
    )
    return respond({"compatibilityLevel": level})


def subject_config_put(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str
) -> HttpResponse:
    level = registry.set_compatibility(
        principal=_required(principal), subject_name=subject, level=_level_from(request)
    )
    return respond({"compatibility": level})


def subject_config_delete(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str
) -> HttpResponse:
    previous = registry.delete_compatibility(principal=_required(principal), subject_name=subject)
    return respond({"compatibilityLevel": previous})


def mode_get(request: HttpRequest, principal: ApiPrincipal | None) -> HttpResponse:
    return respond({"mode": registry.global_config().mode})


def mode_put(request: HttpRequest, principal: ApiPrincipal | None) -> HttpResponse:
    mode = registry.set_mode(
        principal=_required(principal), subject_name=None, mode=_body(request).get("mode")
    )
    return respond({"mode": mode})


def subject_mode_get(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str
) -> HttpResponse:
    return respond({"mode": registry.subject_mode(subject)})


def subject_mode_put(
    request: HttpRequest, principal: ApiPrincipal | None, subject: str
) -> HttpResponse:
    mode = registry.set_mode(
        principal=_required(principal), subject_name=subject, mode=_body(request).get("mode")
    )
    return respond({"mode": mode})


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return _error(RegistryError(404, 404, "HTTP 404 Not Found"))


READ, WRITE = False, True
