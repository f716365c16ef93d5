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
- makes a statement whose condition does not match NEUTRAL, as in IAM;
- evaluates StringNotEquals (an absent key matches, as in IAM) and gives object requests the
  s3:x-amz-server-side-encryption key from their header, so the bucket's "PutObject only with
  aws:kms" statement judges what Terraform's S3 backend really sends.

moto's EKS also leaves out of DescribeCluster what the real API returns and the AWS provider reads
back (accessConfig, upgradePolicy, resourcesVpcConfig.vpcId and clusterSecurityGroupId), so every
plan after an apply would replace the cluster. The launcher keeps the first two as created and, as
EKS does, makes the cluster security group in the subnets' VPC (and deletes it with the cluster).
Two EC2 gaps give perpetual diffs of the same kind: a rule that references a security group loses
its description in DescribeSecurityGroupRules, and a launch template's own tags (the request's
top-level TagSpecifications) are copied into its LaunchTemplateData. Both are answered as EC2 does.

And one S3 crash: in a bucket whose versioning is Suspended (the provider destroys
aws_s3_bucket_versioning before the bucket), deleting a key disposes of every version, and a delete
marker has no dispose(): DeleteObjects answers 500 and force_destroy retries until its timeout.
Delete markers hold no data, so disposing of one is a no-op.

Last, requests are served one at a time. moto's server is threaded, but its backends are plain
dicts with no locking, and Terraform sends up to ten requests at once. Twice under load a create
took effect and was still retried by the SDK (most likely answered with an error or too late):
the retry failed with EntityAlreadyExists (a CreateRole), or made a second route table. One lock
around the application serialises moto's state changes; connections are still accepted in parallel.

Then it starts the unchanged server:  python moto_server.py -H 127.0.0.1 -p PORT -s -c CERT -k KEY
"""
import contextvars
import sys
import threading

from moto.ec2.models import ec2_backends
from moto.ec2.models import security_groups as ec2_security_groups
from moto.ec2.models import launch_templates as ec2_launch_templates
from moto.eks import models as eks_models
from moto.eks import responses as eks_responses
from moto.iam import access_control, policy_conditions
from moto.s3 import models as s3_models
from moto.s3 import responses as s3_responses
import moto.server as moto_server
from moto.server import main


def _bool_equals(expected, actual):
    wanted = expected if isinstance(expected, list) else [expected]
    return str(actual).lower() in [str(value).lower() for value in wanted]


policy_conditions.CONDITION_OPERATIONS["Bool"] = _bool_equals
policy_conditions.CONDITION_OPERATIONS["StringNotEquals"] = lambda expected, actual: not policy_conditions.string_equals_operation(expected, actual)

# The headers of the S3 object request being served, for the bucket policy's condition keys.
_s3_request_headers = contextvars.ContextVar("s3_request_headers", default={})
_key_response = s3_responses.S3Response._key_response


def key_response(self, request, full_url):
    token = _s3_request_headers.set({k.lower(): v for k, v in request.headers.items()})
    try:
        return _key_response(self, request, full_url)
    finally:
        _s3_request_headers.reset(token)


s3_responses.S3Response._key_response = key_response


def get_permission(self, action, resource):
    if self.policy is None:
        return access_control.PermissionResult.NEUTRAL
    headers = _s3_request_headers.get()
    values = {}
    if "x-amz-server-side-encryption" in headers:
        values["s3:x-amz-server-side-encryption"] = headers["x-amz-server-side-encryption"]
    return access_control.IAMPolicy(self.policy.decode()).is_action_permitted(action, resource, None, values)


s3_models.FakeBucket.get_permission = get_permission

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

_create_cluster = eks_responses.EKSResponse.create_cluster
_delete_cluster = eks_models.EKSBackend.delete_cluster


def create_cluster(self):
    result = _create_cluster(self)
    cluster = self.eks_backend.clusters[self._get_param("name")]
    cluster.access_config = self._get_param("accessConfig") or {"authenticationMode": "CONFIG_MAP"}
    cluster.upgrade_policy = self._get_param("upgradePolicy") or {"supportType": "EXTENDED"}
    ec2 = ec2_backends[self.current_account][self.region]
    vpc_config = cluster.resources_vpc_config
    vpc_id = ec2.get_subnet(vpc_config["subnetIds"][0]).vpc_id
    group = ec2.create_security_group(
        name=f"eks-cluster-sg-{cluster.name}",
        description="EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads.",
        vpc_id=vpc_id,
        tags={f"kubernetes.io/cluster/{cluster.name}": "owned", "aws:eks:cluster-name": cluster.name},
    )
    vpc_config["vpcId"] = vpc_id
    vpc_config["clusterSecurityGroupId"] = group.id
    return result


def delete_cluster(self, name):
    cluster = _delete_cluster(self, name)
    group_id = cluster.resources_vpc_config.get("clusterSecurityGroupId")
    if group_id:
        ec2_backends[self.account_id][self.region_name].delete_security_group(group_id=group_id)
    return cluster


eks_responses.EKSResponse.create_cluster = create_cluster
eks_models.EKSBackend.delete_cluster = delete_cluster

ec2_security_groups.SecurityGroupRule.description = property(
    lambda self: self.ip_range.get("Description") or self.source_group.get("Description")
)

_create_launch_template = ec2_launch_templates.LaunchTemplateBackend.create_launch_template


def create_launch_template(self, name, description, template_data, tag_spec):
    # "launch-template" is never a valid resource type inside LaunchTemplateData: those are the template's own tags.
    specs = template_data.get("TagSpecifications") or []
    template_data["TagSpecifications"] = [spec for spec in specs if spec.get("ResourceType") != "launch-template"]
    return _create_launch_template(self, name, description, template_data, tag_spec)


ec2_launch_templates.LaunchTemplateBackend.create_launch_template = create_launch_template

s3_models.FakeDeleteMarker.dispose = lambda self, garbage=False: None

_serve_one_at_a_time = threading.Lock()
_run_simple = moto_server.run_simple


def _serialised(app):
    def wsgi(environ, start_response):
        with _serve_one_at_a_time:
            # The whole response is produced inside the lock: a lazy body would run outside it.
            return list(app(environ, start_response))

    return wsgi


def run_simple(hostname, port, application, **kwargs):
    return _run_simple(hostname, port, _serialised(application), **kwargs)


moto_server.run_simple = run_simple

if __name__ == "__main__":
    args = sys.argv[1:]
    if "-s" not in args or "-c" not in args or "-k" not in args:
        sys.exit("moto_server.py: serve TLS only (-s -c CERT -k KEY): the bucket policies are evaluated with aws:SecureTransport true")
    sys.exit(main(args))
