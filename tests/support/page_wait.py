"""Waiting for a condition inside a page served with our Content-Security-Policy.

Playwright's `wait_for_function` polls its predicate through `eval` inside the page,
which the policy (script-src 'self') rightly refuses as soon as the first check is
false. This polls in one `page.evaluate` instead, which runs over the DevTools protocol.
"""

from __future__ import annotations

from typing import Any

from tests.support.waiting import HANG_GUARD


def wait_in_page(page: Any, predicate: str, *, timeout_ms: float = HANG_GUARD * 1000) -> None:
    """Waits until `predicate` (JS source of a function, may be async) returns true; the
    bound only stops a hang."""
    page.evaluate(
        f"""async () => {{
            const ready = {predicate};
            const deadline = Date.now() + {int(timeout_ms)};
            for (;;) {{
                if (await ready()) return;
                if (Date.now() > deadline) throw new Error("timed out waiting in the page");
                await new Promise(r => setTimeout(r, 100));
            }}
        }}"""
    )
