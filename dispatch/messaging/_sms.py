"""Text messages through an HTTP SMS API in Twilio's REST form.

``POST {url}/Accounts/{account}/Messages.json`` with the form fields ``To``, ``From`` and
``Body`` and HTTP basic authentication (account, token); the answer (``201``) is a JSON
object with the message's ``sid``. Twilio, and the providers that copy its API (Telnyx's and
SignalWire's compatibility endpoints, among others), answer this way.

Errors: ``429`` and ``5xx`` and an unreachable server are retried later (``connection``:
the rest of the pass waits); ``401``/``403`` (wrong account or token) too, since the office
can fix the settings; any other ``4xx`` (an invalid or unsubscribed number) is permanent.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

import requests

from dispatch.i18n import N_
from dispatch.messaging._smtp import DeliveryError

if TYPE_CHECKING:
    from dispatch.messaging.outbox import OutboxMessage
    from dispatch.settings import Settings


def messages_url(url: str, account: str) -> str:
    """The API's endpoint for sending a message."""
    return f"{url.rstrip('/')}/Accounts/{account}/Messages.json"


def _reason(resp: requests.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text[:200]
    if isinstance(data, dict):
        return str(data.get("message") or data.get("detail") or data)[:200]
    return str(data)[:200]


class SmsTransport:
    """Sends outbox text messages (one HTTP session per pass)."""

    def __init__(self, settings: Settings) -> None:
        self.sms = settings.sms
        self._http = requests.Session()

    def send(self, msg: OutboxMessage) -> str:
        """Send one text message; returns the provider's id (``sid``). Raises :class:`DeliveryError`."""
        s = self.sms
        if not (s.enabled and s.account and s.token and s.from_number):
            message = N_("SMS is not configured: set [sms] enabled, account, token and from_number.")
            raise DeliveryError(message, connection=True)
        url = messages_url(s.url, s.account)
        try:
            resp = self._http.post(
                url, data={"To": msg.recipient, "From": s.from_number, "Body": msg.body},
                auth=(s.account, s.token), timeout=s.timeout_s,
            )  # fmt: skip
        except requests.RequestException as err:
            message = N_("The SMS service {url} does not answer ({reason}); the messages wait and will be sent later.")
            raise DeliveryError(message, connection=True, url=s.url, reason=type(err).__name__) from err
        if resp.status_code in (200, 201):
            try:
                return str(resp.json().get("sid", ""))
            except (ValueError, AttributeError):
                return ""
        reason = _reason(resp)
        if resp.status_code in (401, 403):
            message = N_("The SMS service refused the account or the token ({code}): check [sms] account and token.")
            raise DeliveryError(message, connection=True, code=resp.status_code)
        if resp.status_code == 429 or resp.status_code >= 500:
            message = N_("The SMS service is unavailable ({code} {reason}); the messages will be sent later.")
            raise DeliveryError(message, connection=True, code=resp.status_code, reason=reason)
        message = N_("The SMS service refused the message to {number}: {code} {reason}")
        raise DeliveryError(message, permanent=True, number=msg.recipient, code=resp.status_code, reason=reason)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SmsTransport:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


__all__ = ["SmsTransport", "messages_url"]
