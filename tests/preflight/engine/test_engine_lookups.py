"""Red-team regressions: default-VPC lookups, a missing AWS region, failures after unmocked invokes."""

import base64
import json
import re
import textwrap

import pytest

from preflight import engine, invokes
from preflight.errors import PreflightError
from preflight.model import Mode
from preflight.project import load_project
from preflight.values import Target

ACCOUNT = "123456789012"
TARGET = Target(ACCOUNT, "eu-west-1")


def make(tmp_path, source, stack="config:\n  aws:region: eu-west-1\n"):
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(stack)
    (tmp_path / "__main__.py").write_text(textwrap.dedent(source))
    return load_project(tmp_path, "dev")


def test_default_vpc_lookup_is_the_regions_default_vpc():
    vpc = invokes.answer("aws:ec2/getVpc:getVpc", {"default": True}, TARGET)
    assert vpc["id"].startswith("vpc-")
    assert len(vpc["id"]) == 21
    assert vpc["arn"] == f"arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc/{vpc['id']}"
    assert (vpc["cidrBlock"], vpc["default"], vpc["state"], vpc["ownerId"]) == (
        "172.31.0.0/16",
        True,
        "available",
        ACCOUNT,
    )
    assert vpc["cidrBlockAssociations"][0]["cidrBlock"] == "172.31.0.0/16"
    assert vpc["enableDnsHostnames"] is True
    # No search criteria at all also means the default VPC, and it is the same one.
    assert invokes.answer("aws:ec2/getVpc:getVpc", {}, TARGET)["id"] == vpc["id"]
    assert invokes.answer("aws:ec2/getVpc:getVpc", {}, Target(ACCOUNT, "us-east-1"))["id"] != vpc["id"]


def test_vpc_lookups_by_id_tags_or_cidr_find_a_non_default_vpc():
    by_id = invokes.answer("aws:ec2/getVpc:getVpc", {"id": "vpc-0123456789abcdef0"}, TARGET)
    assert (by_id["id"], by_id["default"], by_id["cidrBlock"]) == (
        "vpc-0123456789abcdef0",
        False,
        "10.0.0.0/16",
    )
    tagged = invokes.answer("aws:ec2/getVpc:getVpc", {"tags": {"Name": "main"}, "state": "pending"}, TARGET)
    assert tagged["tags"] == {"Name": "main"}
    assert (tagged["default"], tagged["state"], tagged["enableDnsHostnames"]) == (False, "pending", False)
    assert tagged["id"] != invokes.answer("aws:ec2/getVpc:getVpc", {}, TARGET)["id"]
    cidr = invokes.answer("aws:ec2/getVpc:getVpc", {"cidrBlock": "10.8.0.0/16"}, TARGET)
    assert cidr["cidrBlock"] == "10.8.0.0/16"


def test_subnet_lookups_give_one_subnet_per_zone_per_query():
    query = {"filters": [{"name": "vpc-id", "values": ["vpc-0123456789abcdef0"]}]}
    subnets = invokes.answer("aws:ec2/getSubnets:getSubnets", query, TARGET)
    assert len(subnets["ids"]) == 3 == len(set(subnets["ids"]))
    assert all(s.startswith("subnet-") and len(s) == 24 for s in subnets["ids"])
    assert (subnets["id"], subnets["region"], subnets["filters"]) == (
        "eu-west-1",
        "eu-west-1",
        query["filters"],
    )
    assert invokes.answer("aws:ec2/getSubnets:getSubnets", dict(query), TARGET)["ids"] == subnets["ids"]
    assert invokes.answer("aws:ec2/getSubnets:getSubnets", {}, TARGET)["ids"] != subnets["ids"]


