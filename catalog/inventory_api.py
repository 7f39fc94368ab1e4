"""/api/v1/ over the inventory: teams, topics, consumers, notifications and the audit log.

Reads are bounded: each list is one query plus one per prefetched relation, whatever the page
size. Writes go through ``catalog.services`` (the same permission checks, validation and audit
events as the browser); a refused rule answers 422 with the stable error shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import notifications, services
from catalog.api_base import (
    CatalogViewSet,
    IdLookupViewSet,
    NameField,
    NumberOrStringDecimalField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    count_of,
    id_path,
    ordering_choices,
)
from catalog.models import (
    AuditEvent,
    Consumer,
    DeliverySLA,
    FieldSemantics,
    Membership,
    Notification,
    Team,
    Topic,
)
from catalog.permissions import is_platform, user_team_ids
from contracts.models import SchemaVersion, Subject

# PostgreSQL's integer and bigint: larger values would fail in the database, not validation.
MAX_INT = 2_147_483_647
MAX_BIGINT = 9_223_372_036_854_775_807
# Path segments: a topic name or field path has dots.
NAME_REGEX = r"[^/]+"


def _slug_of(team: Team | None) -> str | None:
    return team.slug if team is not None else None


# --- teams ---------------------------------------------------------------------------------


class TeamSerializer(serializers.ModelSerializer[Team]):
    member_count = serializers.IntegerField(read_only=True)
    topic_count = serializers.IntegerField(read_only=True, help_text="Topics it owns.")
    consumer_count = serializers.IntegerField(read_only=True, help_text="Active consumers.")

    class Meta:
        model = Team
        fields = [
            "slug",
            "name",
            "description",
            "contact_email",
            "member_count",
            "topic_count",
            "consumer_count",
            "created_at",
        ]


class TeamMemberSerializer(serializers.Serializer[Membership]):
    username = serializers.CharField(source="user.username")
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class TopicRefSerializer(serializers.ModelSerializer[Topic]):
    class Meta:
        model = Topic
        fields = ["name", "status"]


READ_FIELDS_HELP = "Dotted field paths it reads; empty means every field."


def read_fields() -> serializers.ListField:
    return serializers.ListField(
        source="fields", child=serializers.CharField(), read_only=True, help_text=READ_FIELDS_HELP
    )


class TeamConsumerSerializer(serializers.ModelSerializer[Consumer]):
    topic = serializers.CharField(source="topic.name")
    read_fields = read_fields()

    class Meta:
        model = Consumer
        fields = ["id", "topic", "name", "group_id", "status", "read_fields"]


class TeamDetailSerializer(TeamSerializer):
    members = TeamMemberSerializer(source="memberships", many=True, read_only=True)
    owned_topics = TopicRefSerializer(many=True, read_only=True)
    consumers = TeamConsumerSerializer(
        source="active_consumers", many=True, read_only=True, help_text="Active consumers."
    )

    class Meta(TeamSerializer.Meta):
        fields = [*TeamSerializer.Meta.fields, "members", "owned_topics", "consumers"]


class TeamFilters(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False, max_length=200, help_text="Part of the slug or the name."
    )
    ordering = ordering_choices("slug", "created_at")


@extend_schema_view(
    list=extend_schema(summary="Teams", tags=["teams"]),
    retrieve=extend_schema(
        summary="A team: members, owned topics, consumers",
        tags=["teams"],
        parameters=[
            OpenApiParameter(
                "slug",
                str,
                OpenApiParameter.PATH,
                description="Team slug.",
                examples=[OpenApiExample("orders", value="orders")],
            )
        ],
    ),
)
class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CatalogViewSet[Team]):
    lookup_field = "slug"
    lookup_value_regex = NAME_REGEX
    filter_serializer_class = TeamFilters
    default_ordering = ("slug",)

    def get_queryset(self) -> QuerySet[Team]:
        teams = Team.objects.annotate(
            member_count=count_of(Membership.objects.all(), "team"),
            topic_count=count_of(Topic.objects.all(), "owner"),
            consumer_count=count_of(
                Consumer.objects.exclude(status=Consumer.Status.RETIRED), "team"
            ),
        )
        if self.action == "retrieve":
            teams = teams.prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.select_related("user").order_by("user__username"),
                ),
                Prefetch("owned_topics", queryset=Topic.objects.order_by("name")),
                Prefetch(
                    "consumers",
                    queryset=Consumer.objects.exclude(status=Consumer.Status.RETIRED)
                    .select_related("topic")
                    .order_by("topic__name", "name"),
                    to_attr="active_consumers",
                ),
            )
        return teams

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return TeamDetailSerializer if self.action == "retrieve" else TeamSerializer

    def apply_filters(self, queryset: QuerySet[Team], filters: Mapping[str, Any]) -> QuerySet[Team]:
        if filters.get("q"):
            queryset = queryset.filter(
                Q(slug__icontains=filters["q"]) | Q(name__icontains=filters["q"])
            )
        return queryset


# --- topics --------------------------------------------------------------------------------


class SLASerializer(serializers.ModelSerializer[DeliverySLA]):
    class Meta:
        model = DeliverySLA
        fields = [
            "max_latency_seconds",
            "availability_percent",
            "retention_days",
            "max_consumer_lag",
            "support_channel",
            "support_hours",
            "updated_at",
        ]


class TopicSerializer(serializers.ModelSerializer[Topic]):
    owner: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    supersedes: serializers.SlugRelatedField[Topic] = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True
    )
    sla = SLASerializer(read_only=True, allow_null=True)
    consumer_count = serializers.IntegerField(read_only=True, help_text="Active consumers.")
    field_semantics_count = serializers.IntegerField(
        read_only=True, help_text="Fields whose meaning is described."
    )
    latest_schema_version = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Latest live version of the value subject."
    )

    class Meta:
        model = Topic
        fields = [
            "name",
            "domain",
            "owner",
            "status",
            "description",
            "partitions",
            "retention_hours",
            "dlq_topic",
            "supersedes",
            "deprecation_date",
            "retirement_date",
            "sla",
            "consumer_count",
            "field_semantics_count",
            "latest_schema_version",
            "created_at",
            "updated_at",
        ]


class FieldSemanticsSerializer(serializers.ModelSerializer[FieldSemantics]):
    class Meta:
        model = FieldSemantics
        fields = [
            "path",
            "meaning",
            "null_meaning",
            "unit",
            "pii",
            "example",
            "allowed_values",
            "updated_at",
        ]


class SchemaVersionSerializer(serializers.ModelSerializer[SchemaVersion]):
    schema_id = serializers.IntegerField(help_text="The registry's global schema id.")

    class Meta:
        model = SchemaVersion
        fields = ["version", "schema_id", "deleted", "created_at"]


class SubjectSerializer(serializers.ModelSerializer[Subject]):
    versions = SchemaVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Subject
        fields = ["name", "role", "compatibility", "mode", "versions"]


class TopicConsumerSerializer(serializers.ModelSerializer[Consumer]):
    team = serializers.CharField(source="team.slug")
    read_fields = read_fields()

    class Meta:
        model = Consumer
        fields = [
            "id",
            "team",
            "name",
            "group_id",
            "purpose",
            "status",
            "read_fields",
            "lag_threshold",
            "created_at",
        ]


class TopicDetailSerializer(TopicSerializer):
    field_semantics = FieldSemanticsSerializer(many=True, read_only=True)
    subjects = SubjectSerializer(many=True, read_only=True)
    consumers = TopicConsumerSerializer(many=True, read_only=True, help_text="Retired included.")

    class Meta(TopicSerializer.Meta):
        fields = [*TopicSerializer.Meta.fields, "field_semantics", "subjects", "consumers"]


class TopicFilters(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False, max_length=200, help_text="Part of the name or of the owner's slug/name."
    )
    owner = NameField(
        slug_field="slug",
        queryset=Team.objects.all(),
        required=False,
        help_text="Slug of the owning team.",
    )
    domain = serializers.CharField(required=False, max_length=249)
    status = serializers.ChoiceField(choices=Topic.Status.choices, required=False)
    has_owner = StrictBooleanField(required=False)
    has_consumers = StrictBooleanField(required=False, help_text="Active consumers.")
    has_sla = StrictBooleanField(required=False)
    has_schema = StrictBooleanField(required=False, help_text="A live value schema.")
    has_field_semantics = StrictBooleanField(required=False)
    changed_since = serializers.DateTimeField(
        required=False,
        help_text="The topic, its SLA, semantics, consumers or proposals changed at or after "
        "this time (ISO 8601).",
    )
    ordering = ordering_choices("name", "created_at", "updated_at")


class TopicCreateInput(serializers.Serializer[Any]):
    name = StrictCharField(max_length=249)
    owner = NameField(slug_field="slug", queryset=Team.objects.all())
    description = StrictCharField(required=False, allow_blank=True, default="")
    partitions = StrictIntegerField(min_value=1, max_value=10_000, default=6)
    retention_hours = StrictIntegerField(
        min_value=0, max_value=MAX_INT, required=False, allow_null=True, default=None
    )
    dlq_topic = StrictCharField(max_length=249, required=False, allow_blank=True, default="")
    naming_exemption = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why a legacy name may break the convention (platform role only).",
    )


class SLAInput(serializers.Serializer[Any]):
    max_latency_seconds = StrictIntegerField(
        min_value=0, max_value=MAX_INT, allow_null=True, default=None
    )
    availability_percent = NumberOrStringDecimalField(
        max_digits=6, decimal_places=3, min_value=0, max_value=100, allow_null=True, default=None
    )
    retention_days = StrictIntegerField(
        min_value=0, max_value=MAX_INT, allow_null=True, default=None
    )
    max_consumer_lag = StrictIntegerField(
        min_value=0, max_value=MAX_BIGINT, allow_null=True, default=None
    )
    support_channel = StrictCharField(max_length=200, allow_blank=True, default="")
    support_hours = StrictCharField(max_length=120, allow_blank=True, default="")


class FieldSemanticsInput(serializers.Serializer[Any]):
    meaning = StrictCharField(allow_blank=True, default="")
    null_meaning = StrictCharField(
        max_length=500, allow_blank=True, default="", help_text="What null means."
    )
    unit = StrictCharField(max_length=60, allow_blank=True, default="")
    pii = serializers.ChoiceField(choices=FieldSemantics.PII.choices, default="none")
    example = StrictCharField(max_length=500, allow_blank=True, default="")
    allowed_values = StrictCharField(max_length=1000, allow_blank=True, default="")


class DeprecateInput(serializers.Serializer[Any]):
    deprecation_date = serializers.DateField()
    retirement_date = serializers.DateField(required=False, allow_null=True, default=None)
    reason = StrictCharField(required=False, allow_blank=True, default="")


def _active_consumers() -> QuerySet[Consumer]:
    return Consumer.objects.exclude(status=Consumer.Status.RETIRED)


def topic_api_queryset() -> QuerySet[Topic]:
    """Topics with what the API shows of each, in one query."""
    return Topic.objects.select_related("owner", "sla", "supersedes").annotate(
        consumer_count=count_of(_active_consumers(), "topic"),
        field_semantics_count=count_of(FieldSemantics.objects.all(), "topic"),
        latest_schema_version=Subquery(
            SchemaVersion.objects.filter(
                subject__topic=OuterRef("pk"), subject__role=Subject.Role.VALUE, deleted=False
            )
            .order_by("-version")
            .values("version")[:1]
        ),
    )


def _flag(queryset: QuerySet[Any], condition: Any, wanted: bool | None) -> QuerySet[Any]:
    if wanted is None:
        return queryset
    return queryset.filter(condition if wanted else ~condition)


# Examples from the demo catalog (`make demo`), so "Try it out" finds something.
TOPIC_PATH = OpenApiParameter(
    "name",
    str,
    OpenApiParameter.PATH,
    description="Topic name.",
    examples=[OpenApiExample("orders.created", value="orders.created")],
)


@extend_schema_view(
    list=extend_schema(summary="Topics", tags=["topics"]),
    retrieve=extend_schema(
        summary="A topic: owner, SLA, field semantics, subjects and versions, consumers",
        tags=["topics"],
        parameters=[TOPIC_PATH],
    ),
)
class TopicViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CatalogViewSet[Topic]):
    lookup_field = "name"
    lookup_value_regex = NAME_REGEX
    filter_serializer_class = TopicFilters
    default_ordering = ("name",)

    def get_queryset(self) -> QuerySet[Topic]:
        topics = topic_api_queryset()
        if self.action == "retrieve":
            topics = topics.prefetch_related(
                Prefetch("field_semantics", queryset=FieldSemantics.objects.order_by("path")),
                Prefetch(
                    "subjects",
                    queryset=Subject.objects.order_by("name").prefetch_related(
                        Prefetch("versions", queryset=SchemaVersion.objects.order_by("version"))
                    ),
                ),
                Prefetch(
                    "consumers",
                    queryset=Consumer.objects.select_related("team").order_by("team__slug", "name"),
                ),
            )
        return topics

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return TopicDetailSerializer if self.action == "retrieve" else TopicSerializer

    def apply_filters(
        self, queryset: QuerySet[Topic], filters: Mapping[str, Any]
    ) -> QuerySet[Topic]:
        query = filters.get("q", "").strip()
        if query:
            owners = Team.objects.filter(Q(slug__icontains=query) | Q(name__icontains=query))
            queryset = queryset.filter(
                Q(name__icontains=query) | Q(owner_id__in=owners.values("pk"))
            )
        if "owner" in filters:
            queryset = queryset.filter(owner=filters["owner"])
        if filters.get("domain"):
            queryset = queryset.filter(domain=filters["domain"])
        if "status" in filters:
            queryset = queryset.filter(status=filters["status"])
        queryset = _flag(queryset, Q(owner__isnull=False), filters.get("has_owner"))
        queryset = _flag(
            queryset,
            Exists(_active_consumers().filter(topic=OuterRef("pk"))),
            filters.get("has_consumers"),
        )
        queryset = _flag(
            queryset,
            Exists(DeliverySLA.objects.filter(topic=OuterRef("pk"))),
            filters.get("has_sla"),
        )
        queryset = _flag(
            queryset,
            Exists(
                SchemaVersion.objects.filter(
                    subject__topic=OuterRef("pk"), subject__role=Subject.Role.VALUE, deleted=False
                )
            ),
            filters.get("has_schema"),
        )
        queryset = _flag(
            queryset,
            Exists(FieldSemantics.objects.filter(topic=OuterRef("pk"))),
            filters.get("has_field_semantics"),
        )
        if "changed_since" in filters:
            since = filters["changed_since"]
            # Every change users care about is an audit event tied to its topic.
            queryset = queryset.filter(
                Q(updated_at__gte=since)
                | Exists(AuditEvent.objects.filter(topic=OuterRef("pk"), created_at__gte=since))
            )
        return queryset

    def _fresh(self, topic: Topic) -> Topic:
        return topic_api_queryset().get(pk=topic.pk)

    @extend_schema(
        summary="Create a topic (proposed until a lead activates it)",
        tags=["topics"],
        request=TopicCreateInput,
        responses={201: TopicSerializer},
    )
    def create(self, request: Request) -> Response:
        data = TopicCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        topic = services.topic_create(actor=request.user, **data.validated_data)
        return Response(TopicSerializer(self._fresh(topic)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Set the topic's delivery SLA (owners)",
        tags=["topics"],
        parameters=[TOPIC_PATH],
        request=SLAInput,
        responses={200: SLASerializer},
    )
    @action(detail=True, methods=["put"], url_path="sla")
    def sla(self, request: Request, name: str) -> Response:
        topic = self.get_object()
        data = SLAInput(data=request.data)
        data.is_valid(raise_exception=True)
        sla = services.topic_sla_update(actor=request.user, topic=topic, **data.validated_data)
        return Response(SLASerializer(sla).data)

    @extend_schema(
        summary="Describe one field of the topic (owners)",
        tags=["topics"],
        parameters=[
            TOPIC_PATH,
            OpenApiParameter("path", str, OpenApiParameter.PATH, description="Dotted field path."),
        ],
        request=FieldSemanticsInput,
        responses={200: FieldSemanticsSerializer},
    )
    @action(detail=True, methods=["put"], url_path=r"fields/(?P<path>[^/]+)")
    def field_semantics(self, request: Request, name: str, path: str) -> Response:
        topic = self.get_object()
        data = FieldSemanticsInput(data=request.data)
        data.is_valid(raise_exception=True)
        semantics = services.field_semantics_update(
            actor=request.user, topic=topic, path=path, **data.validated_data
        )
        return Response(FieldSemanticsSerializer(semantics).data)

    @extend_schema(
        summary="Activate a proposed topic (owner-team leads, platform)",
        tags=["topics"],
        parameters=[TOPIC_PATH],
        request=None,
        responses={200: TopicSerializer},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, name: str) -> Response:
        topic = services.topic_activate(actor=request.user, topic=self.get_object())
        return Response(TopicSerializer(self._fresh(topic)).data)

    @extend_schema(
        summary="Deprecate an active topic; its consumers are told (owners)",
        tags=["topics"],
        parameters=[TOPIC_PATH],
        request=DeprecateInput,
        responses={200: TopicSerializer},
    )
    @action(detail=True, methods=["post"])
    def deprecate(self, request: Request, name: str) -> Response:
        topic = self.get_object()
        data = DeprecateInput(data=request.data)
        data.is_valid(raise_exception=True)
        topic = services.topic_deprecate(actor=request.user, topic=topic, **data.validated_data)
        return Response(TopicSerializer(self._fresh(topic)).data)


# --- consumers -----------------------------------------------------------------------------


class ConsumerSerializer(serializers.ModelSerializer[Consumer]):
    team = serializers.CharField(source="team.slug")
    topic = serializers.CharField(source="topic.name")
    read_fields = read_fields()

    class Meta:
        model = Consumer
        fields = [
            "id",
            "team",
            "topic",
            "name",
            "group_id",
            "purpose",
            "status",
            "read_fields",
            "lag_threshold",
            "created_at",
            "retired_at",
        ]


class ConsumerFilters(serializers.Serializer[Any]):
    team = NameField(slug_field="slug", queryset=Team.objects.all(), required=False)
    topic = NameField(slug_field="name", queryset=Topic.objects.all(), required=False)
    owner = NameField(
        slug_field="slug",
        queryset=Team.objects.all(),
        required=False,
        help_text="Slug of the team owning the topic.",
    )
    domain = serializers.CharField(required=False, max_length=249)
    status = serializers.ChoiceField(choices=Consumer.Status.choices, required=False)
    changed_since = serializers.DateTimeField(
        required=False, help_text="Subscribed or retired at or after this time."
    )
    ordering = ordering_choices("created_at", "id")


class ConsumerSubscribeInput(serializers.Serializer[Any]):
    topic = NameField(slug_field="name", queryset=Topic.objects.all())
    team = NameField(slug_field="slug", queryset=Team.objects.all())
    name = StrictCharField(max_length=120)
    group_id = StrictCharField(max_length=255, help_text="Kafka consumer group id.")
    purpose = StrictCharField(required=False, allow_blank=True, default="")
    read_fields = serializers.ListField(
        child=StrictCharField(max_length=500),
        required=False,
        default=list,
        max_length=2000,
        help_text="Dotted field paths it reads; empty means every field.",
    )
    lag_threshold = StrictIntegerField(
        min_value=0, max_value=MAX_BIGINT, required=False, allow_null=True, default=None
    )


CONSUMER_PATH = id_path("Consumer id.")


@extend_schema_view(
    list=extend_schema(summary="Consumers", tags=["consumers"]),
    retrieve=extend_schema(summary="A consumer", tags=["consumers"], parameters=[CONSUMER_PATH]),
)
class ConsumerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, IdLookupViewSet[Consumer]):
    serializer_class = ConsumerSerializer
    filter_serializer_class = ConsumerFilters
    default_ordering = ("id",)

    def get_queryset(self) -> QuerySet[Consumer]:
        return Consumer.objects.select_related("team", "topic")

    def apply_filters(
        self, queryset: QuerySet[Consumer], filters: Mapping[str, Any]
    ) -> QuerySet[Consumer]:
        if "team" in filters:
            queryset = queryset.filter(team=filters["team"])
        if "topic" in filters:
            queryset = queryset.filter(topic=filters["topic"])
        if "owner" in filters:
            queryset = queryset.filter(topic__owner=filters["owner"])
        if filters.get("domain"):
            queryset = queryset.filter(topic__domain=filters["domain"])
        if "status" in filters:
            queryset = queryset.filter(status=filters["status"])
        if "changed_since" in filters:
            since = filters["changed_since"]
            queryset = queryset.filter(Q(created_at__gte=since) | Q(retired_at__gte=since))
        return queryset

    @extend_schema(
        summary="Subscribe a consumer for your team",
        tags=["consumers"],
        request=ConsumerSubscribeInput,
        responses={201: ConsumerSerializer},
    )
    def create(self, request: Request) -> Response:
        data = ConsumerSubscribeInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        consumer = services.consumer_subscribe(
            actor=request.user, fields=values.pop("read_fields"), **values
        )
        return Response(ConsumerSerializer(consumer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Retire a consumer (its team); retiring twice changes nothing",
        tags=["consumers"],
        parameters=[CONSUMER_PATH],
        request=None,
        responses={200: ConsumerSerializer},
    )
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, id: str) -> Response:
        consumer = services.consumer_retire(actor=request.user, consumer=self.get_object())
        return Response(ConsumerSerializer(self.get_queryset().get(pk=consumer.pk)).data)


# --- notifications -------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    team = serializers.CharField(source="team.slug")

    class Meta:
        model = Notification
        fields = [
            "id",
            "team",
            "channel",
            "recipient",
            "event",
            "subject",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "sent_at",
        ]


class NotificationFilters(serializers.Serializer[Any]):
    team = NameField(slug_field="slug", queryset=Team.objects.all(), required=False)
    status = serializers.ChoiceField(choices=Notification.Status.choices, required=False)
    channel = serializers.ChoiceField(choices=Notification.Channel.choices, required=False)
    event = serializers.CharField(required=False, max_length=64)
    changed_since = serializers.DateTimeField(
        required=False, help_text="Created at or after this time."
    )
    ordering = ordering_choices("created_at")


@extend_schema_view(
    list=extend_schema(
        summary="Notifications of your teams (every team for the platform role)",
        tags=["notifications"],
    ),
    retrieve=extend_schema(
        summary="A notification",
        tags=["notifications"],
        parameters=[id_path()],
    ),
)
class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, IdLookupViewSet[Notification]
):
    serializer_class = NotificationSerializer
    filter_serializer_class = NotificationFilters

    def get_queryset(self) -> QuerySet[Notification]:
        # Notifications can carry schema details: members of the team and the platform only.
        notifications = Notification.objects.select_related("team").defer("body", "payload")
        if not is_platform(self.request.user):
            notifications = notifications.filter(team_id__in=user_team_ids(self.request.user))
        return notifications

    @extend_schema(
        summary="Send a failed notification again (members of its team, or the platform role)",
        description=(
            "The notification goes back to pending and is delivered again. Only a failed "
            "notification can be retried: anything else, including a retry already under way, "
            "is refused with 422 `not_failed`."
        ),
        tags=["notifications"],
        parameters=[id_path()],
        request=None,
        responses={200: NotificationSerializer},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, id: str) -> Response:
        notification = self.get_object()
        notifications.notification_retry(actor=request.user, notification=notification)
        # Delivered in-process (no Redis) it may already be sent: answer with the row as it is.
        notification.refresh_from_db(fields=["status", "attempts", "last_error", "sent_at"])
        return Response(NotificationSerializer(notification).data)

    def apply_filters(
        self, queryset: QuerySet[Notification], filters: Mapping[str, Any]
    ) -> QuerySet[Notification]:
        for name in ("team", "status", "channel", "event"):
            if filters.get(name):
                queryset = queryset.filter(**{name: filters[name]})
        if "changed_since" in filters:
            queryset = queryset.filter(created_at__gte=filters["changed_since"])
        return queryset


# --- audit log -----------------------------------------------------------------------------


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.CharField(
        source="actor_label", help_text="Username at the time, or “system”."
    )
    topic = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "verb",
            "object_type",
            "object_id",
            "object_repr",
            "topic",
            "team",
            "before",
            "after",
        ]

    def get_topic(self, event: AuditEvent) -> str | None:
        return event.topic.name if event.topic is not None else None

    def get_team(self, event: AuditEvent) -> str | None:
        return _slug_of(event.team)


class AuditEventFilters(serializers.Serializer[Any]):
    actor = serializers.CharField(
        required=False, max_length=150, help_text="Username (or “system”)."
    )
    verb = serializers.CharField(
        required=False, max_length=64, help_text="E.g. topic.created, sla.updated."
    )
    object_type = serializers.CharField(required=False, max_length=64)
    object_id = serializers.CharField(required=False, max_length=64)
    topic = NameField(slug_field="name", queryset=Topic.objects.all(), required=False)
    team = NameField(slug_field="slug", queryset=Team.objects.all(), required=False)
    owner = NameField(
        slug_field="slug",
        queryset=Team.objects.all(),
        required=False,
        help_text="Events of topics this team owns.",
    )
    changed_since = serializers.DateTimeField(required=False, help_text="At or after.")
    until = serializers.DateTimeField(required=False, help_text="Before.")
    ordering = ordering_choices("created_at")


@extend_schema_view(
    list=extend_schema(summary="The audit log, newest first", tags=["audit"]),
    retrieve=extend_schema(
        summary="An audit event",
        tags=["audit"],
        parameters=[id_path()],
    ),
)
class AuditEventViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, IdLookupViewSet[AuditEvent]
):
    serializer_class = AuditEventSerializer
    filter_serializer_class = AuditEventFilters

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.select_related("topic", "team")

    def apply_filters(
        self, queryset: QuerySet[AuditEvent], filters: Mapping[str, Any]
    ) -> QuerySet[AuditEvent]:
        if filters.get("actor"):
            queryset = queryset.filter(actor_label=filters["actor"])
        for name in ("verb", "object_type", "object_id", "topic", "team"):
            if filters.get(name):
                queryset = queryset.filter(**{name: filters[name]})
        if "owner" in filters:
            queryset = queryset.filter(topic__owner=filters["owner"])
        if "changed_since" in filters:
            queryset = queryset.filter(created_at__gte=filters["changed_since"])
        if "until" in filters:
            queryset = queryset.filter(created_at__lt=filters["until"])
        return queryset
