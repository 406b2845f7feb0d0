"""Scripted kiosk sessions, run inside the real app by driver.py. Each is a generator.

``p.params`` carries what the test prepared on the real server (pickup QR payloads in
several states); frames are made here from them with kiosk_app.qr_images, the same way a
phone screen or a receipt would look to the camera.
"""

from __future__ import annotations

from typing import Any

from kiosk_app import qr_images


def _events(p: Any, kind: str) -> list[dict[str, Any]]:
    return [e for e in p.app.events if e["kind"] == kind]


def _scan_outcome(p: Any) -> str:
    found = _events(p, "scan_result")
    return str(found[-1]["outcome"]) if found else ""


def _result_shown(p: Any, *outcomes: str) -> Any:
    """Wait for a result screen with one of ``outcomes`` that came after this call."""
    res = p.app.screen("result")
    token = res.token
    return p.until(
        lambda: (
            p.app.sm.current == "result"
            and res.token != token
            and res.state == "shown"
            and res.outcome in outcomes
        ),
        what=f"result {outcomes}",
    )


def _duplicate_window_passed(p: Any, payload: str) -> Any:
    """Wait until the kiosk takes ``payload`` as a new scan, not a repeat: its duplicate
    window counts from the last frame that held the code, which a busy scanner thread may
    decode well after the screen moved on."""
    dedupe = p.app.deduper

    def passed() -> bool:
        seen = dedupe._seen.get(payload)  # only a look: is_new() would count as a sighting
        return seen is None or dedupe._clock() - seen > dedupe.window

    return p.until(passed, what="the duplicate window to pass")


def _home(p: Any) -> Any:
    p.app.go_home()
    yield p.screen_is("home")


def smoke(p: Any) -> Any:
    yield p.screen_is("home")
    p.shot("home")
    yield p.tap(p.ids("home").pickup)
    yield p.screen_is("scan")
    yield p.drawn()
    p.shot("scan")


