"""The signature pad (``streamlit-drawable-canvas``) measured on a phone-width page.

The technician's phone (390×844, touch, Debian's chromium) opens a visit on "Technicien",
taps "Je suis arrivé" and the policy appears with its signature pad. Measured per visit:

* ``pad_s``: from the tap to the pad drawn (the Fabric.js ``canvas.upper-canvas`` visible);
* ``signed_s``: from the tap on "Signer la politique" (after a finger-like stroke drawn with
  the mouse) to the page showing "Politique signée" (the PNG sent to the server, checked for
  ink and stored);
* ``png_bytes``: the size of the stored signature PNG;
* ``pad_right_px``: where the pad ends, against the 390 px screen (it must fit);
* ``component_kb``: what the browser downloaded for the component (its JavaScript bundle),
  once per session.

The first visit warms the server up (imports, the component's files) and is reported apart.
Run: ``.venv/bin/python benchmarks/bench_signature_pad.py``. Writes
``benchmarks/results/signature_pad.json``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers.dashboard import (  # noqa: E402
    Dashboard,
    add_staff,
    external,
    launch_chromium,
    prepare_data_dir,
    record_requests,
)
from tests.views import visit_paths as vp  # noqa: E402
from tests.views.browsing import login  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "signature_pad.json"


def _stored_png_bytes(data_dir: Path, request_id: int) -> int:
    """Size of the policy signature stored for the request's visit."""
    import sqlalchemy as sa

    from dispatch import records
    from dispatch.records.schema import SignatureRow
    from dispatch.settings import load_settings

    db = records.open_database(settings=load_settings(data_dir=data_dir))
    try:
        with db.read() as s:
            rows = s.execute(sa.select(SignatureRow).where(SignatureRow.request_id == request_id)).scalars().all()
            return max((len(r.png) for r in rows), default=0)
    finally:
        db.close()


def main() -> int:
    from dispatch.office.planning import TZ

    visits = []
    with tempfile.TemporaryDirectory() as tmp:
        data = prepare_data_dir(Path(tmp) / "data")
        ids = vp.seed_paths(data, datetime.now(TZ).date())
        add_staff(data)
        with Dashboard(data) as dash, launch_chromium() as browser:
            context = browser.new_context(viewport=vp.PHONE, is_mobile=True, has_touch=True)
            page = context.new_page()
            urls = record_requests(page)
            sizes: dict[str, int] = {}
            page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body()))
                    if "streamlit_drawable_canvas" in r.url and r.ok else None)
            login(page, dash, "tech1")
            vp.go(page, "Technicien")
            for letter in "abcdf":
                rid = ids[letter]
                box = vp.card(page, rid)
                t0 = time.perf_counter()
                box.get_by_role("button", name="Je suis arrivé", exact=True).first.click()
                pad = vp.card(page, rid).locator("canvas.upper-canvas").first
                pad.wait_for(state="visible")
                pad_s = time.perf_counter() - t0
                vp.settle(page)
                box = vp.card(page, rid)
                vp.sign(page, box)
                pad = box.locator("canvas.upper-canvas").first
                bb = pad.bounding_box() or {"x": 0, "width": 0}
                box.get_by_label("Nom de la personne qui signe").fill(vp.NAMES[letter])
                t1 = time.perf_counter()
                box.get_by_role("button", name="Signer la politique", exact=True).first.click()
                box.get_by_text("Politique signée").first.wait_for()
                signed_s = time.perf_counter() - t1
                vp.settle(page)
                visits.append({
                    "request": rid, "pad_s": round(pad_s, 3), "signed_s": round(signed_s, 3),
                    "png_bytes": _stored_png_bytes(data, rid), "pad_right_px": round(bb["x"] + bb["width"]),
                })
                print(visits[-1])
            leaks = external(urls)
            context.close()
    warm = visits[1:]
    result = {
        "command": "python benchmarks/bench_signature_pad.py",
        "viewport": vp.PHONE,
        "first_visit": visits[0],
        "after_warm_up": {
            key: {"min": min(v[key] for v in warm), "median": statistics.median(v[key] for v in warm),
                  "max": max(v[key] for v in warm)}
            for key in ("pad_s", "signed_s", "png_bytes", "pad_right_px")
        },
        "component_kb": round(sum(sizes.values()) / 1024, 1),
        "requests_off_127": sorted(leaks),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg": os.getloadavg()},
    }
    OUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main())
