"""How topics appear as ordinary buffers (``docs/topics.md``, C#'s ``TopicNames``): subscriber ``S``
of topic ``T`` with policy ``P`` owns the buffer ``T.sub-P-S`` (``P`` is ``block``, ``drop-newest``
or ``latest-only``, ``S`` is 1-32 ASCII letters and digits), so any protocol-1.0 reader subscribes
by creating a buffer of such a name; the live publisher holds the lock file
``/dev/shm/zerobuffer-topic@T``. The only place these formats are spelled out in Python."""

from __future__ import annotations

import os
import re
import secrets
from typing import Optional

from .._protocol import names
from .delivery_policy import DeliveryPolicy

SUBSCRIBER_INFIX = ".sub-"
"""What separates the topic from the rest of a subscriber's buffer name."""

MAX_SUBSCRIBER_ID_LENGTH = 32
"""Longest subscriber id."""

_POLICY_NAMES = {DeliveryPolicy.BLOCK: "block", DeliveryPolicy.DROP_NEWEST: "drop-newest", DeliveryPolicy.LATEST_ONLY: "latest-only"}

MAX_TOPIC_LENGTH = (names.MAX_NAME_LENGTH - len(SUBSCRIBER_INFIX) - max(len(p) for p in _POLICY_NAMES.values()) - 1
                    - MAX_SUBSCRIBER_ID_LENGTH)
"""Longest topic name (151): a subscriber's buffer name, with the longest policy and id, is still a valid buffer name."""

PUBLISHER_LOCK_PREFIX = "zerobuffer-topic@"
"""The file prefix of the publisher's lock in /dev/shm (``@`` never occurs in a buffer name)."""

_SUBSCRIBER_ID = re.compile(r"[A-Za-z0-9]{1,%d}\Z" % MAX_SUBSCRIBER_ID_LENGTH)


def validate_topic(topic: object) -> str:
    """Raises :class:`ValueError` naming the rule when ``topic`` is not a valid topic name."""
    if not names.is_valid(topic) or len(topic) > MAX_TOPIC_LENGTH:  # type: ignore[arg-type]
        raise ValueError('Invalid topic name %r: a topic must be 1-%d characters from [A-Za-z0-9._-], not "." or "..".'
                         % (topic, MAX_TOPIC_LENGTH))
    return topic  # type: ignore[return-value]


def validate_subscriber_id(subscriber_id: object) -> str:
    """Raises :class:`ValueError` when ``subscriber_id`` is not 1-32 ASCII letters and digits."""
    if not isinstance(subscriber_id, str) or _SUBSCRIBER_ID.match(subscriber_id) is None:
        raise ValueError("Invalid subscriber id %r: an id must be 1-%d ASCII letters and digits."
                         % (subscriber_id, MAX_SUBSCRIBER_ID_LENGTH))
    return subscriber_id


def policy_name(policy: DeliveryPolicy) -> str:
    """The policy as it appears in names and on the command line: ``block``, ``drop-newest``, ``latest-only``."""
    return _POLICY_NAMES[policy]


def try_parse_policy(text: Optional[str]) -> Optional[DeliveryPolicy]:
    """Parses ``block``, ``drop-newest`` or ``latest-only`` (case-insensitive); None for anything else."""
    lowered = text.lower() if isinstance(text, str) else None
    return next((policy for policy, name in _POLICY_NAMES.items() if name == lowered), None)


def subscriber_buffer(topic: str, policy: DeliveryPolicy, subscriber_id: str) -> str:
    """The buffer subscriber ``subscriber_id`` of ``topic`` owns."""
    validate_topic(topic)
    validate_subscriber_id(subscriber_id)
    return topic + SUBSCRIBER_INFIX + policy_name(policy) + "-" + subscriber_id


def try_parse_subscriber(topic: str, buffer_name: str) -> Optional[tuple[DeliveryPolicy, str]]:
    """(policy, id) when ``buffer_name`` is a subscriber buffer of ``topic``, else None. Exact: a
    subscriber of topic ``T.sub-x`` is never taken for one of ``T``, since an id has no dot."""
    prefix = topic + SUBSCRIBER_INFIX
    if not buffer_name.startswith(prefix):
        return None
    rest = buffer_name[len(prefix):]
    for policy, name in _POLICY_NAMES.items():
        subscriber_id = rest[len(name) + 1:]
        if rest.startswith(name + "-") and _SUBSCRIBER_ID.match(subscriber_id) is not None:
            return policy, subscriber_id
    return None


def publisher_lock_file(topic: str) -> str:
    """The publisher's lock file: ``/dev/shm/zerobuffer-topic@T`` (the one C#'s publisher locks too)."""
    return os.path.join(names.SHM_DIRECTORY, PUBLISHER_LOCK_PREFIX + topic)


def _new_subscriber_id() -> str:
    """A fresh subscriber id, 12 hex digits: unique across processes and containers (random, not a PID, which containers reuse)."""
    return secrets.token_hex(6)
