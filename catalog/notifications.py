"""Notifications through the outbox: rows written in the caller's transaction, delivered by a
Celery task after commit, retried with backoff, claimed with a conditional update so two workers
never send one message twice."""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.audit import audit_record
from catalog.errors import ApplicationError
from catalog.models import Membership, Notification, Team
from catalog.permissions import AnyUser, require_team


class DeliveryError(Exception):
    """A delivery that may succeed if tried again later (SMTP or webhook trouble)."""


@dataclass(frozen=True)
class TeamMessage:
    """One message for one team; ``key`` names the event (see :func:`notify_teams`)."""

    team: Team
    event: str
    subject: str
    body: str
    payload: dict[str, Any]
    key: str


def notify_teams(
    *,
    teams: Iterable[Team],
    event: str,
    subject: str,
    body: str,
    payload: dict[str, Any],
    key: str,
) -> list[Notification]:
    """Queue ``event`` for each team on each channel it has (email, webhook).

    ``key`` identifies the event; with the team and channel it makes the idempotency key, so
    calling this twice for one event queues nothing new. Call it inside the transaction of the
    change it announces: the rows commit with it, and delivery starts after commit."""
    return notify_each([TeamMessage(team, event, subject, body, payload, key) for team in teams])


def notify_each(messages: Iterable[TeamMessage]) -> list[Notification]:
    """Queue messages that differ per team (each team's own fields), in one bulk insert."""
    rows: dict[str, Notification] = {}
    for message in messages:
        channels = []
        if message.team.contact_email:
            channels.append(Notification.Channel.EMAIL)
        if message.team.webhook_url:
            channels.append(Notification.Channel.WEBHOOK)
        for channel in channels:
            key = f"{message.key}:{message.team.slug}:{channel}"
            rows[key] = Notification(
                team=message.team,
                channel=channel,
                event=message.event,
                subject=message.subject[:300],
                body=message.body,
                payload=message.payload,
                idempotency_key=key,
            )
    return _insert_new(rows)


def _insert_new(rows: dict[str, Notification]) -> list[Notification]:
    if not rows:
        return []
    existing = set(
        Notification.objects.filter(idempotency_key__in=rows).values_list(
            "idempotency_key", flat=True
        )
    )
    new = [row for key, row in rows.items() if key not in existing]
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(new)
    except IntegrityError:
        # Someone queued the same event concurrently: fall back to one row at a time.
        created = []
        for row in new:
            with transaction.atomic():
                _, was_new = Notification.objects.get_or_create(
                    idempotency_key=row.idempotency_key,
                    defaults={
                        f.name: getattr(row, f.name)
                        for f in Notification._meta.concrete_fields
                        if not f.primary_key and f.name != "idempotency_key"
                    },
                )
            if was_new:
                created.append(Notification.objects.get(idempotency_key=row.idempotency_key))
    _deliver_after_commit(created)
    return created


def notify_people(
    *,
    team: Team,
    emails: Iterable[str],
    event: str,
    subject: str,
    body: str,
    payload: dict[str, Any],
    key: str,
) -> list[Notification]:
    """Queue an email to named people (team leads, the platform role) about ``team``'s matter;
    idempotent by ``key`` and address like :func:`notify_teams`."""
    rows = {
        f"{key}:{email}": Notification(
            team=team,
            channel=Notification.Channel.EMAIL,
            recipient=email,
            event=event,
            subject=subject[:300],
            body=body,
            payload=payload,
            idempotency_key=f"{key}:{email}",
        )
        for email in sorted({e for e in emails if e})
    }
    return _insert_new(rows)


def escalation_emails(team: Team) -> list[str]:
    """Who hears of an escalation about ``team``: its leads and the platform role."""
    leads = Membership.objects.filter(team=team, role=Membership.Role.LEAD).values_list(
        "user__email", flat=True
    )
    platform = get_user_model().objects.filter(is_staff=True, is_active=True)
    return sorted({*leads, *platform.values_list("email", flat=True)} - {""})


