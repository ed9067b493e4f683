"""Loaded by the moto_server of tests that switch moto's IAM authentication on (PYTHONPATH=this folder).

moto 5 checks each SigV4 signature against the request URL as werkzeug hands it over, with "%2F" in the query
already decoded to "/": a ListObjectsV2 with prefix=folder/ — which every AWS SDK signs with the "/" encoded, as
SigV4 requires — then fails with SignatureDoesNotMatch although it is signed correctly. This re-encodes the query
as SigV4 canonicalises it before moto computes the signature; the IAM evaluation itself is moto's, untouched.
"""
from urllib.parse import quote, unquote

try:
    from moto.iam import access_control as _ac
except Exception:  # not moto's interpreter: nothing to fix
    _ac = None

if _ac is not None:
    _original = _ac.IAMRequestBase._create_aws_request

    def _create_aws_request(self):
        path, sep, query = self._path.partition("?")
        if sep:
            pairs = []
            for pair in query.split("&"):
                key, eq, value = pair.partition("=")
                pairs.append(quote(unquote(key), safe="-_.~") + eq + quote(unquote(value), safe="-_.~"))
            self._path = path + "?" + "&".join(pairs)
        return _original(self)

    _ac.IAMRequestBase._create_aws_request = _create_aws_request
