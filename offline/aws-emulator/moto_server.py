"""moto's server mode (moto_server) over TLS only, with its S3 bucket-policy conditions evaluated.

moto 5.2.5 ignores every condition operator but StringEquals (moto/iam/policy_conditions.py: an
unknown operator "matches"), knows no request context keys for bucket policies, and answers DENIED
for a statement whose condition does not match whatever its Effect. So the state bucket's TLS-only
statement (Deny s3:* when Bool aws:SecureTransport is "false") denies every request, and the S3
backend can neither read nor write its state. This launcher, for the bootstrap test only
(offline/aws-emulator/emulator.ts; nothing in the product runs it):

- refuses to start without TLS (-s with -c/-k), so every request really is aws:SecureTransport "true",
  and supplies that key to the policy evaluation;
- evaluates the Bool operator (case-insensitive, as IAM does);
- makes a statement whose condition does not match NEUTRAL, as in IAM.

Then it starts the unchanged server:  python moto_server.py -H 127.0.0.1 -p PORT -s -c CERT -k KEY
"""
import sys

from moto.iam import access_control, policy_conditions
from moto.server import main


def _bool_equals(expected, actual):
    wanted = expected if isinstance(expected, list) else [expected]
    return str(actual).lower() in [str(value).lower() for value in wanted]


policy_conditions.CONDITION_OPERATIONS["Bool"] = _bool_equals

_check_conditions = access_control.IAMPolicyStatement._check_conditions
_is_action_permitted = access_control.IAMPolicyStatement.is_action_permitted


def _with_transport(incoming_condition_values):
    return {"aws:SecureTransport": "true", **(incoming_condition_values or {})}


def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
    values = _with_transport(incoming_condition_values)
    if self._statement.get("Condition") and not _check_conditions(self, values):
        return access_control.PermissionResult.NEUTRAL
    return _is_action_permitted(self, action, resource, principal, values)


access_control.IAMPolicyStatement.is_action_permitted = is_action_permitted

if __name__ == "__main__":
    args = sys.argv[1:]
    if "-s" not in args or "-c" not in args or "-k" not in args:
        sys.exit("moto_server.py: serve TLS only (-s -c CERT -k KEY): the bucket policies are evaluated with aws:SecureTransport true")
    sys.exit(main(args))
