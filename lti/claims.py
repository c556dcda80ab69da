"""Claim names, message types, media types and scopes of LTI 1.3 and LTI Advantage.

One module of plain constants so launch validation, the services and the tests spell
every URI the same way: a typo in a claim URI fails silently (the claim reads as absent).
"""

_LTI = "https://purl.imsglobal.org/spec/lti/claim/"
_DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"

# Core launch claims (LTI 1.3 core, section 5).
MESSAGE_TYPE = _LTI + "message_type"
VERSION = _LTI + "version"
DEPLOYMENT_ID = _LTI + "deployment_id"
TARGET_LINK_URI = _LTI + "target_link_uri"
RESOURCE_LINK = _LTI + "resource_link"
ROLES = _LTI + "roles"
ROLE_SCOPE_MENTOR = _LTI + "role_scope_mentor"
CONTEXT = _LTI + "context"
TOOL_PLATFORM = _LTI + "tool_platform"
LAUNCH_PRESENTATION = _LTI + "launch_presentation"
CUSTOM = _LTI + "custom"
LIS = _LTI + "lis"

LTI_VERSION = "1.3.0"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"

# Deep Linking 2.0.
DL_SETTINGS = _DL + "deep_linking_settings"
DL_CONTENT_ITEMS = _DL + "content_items"
DL_DATA = _DL + "data"
DL_MSG = _DL + "msg"
DL_ERRORMSG = _DL + "errormsg"
CONTENT_ITEM_RESOURCE_LINK = "ltiResourceLink"

# Assignment and Grade Services 2.0.
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
AGS_SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
AGS_SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
AGS_SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
MEDIA_TYPE_LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
MEDIA_TYPE_LINEITEM_CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEDIA_TYPE_SCORE = "application/vnd.ims.lis.v1.score+json"

# Names and Role Provisioning Services 2.0.
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
NRPS_SCOPE_CONTEXTMEMBERSHIP_READONLY = (
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
)
MEDIA_TYPE_MEMBERSHIP_CONTAINER = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

# Dynamic Registration 1.0.
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
