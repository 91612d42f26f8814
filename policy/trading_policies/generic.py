"""Resources the pack cannot judge: AWS resources declared through a generic provider or a template.

Every other rule reads pulumi-aws resources by type (``aws:s3/bucket:Bucket``, ``aws:lambda/functionUrl:
FunctionUrl``, ...). The same AWS resources can be declared in ways none of them reads: Pulumi AWS Native
(every ``aws-native:*`` type, e.g. ``aws-native:lambda:Url`` with AuthType NONE), pulumi-aws's Cloud Control
resource (``typeName`` plus ``desiredState`` JSON), a CloudFormation stack (``templateBody`` or
``templateUrl``), a CloudFormation stack set and the instances that deploy it, a Serverless Application
Repository application (deployed as a CloudFormation stack of its template), and a Service Catalog product,
launched as a provisioned product or by a SageMaker project (which provisions the product it names), and an
Elastic Beanstalk environment (a CloudFormation stack of instances, security groups and load balancers built
from its option settings, plus any resources its bundle's .ebextensions declare). So do
the resources of the Terraform AWS providers: those a Terraform module creates (pulumi-terraform-module
registers each as ``<package>:tf:aws_<type>``, e.g. ``vpc:tf:aws_security_group``) and those of a local
package of the AWS Cloud Control Terraform provider (``awscc:*``). Each walks around every guard rail, so
each is reported: declare what it creates with the pulumi-aws resource of the same kind, or exempt it, with
a reason, after reviewing what it creates.

Resources of other providers (random, tls, command, ...) are not AWS declarations and are not reported.
Neither is a dynamic provider's resource (``pulumi-python:dynamic:Resource``): its type says nothing about
what its code does (most call no AWS API), and code that calls AWS itself, in a dynamic provider, a
``command`` or the program, is out of every policy's reach, which sees declarations only; that is for code
review.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .graph import Resource
from .registry import Rule

AWS_NATIVE_PREFIX = "aws-native:"
AWSCC_PREFIX = "awscc:"
TERRAFORM_MODULE_AWS = ("*:tf:aws_*", "*:tf:awscc_*")
CLOUD_CONTROL = "aws:cloudcontrol/resource:Resource"
CFN_STACK = "aws:cloudformation/stack:Stack"
CFN_STACK_SET = "aws:cloudformation/stackSet:StackSet"
CFN_STACK_SET_INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"
CFN_STACK_INSTANCES = "aws:cloudformation/stackInstances:StackInstances"
PROVISIONED_PRODUCT = "aws:servicecatalog/provisionedProduct:ProvisionedProduct"
SAR_STACK = "aws:serverlessrepository/cloudFormationStack:CloudFormationStack"
SAGEMAKER_PROJECT = "aws:sagemaker/project:Project"
BEANSTALK_ENVIRONMENT = "aws:elasticbeanstalk/environment:Environment"
_UNREAD = "which no rule of the pack reads, so nothing checks the AWS resources it creates"


def check_judged_by_the_pack(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    yield f"{_what_it_creates(resource)}, {_UNREAD}"


def _what_it_creates(resource: Resource) -> str:
    """What a resource of one of the rule's types creates (the rule runs for no other type)."""
    kind = resource.type
    if kind.startswith(AWS_NATIVE_PREFIX):
        return "is declared through Pulumi AWS Native"
    if kind.startswith(AWSCC_PREFIX):
        return "is declared through the AWS Cloud Control Terraform provider (awscc)"
    if ":tf:" in kind:
        address = resource.get("__address")
        shown = f" {address}" if isinstance(address, str) else ""
        return f"is the Terraform resource{shown}, created by a Terraform module"
    if kind == CLOUD_CONTROL:
        name = resource.get("typeName")
        shown = name if isinstance(name, str) else "a resource"
        return f"creates {shown} through the Cloud Control API from desiredState"
    if kind in (CFN_STACK, CFN_STACK_SET):
        template = f"a CloudFormation template{_template_types(resource.get('templateBody'))}"
        if kind == CFN_STACK:
            return f"deploys {template}"
        return f"holds {template} that its instances deploy to accounts and regions"
    if kind in (CFN_STACK_SET_INSTANCE, CFN_STACK_INSTANCES):
        name = resource.get("stackSetName")
        shown = f"'{name}'" if isinstance(name, str) else "it names"
        return f"deploys the CloudFormation template of the stack set {shown}"
    if kind == SAR_STACK:
        application = resource.get("applicationId")
        shown = f" {application}" if isinstance(application, str) else ""
        return f"deploys the Serverless Application Repository application{shown} as a CloudFormation stack"
    if kind == BEANSTALK_ENVIRONMENT:
        return (
            "deploys an Elastic Beanstalk environment, a CloudFormation stack of instances, security groups "
            "and load balancers built from its settings and application bundle"
        )
    if kind == SAGEMAKER_PROJECT:
        return (
            "provisions a Service Catalog product for a SageMaker project, whose template creates its "
            "resources"
        )
    return "launches a Service Catalog product, whose template creates its resources"  # PROVISIONED_PRODUCT


def _template_types(body: Any) -> str:
    """`` (<its resource types>)`` for a JSON template with resources; empty for YAML or an unknown body."""
    try:
        resources = json.loads(body)["Resources"]
        types = sorted({str(spec["Type"]) for spec in resources.values()})
    except (TypeError, ValueError, KeyError, AttributeError):
        return ""
    return f" ({', '.join(types)})" if types else ""


RULES = [
    Rule(
        name="resources-judged-by-the-pack",
        description=(
            "No AWS resource is declared where the pack cannot judge it: through Pulumi AWS Native "
            "(aws-native:*), pulumi-aws's Cloud Control resource, a CloudFormation stack, stack set or stack "
            "set instance, a Serverless Application Repository application's stack, a Service Catalog "
            "product (a provisioned product, or a SageMaker project's), an Elastic Beanstalk environment, a "
            "Terraform module (its aws_* resources) or the awscc Terraform provider. Resources of other "
            "providers and dynamic providers, which are code rather than declarations, are not reported."
        ),
        severity=Severity.HIGH,
        pci=("2.2.1", "12.5.1"),
        remediation=(
            "Declare each AWS resource with the pulumi-aws resource of the same kind (e.g. "
            "aws.lambda_.FunctionUrl for AWS::Lambda::Url, aws.s3.Bucket for AWS::S3::Bucket), which the "
            "pack's rules read; where that is not possible, review what it creates and exempt it from this "
            "policy with a reason and an expiry date"
        ),
        url="https://docs.aws.amazon.com/cloudcontrolapi/latest/userguide/how-it-works.html",
        topic="inventory",
        check=check_judged_by_the_pack,
        # Only these types: the rule is not run (an Analyze call's cost) on every other resource.
        resource_types=(
            CLOUD_CONTROL,
            CFN_STACK,
            CFN_STACK_SET,
            CFN_STACK_SET_INSTANCE,
            CFN_STACK_INSTANCES,
            PROVISIONED_PRODUCT,
            SAR_STACK,
            SAGEMAKER_PROJECT,
            BEANSTALK_ENVIRONMENT,
        ),
        resource_type_prefixes=(AWS_NATIVE_PREFIX, AWSCC_PREFIX),
        resource_type_patterns=TERRAFORM_MODULE_AWS,
    ),
]
