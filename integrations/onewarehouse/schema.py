"""The OpenAPI description of the six receiving URLs (drf-spectacular), read from the active profile when the
document is built: its payload serializers, envelope, signing and examples (its files under
docs/contracts/onewarehouse/<profile>/examples/, the ones the tests replay). The failure answers are built with
the same functions the views use."""

from functools import cache

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer

from .envelope import answer_bad_request, answer_busy, answer_too_large, answer_unauthorized
from .profiles import profile_active, profile_get
from .profiles.base import Profile

TAG = "OneWarehouse webhooks"


def _component(endpoint: str) -> str:
    return "".join(part.capitalize() for part in endpoint.split("_"))


@cache
def _request(profile_name: str, endpoint: str):
    row = profile_get(profile_name).receiving[endpoint]
    if row.request_schema is None:
        return row.payload({})
    name, classes = row.request_schema
    return PolymorphicProxySerializer(component_name=name, serializers=list(classes), resource_type_field_name=None)


@cache
def _success(profile_name: str, endpoint: str):
    # Built once per profile and URL: a class made again under the same name would be a second component.
    profile = profile_get(profile_name)
    row = profile.receiving[endpoint]
    component = _component(endpoint)
    success = profile.envelope.success_schema(f"{component}Success", row.result())
    return PolymorphicProxySerializer(component_name=f"{component}Answer",
                                      serializers=[success, profile.envelope.failure_schema],
                                      resource_type_field_name=None)


def _answer_example(name: str, value, status: int = 200) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[str(status)])


def _failure(profile: Profile, name: str, body: dict, status: int) -> OpenApiResponse:
    return OpenApiResponse(profile.envelope.failure_schema, examples=[_answer_example(name, body, status)])


class ProfileSchema(AutoSchema):
    """A receiving URL's operation as the active profile describes it (``view.endpoint`` names the row)."""

    def _row(self):
        profile = profile_active()
        return profile, profile.receiving[self.view.endpoint]

    def get_operation_id(self):
        return f"onewarehouse_{self.view.endpoint}"

    def get_tags(self):
        return [TAG]

    def get_summary(self):
        return self._row()[1].summary

    def get_description(self):
        profile, row = self._row()
        return f"{row.description}\n\n{profile.signing_text}\n\n{profile.envelope.codes_text}"

    def get_override_parameters(self):
        profile = profile_active()
        return [
            *(OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.HEADER, description=text)
              for name, text in profile.signature_headers),
            *(OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, description=text)
              for name, text in profile.signature_query),
        ]

    def get_request_serializer(self):
        return _request(profile_active().name, self.view.endpoint)

    def get_response_serializers(self):
        profile = profile_active()
        return {
            200: _success(profile.name, self.view.endpoint),
            400: _failure(profile, "Not a JSON object", answer_bad_request("Body must be a JSON object").body, 400),
            401: _failure(profile, "Refused", answer_unauthorized("Signature does not match").body, 401),
            413: _failure(profile, "Too large", answer_too_large(limit=1048576).body, 413),
            500: OpenApiResponse(profile.envelope.failure_schema,
                                 description="A bug; the request is kept for replay."),
            503: _failure(profile, "Busy", answer_busy().body, 503),
        }

    def get_examples(self):
        _, row = self._row()
        return [OpenApiExample(example.name, value=example.value, request_only=True) if example.request
                else _answer_example(example.name, example.value, example.status)
                for example in row.examples]
