"""Browser forms of the proposal workflow (shapes only; the services check the rules)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone


class ProposalForm(forms.Form):
    schema_text = forms.CharField(
        label="Proposed schema (Avro JSON)",
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "code"}),
        required=False,
    )
    schema_file = forms.FileField(
        label="…or upload an .avsc file", required=False, help_text="Replaces the text above."
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the change is needed: consumer teams decide on it.",
    )
    deadline = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When consumer teams should have decided.",
    )
    submit_token = forms.CharField(widget=forms.HiddenInput)

    MAX_UPLOAD = 1_048_576

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            days = settings.PROPOSAL_DEFAULT_DEADLINE_DAYS
            self.initial.setdefault(
                "deadline", timezone.now().date() + datetime.timedelta(days=days)
            )
            self.initial.setdefault("submit_token", uuid.uuid4().hex)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("schema_file")
        if upload is not None:
            if upload.size > self.MAX_UPLOAD:
                self.add_error("schema_file", "The file is over 1 MiB.")
            else:
                try:
                    data["schema_text"] = upload.read().decode("utf-8")
                except UnicodeDecodeError:
                    self.add_error("schema_file", "The file is not UTF-8 text.")
        if not data.get("schema_text", "").strip() and not self.errors.get("schema_file"):
            self.add_error("schema_text", "Paste the proposed schema or upload an .avsc file.")
        return data

    def deadline_at(self) -> datetime.datetime:
        day: datetime.date = self.cleaned_data["deadline"]
        return datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=datetime.UTC)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approved", "Approve"), ("objected", "Object")])
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CommentForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment")


class ReviseForm(forms.Form):
    schema_text = forms.CharField(
        label="Revised schema",
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "code"}),
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="What changed, and why."
    )


class MigrationForm(forms.Form):
    schema_text = forms.CharField(
        label="Schema of the new topic version",
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "class": "code"}),
    )
    window_days = forms.IntegerField(
        label="Dual-publish window (days)",
        initial=30,
        min_value=1,
        max_value=365,
        help_text="30 to 60 days; the platform role may set another.",
    )
    proposal = forms.IntegerField(widget=forms.HiddenInput, required=False)
