"""SigV4-signed requests to the deployed API (AWS_IAM authorization) with botocore's signer and urllib."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

SERVICE = "execute-api"


def signed_request(
    method: str,
    url: str,
    region: str,
    credentials: Any,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> urllib.request.Request:
    """A urllib request carrying SigV4 headers for `execute-api` in `region`, signed with `credentials`
    (anything with access_key, secret_key and token, such as a boto3 session's frozen credentials)."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    SigV4Auth(credentials, SERVICE, region).add_auth(request)
    return urllib.request.Request(url, data=body, headers=dict(request.headers.items()), method=method)


def send(request: urllib.request.Request, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """Send `request`; return status, headers and body, for error statuses too."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers.items()), error.read()
