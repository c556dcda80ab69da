"""The tool's response class: Flask's, handing its headers to the server without the copy
werkzeug makes of them for every response."""
from __future__ import annotations

from flask import Response
from werkzeug.datastructures import Headers
from werkzeug.urls import iri_to_uri


class ToolResponse(Response):
    def get_wsgi_headers(self, environ: dict) -> Headers:
        """The headers werkzeug's ``get_wsgi_headers`` returns — which copies them (~10, each
        validated again) to change, at most, the Location and Content-Location into URIs and
        the Content-Length — as they are when none of that changes them. The server gets a
        list of them either way (``to_wsgi_list``). A missing length of a body in memory (a
        redirect's) is added last, where werkzeug's copy has it."""
        status, headers = self.status_code, self.headers
        if status < 200 or status in (204, 304):  # werkzeug drops the length or entity headers
            return super().get_wsgi_headers(environ)
        locations, length = [], None
        for name, value in headers:
            lowered = name.lower()
            if lowered == "location":
                locations.append(value)
            elif lowered == "content-location":
                return super().get_wsgi_headers(environ)
            elif lowered == "content-length":
                length = value
        if locations and (len(locations) > 1 or self.autocorrect_location_header
                          or iri_to_uri(locations[0]) != locations[0]):
            return super().get_wsgi_headers(environ)
        if length is None and self.automatically_set_content_length and self.is_sequence:
            headers.add("Content-Length", str(sum(len(part) for part in self.iter_encoded())))
        return headers
