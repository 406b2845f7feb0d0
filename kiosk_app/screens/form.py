"""The request form, typed on the on-screen keyboard; built from the letter type's fields."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.stacklayout import StackLayout
from kivy.uix.textinput import TextInput
from kivy.uix.togglebutton import ToggleButton

from kiosk_app.api_client import (
    FiledRequest,
    FormField,
    KioskError,
    LetterType,
    ServerUnreachable,
    ValidationFailed,
    new_idempotency_key,
)
from kiosk_app.i18n import tr
from kiosk_app.screens import KioskScreen
from kiosk_app.validation import NAME, NIK, NUMERIC_TYPES, PHONE, check_value


class FieldRow(BoxLayout):
    spec = ObjectProperty(None)
    label_text = StringProperty("")
    error = StringProperty("")
    selected = StringProperty("")
    active = BooleanProperty(False)

    def __init__(self, spec: FormField, label: str, screen: FormScreen, **kw: Any) -> None:
        super().__init__(orientation="vertical", size_hint_y=None, spacing=dp(4), **kw)
        self.spec = spec
        self.label_text = label
        self.screen = screen
        self.input: TextInput | None = None
        self.title = Label(
            size_hint_y=None, height=dp(34), font_size="22sp", halign="left", valign="middle"
        )
        self.title.bind(size=lambda w, s: setattr(w, "text_size", s))
        self.add_widget(self.title)
        if spec.type == "select" and spec.options:
            box = StackLayout(size_hint_y=None, spacing=dp(8))
            box.bind(minimum_height=box.setter("height"))
            for option in spec.options:
                tb = ToggleButton(
                    text=option,
                    group=f"sel-{spec.name}-{id(self)}",
                    size_hint=(None, None),
                    height=dp(64),
                    width=max(dp(140), dp(16) * len(option)),
                    font_size="22sp",
                )
                tb.bind(on_release=lambda b: self._choose(b))
                box.add_widget(tb)
            self.add_widget(box)
            self.body = box
        else:
            multiline = spec.type == "textarea"
            ti = TextInput(
                multiline=multiline,
                size_hint_y=None,
                height=dp(120) if multiline else dp(62),
                hint_text=tr("form_date_hint", screen.app.lang) if spec.type == "date" else "",
                input_filter="int" if spec.type in ("nik", "number") else None,
            )
            ti.bind(focus=lambda w, f: f and screen.focus_row(self))
            ti.bind(on_touch_down=lambda w, t: w.collide_point(*t.pos) and screen.focus_row(self))
            ti.bind(text=lambda *_: self._edited())  # fixing it clears the mark
            self.input = ti
            self.add_widget(ti)
            self.body = ti
        self.err_label = Label(
            size_hint_y=None,
            height=0,
            font_size="19sp",
            color=(0.75, 0.1, 0.1, 1),
            halign="left",
            valign="middle",
        )
        self.err_label.bind(size=lambda w, s: setattr(w, "text_size", s))
        self.add_widget(self.err_label)
        self.bind(error=self._show_error, active=self._refresh, label_text=self._refresh)
        self.body.bind(height=lambda *_: self._fit())  # options wrap once the width is known
        self._refresh()
        self._fit()

    def _fit(self) -> None:
        self.height = self.title.height + self.body.height + self.err_label.height + dp(12)

    def _refresh(self, *_a: Any) -> None:
        req = f"  ({tr('form_required', self.screen.app.lang)})" if self.spec.required else ""
        self.title.text = self.label_text + req
        self.title.bold = self.active
        if self.input is not None:
            self.input.background_color = (1, 1, 0.85, 1) if self.active else (1, 1, 1, 1)

    def _show_error(self, *_a: Any) -> None:
        self.err_label.text = self.error
        self.err_label.height = dp(28) if self.error else 0
        self._fit()

    def _edited(self) -> None:
        self.error = ""
        if not self.screen.sending:
            self.screen.status = ""

    def _choose(self, button: ToggleButton) -> None:
        self.selected = button.text if button.state == "down" else ""
        self._edited()

    @property
    def value(self) -> str:
        if self.input is None:
            return self.selected
        return self.input.text

    def set_value(self, text: str) -> None:
        if self.input is not None:
            self.input.text = text


class FormScreen(KioskScreen):
    title_text = StringProperty("")
    status = StringProperty("")
    docs = StringProperty("")
    sending = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.letter_type: LetterType | None = None
        self.rows: dict[str, FieldRow] = {}
        self.active_row: FieldRow | None = None
        self._key = ""
        self._sent_body: dict[str, Any] | None = None
        self._retry_ev: Any = None

    def start(self, letter_type: LetterType) -> None:
        self.reset()
        lang = self.app.lang
        self.letter_type = letter_type
        self.title_text = letter_type.title
        self.docs = ", ".join(letter_type.required_documents)
        box = self.ids.fields
        specs = [
            (NIK, tr("form_nik", lang)),
            (NAME, tr("form_name", lang)),
            *[(f, f.label) for f in letter_type.fields],
        ]
        if not any(f.type == "phone" for f in letter_type.fields):
            specs.append((PHONE, tr("form_phone", lang)))
        for spec, label in specs:
            row = FieldRow(spec, label, self)
            self.rows[spec.name] = row
            box.add_widget(row)
        Clock.schedule_once(lambda _dt: self.focus_row(self.rows["applicant_nik"]), 0)

    def focus_row(self, row: FieldRow) -> bool:
        if self.active_row is not None:
            self.active_row.active = False
        self.active_row = row
        row.active = True
        kb = self.ids.keyboard
        kb.target = row.input
        if row.spec.type in NUMERIC_TYPES:
            kb.layout = "numeric"
        else:
            kb.layout = "text"
        self._scroll_into_view(row)
        # Rows change height as error marks come and go and options wrap; once the layout
        # has settled, scroll again so the whole row is really in view.
        Clock.schedule_once(lambda _dt: self._scroll_into_view(row), 0.1)
        return False

    def _scroll_into_view(self, row: FieldRow) -> None:
        if self.active_row is row and row.parent is not None:
            scroll = self.ids.scroll
            # scroll_to() measures the row where the content was last placed, but a scroll
            # set earlier in this frame is not applied yet: on a slow kiosk both scrolls of
            # focus_row run in one frame, and the second, measured from there, overshoots.
            scroll.update_from_scroll()
            scroll.scroll_to(row, padding=dp(20), animate=False)

    def next_field(self) -> None:
        names = [n for n, r in self.rows.items() if r.input is not None]
        if self.active_row is None or not names:
            return
        i = names.index(self.active_row.spec.name) if self.active_row.spec.name in names else -1
        if i + 1 < len(names):
            self.focus_row(self.rows[names[i + 1]])

    def collect(self) -> tuple[dict[str, Any], bool]:
        """The request body from the rows, with local checks marked on the rows."""
        lang = self.app.lang
        ok = True
        values: dict[str, str] = {}
        for name, row in self.rows.items():
            value, err = check_value(row.spec, row.value, lang, row.label_text)
            row.error = err or ""
            ok = ok and err is None
            values[name] = value
        assert self.letter_type is not None
        body = {
            "letter_type": self.letter_type.code,
            "applicant_nik": values.pop("applicant_nik"),
            "applicant_name": values.pop("applicant_name"),
            "phone": values.pop("phone", "") or None,
            "form_data": {k: v for k, v in values.items() if v},
        }
        return body, ok

    def submit(self) -> None:
        if self.sending or self.letter_type is None:
            return
        body, ok = self.collect()
        if not ok:
            self.status = tr("form_fix", self.app.lang)
            self._focus_first_error()
            return
        if body != self._sent_body:
            # A changed form is a new request; the same form retried keeps its key.
            self._key = new_idempotency_key()
            self._sent_body = body
        self._send(body)

    def _send(self, body: dict[str, Any]) -> None:
        app = self.app
        self.sending = True
        self.busy = True
        self.status = tr("form_sending", app.lang)
        key = self._key

        def call() -> FiledRequest:
            return app.api.file_request(
                letter_type=body["letter_type"],
                applicant_nik=body["applicant_nik"],
                applicant_name=body["applicant_name"],
                form_data=body["form_data"],
                phone=body["phone"],
                idempotency_key=key,
            )

        app.submit(
            call, lambda filed: self._filed(filed, key), lambda e: self._failed(e, body, key)
        )

    def _filed(self, filed: FiledRequest, key: str) -> None:
        if key != self._key:
            return
        title = self.title_text
        self.reset()  # personal data leaves the screen now
        self.app.show("ticket").show_filed(
            code=filed.code,
            title=title,
            status_label=filed.status_label,
            pickup_qr=filed.pickup_qr,
            pickup_secret=filed.pickup_secret,
        )

    def _failed(self, exc: BaseException, body: dict[str, Any], key: str) -> None:
        if key != self._key:
            return
        lang = self.app.lang
        self.sending = False
        self.busy = False
        if isinstance(exc, ValidationFailed):
            for field, message in exc.fields.items():
                name = field.split(".", 1)[1] if field.startswith("form_data.") else field
                row = self.rows.get(name)
                if row is not None:
                    row.error = message
            self.status = exc.localized(lang) if exc.message else tr("form_fix", lang)
            self._focus_first_error()
        elif isinstance(exc, ServerUnreachable):
            # Keep the same key and body: the retry cannot file it twice.
            self.status = tr("server_offline", lang)
            self.busy = True
            self._retry_ev = Clock.schedule_once(lambda _dt: self._retry(body, key), 3)
        elif isinstance(exc, KioskError):
            self.status = exc.localized(lang)
        else:
            self.status = str(exc)

    def _retry(self, body: dict[str, Any], key: str) -> None:
        self._retry_ev = None
        if key == self._key and self.manager and self.manager.current == self.name:
            self._send(body)

    def _focus_first_error(self) -> None:
        for row in self.rows.values():
            if row.error and row.input is not None:
                self.focus_row(row)
                return

    def cancel(self) -> None:
        self.app.go_home()

    def reset(self) -> None:
        super().reset()
        if self._retry_ev is not None:
            self._retry_ev.cancel()
            self._retry_ev = None
        self.ids.fields.clear_widgets()
        self.ids.keyboard.target = None
        self.rows = {}
        self.active_row = None
        self.letter_type = None
        self.title_text = self.status = self.docs = ""
        self.sending = False
        self._key = ""
        self._sent_body = None
