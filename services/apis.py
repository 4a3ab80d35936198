"""The public API of the directory: search, one service, the categories, the rights pages and
the whole directory as an HSDS zip. No sign-in: the directory is public."""

from django.http import HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import config.converters  # noqa: F401  (registers <id:…>)
from config.errors import ApplicationError, NotFound
from config.schema import errors
from services import geo, selectors
from services.hsds import writer
from services.models import RightsPage


class ServiceCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ServiceLocationSerializer(serializers.Serializer):
    name = serializers.CharField()
    address = serializers.CharField(source="full_address")
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    open_on_holidays = serializers.BooleanField()


class DirectoryServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="service.pk")
    hsds_id = serializers.UUIDField(source="service.hsds_id")
    name = serializers.CharField(source="service.name")
    organization = serializers.CharField(source="service.organization.name")
    description = serializers.CharField(source="service.description")
    eligibility = serializers.CharField(source="service.eligibility")
    next_steps = serializers.CharField(source="service.next_steps")
    cost = serializers.CharField(source="service.cost")
    languages = serializers.ListField(child=serializers.CharField(), source="service.language_list")
    phone = serializers.CharField(source="service.phone")
    url = serializers.CharField(source="service.url")
    last_verified = serializers.DateField(source="service.last_verified")
    categories = ServiceCategorySerializer(many=True, source="service.categories.all")
    location = ServiceLocationSerializer(allow_null=True)
    distance_km = serializers.FloatField(allow_null=True)
    open_now = serializers.BooleanField(source="is_open")
    open_until = serializers.DateTimeField(allow_null=True)
    opens_next = serializers.DateTimeField(allow_null=True)


class DirectoryServicePageSerializer(serializers.Serializer):
    """One page of a search (``page`` in the query; 20 a page)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DirectoryServiceSerializer(many=True)


class RightsPageSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title_nb = serializers.CharField()
    title_en = serializers.CharField()
    body_nb = serializers.CharField()
    body_en = serializers.CharField()
    law = serializers.CharField()
    services = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_services(self, page: RightsPage) -> list[int]:
        return [service.pk for service in page.services.all()]


class DirectoryPages(PageNumberPagination):
    page_size = 20


def near_of(value: str) -> geo.Point | None:
    """``near`` as a point; a 400 saying what to write when it is neither a place nor lat,lon."""
    if not value:
        return None
    point = geo.near_parse(value)
    if point is None:
        raise ApplicationError(
            _("Give near as latitude,longitude (for example 59.91,10.75) or the name of a place."),
            fields={"near": [_("Use latitude,longitude.")]},
        )
    return point


class ServiceListApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="directory_services_list",
        parameters=[
            OpenApiParameter("q", str, description="words to search for (Norwegian stemming on PostgreSQL)"),
            OpenApiParameter("category", str, description="a code of the taxonomy triangel-needs (e.g. food)"),
            OpenApiParameter("open_now", bool, description="only services open now (Europe/Oslo, public holidays)"),
            OpenApiParameter("near", str, description="latitude,longitude: nearest first, with distances"),
            OpenApiParameter("page", int),
        ],
        responses={200: DirectoryServicePageSerializer, **errors(400, 404)},
        summary="Search the service directory (public)",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        found = selectors.services_find(
            q=params.get("q", ""),
            category=params.get("category", ""),
            open_now=params.get("open_now", "").lower() in {"1", "true", "yes"},
            near=near_of(params.get("near", "")),
        )
        paginator = DirectoryPages()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(DirectoryServiceSerializer(page, many=True).data)


class ServiceDetailApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="directory_services_retrieve",
        responses={200: DirectoryServiceSerializer, **errors(404)},
        summary="One service of the directory (public)",
    )
    def get(self, request: Request, service_id: int) -> Response:
        found = selectors.service_get(service_id=service_id)
        if found is None:
            raise NotFound(_("No such service."))
        return Response(DirectoryServiceSerializer(found).data)


class CategoryListApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="directory_categories_list",
        responses=ServiceCategorySerializer(many=True),
        summary="The categories (taxonomy triangel-needs)",
    )
    def get(self, request: Request) -> Response:
        return Response(ServiceCategorySerializer(selectors.categories(), many=True).data)


class ExportApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="directory_export",
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)},
        summary="The whole directory as an HSDS 3.0 tabular data package (zip)",
    )
    def get(self, request: Request) -> HttpResponse:
        response = HttpResponse(writer.zip_bytes(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="triangel-services-hsds.zip"'
        return response


class RightsListApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="directory_rights_list",
        responses=RightsPageSerializer(many=True),
        summary="Short pages on rights, in Norwegian and English",
    )
    def get(self, request: Request) -> Response:
        return Response(RightsPageSerializer(selectors.rights_pages().prefetch_related("services"), many=True).data)


urlpatterns: list[URLPattern] = [
    path("services/", ServiceListApi.as_view(), name="directory-services"),
    path("services/categories/", CategoryListApi.as_view(), name="directory-categories"),
    path("services/export/", ExportApi.as_view(), name="directory-export"),
    path("services/<id:service_id>/", ServiceDetailApi.as_view(), name="directory-service"),
    path("rights/", RightsListApi.as_view(), name="directory-rights"),
]