def _deliver_after_commit(notifications: list[Notification]) -> None:
    if not notifications:
        return
    # Imported here: the tasks module imports this one.
    from catalog.tasks import deliver_notification, deliver_notifications, enqueue

    ids = [n.pk for n in notifications]
    if len(ids) == 1:
        transaction.on_commit(lambda: enqueue(deliver_notification, ids[0]))
    else:
        # One message from the request; a worker fans it out into one task per notification,
        # so each keeps its own retries and a slow webhook blocks nobody else.
        transaction.on_commit(lambda: enqueue(deliver_notifications, ids))


def notification_deliver(notification_id: int, *, final_attempt: bool) -> bool:
    """Send one notification if it is still pending. Returns whether it was sent.

    Raises DeliveryError on a transient failure unless ``final_attempt``, in which case the
    notification is marked failed with the error (visible, counted, retryable by hand)."""
    now = timezone.now()
    lease = datetime.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS)
    claimable = Q(status=Notification.Status.PENDING) | Q(
        status=Notification.Status.SENDING, claimed_at__lt=now - lease
    )
    claimed = Notification.objects.filter(claimable, pk=notification_id).update(
        status=Notification.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("team").get(pk=notification_id)
    try:
        if notification.channel == Notification.Channel.EMAIL:
            _send_email(notification)
        else:
            _post_webhook(notification)
    except DeliveryError as exc:
        status = Notification.Status.FAILED if final_attempt else Notification.Status.PENDING
        Notification.objects.filter(pk=notification_id).update(
            status=status, last_error=str(exc)[:2000]
        )
        if final_attempt:
            return False
        raise
    Notification.objects.filter(pk=notification_id).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


@transaction.atomic
def notification_retry(*, actor: AnyUser, notification: Notification) -> Notification:
    """Send a failed notification again (members of its team, or the platform role).

    The row goes back to pending and a delivery is queued after commit. Only a failed
    notification can be retried: the status change is a conditional update, so of two retries
    racing for one notification exactly one queues a delivery and the other is refused."""
    require_team(actor, notification.team, "retry its notifications")
    reset = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.FAILED
    ).update(status=Notification.Status.PENDING)
    # Only the delivery state: reloading the team would drop the one the caller loaded.
    notification.refresh_from_db(fields=["status", "attempts", "last_error", "sent_at"])
    if not reset:
        raise ApplicationError(
            "Only a failed notification can be retried; this one is "
            f"{notification.get_status_display().lower()}.",
            code="not_failed",
        )
    audit_record(
        actor=actor,
        verb="notification.retried",
        obj=notification,
        team=notification.team,
        before={"status": Notification.Status.FAILED, "last_error": notification.last_error},
        after={"status": notification.status},
    )
    # Imported here: the tasks module imports this one.
    from catalog.tasks import deliver_notification, enqueue

    notification_id = notification.pk
    transaction.on_commit(lambda: enqueue(deliver_notification, notification_id))
    return notification


def _send_email(notification: Notification) -> None:
    to = notification.recipient or notification.team.contact_email
    try:
        send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception as exc:  # smtplib and socket errors are all worth another try
        raise DeliveryError(f"email to {to} failed: {exc}") from exc


def _post_webhook(notification: Notification) -> None:
    # Slack-compatible: a `text` for chat tools, the structured fields for everything else.
    data = json.dumps(
        {
            "text": f"*{notification.subject}*\n{notification.body}",
            "event": notification.event,
            **notification.payload,
        }
    ).encode()
    request = urllib.request.Request(
        notification.team.webhook_url,
        data=data,
        headers={"Content-Type": "application/json", "User-Agent": "contract-catalog"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            if response.status >= 300:
                raise DeliveryError(f"webhook answered HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"webhook unreachable: {exc}") from exc


def pending_notification_ids(*, older_than_seconds: int) -> list[int]:
    """Notifications whose task was lost: pending since before the cutoff (the broker was down
    at commit time), or claimed by a worker that died before finishing (lease expired)."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=older_than_seconds)
    lease = datetime.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS)
    lost = Q(status=Notification.Status.PENDING, created_at__lt=cutoff) | Q(
        status=Notification.Status.SENDING, claimed_at__lt=now - lease
    )
    return list(Notification.objects.filter(lost).values_list("pk", flat=True)[:500])