def test_a_default_vpc_program_runs_without_unmocked_warnings(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        vpc = aws.ec2.get_vpc(default=True)
        subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])
        aws.ec2.Subnet("extra", vpc_id=vpc.id, cidr_block="172.31.200.0/24")
        pulumi.export("subnet", subnets.ids[0])
        """,
    )
    result = engine.run_program(project, Mode.UPDATE, ACCOUNT)
    assert result.warnings == []
    assert result.outputs["subnet"].startswith("subnet-")


def test_a_failure_after_an_unmocked_invoke_names_the_invoke(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        thing = pulumi.runtime.invoke("acme:index/getThing:getThing", {}).value
        aws.ec2.Subnet("s", vpc_id=thing.get("id"), cidr_block="10.0.0.0/24")
        """,
    )
    with pytest.raises(PreflightError) as raised:
        engine.run_program(project, Mode.UPDATE, ACCOUNT)
    assert raised.value.message == (
        "program __main__.py failed: TypeError: Missing required property 'vpc_id' (at __main__.py:6); "
        "the program used acme:index/getThing:getThing, which preflight does not mock and answered with no "
        "values"
    )


def test_an_invoke_with_no_hand_written_answer_is_answered_from_its_sdk_type_and_listed(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"])
        again = aws.ec2.get_ami(most_recent=True, owners=["amazon"])
        instance = aws.ec2.Instance("web", ami=ami.image_id, instance_type="t3.micro")
        pulumi.export("ami", ami.image_id)
        pulumi.export("same", again.image_id == ami.image_id)
        pulumi.export("ip", instance.public_ip)
        """,
    )
    result = engine.run_program(project, Mode.UPDATE, ACCOUNT)
    assert result.synthesized_invokes == ["aws:ec2/getAmi:getAmi"]
    assert result.warnings == []
    assert re.fullmatch(r"ami-[0-9a-f]{17}", result.outputs["ami"])
    assert result.outputs["same"] is True  # the same query gets the same answer
    assert re.fullmatch(r"3\.\d+\.\d+\.\d+", result.outputs["ip"])


def test_a_missing_aws_region_is_a_warning_not_a_silent_default(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        aws.sqs.Queue("q")
        group = pulumi.ComponentResource("demo:x:Group", "group")
        # An explicit provider inside a component: its URN type is qualified by the component's.
        tagged = aws.Provider(
            "tagged", default_tags={"tags": {"Owner": "ops"}}, opts=pulumi.ResourceOptions(parent=group)
        )
        queue = aws.sqs.Queue("t", opts=pulumi.ResourceOptions(provider=tagged))
        pulumi.export("arn", queue.arn)
        """,
        stack="config: {}\n",
    )
    result = engine.run_program(project, Mode.UPDATE, ACCOUNT)
    assert result.warnings == [
        "aws:region is not set in Pulumi.dev.yaml: preflight assumes us-east-1, but the Pulumi CLI needs a "
        "region for the AWS provider (set aws:region, or AWS_REGION in the environment)",
        "provider tagged sets no region: preflight assumes us-east-1, but an explicit provider does not read "
        "aws:region from the stack config (pass region=..., or set AWS_REGION in the environment)",
    ]
    assert result.outputs["arn"].startswith(f"arn:aws:sqs:us-east-1:{ACCOUNT}:t-")


