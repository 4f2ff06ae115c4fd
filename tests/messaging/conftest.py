"""Fixtures of the messaging tests: a real SMTP server and an SMS API stand-in on 127.0.0.1,
a database (SQLite and PostgreSQL) and settings pointing at them."""

from __future__ import annotations

import pytest

from tests.messaging.sms_server import SmsApi

# The database fixtures (SQLite and PostgreSQL) of tests/storage_support.py, for every module here.
from tests.storage_support import db, db_settings, db_url, pg_database, sqlite_template  # noqa: F401


@pytest.fixture()
def sms_api():
    api = SmsApi().start()
    yield api
    api.stop()


@pytest.fixture()
def mail_settings(settings, smtp, sms_api):
    """Settings sending e-mail to the local SMTP server and SMS to the local API."""
    s = settings.with_section(
        "general", company_name="OPMS Informatique", company_phone="450 555-0000",
        company_email="bureau@opms.example",
    )
    s = s.with_section(
        "mail", smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none",
        from_address="rv@opms.example", timeout_s=5.0, lease_s=3.0, public_url="https://rv.opms.example",
    )
    return s.with_section(
        "sms", enabled=True, url=sms_api.url, account=sms_api.account, token=sms_api.token,
        from_number="+14505550000",
    )
