"""Page sizes (core.pagination): 1 to 200, or a 400; never silently the default."""

import pytest
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.pagination import HistoryPagination, PagePagination


def request_with(query: dict) -> Request:
    return Request(APIRequestFactory().get("/", query))


@pytest.mark.parametrize("paginator", [PagePagination, HistoryPagination])
@pytest.mark.parametrize("value", ["abc", "-1", "0", "null", "", "1.5", "201", "\uff11", "\u0661", "1" * 30, " 1"])
def test_an_invalid_page_size_is_refused(paginator, value):
    with pytest.raises(serializers.ValidationError) as info:
        paginator().get_page_size(request_with({"page_size": value}))
    assert info.value.detail == {"page_size": ["Must be a whole number from 1 to 200."]}


@pytest.mark.parametrize("paginator", [PagePagination, HistoryPagination])
@pytest.mark.parametrize(("query", "size"), [({}, 50), ({"page_size": "1"}, 1), ({"page_size": "200"}, 200)])
def test_a_valid_or_absent_page_size(paginator, query, size):
    assert paginator().get_page_size(request_with(query)) == size
