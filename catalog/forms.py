"""Browser forms. They check shapes (numbers, required inputs); the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from catalog.models import FieldSemantics, Team, Topic
from catalog.naming import TOPIC_NAME_EXAMPLE, TOPIC_NAME_RULE


class TopicCreateForm(forms.Form):
    name = forms.CharField(
        max_length=249,
        help_text=TOPIC_NAME_RULE,
        widget=forms.TextInput(attrs={"placeholder": TOPIC_NAME_EXAMPLE, "autocomplete": "off"}),
    )
    owner = forms.ModelChoiceField(queryset=Team.objects.none(), label="Owning team")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    partitions = forms.IntegerField(min_value=1, max_value=10_000, initial=6)
    retention_hours = forms.IntegerField(
        min_value=1, required=False, help_text="Empty: the cluster default."
    )
    dlq_topic = forms.CharField(
        label="DLQ topic",
        max_length=249,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "orders.order.created.dlq"}),
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = teams
        if teams.count() == 1:
            owner.initial = teams.first()


class SLAForm(forms.Form):
    max_latency_seconds = forms.IntegerField(
        label="Max latency (seconds)", min_value=0, required=False
    )
    availability_percent = forms.DecimalField(
        label="Availability (%)",
        min_value=0,
        max_value=100,
        max_digits=6,
        decimal_places=3,
        required=False,
    )
    retention_days = forms.IntegerField(label="Retention (days)", min_value=0, required=False)
    max_consumer_lag = forms.IntegerField(
        label="Max consumer lag (messages)", min_value=0, required=False
    )
    support_channel = forms.CharField(max_length=200, required=False)
    support_hours = forms.CharField(max_length=120, required=False)


class FieldSemanticsForm(forms.Form):
    path = forms.CharField(max_length=500, label="Field path")
    meaning = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    null_meaning = forms.CharField(label="What null means", max_length=500, required=False)
    unit = forms.CharField(max_length=60, required=False)
    pii = forms.ChoiceField(label="PII class", choices=FieldSemantics.PII.choices)
    example = forms.CharField(max_length=500, required=False)
    allowed_values = forms.CharField(max_length=1000, required=False)


class ConsumerSubscribeForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Your team")
    name = forms.CharField(
        max_length=120, help_text="What the service is called, e.g. revenue-etl."
    )
    group_id = forms.CharField(label="Consumer group id", max_length=255)
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    read_fields = forms.MultipleChoiceField(
        label="Fields it reads",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if it reads every field.",
    )
    lag_threshold = forms.IntegerField(
        label="Lag alert threshold (messages)",
        min_value=0,
        required=False,
        help_text="Empty: the topic SLA's max consumer lag.",
    )

    def __init__(
        self, *args: Any, teams: QuerySet[Team], field_paths: list[str] | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = teams
        if teams.count() == 1:
            team.initial = teams.first()
        if field_paths is None:
            # No schema yet: free text, one path per line.
            self.fields["read_fields"] = forms.CharField(
                label="Fields it reads",
                required=False,
                widget=forms.Textarea(
                    attrs={"rows": 3, "placeholder": "customer_id\namount_cents"}
                ),
                help_text="One dotted path per line; empty means every field.",
            )
        else:
            choices = self.fields["read_fields"]
            assert isinstance(choices, forms.MultipleChoiceField)
            choices.choices = [(p, p) for p in field_paths]

    def field_list(self) -> list[str]:
        value = self.cleaned_data.get("read_fields") or []
        if isinstance(value, str):
            return [line.strip() for line in value.splitlines() if line.strip()]
        return list(value)


def topic_status_choices() -> list[tuple[str, str]]:
    return [("", "Any status"), *Topic.Status.choices]


class DeprecateForm(forms.Form):
    deprecation_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    retirement_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        help_text="When it will be retired; consumers plan by it.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="Where it is used, e.g. “CI pipeline” or “platform audit script”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        choices=[
            ("read", "Read only"),
            ("write", "Read and write"),
        ],
        initial="read",
        widget=forms.RadioSelect,
    )
    expires_on = forms.DateField(
        required=False,
        label="Expires on",
        help_text="Optional: the token stops working at the end of this day (UTC).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