def pickup_flow(p: Any) -> Any:
    """Camera pickup, double read, repeats, status checks, bad codes, language, idle."""
    q = p.params
    yield p.until(lambda: p.app.village, what="village name from /healthz")
    yield p.drawn()
    p.shot("home")

    # 1. Ambil Surat: a phone held up to the camera for 2 seconds (many frames, one scan).
    yield p.tap(p.ids("home").pickup)
    yield p.screen_is("scan")
    # First out of focus (too close to the lens): nothing is read yet, the preview shows it.
    scan, seq = p.app.screen("scan"), p.app.scanner.latest_frame()[0]
    p.hold_up(qr_images.blurred(q["ready1"], sigma=3.5), 8)
    yield p.until(lambda: scan._shown_seq > seq, what="the preview showing the phone")
    yield p.drawn()
    p.shot("scan-preview")
    yield p.camera_caught_up()  # all 8 frames decoded, whatever the scanner's pace
    p.check("blurry frame not read", not _events(p, "scanned"))
    # Then held still: many frames hold the code, it is read once.
    p.hold_up(qr_images.on_phone(q["ready1"]), 16)
    printing = p.app.screen("printing")
    yield p.screen_is("printing")
    p.shot("printing-progress")  # often already done: the whole job takes a few tenths
    yield p.until(lambda: printing.state in ("done", "failed"), "print finished")
    p.check("ready letter printed", printing.state == "done", printing.failure)
    p.shot("printing-done")
    p.check("double read is one scan", len(_events(p, "scanned")) == 1, _events(p, "scanned"))
    p.check("one print job", len(_events(p, "print_start")) == 1)
    yield p.tap(printing.ids.done)
    yield p.screen_is("home")

    # 2. The same letter again, from a USB scanner at the home screen: already picked up.
    yield _duplicate_window_passed(p, q["ready1"])
    shown = _result_shown(p, "already_picked_up")
    p.usb_scan(q["ready1"])
    yield shown
    p.shot("result-already-picked-up")
    yield from _home(p)

    # 3. Cek Status, tilted receipt: still being checked.
    yield p.tap(p.ids("home").status)
    yield p.screen_is("scan")
    p.hold_up(qr_images.tilted(q["in_progress"]), 4)
    yield _result_shown(p, "in_progress")
    p.shot("result-in-progress")
    texts = " ".join(p.texts(p.screen))
    p.check("status label shown", "Sedang Diperiksa" in texts, texts)
    yield from _home(p)

    # 4. Needs correction, blurred phone: the operator's message is shown.
    yield p.tap(p.ids("home").status)
    yield p.screen_is("scan")
    p.hold_up(qr_images.blurred(q["needs_correction"]), 4)
    yield _result_shown(p, "needs_correction")
    texts = " ".join(p.texts(p.screen))
    p.check("operator message shown", q["correction_message"] in texts, texts)
    p.shot("result-needs-correction")
    yield from _home(p)

    # 5. Cek Status on a ready letter offers printing; print from there.
    yield p.tap(p.ids("home").status)
    yield p.screen_is("scan")
    p.hold_up(qr_images.on_paper(q["ready2"]), 4)
    yield _result_shown(p, "ready")
    res = p.app.screen("result")
    p.check("status mode offers print", res.can_print)
    p.shot("result-ready")
    yield p.tap(res.ids.print)
    yield p.screen_is("printing")
    yield p.until(lambda: printing.state in ("done", "failed"), "print finished")
    p.check("printed from status", printing.state == "done", printing.failure)
    yield from _home(p)

    # 5b. A request filled offline on a phone: filed on the server, its ticket printed.
    yield p.tap(p.ids("home").pickup)
    yield p.screen_is("scan")
    p.hold_up(qr_images.on_phone(q["offline"]), 4)
    yield p.screen_is("ticket")
    ticket = p.app.screen("ticket")
    yield p.until(lambda: ticket.print_state in ("printed", "failed"), "ticket printed")
    p.check("offline request ticket printed", ticket.print_state == "printed")
    p.data["offline_code"] = ticket.code
    p.data["offline_qr"] = ticket.pickup_qr
    yield p.drawn()
    p.shot("ticket-offline-request")
    yield from _home(p)

    # 5c. The same offline QR shown again: the same ticket, said to be sent before; the
    # first ticket stays valid (it was voided by a new secret before issue 11).
    p.app.deduper.forget()  # a new scan, however soon after the first
    yield p.tap(p.ids("home").pickup)
    yield p.screen_is("scan")
    p.hold_up(qr_images.on_phone(q["offline"]), 4)
    yield p.until(lambda: p.app.sm.current == "ticket" and ticket.pickup_qr, what="ticket")
    yield p.screen_is("ticket")
    yield p.until(lambda: ticket.print_state in ("printed", "failed"), "ticket printed")
    texts = " ".join(p.texts(p.screen))
    p.check("offline QR again: same ticket", ticket.pickup_qr == p.data["offline_qr"])
    p.check("offline QR again: said so", "sudah pernah dikirim" in texts, texts)
    p.check("offline QR again: titled so", "Sudah Terkirim" in texts, texts)
    yield p.drawn()
    p.shot("ticket-offline-request-again")
    yield from _home(p)

    # 6. Another app's QR, then a forged pickup code, then a garbage scan.
    yield p.tap(p.ids("home").pickup)
    yield p.screen_is("scan")
    p.hold_up(qr_images.on_phone("https://wa.me/6281234567890?text=halo"), 3)
    yield _result_shown(p, "invalid")
    p.shot("result-other-app")
    yield p.tap(p.app.screen("result").ids.again)
    yield p.screen_is("scan")
    p.hold_up(qr_images.on_paper(q["forged"]), 3)
    yield _result_shown(p, "not_found", "invalid")
    p.data["forged_outcome"] = p.app.screen("result").outcome
    p.shot("result-forged")
    garbage = _result_shown(p, "garbage")
    p.app.handle_payload("   ", "pickup")  # what a damaged scan can produce
    yield garbage

    # 7. English, on a result screen.
    yield p.tap(p.app.root.ids.lang_button)
    yield p.drawn()
    p.shot("result-garbage-en")
    texts = " ".join(p.texts())
    p.check("english text", "could not be read" in texts, texts)
    yield p.tap(p.app.root.ids.lang_button)

    # 8. Walk away: the idle timeout takes the kiosk home and clears the result.
    started = p.app.events[-1]["t"]
    yield p.until(lambda: p.app.sm.current == "home", "idle home")
    p.check("idle timeout went home", _events(p, "idle_timeout"))
    p.data["idle_after"] = _events(p, "idle_timeout")[-1]["t"] - started
    res = p.app.screen("result")
    p.check("nothing left on result screen", not res.headline and not res.details)
    p.check("no UI errors", not p.app.errors, p.app.errors)