def test_providers_with_a_region_or_of_other_packages_do_not_warn(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws
        import pulumi_random as random

        random.RandomId("id", byte_length=4)
        west = aws.Provider("west", region="us-west-2")
        aws.sqs.Queue("q", opts=pulumi.ResourceOptions(provider=west))
        aws.sqs.Queue("d")
        """,
    )
    assert engine.run_program(project, Mode.PREVIEW, ACCOUNT).warnings == []


def test_an_aws_service_endpoint_is_offered_in_every_zone_of_the_region():
    found = invokes.answer(
        "aws:ec2/getVpcEndpointService:getVpcEndpointService",
        {"service": "rds-data", "serviceType": "Interface"},
        TARGET,
    )
    assert found["serviceName"] == "com.amazonaws.eu-west-1.rds-data"
    assert found["service"] == "rds-data"
    assert found["availabilityZones"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert found["privateDnsName"] == "rds-data.eu-west-1.amazonaws.com"
    assert found["arn"] == f"arn:aws:ec2:eu-west-1::vpc-endpoint-service/{found['serviceId']}"
    by_name = invokes.answer(
        "aws:ec2/getVpcEndpointService:getVpcEndpointService",
        {"serviceName": "com.amazonaws.eu-west-1.s3"},
        TARGET,
    )
    assert (by_name["service"], by_name["serviceType"]) == ("s3", "Interface")
    assert by_name["serviceId"] != found["serviceId"]


def test_a_synthesized_answer_echoes_arguments_converted_to_the_result_types(tmp_path):
    # The provider converts `most_recent="true"` to a bool before echoing it; echoed as a string, the SDK's
    # GetAmiResult raised TypeError. An argument it cannot convert is not echoed: an optional field stays
    # empty (None, which a stack output leaves out), an always-present one is filled.
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        ami = aws.ec2.get_ami(most_recent="true", owners=["amazon"], include_deprecated="maybe")
        pulumi.export("mostRecent", ami.most_recent)
        pulumi.export("owners", ami.owners)
        pulumi.export("includeDeprecated", ami.include_deprecated)
        """,
    )
    outputs = engine.run_program(project, Mode.UPDATE, ACCOUNT).outputs
    assert outputs == {"mostRecent": True, "owners": ["amazon"]}


def test_ecr_logins_decode_to_the_aws_user_and_its_password(tmp_path):
    project = make(
        tmp_path,
        """
        import base64
        import pulumi
        import pulumi_aws as aws

        repo = aws.ecr.Repository("repo")
        token = aws.ecr.get_authorization_token_output(registry_id=repo.registry_id)
        credentials = aws.ecr.get_credentials_output(registry_id=repo.registry_id)
        for name, login in (("token", token), ("credentials", credentials)):
            user_and_password = login.authorization_token.apply(lambda t: base64.b64decode(t).decode())
            pulumi.export(name, user_and_password.apply(lambda text: text.split(":")))
            pulumi.export(f"{name}Password", login.password)
            pulumi.export(f"{name}Endpoint", login.proxy_endpoint)
        """,
    )
    outputs = engine.run_program(project, Mode.UPDATE, ACCOUNT).outputs
    assert outputs["token"] == ["AWS", outputs["tokenPassword"]]
    assert outputs["credentials"] == ["AWS", outputs["credentialsPassword"]]
    assert (
        outputs["tokenEndpoint"]
        == outputs["credentialsEndpoint"]
        == (f"https://{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com")
    )


def test_an_ecr_login_is_for_the_registry_and_region_asked_for():
    token = invokes.answer("aws:ecr/getAuthorizationToken:getAuthorizationToken", {}, TARGET)
    password = token["password"]
    assert base64.b64decode(token["authorizationToken"]).decode() == f"AWS:{password}"
    data_key = json.loads(base64.b64decode(password))
    assert (data_key["type"], data_key["expiration"]) == ("DATA_KEY", 1735732800)
    assert (token["userName"], token["expiresAt"], token["id"], token["region"]) == (
        "AWS",
        "2025-01-01T12:00:00Z",  # 12 hours after issue
        "eu-west-1",
        "eu-west-1",
    )
    elsewhere = invokes.answer(
        "aws:ecr/getAuthorizationToken:getAuthorizationToken",
        {"registryId": "210987654321", "region": "us-west-2"},
        TARGET,
    )
    assert elsewhere["proxyEndpoint"] == "https://210987654321.dkr.ecr.us-west-2.amazonaws.com"
    assert elsewhere["password"] != password
    credentials = invokes.answer("aws:ecr/getCredentials:getCredentials", {"registryId": ACCOUNT}, TARGET)
    assert (credentials["password"], credentials["registryId"], credentials["id"]) == (
        password,  # the same registry's login
        ACCOUNT,
        ACCOUNT,
    )
    assert invokes.answer("aws:ecr/getCredentials:getCredentials", {}, TARGET)["registryId"] == ACCOUNT
