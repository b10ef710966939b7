"""A stand-in for the system browser (used through BROWSER): it follows the authorization
URL to the loopback redirect, as a person's browser would after they click Allow.

OO_TEST_BROWSER=tamper (wrong state), drop (no state), or closed (does nothing).
"""

import contextlib
import os
import sys
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def main() -> None:
    mode = os.environ.get("OO_TEST_BROWSER", "")
    if mode == "closed":
        return
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(sys.argv[1], timeout=10)
        return
    except urllib.error.HTTPError as exc:
        target = exc.headers["Location"]
    parts = urlsplit(target)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if mode == "tamper":
        query["state"] = "forged"
    elif mode == "drop":
        query.pop("state", None)
    url = parts._replace(query=urlencode(query)).geturl()
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(url, timeout=10)


if __name__ == "__main__":
    main()
