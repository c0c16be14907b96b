"""Hooks of the contract fuzz (test/contract/fuzz.api.test.ts): what schemathesis must not invent."""
import schemathesis


@schemathesis.hook
def filter_query(ctx, query):
    # A cursor is made by the API (a page's nextCursor) and is opaque: an invented one is refused with
    # 400 invalid_query by design (docs/api.md, Lists), so the fuzzer does not invent them.
    return not query or "cursor" not in query
