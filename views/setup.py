"""Staff page "Mise en route" (admin): what a real company sets before its first customer.

The checklist (:func:`dispatch.office.setup_checklist.setup_checklist`): shop address and
region, technicians, rates, legal name and GST/QST numbers, policy text, e-mail. Each item says
whether it is done and what is in force, with a link to the page that does it.
"""

from __future__ import annotations

import streamlit as st

from dispatch.i18n import _
from dispatch.office.setup_checklist import setup_checklist
from views import _access, _common

s = _common.settings()
user = _access.require(s, "views/setup.py")
st.title(_("Getting started"))
st.write(_(
    "What a company sets once before its first customer. Each item links to the page that "
    "does it; come back here to see what is left."
))

checklist = setup_checklist(s, _common.database(s))
items = [i for i in checklist.items if i.available]
done = sum(1 for i in items if i.done)
st.progress(done / len(items) if items else 1.0,
            text=_("{done} of {total} done").format(done=done, total=len(items)))
if checklist.complete:
    st.success(_("Everything is set: the company is ready for its first customer."))
elif checklist.missing_for_invoice:
    st.warning(_("Before the first invoice: {items}.").format(
        items=", ".join(_common.plain(i.title) for i in checklist.missing_for_invoice)))

for item in checklist.items:
    with st.container(border=True, key=f"setup_{item.key}"):
        if not item.available:
            icon = ":material/hourglass_empty:"
        elif item.done:
            icon = ":material/check_circle:"
        else:
            icon = ":material/radio_button_unchecked:"
        state = _("done") if item.done else (_("not available") if not item.available
                                              else _("to do"))
        st.markdown(f"{icon} **{_common.plain(item.title)}** — {state}")
        st.caption(_common.plain(item.detail))
        if item.available:
            label = (_("Open {page} › {place}") if item.place else _("Open {page}")).format(
                page=_("Home") if item.page == "views/welcome.py" else _("Settings"),
                place=item.place,
            )
            st.page_link(item.page, label=label, icon=":material/arrow_forward:")
