"""Pagination of every list: pages for short lists, cursors for histories."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

PAGE_SIZE_PARAM = "page_size"
MAX_PAGE_SIZE = 200


class StrictPageSize(BasePagination):  # before the DRF class in the bases, so after it BasePagination changes nothing
    """``page_size`` from 1 to ``max_page_size``, or a 400: DRF silently falls back to the default for
    ``abc`` or ``-1`` and cuts 1000 down to the maximum, so a caller never learns that it was ignored."""

    # Typed as DRF's paginators declare them (this mixes into them); get_page_size reads the constants.
    page_size: int | None = 50
    page_size_query_param: str | None = PAGE_SIZE_PARAM
    max_page_size: int | None = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int | None:
        raw = request.query_params.get(PAGE_SIZE_PARAM)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 4 and 1 <= int(raw) <= MAX_PAGE_SIZE):
            message = f"Must be a whole number from 1 to {MAX_PAGE_SIZE}."
            raise serializers.ValidationError({PAGE_SIZE_PARAM: [message]})
        return int(raw)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters


class PagePagination(StrictPageSize, PageNumberPagination):
    """Short lists that are not histories (markets, accounts, positions, tokens)."""


class HistoryPagination(StrictPageSize, CursorPagination):
    """Histories: newest first, a stable cursor however fast rows are added."""

    ordering = "-id"

    def decode_cursor(self, request):
        # DRF hands the cursor's position to the database unchecked: a forged cursor whose position is
        # not an id (or a time) would be a 500. Anything but a well-formed position is an invalid cursor.
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not self.position_is_valid(cursor.position):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def position_is_valid(self, position: str) -> bool:
        return position.isascii() and position.isdigit() and len(position) <= 18


class CandlePagination(HistoryPagination):
    ordering = "-open_time"

    def position_is_valid(self, position: str) -> bool:
        try:
            return parse_datetime(position) is not None
        except ValueError:
            return False


def paginated_response(
    *, view: APIView, request: Request, items: QuerySet | Sequence, serializer_class: type[serializers.Serializer]
) -> Response:
    """One page of ``items`` through ``view.pagination_class``, serialized by ``serializer_class``."""
    paginator = view.pagination_class()  # type: ignore[attr-defined]  # our list APIViews declare it; APIView has none
    page = paginator.paginate_queryset(items, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
