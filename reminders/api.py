"""Reminder opt-in over the API: /api/v1/checklists/{token}/reminders/…"""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from navi.api import ERRORS, StrictSerializer
from navi.api_errors import not_found
from navi.parsers import LimitedJSONParser
from navi.selectors import checklist_by_token

from . import selectors, services, vault
from .models import Contact


def _b64url(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise serializers.ValidationError("must be base64url") from exc


class PushKeysInput(StrictSerializer):
    p256dh = serializers.CharField(max_length=200, help_text="the browser's P-256 public key, base64url")
    auth = serializers.CharField(max_length=64, help_text="the 16-byte auth secret, base64url")

    def validate_p256dh(self, value):
        raw = _b64url(value)
        if len(raw) != 65 or raw[0] != 4:
            raise serializers.ValidationError("must be an uncompressed P-256 point (65 bytes)")
        return value

    def validate_auth(self, value):
        if len(_b64url(value)) != 16:
            raise serializers.ValidationError("must be 16 bytes")
        return value


class PushSubscriptionInput(StrictSerializer):
    """A PushSubscription as the browser's toJSON() gives it (expirationTime is accepted and ignored)."""

    endpoint = serializers.URLField(max_length=1000)
    expirationTime = serializers.IntegerField(required=False, allow_null=True)
    keys = PushKeysInput()

    def validate_endpoint(self, value):
        if settings.REMINDERS_PUSH_HTTPS_ONLY and not value.startswith("https://"):
            raise serializers.ValidationError("must be an https URL")
        return value

    def validate(self, data):
        return {"endpoint": data["endpoint"], "keys": dict(data["keys"])}


class EmailInput(StrictSerializer):
    email = serializers.EmailField(max_length=254)


class ContactOutput(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=[Contact.EMAIL, Contact.WEBPUSH])
    status = serializers.ChoiceField(
        choices=[Contact.PENDING, Contact.ACTIVE, Contact.STOPPED, Contact.GONE],
        help_text="pending: waiting for the emailed confirmation link",
    )
    hint = serializers.CharField(help_text="a little of the address, to tell contacts apart")
    created_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


class RemindersOutput(serializers.Serializer):
    contacts = ContactOutput(many=True)
    vapid_public_key = serializers.CharField(help_text="applicationServerKey for PushManager.subscribe")


def _too_many(exc):
    return Response({"errors": {"body": [str(exc)]}}, status=status.HTTP_400_BAD_REQUEST)


class RemindersApi(APIView):
    @extend_schema(responses={200: RemindersOutput, 404: ERRORS})
    def get(self, request, token):
        checklist = checklist_by_token(token)
        if checklist is None:
            return not_found()
        data = {"contacts": selectors.contacts_of(checklist), "vapid_public_key": vault.vapid_public_key()}
        return Response(RemindersOutput(data).data)


class EmailOptInApi(APIView):
    parser_classes = [LimitedJSONParser]

    @extend_schema(
        request=EmailInput,
        responses={202: ContactOutput, 400: ERRORS, 404: ERRORS},
        description="Sends a confirmation link to the address; reminders start once it is opened and confirmed.",
    )
    def post(self, request, token):
        checklist = checklist_by_token(token)
        if checklist is None:
            return not_found()
        data = EmailInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            contact = services.contact_email_add(checklist=checklist, email=data.validated_data["email"])
        except services.TooManyContacts as exc:
            return _too_many(exc)
        return Response(ContactOutput(contact).data, status=status.HTTP_202_ACCEPTED)


class PushOptInApi(APIView):
    parser_classes = [LimitedJSONParser]

    @extend_schema(request=PushSubscriptionInput, responses={201: ContactOutput, 400: ERRORS, 404: ERRORS})
    def post(self, request, token):
        checklist = checklist_by_token(token)
        if checklist is None:
            return not_found()
        data = PushSubscriptionInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            contact = services.contact_push_add(checklist=checklist, subscription=data.validated_data)
        except services.TooManyContacts as exc:
            return _too_many(exc)
        return Response(ContactOutput(contact).data, status=status.HTTP_201_CREATED)


class ContactApi(APIView):
    @extend_schema(responses={204: None, 404: ERRORS}, description="Stop reminders to this contact.")
    def delete(self, request, token, pk):
        checklist = checklist_by_token(token)
        contact = selectors.contact_of(checklist, pk) if checklist is not None else None
        if contact is None:
            return not_found()
        services.contact_stop(contact=contact)
        return Response(status=status.HTTP_204_NO_CONTENT)
