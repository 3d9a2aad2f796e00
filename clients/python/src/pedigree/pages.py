"""Lists that fetch their pages as they are iterated."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Generic, Iterator, Mapping, TypeVar

from .targets import Request

if TYPE_CHECKING:
    import pandas

T = TypeVar("T")

#: Nodes per request while iterating; the API allows up to 1,000.
PAGE_SIZE = 100


class Pages(Generic[T]):
    """A filtered list (`datums`, `executions`), newest first. Nothing is fetched until it is
    iterated; iterating fetches one page at a time through the cursor, so a loop that stops
    early fetches no more. `count()` asks for the total alone; `to_frame()` reads them all."""

    def __init__(
        self,
        request: Request,
        field: str,
        filter_type: str,
        filter: Mapping[str, Any],
        node_fields: str,
        convert: Callable[[Mapping[str, Any]], T],
        to_frame: Callable[[list[T]], pandas.DataFrame],
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._request = request
        self._field = field
        self._filter_type = filter_type
        self._filter = {k: v for k, v in filter.items() if v is not None}
        self._node_fields = node_fields
        self._convert = convert
        self._to_frame = to_frame
        self._page_size = page_size

    def __iter__(self) -> Iterator[T]:
        query = f"""query($filter: {self._filter_type}, $first: Int, $after: String) {{
          page: {self._field}(filter: $filter, first: $first, after: $after) {{
            pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {self._node_fields} }} }}
          }}
        }}"""
        after: str | None = None
        while True:
            page = self._request(query, {"filter": self._filter, "first": self._page_size, "after": after})["page"]
            for edge in page["edges"]:
                yield self._convert(edge["node"])
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def count(self) -> int:
        """How many match, in one small request."""
        query = f"query($filter: {self._filter_type}) {{ page: {self._field}(filter: $filter, first: 1) {{ totalCount }} }}"
        total: int = self._request(query, {"filter": self._filter})["page"]["totalCount"]
        return total

    def first(self, n: int) -> list[T]:
        """The newest `n`, fetching no more pages than needed."""
        out: list[T] = []
        for item in self if n > 0 else ():
            out.append(item)
            if len(out) == n:
                break
        return out

    def to_list(self) -> list[T]:
        return list(self)

    def to_frame(self) -> pandas.DataFrame:
        """All of them as a pandas DataFrame, current metadata values as `group.key` columns."""
        return self._to_frame(list(self))
