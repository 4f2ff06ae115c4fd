"""Staff page "Paramètres": company, zones, tariff, technicians, regions, map exports, and the
company's mailbox and SMS account (settings in force, the worker's health, a test message).

Values are saved to ``<data dir>/settings.toml`` (the file the whole product reads); the
region itself (shop position, radii) is built on the home page.
"""

from __future__ import annotations

import json
from datetime import time

import pandas as pd
import streamlit as st

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office import administration, messages_desk, policy, region_setup
from maps import export
from views import _access, _common, _messages

s = _common.settings()
user = _access.require(s, "views/parametres.py")
st.title(_("Settings"))


def _save(new) -> None:
    path = administration.save_settings(new)
    st.success(_("Settings saved in {path}.").format(path=_common.plain(path)))


tab_company, tab_policy, tab_tariff, tab_techs, tab_region, tab_mail = st.tabs(
    [_("Company"), _("Policy"), _("Rates"), _("Technicians"), _("Region and map"), _("E-mail and SMS")]
)

with tab_company, st.form("company_form"):
    g = s.general
    name = st.text_input(_("Company name"), g.company_name)
    address = st.text_input(_("Address"), g.company_address)
    c1, c2 = st.columns(2)
    phone = c1.text_input(_("Phone"), g.company_phone)
    email = c2.text_input(_("Email"), g.company_email)
    if st.form_submit_button(_("Save")):
        _save(administration.company_settings(s, name=name, address=address, phone=phone, email=email))

with tab_company, st.form("legal_form"):
    st.write(_("**Printed on every invoice.** No invoice is issued while these are the placeholders."))
    b = s.billing
    legal_name = st.text_input(_("Legal name"), s.general.company_name, key="legal_name")
    legal_address = st.text_input(_("Legal address"), s.general.company_address, key="legal_address")
    c1, c2 = st.columns(2)
    gst = c1.text_input(_("GST registration number"), b.gst_number, key="legal_gst")
    qst = c2.text_input(_("QST registration number"), b.qst_number, key="legal_qst")
    c3, c4 = st.columns(2)
    interac = c3.text_input(_("Interac e-Transfer address"), b.interac_email, key="legal_interac")
    paypal = c4.text_input(_("PayPal link (https://…, optional)"), b.paypal_link, key="legal_paypal")
    if st.form_submit_button(_("Save the legal details")):
        try:
            new = administration.legal_settings(
                s, legal_name=legal_name, address=legal_address, gst_number=gst, qst_number=qst,
                interac_email=interac, paypal_link=paypal,
            )
        except DispatchError as err:
            _common.error_box(err)
        else:
            _save(new)

with tab_policy:
    pdb = _common.database(s)
    doc = policy.policy_in_force(pdb, s, actor=f"user:{user.username}")
    st.write(_("**Version {version}** in force since {when} · SHA-256 `{sha}`").format(
        version=doc.version, when=_common.long_date(doc.created_at), sha=doc.sha256))
    st.caption(_("The customer reads this document and signs it on the technician's phone before "
                 "the diagnostic. A change makes a new version; signatures keep the version they were given."))
    text = st.text_area(_("The policy (Markdown)"), doc.text, height=360, key=f"policy_text_{doc.version}")
    with st.expander(_("Preview"), expanded=False):
        st.markdown(text)  # the administrator's own document
    if st.button(_("Save as a new version"), key="policy_save", type="primary"):
        try:
            new_doc = policy.set_policy(pdb, text, actor=f"user:{user.username}")
        except DispatchError as err:
            _common.error_box(err)
        else:
            st.session_state["policy_notice"] = _("Policy saved: version {version}.").format(version=new_doc.version)
            st.rerun()
    notice = st.session_state.pop("policy_notice", None)
    if notice:
        st.success(notice)

with tab_tariff, st.form("tariff_form"):
    t = s.tariff
    c1, c2, c3 = st.columns(3)
    core_flat = c1.text_input(_("Core zone flat fee ($)"), str(t.core_flat))
    ext_flat = c2.text_input(_("Extended zone flat fee ($)"), str(t.extended_flat))
    per_km = c3.text_input(_("Per km beyond the core zone ($)"), str(t.extended_per_km))
    b = s.billing
    c4, c5 = st.columns(2)
    hourly = c4.text_input(_("Diagnostic hourly rate ($)"), str(b.hourly_rate))
    increment = c5.number_input(_("Billed in increments of (min)"), 1, 60, b.increment_min)
    if st.form_submit_button(_("Save")):
        try:
            new = administration.tariff_settings(
                s, core_flat=core_flat, extended_flat=ext_flat, extended_per_km=per_km,
                hourly_rate=hourly, increment_min=int(increment),
            )
        except DispatchError as err:
            _common.error_box(err)
        else:
            _save(new)

with tab_techs:
    db = _common.database(s)
    techs = administration.roster(db)
    if techs:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        _("Name"): t.name,
                        _("Shift"): f"{_common.hhmm(t.shift_start)} – {_common.hhmm(t.shift_end)}",
                        _("Lunch"): f"{t.break_min} min" if t.break_start else "—",
                        _("Skills"): ", ".join(t.skills),
                        _("Active"): _("yes") if t.active else _("no"),
                    }
                    for t in techs
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    with st.form("tech_form", clear_on_submit=True):
        st.write(_("Add a technician"))
        c1, c2, c3 = st.columns(3)
        tname = c1.text_input(_("Name"))
        start = c2.time_input(_("Shift start"), time(8, 0))
        end = c3.time_input(_("Shift end"), time(17, 0))
        skills = st.multiselect(_("Skills"), ["pc", "mac", "reseau"], default=["pc"])
        if st.form_submit_button(_("Add")):
            try:
                administration.add_technician(db, name=tname, shift_start=start, shift_end=end,
                                              skills=skills, actor="paramètres")
            except DispatchError as err:
                _common.error_box(err)
            else:
                st.rerun()

