"""The HTTP API (/api/v1/): one view per operation, its serializers beside it. Logic lives in services."""

from __future__ import annotations

import re
from datetime import date

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from procedures.selectors import NoCatalogue, catalogue_version_in_force, compiled_catalogue

from . import presenters
from .api_errors import not_found
from .parsers import LimitedJSONParser
from .selectors import ChecklistView, checklist_by_token, checklist_item, checklist_view
from .services import (
    LANGUAGES,
    InvalidCase,
    checklist_create,
    checklist_delete,
    checklist_item_set_done,
    checklist_update,
)

LANG_PARAM = OpenApiParameter("lang", str, enum=list(LANGUAGES), description="ja, en or easy (やさしい日本語)")
ERRORS = inline_serializer(
    "Errors",
    {"errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()))},
)


class StrictSerializer(serializers.Serializer):
    """Rejects keys it does not know, naming them, instead of ignoring them silently."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({k: ["is not a known field"] for k in unknown})
        return super().to_internal_value(data)


# A checklist's input limits: ChecklistInput's, which checklist_input_plain keeps to as well.
FIRST_EVENT_DATE, LAST_EVENT_DATE = date(1900, 1, 1), date(2200, 12, 31)
LIFE_EVENTS_MAX = 3
CODE_MAX = 64
MEMBERS_MAX = 50


class EventDateField(serializers.DateField):
    def to_internal_value(self, value):
        if not isinstance(value, str):
            raise serializers.ValidationError("must be a date written YYYY-MM-DD")
        day = super().to_internal_value(value)
        if not FIRST_EVENT_DATE <= day <= LAST_EVENT_DATE:
            raise serializers.ValidationError("is out of range")
        return day


class QueryLang(serializers.Serializer):
    lang = serializers.ChoiceField(choices=LANGUAGES, default="ja")


def _query(serializer_class, request):
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def _catalogue():
    return compiled_catalogue(catalogue_version_in_force())


class CatalogueApi(APIView):
    def handle_exception(self, exc):
        if isinstance(exc, NoCatalogue):
            return Response(
                {"errors": {"detail": ["No catalogue is in force yet."]}}, status=status.HTTP_503_SERVICE_UNAVAILABLE
            )
        return super().handle_exception(exc)


# --- catalogue -----------------------------------------------------------------------------------


class LifeEventOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()


class LifeEventListApi(CatalogueApi):
    @extend_schema(parameters=[LANG_PARAM], responses={200: LifeEventOutput(many=True), 400: ERRORS})
    def get(self, request):
        lang = _query(QueryLang, request)["lang"]
        return Response(LifeEventOutput(presenters.life_event_payload(_catalogue(), lang), many=True).data)


class ChoiceOutput(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class QuestionOutput(serializers.Serializer):
    key = serializers.CharField()
    type = serializers.ChoiceField(choices=["yes_no", "choice", "number", "date"])
    text = serializers.CharField()
    help = serializers.CharField(allow_null=True)
    choices = ChoiceOutput(many=True)
    min = serializers.IntegerField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)
    per_member = serializers.BooleanField()
    life_events = serializers.ListField(child=serializers.CharField())
    show_if = serializers.JSONField(allow_null=True)


class QuestionQuery(QueryLang):
    life_events = serializers.CharField(help_text="comma-separated life event codes, e.g. moving,birth")

    def validate_life_events(self, value):
        return [code for code in dict.fromkeys(v.strip() for v in value.split(",")) if code]


class QuestionListApi(CatalogueApi):
    @extend_schema(
        parameters=[LANG_PARAM, OpenApiParameter("life_events", str, required=True)],
        responses={200: QuestionOutput(many=True), 400: ERRORS},
    )
    def get(self, request):
        query = _query(QuestionQuery, request)
        catalogue = _catalogue()
        unknown = [c for c in query["life_events"] if c not in catalogue.life_event_codes]
        if unknown or not query["life_events"]:
            raise serializers.ValidationError(
                {"life_events": [f"unknown life event: {', '.join(unknown)}" if unknown else "give at least one"]}
            )
        data = presenters.question_payload(catalogue, query["life_events"], query["lang"])
        return Response(QuestionOutput(data, many=True).data)


class FeeOutput(serializers.Serializer):
    yen = serializers.IntegerField()
    note = serializers.CharField(allow_null=True)


class CitationOutput(serializers.Serializer):
    law = serializers.CharField()
    name = serializers.CharField()
    number = serializers.CharField()
    article = serializers.CharField()
    egov_id = serializers.CharField(allow_null=True)
    url = serializers.URLField(allow_null=True)
    verified = serializers.BooleanField()


class DocumentOutput(serializers.Serializer):
    name = serializers.CharField()
    note = serializers.CharField(allow_null=True)


class WhereFields(serializers.Serializer):
    department = serializers.CharField(allow_null=True)
    counter = serializers.CharField(allow_null=True)
    location = serializers.CharField(allow_null=True)
    hours = serializers.CharField(allow_null=True)
    office = serializers.CharField(allow_null=True, help_text="outside office (年金事務所, 法務局 …)")
    online_url = serializers.URLField(allow_null=True)
    fee = FeeOutput(allow_null=True)


class ProcedureOutput(WhereFields):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    life_events = serializers.ListField(child=serializers.CharField())
    per_member = serializers.BooleanField()
    applies_if = serializers.JSONField()
    applies_if_text = serializers.CharField()
    deadline = serializers.JSONField(allow_null=True)
    deadline_text = serializers.CharField(allow_null=True)
    legal_basis = CitationOutput(many=True)
    documents = DocumentOutput(many=True)


class ProcedureQuery(QueryLang):
    life_event = serializers.CharField(required=False)


class ProcedureListApi(CatalogueApi):
    @extend_schema(
        parameters=[LANG_PARAM, OpenApiParameter("life_event", str)],
        responses={200: ProcedureOutput(many=True), 400: ERRORS},
    )
    def get(self, request):
        query = _query(ProcedureQuery, request)
        catalogue = _catalogue()
        procs = catalogue.procedures
        if "life_event" in query:
            procs = catalogue.procedures_for([query["life_event"]])
        data = [presenters.procedure_payload(catalogue, p, query["lang"]) for p in procs]
        return Response(ProcedureOutput(data, many=True).data)


class ProcedureDetailApi(CatalogueApi):
    @extend_schema(parameters=[LANG_PARAM], responses={200: ProcedureOutput, 400: ERRORS, 404: ERRORS})
    def get(self, request, code):
        lang = _query(QueryLang, request)["lang"]
        catalogue = _catalogue()
        proc = next((p for p in catalogue.procedures if p.code == code), None)
        if proc is None:
            return Response({"errors": {"code": [f"no procedure '{code}'"]}}, status=status.HTTP_404_NOT_FOUND)
        return Response(ProcedureOutput(presenters.procedure_payload(catalogue, proc, lang)).data)


# --- checklists ----------------------------------------------------------------------------------


class ProcedureRef(serializers.Serializer):
    """The procedure as a checklist item names it; the rest (description, place, hours, fee, legal
    basis) is at /api/v1/procedures/{code}/."""

    code = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField(allow_null=True)
    counter = serializers.CharField(allow_null=True)
    office = serializers.CharField(allow_null=True, help_text="outside office (年金事務所, 法務局 …)")
    online_url = serializers.URLField(allow_null=True)


class ReasonOutput(serializers.Serializer):
    text = serializers.CharField()
    legal_basis = serializers.ListField(
        child=serializers.CharField(), help_text="short citations, e.g. 戸籍法 第49条第1項"
    )


class ItemOutput(serializers.Serializer):
    key = serializers.CharField(help_text="procedure code, plus '.' and the member key for per-member items")
    procedure = ProcedureRef()
    member = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["required", "check"])
    deadline = serializers.DateField(allow_null=True)
    deadline_text = serializers.CharField(allow_null=True)
    reasons = ReasonOutput(many=True)
    documents = DocumentOutput(many=True)
    done = serializers.BooleanField()


class MergedDocumentOutput(serializers.Serializer):
    name = serializers.CharField()
    notes = serializers.ListField(child=serializers.CharField())
    items = serializers.ListField(child=serializers.CharField())


class ChecklistOutput(serializers.Serializer):
    token = serializers.CharField()
    url = serializers.CharField()
    life_events = serializers.ListField(child=serializers.CharField())
    event_date = serializers.DateField()
    language = serializers.ChoiceField(choices=LANGUAGES)
    catalogue_version = serializers.CharField()
    expires_at = serializers.DateTimeField()
    answers = serializers.DictField()
    members = serializers.ListField(child=serializers.DictField())
    items = ItemOutput(many=True)
    documents = MergedDocumentOutput(many=True)
    unanswered = serializers.ListField(child=serializers.CharField())


def _checklist_response(checklist: ChecklistView, code=status.HTTP_200_OK) -> Response:
    # The presenter's dict already has the documented shape (ChecklistOutput, checked against the
    # schema by the schemathesis test); serializing it field by field again would cost more than
    # everything else the request does.
    return Response(presenters.checklist_payload(checklist), status=code)


class ChecklistInput(StrictSerializer):
    life_events = serializers.ListField(
        child=serializers.CharField(max_length=CODE_MAX), min_length=1, max_length=LIFE_EVENTS_MAX
    )
    event_date = EventDateField()
    answers = serializers.DictField(required=False, default=dict)
    members = serializers.ListField(
        child=serializers.JSONField(), required=False, default=list, max_length=MEMBERS_MAX
    )
    language = serializers.ChoiceField(choices=LANGUAGES, default="ja")

    def validate_life_events(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError("each life event once")
        return value


_PLAIN_CODE = re.compile(rf"[A-Za-z0-9_-]{{1,{CODE_MAX}}}")
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INPUT_FIELDS = frozenset(ChecklistInput._declared_fields)


def checklist_input_plain(data) -> dict | None:
    """ChecklistInput's validated data for a body written the plain way, or None to ask it.

    POST is the API's hot path, and building a DRF serializer (a deep copy of its fields) and
    running it costs a fifth of the request. A body as clients write it (known keys, codes,
    a YYYY-MM-DD date, an object of answers, a list of members) gives exactly the data
    ChecklistInput would (a test checks this on generated bodies); anything else, or anything in
    doubt, returns None and goes through ChecklistInput, which gives the errors. One definition
    of what is valid, then: the serializer's.
    """
    if type(data) is not dict or not data.keys() <= _INPUT_FIELDS:
        return None
    life_events, event_date = data.get("life_events"), data.get("event_date")
    answers, members = data.get("answers", {}), data.get("members", [])
    language = data.get("language", "ja")
    if (
        type(life_events) is not list
        or not 1 <= len(life_events) <= LIFE_EVENTS_MAX
        or not all(type(c) is str and _PLAIN_CODE.fullmatch(c) for c in life_events)
        or len(set(life_events)) != len(life_events)
        or type(event_date) is not str
        or not _PLAIN_DATE.fullmatch(event_date)
        or type(answers) is not dict
        or type(members) is not list
        or len(members) > MEMBERS_MAX
        or None in members
        or type(language) is not str
        or language not in LANGUAGES
    ):
        return None
    try:
        day = date.fromisoformat(event_date)
    except ValueError:
        return None
    if not FIRST_EVENT_DATE <= day <= LAST_EVENT_DATE:
        return None
    return {
        "life_events": list(life_events),
        "event_date": day,
        "answers": dict(answers),
        "members": list(members),
        "language": language,
    }


class ChecklistPatchInput(ChecklistInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False
        self.fields["answers"].default = serializers.empty
        self.fields["members"].default = serializers.empty
        self.fields["language"].default = serializers.empty


class ChecklistCreateApi(CatalogueApi):
    parser_classes = [LimitedJSONParser]

    @extend_schema(request=ChecklistInput, responses={201: ChecklistOutput, 400: ERRORS})
    def post(self, request):
        case = checklist_input_plain(request.data)
        if case is None:
            data = ChecklistInput(data=request.data)
            data.is_valid(raise_exception=True)
            case = data.validated_data
        try:
            checklist = checklist_create(**case)
        except InvalidCase as exc:
            raise serializers.ValidationError(exc.errors) from exc
        return _checklist_response(checklist, status.HTTP_201_CREATED)


class ChecklistDetailApi(CatalogueApi):
    parser_classes = [LimitedJSONParser]

    @extend_schema(responses={200: ChecklistOutput, 404: ERRORS})
    def get(self, request, token):
        checklist = checklist_view(token)
        if checklist is None:
            return not_found()
        return _checklist_response(checklist)

    @extend_schema(request=ChecklistPatchInput, responses={200: ChecklistOutput, 400: ERRORS, 404: ERRORS})
    def patch(self, request, token):
        checklist = checklist_by_token(token)
        if checklist is None:
            return not_found()
        data = ChecklistPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            checklist = checklist_update(checklist=checklist, **data.validated_data)
        except InvalidCase as exc:
            raise serializers.ValidationError(exc.errors) from exc
        return _checklist_response(checklist)

    @extend_schema(responses={204: None, 404: ERRORS})
    def delete(self, request, token):
        checklist = checklist_by_token(token)
        if checklist is None:
            return not_found()
        checklist_delete(checklist=checklist)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise serializers.ValidationError("must be true or false")
        return data


class ItemInput(StrictSerializer):
    done = StrictBooleanField()


class ChecklistItemApi(APIView):
    parser_classes = [LimitedJSONParser]

    @extend_schema(request=ItemInput, responses={200: ItemOutput, 400: ERRORS, 404: ERRORS})
    def patch(self, request, token, key):
        checklist = checklist_by_token(token)
        item = checklist_item(checklist, key) if checklist is not None else None
        if item is None:
            return not_found()
        data = ItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = checklist_item_set_done(checklist=checklist, key=item.key, done=data.validated_data["done"])
        if item is None:  # deleted meanwhile
            return not_found()
        return Response(presenters.item_payload(item))
