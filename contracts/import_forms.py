"""The browser form of contract imports (shapes only; contracts.imports checks the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet

from catalog.models import Team


class ImportForm(forms.Form):
    content = forms.CharField(
        label="Contract (ODCS YAML) or Avro schema (.avsc JSON)",
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false", "class": "code"}),
        required=False,
    )
    file = forms.FileField(
        label="…or upload a file",
        required=False,
        help_text=".avsc, .yaml or .yml; replaces the text.",
    )
    format = forms.ChoiceField(
        choices=[("auto", "Detect"), ("odcs", "ODCS data contract"), ("avsc", "Avro schema")],
        initial="auto",
    )
    topic = forms.CharField(
        label="Topic name",
        required=False,
        max_length=249,
        help_text="Needed for an .avsc; for a contract it overrides the topic it names.",
    )
    owner = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="As the contract says",
        label="Owning team",
        help_text="Needed for an .avsc that creates a topic.",
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = teams

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            limit = settings.CONTRACT_IMPORT_MAX_BYTES
            if upload.size > limit:
                self.add_error("file", f"The file is over the {limit}-byte limit.")
            else:
                try:
                    data["content"] = upload.read().decode("utf-8")
                except UnicodeDecodeError:
                    self.add_error("file", "The file is not UTF-8 text.")
        if not (data.get("content") or "").strip() and not self.errors.get("file"):
            self.add_error("content", "Paste a contract or an Avro schema, or upload a file.")
        return data

    def owner_slug(self) -> str:
        owner: Team | None = self.cleaned_data.get("owner")
        return owner.slug if owner is not None else ""