with tab_region:
    names = _common.region_names(s)
    if not names:
        st.info(_("No region built: see the Home page."))
    else:
        current = _common.region_name(s)
        choice = st.selectbox(_("Region in use"), names, index=names.index(current), key="region_pick")
        st.session_state["region_name"] = choice
        reg = _common.region(s)
        st.subheader(_("Shop and zones"))
        with st.form("zones_form"):
            shop_txt = st.text_input(
                _("Shop position (latitude, longitude)"), f"{reg.shop.lat:.6f}, {reg.shop.lon:.6f}"
            )
            c1, c2 = st.columns(2)
            core_km = c1.number_input(_("Core zone (km)"), 1.0, 100.0, float(reg.core_km))
            ext_km = c2.number_input(_("Extended zone (km)"), 1.0, 150.0, float(reg.extended_km))
            if st.form_submit_button(_("Apply (rebuilds the region)")):
                try:
                    with st.spinner(_("Rebuilding the region…")):
                        region_setup.rebuild_region(reg, shop=shop_txt, core_km=core_km,
                                                    extended_km=ext_km, settings=s)
                except DispatchError as err:
                    _common.error_box(err)
                else:
                    st.success(_("Shop and zones updated."))
                    st.rerun()
        st.subheader(_("Territory map for the website"))
        st.write(
            _(
                "A self-contained HTML file (no connection needed) for the website's \"View full "
                "screen\" link, and the territory as GeoJSON."
            )
        )
        c1, c2 = st.columns(2)
        if c1.button(_("Prepare the files"), key="export_prepare"):
            with st.spinner(_("Preparing…")):
                st.session_state["export_html"] = export.service_area_html(reg, settings=s)
                st.session_state["export_geojson"] = json.dumps(
                    export.service_area_geojson(reg, settings=s), ensure_ascii=False
                )
        if "export_html" in st.session_state:
            c1.download_button(_("Self-contained HTML map"), st.session_state["export_html"],
                               file_name="territoire.html", mime="text/html", key="export_html_dl")
            c2.download_button(_("Territory (GeoJSON)"), st.session_state["export_geojson"],
                               file_name="territoire.geojson", mime="application/geo+json",
                               key="export_geojson_dl")

with tab_mail:
    st.write(_("Messages to customers (acknowledgement, appointment, reminder, on the way, invoice) "
               "go out through the company's mailbox (SMTP) and SMS account. Without an SMTP "
               "server they wait, queued, on the Messages page."))  # fmt: skip
    lines = messages_desk.messaging_settings(s)
    st.dataframe(
        pd.DataFrame([{_("Section"): f"[{ln.section}]", _("Setting"): ln.name, _("Value"): ln.value,
                       _("Environment variable"): ln.env} for ln in lines]),
        hide_index=True, width="stretch",
    )  # fmt: skip
    st.caption(_("Passwords and tokens are never shown. An environment variable (OPMS_MAIL__SMTP_HOST …) "
                 "overrides the file; the SMS account is set in the file or the environment."))  # fmt: skip
    with st.form("mail_form"):
        m = s.mail
        c1, c2, c3 = st.columns([3, 1, 1])
        host = c1.text_input(_("SMTP server"), m.smtp_host, key="mail_host")
        port = c2.text_input(_("Port"), str(m.smtp_port), key="mail_port")
        security_labels = {"starttls": "STARTTLS (587)", "ssl": "SSL/TLS (465)",
                           "none": _("None (local relay, 25)")}
        security = c3.selectbox(_("Security"), list(security_labels), key="mail_security",
                                format_func=security_labels.__getitem__,
                                index=list(security_labels).index(m.smtp_security))  # fmt: skip
        c4, c5 = st.columns(2)
        login = c4.text_input(_("SMTP login"), m.smtp_user, key="mail_user")
        password = c5.text_input(_("SMTP password (empty: unchanged)"), "", type="password", key="mail_password")
        c6, c7 = st.columns(2)
        sender = c6.text_input(_("Sender address"), m.from_address, key="mail_from")
        public = c7.text_input(_("Public address of the dashboard (links)"), m.public_url, key="mail_public")
        if st.form_submit_button(_("Save")):
            try:
                new = messages_desk.update_mail_settings(
                    s, smtp_host=host, smtp_port=port, smtp_user=login, smtp_security=security,
                    from_address=sender, public_url=public, smtp_password=password,
                )  # fmt: skip
            except DispatchError as err:
                _common.error_box(err)
            else:
                _save(new)
    mdb = _common.database(s)
    h = messages_desk.worker_health(mdb, s)
    _messages.worker_state(h, running=st.success)
    for j in h.jobs:
        if j.last_error:
            st.error(_("{job}: {error}").format(job=messages_desk.job_label(j.name), error=_common.plain(j.last_error)))
    st.subheader(_("Send a test message"))
    c1, c2 = st.columns([3, 1])
    to = c1.text_input(_("E-mail address"), key="mail_test_to", placeholder="patron@example.com")
    if c2.button(_("Send a test message"), key="mail_test_send", type="primary"):
        try:
            ref = messages_desk.send_test_message(s, to)
        except DispatchError as err:
            _common.error_box(err)
        else:
            st.success(_("Test message sent to {to} ({ref}).").format(to=_common.plain(to), ref=_common.plain(ref)))
