"""Forms for the peer pages: shape only; rules live in care.services.peers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import User


class PeerRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Anything the peer should know? (you can leave this empty)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(),
        help_text=_("Peers see this note, but not your name, until one of them says yes."),
    )


class SharingForm(forms.Form):
    appointments = forms.BooleanField(label=_("My meetings (time and place)"), required=False)
    plan = forms.BooleanField(label=_("My plan and agreements"), required=False)


ANY_PEER = "any"


class InviteForm(forms.Form):
    """Who to invite to a meeting: a peer the person shares with, or any peer in the unit."""

    peer = forms.ChoiceField(label=_("Which peer?"), widget=forms.RadioSelect)

    def __init__(self, *args: object, peers: list[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(p.pk), p.short_name) for p in peers]
        choices.append((ANY_PEER, _("Any peer who is free")))
        self.fields["peer"].choices = choices
        self.fields["peer"].initial = choices[0][0]

    @property
    def peer_id(self) -> int | None:
        value = self.cleaned_data["peer"]
        return None if value == ANY_PEER else int(value)
