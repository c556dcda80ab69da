"""The xAPI versions the bridge speaks: 1.0.3 by default, 2.0.0 (IEEE 9274.1.1) per LRS."""

XAPI_1_0_3 = "1.0.3"
XAPI_2_0_0 = "2.0.0"
SUPPORTED_VERSIONS = (XAPI_1_0_3, XAPI_2_0_0)


def check_version(version: str) -> str:
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"xAPI version {version!r} not in {SUPPORTED_VERSIONS}")
    return version