def request_flow(p: Any) -> Any:
    """New request on the on-screen keyboard, queue ticket, and typing a code by hand."""
    q = p.params
    yield p.until(lambda: p.app.village, what="village name")

    # 1. Catalog -> form.
    yield p.tap(p.ids("home").new_request)
    yield p.screen_is("catalog")
    catalog = p.app.screen("catalog")
    yield p.until(lambda: catalog.state == "shown", what="catalog loaded")
    yield p.drawn()
    p.shot("catalog")
    titles = [w.text.split("\n")[0] for w in catalog.ids.grid.children]
    p.check("only self-service types", "Surat Keterangan Kelahiran" not in titles, titles)
    target = next(w for w in catalog.ids.grid.children if w.letter_code == "domisili")
    yield p.tap(target)
    yield p.screen_is("form")
    form = p.app.screen("form")

    # Sending it empty shows what is missing, beside each field.
    yield p.tap(form.ids.submit)
    yield p.drawn()
    p.check("local errors", form.rows["applicant_nik"].error, form.rows["applicant_nik"].error)
    p.shot("form-errors")

    kb = form.ids.keyboard
    values = q["form"]
    for name, row in form.rows.items():
        if name not in values:
            continue
        form.focus_row(row)  # scrolls it into view, as tapping the field does
        if row.input is None:  # a select: tap the option
            option = next(b for b in row.body.children if b.text == values[name])
            yield p.tap(option)
            continue
        yield p.keyboard_type(kb, values[name])
        if name == "alamat":
            yield p.drawn()
            p.shot("form-typing")
    yield p.tap(form.ids.submit)
    yield p.screen_is("ticket")
    ticket = p.app.screen("ticket")
    yield p.until(lambda: ticket.print_state in ("printed", "failed"), "ticket printed")
    p.check("pickup ticket printed", ticket.print_state == "printed")
    p.data["filed_code"] = ticket.code
    p.data["filed_qr"] = ticket.pickup_qr
    yield p.drawn()
    p.shot("ticket")
    yield p.tap(ticket.ids.done)
    yield p.screen_is("home")
    p.check("form cleared", not form.rows and not form.title_text)

    # 2. Queue number.
    yield p.tap(p.ids("home").queue)
    yield p.screen_is("queue")
    queue = p.app.screen("queue")
    yield p.until(lambda: queue.state not in ("idle", "taking"), "queue ticket")
    p.check("queue ticket printed", queue.state == "printed", queue.message)
    p.data["queue_number"] = queue.number
    p.shot("queue")
    yield p.tap(queue.ids.done)
    yield p.screen_is("home")

    # 3. Type the code from a ticket (camera would not read it).
    yield p.tap(p.ids("home").pickup)
    yield p.screen_is("scan")
    yield p.tap(p.ids("scan").type_code)
    yield p.screen_is("entry")
    entry = p.app.screen("entry")
    yield p.keyboard_type(entry.ids.keyboard, q["manual_code"])
    yield p.keyboard_type(entry.ids.keyboard, q["manual_secret"])
    yield p.drawn()
    p.shot("entry")
    yield p.tap(entry.ids.submit)
    yield p.screen_is("printing")
    printing = p.app.screen("printing")
    yield p.until(lambda: printing.state in ("done", "failed"), "print finished")
    p.check("typed code printed", printing.state == "done", printing.failure)
    p.check("no UI errors", not p.app.errors, p.app.errors)


