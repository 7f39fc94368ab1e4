"""/api/v1/ endpoints for contract exports (ODCS, AsyncAPI, Backstage) and imports."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import BadRequest, error_body, first_error
from catalog.api_schema import ErrorSerializer
from catalog.authentication import ApiPrincipal
from catalog.errors import ApplicationError
from catalog.models import Topic
from contracts import exports, imports

YAML_CONTENT_TYPE = "application/yaml; charset=utf-8"


def _not_found(message: str) -> Response:
    return Response(error_body("not_found", message), status=status.HTTP_404_NOT_FOUND)


def _unknown_format(fmt: str) -> Response:
    return Response(
        error_body(
            "unknown_format",
            f"Unknown export format {fmt!r}; use one of {', '.join(exports.FORMATS)}.",
            "format",
        ),
        status=status.HTTP_404_NOT_FOUND,
    )


def yaml_response(body: str, filename: str, *, download: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=YAML_CONTENT_TYPE)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


class ExportParams(serializers.Serializer[Any]):
    download = serializers.BooleanField(
        required=False, default=False, help_text="Ask the browser to save the file."
    )


def _download(request: Request) -> bool:
    params = ExportParams(data=request.query_params.dict())
    if not params.is_valid():
        field, message = first_error(params.errors)
        raise BadRequest(message, code="invalid_filter", field=field or None)
    return bool(params.validated_data["download"])


FORMAT_PARAMETER = OpenApiParameter(
    "fmt",
    str,
    OpenApiParameter.PATH,
    enum=list(exports.FORMATS),
    description="odcs (an ODCS v3 data contract), asyncapi (AsyncAPI 3.0), backstage "
    "(a Backstage API entity).",
)
YAML_RESPONSES: dict[int, Any] = {
    200: OpenApiResponse(
        response={"type": "string"}, description="The document, as YAML (application/yaml)."
    ),
    404: ErrorSerializer,
}


class TopicExportApi(APIView):
    """GET one topic as an ODCS contract, an AsyncAPI document or a Backstage entity (YAML).
    ``?download=1`` asks the browser to save it."""

    @extend_schema(
        summary="Export a topic as an ODCS contract, an AsyncAPI document or a Backstage entity",
        tags=["exports"],
        parameters=[FORMAT_PARAMETER, ExportParams],
        responses={k: (OpenApiTypes.STR if k == 200 else v) for k, v in YAML_RESPONSES.items()},
    )
    def get(self, request: Request, name: str, fmt: str) -> HttpResponse:
        download = _download(request)
        if fmt not in exports.FORMATS:
            return _unknown_format(fmt)
        item = exports.topic_for_export(name)
        if item is None:
            return _not_found(f"No topic named {name} in the catalog.")
        return yaml_response(
            exports.export_document(item, fmt),
            exports.FILENAMES[fmt].format(name=name),
            download=download,
        )


class DomainExportApi(APIView):
    """GET every topic of a domain in one multi-document YAML file (``---`` between topics)."""

    @extend_schema(
        summary="Export every topic of a domain in one multi-document YAML file",
        tags=["exports"],
        parameters=[FORMAT_PARAMETER, ExportParams],
        responses={k: (OpenApiTypes.STR if k == 200 else v) for k, v in YAML_RESPONSES.items()},
    )
    def get(self, request: Request, domain: str, fmt: str) -> HttpResponse:
        download = _download(request)
        if fmt not in exports.FORMATS:
            return _unknown_format(fmt)
        items = exports.topics_for_export(Topic.objects.filter(domain=domain))
        if not items:
            return _not_found(f"No topics in domain {domain}.")
        return yaml_response(
            "".join(exports.export_stream(items, fmt, domain=domain)),
            exports.FILENAMES[fmt].format(name=domain),
            download=download,
        )


class ImportInput(serializers.Serializer[Any]):
    content = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    file = serializers.FileField(required=False)
    format = serializers.ChoiceField(choices=list(imports.FORMATS), default="auto")
    topic = serializers.CharField(required=False, allow_blank=True, default="")
    owner = serializers.CharField(required=False, allow_blank=True, default="")
    commit = serializers.BooleanField(default=False)


# A field named "source" would clash with Field.source in a class body.
ImportResultSerializer = type(
    "ImportResult",
    (serializers.Serializer,),
    {
        "committed": serializers.BooleanField(help_text="Saved (true) or previewed (false)."),
        "source": serializers.CharField(help_text="avsc or odcs."),
        "topic": serializers.DictField(help_text="name, action (create | update), description."),
        "owner": serializers.CharField(allow_null=True),
        "schema": serializers.DictField(
            help_text="action, version, compatibility, is_compatible, incompatibilities."
        ),
        "sla": serializers.ListField(child=serializers.DictField()),
        "field_semantics": serializers.ListField(child=serializers.DictField()),
        "has_changes": serializers.BooleanField(),
    },
)


def request_principal(request: Request) -> ApiPrincipal:
    """Basic and token requests carry their principal; a browser session acts with the user's
    full rights, as the browser does."""
    if isinstance(request.auth, ApiPrincipal):
        return request.auth
    assert isinstance(request.user, AbstractBaseUser)  # IsAuthenticated let it through
    return ApiPrincipal(user=request.user, can_write=True)


class ImportApi(APIView):
    """POST an ``.avsc`` schema or an ODCS v3 contract (JSON ``content`` or a multipart
    ``file``). Without ``commit`` it previews what would change; with ``commit=true`` it
    saves (201 when it created the topic, 200 when it updated one)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    # A preview writes nothing; saving checks the token's scope itself (import_commit).
    writes_nothing = True

    @extend_schema(
        summary="Import an .avsc schema or an ODCS v3 contract: preview, or save with commit",
        tags=["exports"],
        request={"application/json": ImportInput, "multipart/form-data": ImportInput},
        responses={
            200: ImportResultSerializer,
            201: ImportResultSerializer,
            413: ErrorSerializer,
            422: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        # DRF streams a JSON body past Django's DATA_UPLOAD_MAX_MEMORY_SIZE and multipart files
        # go to disk whatever their size: refuse an oversized body before reading it. (JSON
        # escaping can double the contract's size.)
        limit = 2 * settings.CONTRACT_IMPORT_MAX_BYTES + 65_536
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return Response(
                error_body(
                    "too_large",
                    f"The request is {length} bytes; the limit is {limit} "
                    "(twice CONTRACT_IMPORT_MAX_BYTES, plus room for the JSON around it).",
                ),
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            content = _content(values)
            draft = imports.parse_contract(
                content, fmt=values["format"], topic_name=values["topic"], owner=values["owner"]
            )
        except ApplicationError as exc:
            refused = (
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
                if exc.code == "too_large"
                else status.HTTP_422_UNPROCESSABLE_ENTITY
            )
            return Response(error_body(exc.code, exc.message, exc.field), status=refused)
        principal = request_principal(request)
        if values["commit"]:
            plan = imports.import_commit(principal=principal, draft=draft)
            code = status.HTTP_201_CREATED if plan.creates_topic else status.HTTP_200_OK
            return Response({"committed": True, **plan.as_dict()}, status=code)
        plan = imports.import_preview(principal=principal, draft=draft)
        return Response({"committed": False, **plan.as_dict()})


def _content(values: dict[str, Any]) -> bytes | str:
    upload: UploadedFile | None = values.get("file")
    if upload is not None:
        limit = settings.CONTRACT_IMPORT_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise ApplicationError(
                f"The file is {upload.size} bytes; the limit is {limit} "
                "(CONTRACT_IMPORT_MAX_BYTES).",
                code="too_large",
                field="file",
            )
        return upload.read(limit + 1)
    return values.get("content") or ""
