from django.urls import path

import config.converters  # noqa: F401  (registers <id:…>, the ids in the paths below)
from people import apis, apis_phones

urlpatterns = [
    path("auth/token/", apis.TokenApi.as_view(), name="api-token"),
    path("auth/logout/", apis.LogoutApi.as_view(), name="api-logout"),
    path("auth/tokens/", apis.TokenListApi.as_view(), name="api-tokens"),
    path("auth/tokens/<id:token_id>/", apis.TokenDetailApi.as_view(), name="api-token-detail"),
    path("me/spare-number/", apis_phones.SpareNumberApi.as_view(), name="my-spare-number"),
    path("me/phone-lost/", apis_phones.PhoneLostApi.as_view(), name="my-phone-lost"),
    path("me/export/", apis.MyExportApi.as_view(), name="my-export"),
    path("people/<id:person_id>/export/", apis.PersonExportApi.as_view(), name="person-export"),
    path("people/<id:person_id>/erase/", apis.PersonEraseApi.as_view(), name="person-erase"),
]
