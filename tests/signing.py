"""A drawn signature and the policy in force, for tests that walk a visit."""

from __future__ import annotations

import io
from functools import cache


@cache
def signature_png(width: int = 300, height: int = 120) -> bytes:
    """A real PNG with a few ink strokes (as a phone's canvas gives it: RGBA, transparent)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.line([(20, 90), (60, 30), (100, 95), (140, 35), (180, 90), (260, 60)], fill=(0, 0, 0, 255), width=4)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def blank_png(width: int = 300, height: int = 120) -> bytes:
    """An empty canvas (no ink): not a signature."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 0, 0, 0)).save(buf, format="PNG")
    return buf.getvalue()


def sign_policy(db, request_id: int, *, actor: str = "tech", signer: str = "Marie Tremblay", at=None):
    """The customer signs the policy in force (the test default text, stored on first use)."""
    from dispatch import records

    policy = records.current_policy(db) or records.store_policy(
        db, "# Politique de service (test)\n\nDiagnostic facturé au temps.", actor="test"
    )
    return records.record_policy_signed(
        db, request_id, policy=policy, signer_name=signer, signature_png=signature_png(), actor=actor, at=at
    )
