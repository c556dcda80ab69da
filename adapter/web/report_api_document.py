"""The reports API's OpenAPI 3.1 description, served at /api/v1/openapi.json."""
from __future__ import annotations

from adapter.reports.breakdowns import COLUMNS

_FILTERS = [
    {"name": "platform", "in": "query", "schema": {"type": "integer"}, "description": "One platform's records"},
    {"name": "course", "in": "query", "schema": {"type": "integer"}, "description": "One course's records"},
    {"name": "team", "in": "query", "schema": {"type": "string", "maxLength": 255},
     "description": "The records of the people in one team"},
    {"name": "activity", "in": "query", "schema": {"type": "string", "maxLength": 2048},
     "description": "One learning activity's records: its xAPI activity IRI, or link:<id> for a link without one"},
    {"name": "from", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
     "description": "Records dated in this month (YYYY-MM) or later"},
    {"name": "to", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
     "description": "Records dated in this month (YYYY-MM) or earlier"},
]
_CELL = {"type": "object", "required": ["key", "label", "value", "display", "learners", "hidden"], "properties": {
    "key": {"type": "string", "enum": list(COLUMNS)}, "label": {"type": "string"},
    "value": {"type": ["number", "null"], "description": "null when hidden or nothing to measure yet"},
    "display": {"type": "string"}, "learners": {"type": ["integer", "null"]}, "hidden": {"type": "boolean"}}}
_ROW = {"type": "object", "properties": {
    "name": {"type": "string"}, "learners": {"type": ["integer", "null"]}, "hidden": {"type": "boolean"},
    "cells": {"type": "array", "items": {"$ref": "#/components/schemas/Cell"}}}}
_PROBLEM = {"description": "An RFC 9457 problem", "content": {"application/problem+json": {
    "schema": {"$ref": "#/components/schemas/Problem"}}}}
_ERRORS = {str(code): _PROBLEM for code in (400, 401, 404, 429)}


def openapi_document(server: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "coachbridge reports", "version": "1",
                 "description": "Read-only outcome measures by manager, by team and over time. No row or "
                                "figure rests on fewer learners than the platform's smallest group (hidden "
                                "cells have value null and hidden true); no learner is named."},
        "servers": [{"url": server}],
        "security": [{"token": []}],
        "paths": {
            "/reports/by-manager": _get("Every measure per manager's current team", "Breakdown", [
                {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(COLUMNS)}},
                {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}}]),
            "/reports/by-team": _get("Every measure per team", "Breakdown", []),
            "/reports/over-time": _get("Every measure per month (24) or quarter (8)", "Trend", [
                {"name": "period", "in": "query", "schema": {"type": "string", "enum": ["month", "quarter"]}}]),
        },
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                          "description": "A token an admin created under Reports → API tokens"}},
            "schemas": {
                "Cell": _CELL, "Row": _ROW,
                "Breakdown": {"type": "object", "properties": {
                    "by": {"type": "string"}, "as_of": {"type": "string", "format": "date"},
                    "min_learners": {"type": "integer"}, "rule": {"type": "string"},
                    "withheld": {"type": "boolean"}, "filters": {"type": "object"},
                    "organisation": {"$ref": "#/components/schemas/Row"},
                    "rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}}}},
                "Trend": {"type": "object", "properties": {
                    "kind": {"type": "string"}, "as_of": {"type": "string", "format": "date"},
                    "min_learners": {"type": "integer"}, "withheld": {"type": "boolean"},
                    "filters": {"type": "object"},
                    "rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
                    "targets": {"type": "array", "items": {"type": "object"}}}},
                "Problem": {"type": "object", "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                    "detail": {"type": "string"}}},
            },
        },
    }


def _get(summary: str, schema: str, parameters: list) -> dict:
    return {"get": {"summary": summary, "parameters": [*parameters, *_FILTERS], "responses": {
        "200": {"description": summary, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{schema}"}}}}, **_ERRORS}}}