def form_on_a_slow_frame(p: Any) -> Any:
    """The focused row lands in view even when a frame takes longer than the form's 0.1 s
    follow-up scroll, as on a slow kiosk: both scrolls then run in the same frame."""
    import time

    yield p.until(lambda: p.app.village, what="village name")
    yield p.tap(p.ids("home").new_request)
    yield p.screen_is("catalog")
    catalog = p.app.screen("catalog")
    yield p.until(lambda: catalog.state == "shown", what="catalog loaded")
    yield p.tap(next(w for w in catalog.ids.grid.children if w.letter_code == "domisili"))
    yield p.screen_is("form")
    form = p.app.screen("form")
    scroll, mark = form.ids.scroll, form.rows["applicant_nik"]
    for name in ("agama", "applicant_name", "pekerjaan", "tempat_lahir"):
        yield p.drawn()
        mark.error = "" if mark.error else "-"  # a row changes height: a layout is pending
        row = form.rows[name]
        form.focus_row(row)
        time.sleep(0.3)  # this frame takes longer than the follow-up's 0.1 s
        yield p.drawn()
        yield p.drawn()
        bottom = row.to_window(row.x, row.y)[1]
        top = row.to_window(row.x, row.top)[1]
        sy = scroll.to_window(scroll.x, scroll.y)[1]
        p.check(
            f"{name} in view after a slow frame",
            sy <= bottom and top <= sy + scroll.height,
            f"row {bottom:.0f}..{top:.0f}, view {sy:.0f}..{sy + scroll.height:.0f}",
        )
    p.shot("form-after-slow-frames")


def printer_faults(p: Any) -> Any:
    """A4 printer offline: the letter stays ready, a ticket for the operator comes out.
    Receipt printer offline: no queue number is taken."""
    q = p.params
    yield p.until(lambda: p.app.village, what="village name")
    yield p.tap(p.ids("home").pickup)
    yield p.screen_is("scan")
    p.hold_up(qr_images.on_phone(q["ready1"]), 4)
    yield p.screen_is("printing")
    printing = p.app.screen("printing")
    yield p.until(lambda: printing.state == "failed" and not printing.busy, "print failed")
    p.shot("printing-failed")
    p.check("failure explained", printing.failure, printing.failure)
    p.check("operator ticket printed", _events(p, "failure_ticket")[-1]["printed"] is True)
    yield p.tap(printing.ids.done)
    yield p.screen_is("home")
    # Receipt printer goes away too: the queue button takes no number.
    p.app.receipt = p.app.make_printer(q["dead_receipt"], "receipt")
    yield p.tap(p.ids("home").queue)
    yield p.screen_is("queue")
    queue = p.app.screen("queue")
    yield p.until(lambda: queue.state not in ("idle", "taking"), "queue answer")
    p.check("no number without a printer", queue.state == "printer_down" and not queue.number)
    p.shot("queue-printer-down")


def server_outage(p: Any) -> Any:
    """The LAN drops: banner, a scan waits and goes through when the server is back."""
    q = p.params
    proxy = p.proxy
    yield p.until(lambda: p.app.server_online and p.app.village, what="online")
    proxy.enabled = False
    yield p.until(lambda: not p.app.server_online, "offline banner")
    p.shot("home-offline")
    p.usb_scan(q["ready1"])
    res = p.app.screen("result")
    yield p.until(lambda: res.state == "waiting", "waiting for server")
    p.shot("result-waiting-for-server")
    yield 1.0  # the outage lasts a moment longer: a pause of the story, not a wait for the app
    proxy.enabled = True
    yield p.screen_is("printing")
    printing = p.app.screen("printing")
    yield p.until(lambda: printing.state in ("done", "failed"), "print finished")
    p.check("printed after the outage", printing.state == "done", printing.failure)
    yield p.until(lambda: p.app.server_online, "banner gone")
    p.shot("printing-done-after-outage")


