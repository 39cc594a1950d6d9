"""The one pagination of the API: `?page=` (from 1) and `?page_size=` (default 20, at
most 100); a page is {count, next, previous, results}."""

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

API_PAGE_SIZE = 20
API_PAGE_SIZE_MAX = 100


class ApiPagination(PageNumberPagination):
    page_size = API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = API_PAGE_SIZE_MAX

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        """A page past the last, or not a number, is a 404 with the code `invalid_page`."""
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as missing:
            raise NotFound(str(missing.detail), code="invalid_page") from missing
