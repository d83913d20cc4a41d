"""HTTP errors raised inside the local portal, rendered in the real portal's JSON envelope."""

from __future__ import annotations

from typing import Any

_KINDS: dict[int, tuple[str, str, str]] = {
    400: ("HTTPBadRequest", "Bad Request",
          "The server could not comply with the request since it is either malformed or "
          "otherwise incorrect."),
    401: ("HTTPUnauthorized", "Unauthorized",
          "This server could not verify that you are authorized to access the document you "
          "requested."),
    403: ("HTTPForbidden", "Forbidden", "Access was denied to this resource."),
    404: ("HTTPNotFound", "Not Found", "The resource could not be found."),
    405: ("HTTPMethodNotAllowed", "Method Not Allowed",
          "The method is not allowed for this resource."),
    409: ("HTTPConflict", "Conflict", "There was a conflict when trying to complete your request."),
    413: ("HTTPRequestEntityTooLarge", "Request Entity Too Large",
          "The body of your request was too large for this server."),
    415: ("HTTPUnsupportedMediaType", "Unsupported Media Type",
          "The request media type is not supported by this server."),
    500: ("HTTPInternalServerError", "Internal Server Error",
          "The server has either erred or is incapable of performing the requested operation."),
    503: ("HTTPServiceUnavailable", "Service Unavailable",
          "The server is currently unavailable. Please try again at a later time."),
}


class HTTPProblem(Exception):
    """An error response: `{"@type": [<kind>, "Error"], "status": "error", "code": ...}`."""

    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    def body(self) -> dict[str, Any]:
        kind, title, description = _KINDS.get(self.code, ("HTTPError", "Error", ""))
        body: dict[str, Any] = {
            "@type": [kind, "Error"], "status": "error", "code": self.code,
            "title": title, "description": description,
        }
        if self.detail:
            body["detail"] = self.detail
        return body


class ValidationFailure(HTTPProblem):
    """422 with one entry per failed rule, each naming the property path it is about."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(422, "; ".join(e["description"] for e in errors))
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {
            "@type": ["ValidationFailure", "Error"], "status": "error", "code": 422,
            "title": "Unprocessable Entity", "description": "Failed validation",
            "errors": self.errors,
        }


def field_error(path: list[Any], description: str) -> dict[str, Any]:
    return {"location": "body", "name": list(path), "description": description}
