"""/api/v1/ over schema governance: change proposals with their approvals, and migrations.

Writes call the same services as the browser (``contracts.proposals``,
``contracts.topic_versions``): the same permission checks, audit events and notifications.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api_base import (
    ID_REGEX,
    IdLookupViewSet,
    NameField,
    StrictBooleanField,
    StrictCharField,
    id_path,
    ordering_choices,
)
from catalog.errors import ApplicationError
from catalog.models import Team, Topic
from contracts import proposals, registry, topic_versions
from contracts.models import Approval, ChangeProposal, ConsumerMigration, Migration
from contracts.registry import RegistryError

# --- proposals -----------------------------------------------------------------------------


class ApprovalSerializer(serializers.ModelSerializer[Approval]):
    team = serializers.CharField(source="team.slug")
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = Approval
        fields = ["team", "role", "state", "fields_hit", "decided_by", "comment", "decided_at"]

    def get_decided_by(self, approval: Approval) -> str | None:
        return approval.decided_by.get_username() if approval.decided_by is not None else None


class ProposalSerializer(serializers.ModelSerializer[ChangeProposal]):
    topic = serializers.CharField(source="topic.name")
    owner = serializers.SerializerMethodField()
    author = serializers.CharField(source="author.username")
    overdue = serializers.SerializerMethodField(help_text="Still in review past its deadline.")
    approvals = ApprovalSerializer(many=True, read_only=True)

    class Meta:
        model = ChangeProposal
        fields = [
            "id",
            "topic",
            "owner",
            "author",
            "status",
            "kind",
            "migration_required",
            "rationale",
            "deadline",
            "overdue",
            "revision",
            "base_version",
            "applied_version",
            "decision_reason",
            "created_at",
            "decided_at",
            "approvals",
        ]

    def get_owner(self, proposal: ChangeProposal) -> str | None:
        owner = proposal.topic.owner
        return owner.slug if owner is not None else None

    def get_overdue(self, proposal: ChangeProposal) -> bool:
        return proposal.status == ChangeProposal.Status.IN_REVIEW and proposal.deadline < self._now

    @property
    def _now(self) -> datetime.datetime:
        now: datetime.datetime | None = self.context.get("now")
        return now or timezone.now()


class ProposalDetailSerializer(ProposalSerializer):
    schema_text = serializers.CharField(help_text="The proposed schema (latest revision).")
    analysis = serializers.JSONField(
        help_text="Diff, verdict per compatibility level, affected consumers."
    )

    class Meta(ProposalSerializer.Meta):
        fields = [*ProposalSerializer.Meta.fields, "schema_text", "analysis"]


class ProposalFilters(serializers.Serializer[Any]):
    topic = NameField(slug_field="name", queryset=Topic.objects.all(), required=False)
    owner = NameField(
        slug_field="slug",
        queryset=Team.objects.all(),
        required=False,
        help_text="Slug of the team owning the topic.",
    )
    team = NameField(
        slug_field="slug",
        queryset=Team.objects.all(),
        required=False,
        help_text="Proposals this team is asked to approve.",
    )
    waiting_for = NameField(
        slug_field="slug",
        queryset=Team.objects.all(),
        required=False,
        help_text="Proposals whose approval by this team is pending.",
    )
    status = serializers.ChoiceField(choices=ChangeProposal.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=ChangeProposal.Kind.choices, required=False)
    overdue = StrictBooleanField(required=False, help_text="In review past the deadline (or not).")
    actor = serializers.CharField(required=False, max_length=150, help_text="Author username.")
    changed_since = serializers.DateTimeField(
        required=False, help_text="Filed or decided at or after this time."
    )
    ordering = ordering_choices("created_at", "deadline")


class ProposalSubmitInput(serializers.Serializer[Any]):
    topic = NameField(slug_field="name", queryset=Topic.objects.all())
    schema = serializers.JSONField(help_text="The schema: JSON text, or the schema itself.")
    rationale = StrictCharField(help_text="Why: the consumers decide on it.")
    deadline = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Default: in 7 days."
    )
    submit_token = StrictCharField(
        max_length=40,
        help_text="Idempotency key: sending the same key again returns the first proposal.",
    )


class DecisionInput(serializers.Serializer[Any]):
    team = NameField(slug_field="slug", queryset=Team.objects.all(), help_text="The team deciding.")
    decision = serializers.ChoiceField(choices=[Approval.State.APPROVED, Approval.State.OBJECTED])
    comment = StrictCharField(
        required=False, allow_blank=True, default="", help_text="Required to object."
    )


PROPOSAL_PATH = id_path("Proposal id.")


def _approvals() -> Prefetch[Any]:
    return Prefetch(
        "approvals",
        queryset=Approval.objects.select_related("team", "decided_by").order_by(
            "role", "team__slug"
        ),
    )


@extend_schema_view(
    list=extend_schema(summary="Change proposals with their approvals", tags=["proposals"]),
    retrieve=extend_schema(
        summary="A proposal: schema, analysis, approvals",
        tags=["proposals"],
        parameters=[PROPOSAL_PATH],
    ),
)
class ProposalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, IdLookupViewSet[ChangeProposal]
):
    filter_serializer_class = ProposalFilters

    def get_queryset(self) -> QuerySet[ChangeProposal]:
        queryset = ChangeProposal.objects.select_related(
            "topic", "topic__owner", "author"
        ).prefetch_related(_approvals())
        if self.action == "list":
            queryset = queryset.defer("schema_text", "analysis")
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return ProposalDetailSerializer if self.action == "retrieve" else ProposalSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def apply_filters(
        self, queryset: QuerySet[ChangeProposal], filters: Mapping[str, Any]
    ) -> QuerySet[ChangeProposal]:
        if "topic" in filters:
            queryset = queryset.filter(topic=filters["topic"])
        if "owner" in filters:
            queryset = queryset.filter(topic__owner=filters["owner"])
        if "team" in filters:
            queryset = queryset.filter(
                Exists(Approval.objects.filter(proposal=OuterRef("pk"), team=filters["team"]))
            )
        if "waiting_for" in filters:
            queryset = queryset.filter(
                Exists(
                    Approval.objects.filter(
                        proposal=OuterRef("pk"),
                        team=filters["waiting_for"],
                        state=Approval.State.PENDING,
                    )
                ),
                status=ChangeProposal.Status.IN_REVIEW,
            )
        for name in ("status", "kind"):
            if name in filters:
                queryset = queryset.filter(**{name: filters[name]})
        if filters.get("overdue") is not None:
            overdue = Q(status=ChangeProposal.Status.IN_REVIEW, deadline__lt=timezone.now())
            queryset = queryset.filter(overdue if filters["overdue"] else ~overdue)
        if filters.get("actor"):
            queryset = queryset.filter(author__username=filters["actor"])
        if "changed_since" in filters:
            since = filters["changed_since"]
            queryset = queryset.filter(Q(created_at__gte=since) | Q(decided_at__gte=since))
        return queryset

    def _fresh(self, proposal: ChangeProposal, serializer: type[ProposalSerializer]) -> Any:
        fresh = self.get_queryset().get(pk=proposal.pk)
        return serializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(
        summary="File a change proposal (producer team); analysed and sent for approval",
        tags=["proposals"],
        request=ProposalSubmitInput,
        responses={201: ProposalDetailSerializer, 200: ProposalDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        data = ProposalSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # Namespaced per user: one client's key never finds another's proposal.
        token = f"api:{request.user.pk}:{values['submit_token']}"
        already = ChangeProposal.objects.filter(submit_token=token).first()
        if already is not None:
            return Response(self._fresh(already, ProposalDetailSerializer))
        try:
            schema_text = registry.schema_text_from(values["schema"])
        except RegistryError as exc:
            raise ApplicationError(exc.message, code="invalid_schema", field="schema") from exc
        proposal = proposals.proposal_submit(
            actor=request.user,
            topic=values["topic"],
            schema_text=schema_text,
            rationale=values["rationale"],
            deadline=values["deadline"],
            submit_token=token,
        )
        return Response(
            self._fresh(proposal, ProposalDetailSerializer), status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Approve or object for a team (its members, or the platform role)",
        tags=["proposals"],
        parameters=[PROPOSAL_PATH],
        request=DecisionInput,
        responses={200: ProposalSerializer},
    )
    @action(detail=True, methods=["post"])
    def decision(self, request: Request, id: str) -> Response:
        proposal = self.get_object()
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        team = data.validated_data["team"]
        approval = (
            Approval.objects.filter(proposal=proposal, team=team).select_related("team").first()
        )
        if approval is None:
            raise ApplicationError(
                f"{team.slug} is not asked to approve this proposal.",
                code="not_an_approver",
                field="team",
            )
        proposals.approval_decide(
            actor=request.user,
            approval=approval,
            decision=data.validated_data["decision"],
            comment=data.validated_data["comment"],
        )
        return Response(self._fresh(proposal, ProposalSerializer))

    @extend_schema(
        summary="Withdraw a proposal (its author, or the platform role)",
        tags=["proposals"],
        parameters=[PROPOSAL_PATH],
        request=None,
        responses={200: ProposalSerializer},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, id: str) -> Response:
        proposal = self.get_object()
        proposals.proposal_withdraw(actor=request.user, proposal=proposal)
        return Response(self._fresh(proposal, ProposalSerializer))


# --- migrations ----------------------------------------------------------------------------


class ConsumerMigrationSerializer(serializers.ModelSerializer[ConsumerMigration]):
    consumer = serializers.IntegerField(source="consumer_id", help_text="Consumer id on v1.")
    team = serializers.CharField(source="consumer.team.slug")
    name = serializers.CharField(source="consumer.name")
    group_id = serializers.CharField(source="consumer.group_id")
    new_consumer = serializers.IntegerField(
        source="new_consumer_id", allow_null=True, help_text="Consumer id on the new topic."
    )

    class Meta:
        model = ConsumerMigration
        fields = ["consumer", "team", "name", "group_id", "status", "migrated_at", "new_consumer"]


class MigrationSerializer(serializers.ModelSerializer[Migration]):
    from_topic = serializers.CharField(source="from_topic.name")
    to_topic = serializers.CharField(source="to_topic.name")
    proposal = serializers.IntegerField(source="proposal_id", allow_null=True)
    pending = serializers.SerializerMethodField(help_text="Consumers still on the old topic.")
    consumers = ConsumerMigrationSerializer(many=True, read_only=True)

    class Meta:
        model = Migration
        fields = [
            "id",
            "from_topic",
            "to_topic",
            "proposal",
            "status",
            "window_days",
            "window_ends_at",
            "renames",
            "dual_publish_started_at",
            "created_at",
            "completed_at",
            "pending",
            "consumers",
        ]

    def get_pending(self, migration: Migration) -> int:
        return sum(
            1 for c in migration.consumers.all() if c.status == ConsumerMigration.Status.PENDING
        )


class MigrationFilters(serializers.Serializer[Any]):
    topic = NameField(
        slug_field="name",
        queryset=Topic.objects.all(),
        required=False,
        help_text="From or to this topic.",
    )
    owner = NameField(slug_field="slug", queryset=Team.objects.all(), required=False)
    status = serializers.ChoiceField(choices=Migration.Status.choices, required=False)
    overdue = StrictBooleanField(
        required=False, help_text="Open past its window with consumers still on v1."
    )
    changed_since = serializers.DateTimeField(
        required=False, help_text="Started or completed at or after this time."
    )
    ordering = ordering_choices("created_at", "window_ends_at")


MIGRATION_PATH = id_path("Migration id.")


class MigrationStartInput(serializers.Serializer[Any]):
    topic = NameField(
        slug_field="name", queryset=Topic.objects.all(), help_text="The topic to migrate from."
    )
    schema = serializers.JSONField(
        help_text="The new version's schema: JSON text, or the schema itself."
    )
    window_days = serializers.IntegerField(
        required=False,
        default=30,
        min_value=1,
        max_value=365,
        help_text="Dual-publish window: 30 to 60 days; the platform role may set another.",
    )
    proposal = serializers.PrimaryKeyRelatedField(
        queryset=ChangeProposal.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The breaking proposal this migration ships, if any.",
    )


@extend_schema_view(
    list=extend_schema(summary="Migrations to new topic versions", tags=["migrations"]),
    retrieve=extend_schema(
        summary="A migration and its consumers", tags=["migrations"], parameters=[MIGRATION_PATH]
    ),
)
class MigrationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, IdLookupViewSet[Migration]
):
    serializer_class = MigrationSerializer
    filter_serializer_class = MigrationFilters

    def get_queryset(self) -> QuerySet[Migration]:
        return Migration.objects.select_related("from_topic", "to_topic").prefetch_related(
            Prefetch(
                "consumers",
                queryset=ConsumerMigration.objects.select_related("consumer__team").order_by(
                    "consumer__team__slug", "consumer__name"
                ),
            )
        )

    def apply_filters(
        self, queryset: QuerySet[Migration], filters: Mapping[str, Any]
    ) -> QuerySet[Migration]:
        if "topic" in filters:
            queryset = queryset.filter(
                Q(from_topic=filters["topic"]) | Q(to_topic=filters["topic"])
            )
        if "owner" in filters:
            queryset = queryset.filter(from_topic__owner=filters["owner"])
        if "status" in filters:
            queryset = queryset.filter(status=filters["status"])
        if filters.get("overdue") is not None:
            overdue = Q(
                Exists(
                    ConsumerMigration.objects.filter(
                        migration=OuterRef("pk"), status=ConsumerMigration.Status.PENDING
                    )
                ),
                status__in=Migration.OPEN,
                window_ends_at__lt=timezone.now(),
            )
            queryset = queryset.filter(overdue if filters["overdue"] else ~overdue)
        if "changed_since" in filters:
            since = filters["changed_since"]
            queryset = queryset.filter(Q(created_at__gte=since) | Q(completed_at__gte=since))
        return queryset

    @extend_schema(
        summary="Start a migration to the topic's next version (its owners)",
        description=(
            "Creates `<topic>.v2` (or the next version) with the schema, carries over owner, "
            "SLA and field semantics (through renames), and opens a migration for every active "
            "consumer. A topic with a migration already open is refused with 422 "
            "`migration_in_progress`, so a repeated request starts nothing."
        ),
        tags=["migrations"],
        request=MigrationStartInput,
        responses={201: MigrationSerializer},
    )
    def create(self, request: Request) -> Response:
        data = MigrationStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            schema_text = registry.schema_text_from(values["schema"])
            migration = topic_versions.migration_start(
                actor=request.user,
                topic=values["topic"],
                schema_text=schema_text,
                window_days=values["window_days"],
                proposal=values["proposal"],
            )
        except RegistryError as exc:
            raise ApplicationError(exc.message, code="invalid_schema", field="schema") from exc
        return Response(
            MigrationSerializer(self.get_queryset().get(pk=migration.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Mark a consumer migrated (its team): registered on the new topic",
        tags=["migrations"],
        parameters=[
            MIGRATION_PATH,
            OpenApiParameter(
                "consumer", int, OpenApiParameter.PATH, description="Consumer id on v1."
            ),
        ],
        request=None,
        responses={200: MigrationSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"consumers/(?P<consumer>{ID_REGEX})/migrated",
        url_name="consumer-migrated",
    )
    def consumer_migrated(self, request: Request, id: str, consumer: str) -> Response:
        migration = self.get_object()
        item = get_object_or_404(
            ConsumerMigration.objects.select_related("consumer__team"),
            migration=migration,
            consumer_id=int(consumer),
        )
        topic_versions.consumer_mark_migrated(actor=request.user, item=item)
        return Response(MigrationSerializer(self.get_queryset().get(pk=migration.pk)).data)

    @extend_schema(
        summary="Confirm the producer writes both topics (owners)",
        tags=["migrations"],
        parameters=[MIGRATION_PATH],
        request=None,
        responses={200: MigrationSerializer},
    )
    @action(detail=True, methods=["post"], url_path="dual-publishing")
    def dual_publishing(self, request: Request, id: str) -> Response:
        migration = self.get_object()
        topic_versions.migration_confirm_dual_publish(actor=request.user, migration=migration)
        return Response(MigrationSerializer(self.get_queryset().get(pk=migration.pk)).data)
