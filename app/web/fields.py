"""One form field as the template kit writes it (``ui.field`` in templates/macros.html).

A function rather than a macro: a Jinja macro's call with this many parameters costs ten times
a function's, and every form of the plan page calls it for each of its fields (the add forms
alone were a seventh of the demo plan page's time). Templates call it as before, as
``ui.field(...)``, or with a call block that writes a select's options
(``{% call ui.field(..., control="select") %}<option …>{% endcall %}``).

The field: its label (with a muted "(note)"), the hint, the control (``input`` of ``type``,
``textarea`` or ``select``), its error and a second error ``also``. ``prefix`` keeps ids unique
on a page: the control is ``{prefix}-{name}``, its hint and error ``{prefix}-{name}-hint`` and
``-error``; ``id`` is the whole id when it is not that, ``input_name`` the posted name when it is
not ``name`` (``name`` is the errors key). Every control is made aria-invalid and
aria-describedby the same way (``described``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape


def option(value: object, label: object, chosen: object) -> Markup:
    """An <option>, selected when its value is ``chosen`` (compared as text, as forms send
    them). A function rather than a macro: a long choice list calls it once per choice, and a
    macro call costs about ten times a function call."""
    selected = " selected" if str(value) == str(chosen) else ""
    # An f-string of escaped parts, not ``Markup.format`` (its formatter costs more than this).
    return Markup(f'<option value="{escape(value)}"{selected}>{escape(label)}</option>')  # noqa: S704


def described(
    fid: str, error: object, hint: object, *, with_error: bool = False, below: bool = False
) -> str:
    """aria-invalid and aria-describedby of the control ``fid``: its error when there is one
    (and the hint too with ``with_error``, in the order they stand on the page: before the
    error, or after it when ``below``), else its hint if any."""
    if error and hint and with_error:
        ids = f"{fid}-error {fid}-hint" if below else f"{fid}-hint {fid}-error"
        return f' aria-invalid="true" aria-describedby="{ids}"'
    if error:
        return f' aria-invalid="true" aria-describedby="{fid}-error"'
    if hint:
        return f' aria-describedby="{fid}-hint"'
    return ""


def attributes(attrs: Mapping[str, object]) -> str:
    """Jinja's ``xmlattr``: ``name="value"`` pairs, escaped, each after a space; None left out."""
    return "".join(f' {escape(k)}="{escape(v)}"' for k, v in attrs.items() if v is not None)


def _select(
    opening: str,
    value: object,
    blank: object,
    options: Iterable[tuple[object, object]] | None,
    caller: Callable[[], object] | None,
) -> str:
    """A select (``opening``: its attributes) with a ``blank`` first option, the ``options``
    pairs and a call block's options, ``value`` selected."""
    parts = [f"<select {opening}>\n"]
    if blank is not None:
        parts.append(f'<option value="">{escape(blank)}</option>')
    parts.extend(option(key, text, value) for key, text in options or ())
    if caller is not None:
        parts.append(escape(caller()))
    parts.append("</select>")
    return "".join(parts)


def field(
    name: str,
    label: object,
    value: object = "",
    errors: Mapping[str, Any] | None = None,
    type: str = "text",
    autocomplete: str = "off",
    hint: object = "",
    required: bool | None = None,
    prefix: str = "f",
    control: str = "input",
    optional: bool = False,
    note: object = "",
    rows: int = 3,
    options: Iterable[tuple[object, object]] | None = None,
    blank: object = None,
    attrs: Mapping[str, object] | None = None,
    hint_with_error: bool = False,
    id: str = "",
    input_name: str = "",
    also: object = "",
    hint_below: bool = False,
    caller: Callable[[], object] | None = None,
) -> Markup:
    """The field's markup (see the module's docstring); ``caller``: a call block's options."""
    fid = escape(id or f"{prefix}-{name}")
    message = (errors or {}).get(name)
    note_text = note or ("optional" if optional else "")
    is_required = (control == "input" and not optional) if required is None else required
    hint_text = escape(hint)
    aria = described(fid, message, hint, with_error=hint_with_error or hint_below, below=hint_below)
    noted = f' <span class="muted">({escape(note_text)})</span>' if note_text else ""
    parts = [f'<div class="field{" has-error" if message else ""}">\n']
    parts.append(f'  <label for="{fid}">{escape(label)}{noted}</label>\n')
    if hint and not hint_below:
        parts.append(f'<p class="hint" id="{fid}-hint">{hint_text}</p>')
    needed = " required" if is_required else ""
    opening = f'id="{fid}" name="{escape(input_name or name)}"'
    extra = attributes(attrs or {})
    if control == "textarea":
        parts.append(
            f'<textarea {opening} rows="{escape(rows)}"{extra}{needed}{aria}>'
            f"{escape(value)}</textarea>"
        )
    elif control == "select":
        parts.append(_select(f"{opening}{extra}{needed}{aria}", value, blank, options, caller))
    else:
        shown = "" if type == "password" else f' value="{escape(value)}"'
        parts.append(
            f'<input {opening} type="{escape(type)}"{shown}{extra}'
            f' autocomplete="{escape(autocomplete)}"{needed}{aria}>'
        )
    if hint and hint_below:
        parts.append(f'<p class="hint" id="{fid}-hint">{hint_text}</p>')
    if message:
        parts.append(f'<p class="error" id="{fid}-error">{escape(message)}</p>')
    if also:
        parts.append(f'\n<p class="error">{escape(also)}</p>')
    parts.append("\n</div>")
    return Markup("".join(parts))  # noqa: S704 - every part above is escaped
