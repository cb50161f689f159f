"""The base of every web form: a form only says which fields there are, and puts what a service refused
next to the field the service named."""

from __future__ import annotations

from django import forms

from core.errors import ApplicationError

# A service names a field by its API name; the form that shows it may call it something else.
FIELD_ALIASES = {"from_account_id": "from_account", "to_account_id": "to_account", "limit_price": "price"}


class ServiceForm(forms.Form):
    def add_application_error(self, error: ApplicationError) -> None:
        placed = False
        for field, messages in error.fields.items():
            field = FIELD_ALIASES.get(field, field)
            if field in self.fields:
                for message in messages if isinstance(messages, list | tuple) else [messages]:
                    self.add_error(field, str(message))
                placed = True
        if not placed:
            self.add_error(None, error.message)

    def value(self, name: str):
        """A cleaned value, with an empty field as None (the services' 'not sent')."""
        value = self.cleaned_data.get(name)
        return None if value in ("", None) else value
