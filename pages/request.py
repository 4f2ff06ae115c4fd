"""Page "Demande d'intervention" (being wired)."""

from __future__ import annotations

import streamlit as st

from pages import _common

s = _common.settings()
st.title("Demande d'intervention")
st.info("Cette page sera disponible sous peu.")
