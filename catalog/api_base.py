"""What every /api/v1/ list shares: validated filters, ordering, cursor pagination.

Filters are a serializer per endpoint (its fields are the query parameters): it validates them
(an unknown status or team is a 400 ``invalid_filter``, not an empty page), documents them in
the OpenAPI schema, and hands typed values to the view's ``apply_filters``. Cursor pagination
keeps pages stable while rows are added and costs no COUNT.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import exceptions, serializers, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from catalog.api import BadRequest, first_error

M = TypeVar("M", bound=Model)


def ordering_choices(*fields: str) -> serializers.ChoiceField:
    """An ``ordering`` query parameter: each field ascending or, with ``-``, descending."""
    choices = [option for field in fields for option in (field, f"-{field}")]
    return serializers.ChoiceField(
        choices=choices,
        required=False,
        help_text="Sort order: " + ", ".join(choices) + ".",
    )


def count_of(queryset: QuerySet[Any], column: str) -> Coalesce:
    """A correlated COUNT subquery (``column`` = the outer row's pk): the database counts only
    for the rows of the page it returns, not for every match before LIMIT."""
    return Coalesce(
        Subquery(
            queryset.filter(**{column: OuterRef("pk")})
            .order_by()
            .values(column)
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


class CatalogCursorPagination(CursorPagination):
    page_size_query_param = "page_size"
    page_size_query_description = "Items per page (1 to API_MAX_PAGE_SIZE, default API_PAGE_SIZE)."

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return int(settings.API_PAGE_SIZE)
        limit = int(settings.API_MAX_PAGE_SIZE)
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= limit:
            raise BadRequest(
                f"page_size is a whole number from 1 to {limit}.",
                code="invalid_page_size",
                field=self.page_size_query_param,
            )
        return size

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        return tuple(view.list_ordering)

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            raise self._invalid_cursor() from exc
        except (DjangoValidationError, ValueError, TypeError, OverflowError) as exc:
            # A well-formed cursor whose position does not fit the ordering field.
            raise self._invalid_cursor() from exc

    def _invalid_cursor(self) -> BadRequest:
        return BadRequest(
            "The cursor is not one this list handed out; start again without it.",
            code="invalid_cursor",
            field=self.cursor_query_param,
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=int(settings.API_MAX_PAGE_SIZE))
        return parameters


class CatalogViewSet(viewsets.GenericViewSet[M]):
    """A viewset whose list is filtered by ``filter_serializer_class`` and ``apply_filters``
    and ordered by its ``ordering`` parameter (ties broken by id)."""

    pagination_class = CatalogCursorPagination
    filter_serializer_class: type[serializers.Serializer[Any]] | None = None
    default_ordering: Sequence[str] = ("-created_at", "-id")
    list_ordering: Sequence[str] = ()

    def filter_queryset(self, queryset: QuerySet[M]) -> QuerySet[M]:
        self.list_ordering = tuple(self.default_ordering)
        if self.action != "list" or self.filter_serializer_class is None:
            return queryset
        # A plain dict: a QueryDict would make a missing boolean read as false.
        params = self.filter_serializer_class(data=self.request.query_params.dict())
        if not params.is_valid():
            field, message = first_error(params.errors)
            raise BadRequest(
                message,
                code="invalid_ordering" if field == "ordering" else "invalid_filter",
                field=field or None,
            )
        data = dict(params.validated_data)
        ordering = data.pop("ordering", None)
        if ordering:
            tiebreak = "-id" if ordering.startswith("-") else "id"
            unique = ordering.lstrip("-") == "id"
            self.list_ordering = (ordering,) if unique else (ordering, tiebreak)
        return self.apply_filters(queryset, data)

    def apply_filters(self, queryset: QuerySet[M], filters: Mapping[str, Any]) -> QuerySet[M]:
        return queryset


# Ids in paths are bounded so they fit a bigint.
ID_REGEX = r"[0-9]{1,18}"


class IdLookupViewSet(CatalogViewSet[M]):
    """A CatalogViewSet of objects addressed by their id: ``/<prefix>/{id}/``."""

    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_REGEX


def id_path(description: str = "") -> OpenApiParameter:
    """The OpenAPI description of the ``{id}`` path segment of an IdLookupViewSet."""
    return OpenApiParameter("id", int, OpenApiParameter.PATH, description=description)


# --- strict input fields ---------------------------------------------------------------------
# DRF coerces (0 becomes "0", "5" becomes 5, "yes" becomes true). The API takes exactly the
# JSON types its schema documents, so a client bug is a 400 rather than a silent guess.


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class NameField(serializers.SlugRelatedField[Any]):
    """An object named by its slug or name: a string, without NUL (which PostgreSQL refuses)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str | bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A query-parameter flag: ``true`` or ``false``."""

    TRUE_VALUES = {"true", True}
    FALSE_VALUES = {"false", False}
    NULL_VALUES: set[Any] = set()


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number"},
            {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
        ]
    }
)
class NumberOrStringDecimalField(serializers.DecimalField):
    """A decimal sent as a JSON number (``99.9``) or as a string (``"99.9"``); null is null,
    not the empty string."""

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if isinstance(data, str) and not data.strip():
            self.fail("invalid")
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("invalid")
        return super().to_internal_value(data)
