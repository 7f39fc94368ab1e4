"""Who may change what. Every service calls one of these before it writes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied

from catalog.models import Membership, Team, Topic

AnyUser = AbstractBaseUser | AnonymousUser


def is_platform(user: AnyUser) -> bool:
    """The platform role (staff users) may act on everything and is the escalation target."""
    return bool(user.is_authenticated and getattr(user, "is_staff", False))


def user_team_ids(user: AnyUser) -> set[int]:
    if not user.is_authenticated:
        return set()
    # Cached on the user object, which lives for one request: pages ask several times.
    cached: set[int] | None = user.__dict__.get("_catalog_team_ids")
    if cached is None:
        cached = set(Membership.objects.filter(user_id=user.pk).values_list("team_id", flat=True))
        user.__dict__["_catalog_team_ids"] = cached
    return cached


def can_act_for_team(user: AnyUser, team: Team) -> bool:
    return is_platform(user) or team.pk in user_team_ids(user)


def can_manage_topic(user: AnyUser, topic: Topic) -> bool:
    """Owner-team members (and the platform role) change a topic, its SLA and semantics."""
    if is_platform(user):
        return True
    return topic.owner_id is not None and topic.owner_id in user_team_ids(user)


def require_team(user: AnyUser, team: Team, action: str) -> None:
    if not can_act_for_team(user, team):
        raise PermissionDenied(f"Only members of team {team.slug} may {action}.")


def require_topic_owner(user: AnyUser, topic: Topic, action: str) -> None:
    if not can_manage_topic(user, topic):
        owner = topic.owner.slug if topic.owner else "the owning team"
        raise PermissionDenied(f"Only members of {owner} may {action} {topic.name}.")
