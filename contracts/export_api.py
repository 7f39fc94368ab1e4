"""/api/v1/ endpoints for contract exports (ODCS, AsyncAPI, Backstage)."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import error_body
from catalog.models import Topic
from contracts import exports

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


class TopicExportApi(APIView):
    """GET one topic as an ODCS contract, an AsyncAPI document or a Backstage entity (YAML).
    ``?download=1`` asks the browser to save it."""

    def get(self, request: Request, name: str, fmt: str) -> HttpResponse:
        if fmt not in exports.FORMATS:
            return _unknown_format(fmt)
        item = exports.topic_for_export(name)
        if item is None:
            return _not_found(f"No topic named {name} in the catalog.")
        return yaml_response(
            exports.export_document(item, fmt),
            exports.FILENAMES[fmt].format(name=name),
            download=bool(request.query_params.get("download")),
        )


class DomainExportApi(APIView):
    """GET every topic of a domain in one multi-document YAML file (``---`` between topics)."""

    def get(self, request: Request, domain: str, fmt: str) -> HttpResponse:
        if fmt not in exports.FORMATS:
            return _unknown_format(fmt)
        items = exports.topics_for_export(Topic.objects.filter(domain=domain))
        if not items:
            return _not_found(f"No topics in domain {domain}.")
        return yaml_response(
            "".join(exports.export_stream(items, fmt)),
            exports.FILENAMES[fmt].format(name=domain),
            download=bool(request.query_params.get("download")),
        )