def no_camera(p: Any) -> Any:
    """No camera: the scan screen says so; the USB scanner still works."""
    q = p.params
    yield p.until(lambda: p.app.village, what="village name")
    yield p.tap(p.ids("home").status)
    yield p.screen_is("scan")
    yield p.drawn()
    p.shot("scan-no-camera")
    p.check("camera marked unavailable", not p.app.camera_available)
    shown = _result_shown(p, "in_progress")
    p.usb_scan(q["in_progress"])
    yield shown
    p.check("usb scanner works without camera", _scan_outcome(p) == "in_progress")


def hub_not_arrived(p: Any) -> Any:
    """A request filed from home whose QR reaches the kiosk before the request reaches the
    village (the link is down): a clear screen, not "not found"."""
    q = p.params
    yield p.until(lambda: p.app.village, what="village name")
    yield p.tap(p.ids("home").status)
    yield p.screen_is("scan")
    yield p.drawn()
    shown = _result_shown(p, "not_arrived")
    p.usb_scan(q["hub_qr"])
    yield shown
    yield p.drawn()
    p.shot("hub-not-arrived")
    res = p.app.screen("result")
    p.check(
        "not arrived says so",
        res.headline == "Permohonan Anda belum sampai di kantor desa. Silakan ke loket.",
        res.headline,
    )
    p.check("a waiting tone, no print button", res.tone == "wait" and not res.can_print)


def paper_runs_out(p: Any) -> Any:
    """The roll ends in the middle of the letter: failure screen, letter stays ready."""
    q = p.params
    yield p.until(lambda: p.app.village, what="village name")
    yield p.tap(p.ids("home").pickup)
    yield p.screen_is("scan")
    p.hold_up(qr_images.on_paper(q["ready1"]), 4)
    yield p.screen_is("printing")
    printing = p.app.screen("printing")
    steps = lambda: [e["step"] for e in _events(p, "print_step")]  # noqa: E731
    yield p.until(lambda: "printing_send" in steps(), "job sent")
    p.check("printer was ready before the job", "printing_check" in steps())
    yield p.until(lambda: printing.state == "failed" and not printing.busy, "print failed")
    p.data["failure"] = printing.failure
    p.shot("printing-paper-out")
    p.check("no picked-up confirmation", "printing_confirm" not in steps())


def e2e_story(p: Any) -> Any:
    """The whole story's kiosk part: the phone's screenshots held up to the camera."""
    import cv2

    q = p.params
    yield p.until(lambda: p.app.village, what="village name from /healthz")
    yield p.tap(p.ids("home").pickup)
    yield p.screen_is("scan")
    p.hold_up(cv2.imread(q["pickup_png"]), 12)
    printing = p.app.screen("printing")
    yield p.screen_is("printing")
    yield p.until(lambda: printing.state in ("done", "failed"), "print finished")
    p.check("letter printed on CUPS", printing.state == "done", printing.failure)
    p.shot("printed")
    yield p.tap(printing.ids.done)
    yield p.screen_is("home")

    yield p.tap(p.ids("home").pickup)
    yield p.screen_is("scan")
    p.hold_up(cv2.imread(q["offline_png"]), 12)
    yield p.screen_is("ticket")
    ticket = p.app.screen("ticket")
    yield p.until(lambda: ticket.print_state in ("printed", "failed"), "ticket printed")
    p.check("offline request filed, ticket printed", ticket.print_state == "printed")
    p.data["offline_code"] = ticket.code
    p.shot("offline-ticket")
    yield from _home(p)


def drop_then_retry(p: Any) -> Any:
    """The printer's link drops mid-letter: failure, letter stays ready; the resident scans
    again and the letter prints once."""
    q = p.params
    yield p.until(lambda: p.app.village, what="village name")
    printing = p.app.screen("printing")
    for attempt in ("first", "retry"):
        yield p.tap(p.ids("home").pickup)
        yield p.screen_is("scan")
        p.hold_up(qr_images.on_phone(q["ready1"]), 4)
        yield p.screen_is("printing")
        yield p.until(lambda: printing.state in ("done", "failed") and not printing.busy, attempt)
        p.data[attempt] = printing.state
        p.shot(f"printing-{attempt}")
        yield p.tap(printing.ids.done)
        yield p.screen_is("home")
        yield _duplicate_window_passed(p, q["ready1"])  # the same code again is a new scan
