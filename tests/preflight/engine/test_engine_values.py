"""Provider-computed values per type, autonaming, tagsAll, and the invokes the engine answers."""

import re

import pytest
from google.protobuf import struct_pb2

from preflight import identity, invokes, values
from preflight.model import UNKNOWN

TARGET = values.Target("123456789012", "us-east-1")
URN = "urn:pulumi:dev::demo::aws:kms/key:Key::k"
SECRET = {values.SIG_KEY: values.SECRET_SIG, "value": "hidden"}


def struct(**fields):
    result = struct_pb2.Struct()
    result.update(fields)
    return result


def compute(type_, target=TARGET, logical="res", **inputs):
    urn = f"urn:pulumi:dev::demo::{type_}::{logical}"
    return values.computed_values(type_, logical, urn, struct(**inputs), target)


ACCOUNT = "123456789012"
ARNS = [
    (
        "aws:cloudwatch/logGroup:LogGroup",
        {"name": "/app/x"},
        "/app/x",
        "arn:aws:logs:us-east-1:123456789012:log-group:/app/x",
    ),
    (
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        {"name": "a"},
        "a",
        f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:a",
    ),
    ("aws:cloudwatch/eventRule:EventRule", {"name": "r"}, "r", f"arn:aws:events:us-east-1:{ACCOUNT}:rule/r"),
    (
        "aws:cloudwatch/eventBus:EventBus",
        {"name": "b"},
        "b",
        f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/b",
    ),
    ("aws:dynamodb/table:Table", {"name": "t"}, "t", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t"),
    ("aws:rds/subnetGroup:SubnetGroup", {"name": "g"}, "g", f"arn:aws:rds:us-east-1:{ACCOUNT}:subgrp:g"),
    (
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        {"name": "p"},
        "p",
        f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster-pg:p",
    ),
    ("aws:rds/parameterGroup:ParameterGroup", {"name": "p"}, "p", f"arn:aws:rds:us-east-1:{ACCOUNT}:pg:p"),
    (
        "aws:sns/topic:Topic",
        {"name": "t"},
        f"arn:aws:sns:us-east-1:{ACCOUNT}:t",
        f"arn:aws:sns:us-east-1:{ACCOUNT}:t",
    ),
    ("aws:ecs/cluster:Cluster", {"name": "c"}, f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/c", None),
    ("aws:kinesis/stream:Stream", {"name": "s"}, f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/s", None),
    (
        "aws:sfn/stateMachine:StateMachine",
        {"name": "m"},
        f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:m",
        None,
    ),
    (
        "aws:ssm/parameter:Parameter",
        {"name": "/a/b"},
        "/a/b",
        f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/a/b",
    ),
    ("aws:backup/vault:Vault", {"name": "v"}, "v", f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:v"),
    ("aws:cloudtrail/trail:Trail", {"name": "t"}, "t", f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/t"),
    ("aws:kms/alias:Alias", {"name": "alias/a"}, "alias/a", f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/a"),
    ("aws:s3/bucket:Bucket", {"bucket": "b"}, "b", "arn:aws:s3:::b"),
    ("aws:lambda/function:Function", {"name": "f"}, "f", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"),
    ("aws:iam/role:Role", {"name": "r"}, "r", f"arn:aws:iam::{ACCOUNT}:role/r"),
    ("aws:iam/role:Role", {"name": "r", "path": "/svc/"}, "r", f"arn:aws:iam::{ACCOUNT}:role/svc/r"),
    ("aws:iam/user:User", {"name": "u"}, "u", f"arn:aws:iam::{ACCOUNT}:user/u"),
    ("aws:iam/group:Group", {"name": "g"}, "g", f"arn:aws:iam::{ACCOUNT}:group/g"),
    (
        "aws:iam/instanceProfile:InstanceProfile",
        {"name": "p"},
        "p",
        f"arn:aws:iam::{ACCOUNT}:instance-profile/p",
    ),
    (
        "aws:iam/policy:Policy",
        {"name": "p"},
        f"arn:aws:iam::{ACCOUNT}:policy/p",
        f"arn:aws:iam::{ACCOUNT}:policy/p",
    ),
    (
        "aws:rds/cluster:Cluster",
        {"clusterIdentifier": "db"},
        "db",
        f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:db",
    ),
    (
        "aws:rds/clusterInstance:ClusterInstance",
        {"identifier": "i"},
        "i",
        f"arn:aws:rds:us-east-1:{ACCOUNT}:db:i",
    ),
    ("aws:rds/instance:Instance", {"identifier": "i"}, "i", f"arn:aws:rds:us-east-1:{ACCOUNT}:db:i"),
    ("aws:ecr/repository:Repository", {"name": "r"}, "r", f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/r"),
    (
        "aws:sqs/queue:Queue",
        {"name": "q"},
        f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/q",
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:q",
    ),
]


@pytest.mark.parametrize(("type_", "inputs", "expected_id", "expected_arn"), ARNS)
def test_arns_and_ids_per_type(type_, inputs, expected_id, expected_arn):
    resource_id, computed = compute(type_, **inputs)
    assert resource_id == expected_id
    assert computed.get("arn", resource_id if expected_arn is None else None) == (expected_arn or expected_id)
    assert not set(computed) & set(inputs)  # never replaces what the program set


def test_kms_key_uuid_id_and_default_policy():
    resource_id, computed = values.computed_values("aws:kms/key:Key", "k", URN, struct(), TARGET)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", resource_id)
    assert computed["keyId"] == resource_id
    assert computed["arn"] == f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{resource_id}"
    assert f"arn:aws:iam::{ACCOUNT}:root" in computed["policy"]
    again = values.computed_values("aws:kms/key:Key", "k", URN, struct(), TARGET)
    assert again[0] == resource_id  # deterministic per URN
    assert values.computed_values("aws:kms/key:Key", "k", URN + "2", struct(), TARGET)[0] != resource_id


def test_kms_alias_target_key_arn():
    assert compute("aws:kms/alias:Alias", logical="a", targetKeyId="k-1")[1]["targetKeyArn"] == (
        f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k-1"
    )
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k-2"
    assert compute("aws:kms/alias:Alias", targetKeyId=arn)[1]["targetKeyArn"] == arn


def test_regions_partitions_and_s3_domains():
    target = values.Target(ACCOUNT, "cn-north-1")
    assert (target.partition, target.dns_suffix) == ("aws-cn", "amazonaws.com.cn")
    assert identity.partition_of("us-gov-west-1") == ("aws-us-gov", "amazonaws.com", "com.amazonaws")
    _, computed = compute("aws:s3/bucket:Bucket", target=values.Target(ACCOUNT, "ap-south-1"), bucket="b")
    assert computed["bucketRegionalDomainName"] == "b.s3.ap-south-1.amazonaws.com"
    assert computed["hostedZoneId"] == "Z3AQBSTGFYJSTF"
    assert compute("aws:s3/bucket:Bucket", bucket="b")[1]["region"] == "us-east-1"


def test_bucket_sub_resources_use_the_bucket_as_id():
    assert compute("aws:s3/bucketVersioning:BucketVersioning", bucket="b")[0] == "b"
    resource_id, _ = compute("aws:s3/bucketPolicy:BucketPolicy", logical="p", bucket=UNKNOWN)
    assert resource_id.startswith("p-")
    assert compute("aws:s3/bucketObjectv2:BucketObjectv2", key="k/1")[0] == "k/1"
    assert compute("aws:s3/bucketObject:BucketObject", logical="o")[0] == "o"


def test_lambda_values():
    _, computed = compute("aws:lambda/function:Function", logical="f", name="fn")
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn"
    assert (
        computed["invokeArn"]
        == f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
    )
    assert computed["qualifiedArn"] == f"{arn}:$LATEST"
    assert compute("aws:lambda/function:Function", publish=True, name="fn")[1]["version"] == "1"
    assert compute("aws:lambda/alias:Alias", functionName="fn", name="live")[0] == f"{arn}:live"
    assert compute("aws:lambda/alias:Alias", logical="x", functionName=arn)[0] == f"{arn}:x"
    assert compute("aws:lambda/alias:Alias", logical="x")[0].endswith("function:x:x")
    assert compute("aws:lambda/permission:Permission", statementId="s")[0] == "s"
    assert compute("aws:lambda/permission:Permission")[0].startswith("terraform-")
    assert compute("aws:lambda/layerVersion:LayerVersion", layerName="l")[1]["layerArn"].endswith(":layer:l")


def test_iam_values():
    assert compute("aws:iam/rolePolicy:RolePolicy", role="r", name="p")[0] == "r:p"
    assert compute("aws:iam/rolePolicyAttachment:RolePolicyAttachment", role="r")[0].startswith("r-")
    assert compute("aws:iam/rolePolicyAttachment:RolePolicyAttachment", logical="att")[0].startswith("att-")
    arn, computed = compute("aws:iam/serviceLinkedRole:ServiceLinkedRole", awsServiceName="rds.amazonaws.com")
    assert arn == f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRds"
    assert computed["name"] == "AWSServiceRoleForRds"
    assert compute("aws:iam/serviceLinkedRole:ServiceLinkedRole")[0].endswith("AWSServiceRoleForService")
    assert compute("aws:iam/role:Role", name="r")[1]["uniqueId"].startswith("AROA")


def test_a_table_with_a_stream_gets_its_stream_arn():
    table_arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
    resource_id, computed = compute("aws:dynamodb/table:Table", name="orders", streamEnabled=True)
    assert (resource_id, computed["arn"]) == ("orders", table_arn)
    assert computed["streamArn"] == f"{table_arn}/stream/2026-01-01T00:00:00.000"
    without = compute("aws:dynamodb/table:Table", name="orders")[1]
    assert (without["streamArn"], without["streamLabel"]) == ("", "")


def test_rds_values():
    resource_id, computed = compute(
        "aws:rds/cluster:Cluster", clusterIdentifier="db", manageMasterUserPassword=True, engineVersion="16.4"
    )
    assert resource_id == "db"
    assert re.fullmatch(r"db\.cluster-[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com", computed["endpoint"])
    assert computed["readerEndpoint"].startswith("db.cluster-ro-")
    assert computed["port"] == 5432
    assert "engineVersionActual" not in computed or computed["engineVersionActual"] == "16.4"
    secret = computed["masterUserSecrets"][0]
    assert secret["secretArn"].startswith(f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:rds!cluster-")
    assert secret["kmsKeyId"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/")
    _, computed = compute(
        "aws:rds/cluster:Cluster",
        clusterIdentifier="db",
        engine="aurora-mysql",
        manageMasterUserPassword=True,
        masterUserSecretKmsKeyId="arn:key",
    )
    assert computed["port"] == 3306
    assert computed["masterUserSecrets"][0]["kmsKeyId"] == "arn:key"
    assert compute("aws:rds/cluster:Cluster", clusterIdentifier="db")[1]["masterUserSecrets"] == []
    assert compute("aws:rds/instance:Instance", identifier="i")[1]["endpoint"].endswith(":5432")
    assert not compute("aws:rds/clusterInstance:ClusterInstance", identifier="i")[1]["endpoint"].endswith(
        ":5432"
    )


def test_api_gateway_values():
    api_id, computed = compute("aws:apigateway/restApi:RestApi", logical="api")
    assert re.fullmatch(r"[a-z0-9]{10}", api_id)
    assert computed["executionArn"] == f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api_id}"
    assert computed["arn"] == f"arn:aws:apigateway:us-east-1::/restapis/{api_id}"
    assert re.fullmatch(r"[a-z0-9]{10}", computed["rootResourceId"])
    stage_id, stage = compute("aws:apigateway/stage:Stage", restApi="abc", stageName="v1")
    assert stage_id == "ags-abc-v1"
    assert stage["invokeUrl"] == "https://abc.execute-api.us-east-1.amazonaws.com/v1"
    assert stage["executionArn"] == f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc/v1"
    assert compute("aws:apigateway/stage:Stage", logical="s")[0].endswith("-s")
    deployment = compute("aws:apigateway/deployment:Deployment", restApi="abc")[1]
    assert deployment["createdDate"] == values._CREATED
    assert compute("aws:apigateway/resource:Resource", pathPart="orders")[1]["path"] == "/orders"
    ids = {"restApi": "a", "resourceId": "r", "httpMethod": "GET"}
    assert compute("aws:apigateway/method:Method", **ids)[0] == "agm-a-r-GET"
    assert compute("aws:apigateway/integration:Integration", **ids)[0] == "agi-a-r-GET"
    assert compute("aws:apigateway/account:Account")[0] == "api-gateway-account"
    http_id, http = compute("aws:apigatewayv2/api:Api", logical="h")
    assert http["apiEndpoint"] == f"https://{http_id}.execute-api.us-east-1.amazonaws.com"


@pytest.mark.parametrize(("type_", "prefix"), [(t, p) for t, (p, _) in values._EC2_PREFIXES.items()])
def test_ec2_ids_have_the_aws_prefixes(type_, prefix):
    resource_id, computed = compute(type_)
    assert re.fullmatch(rf"{prefix}-[0-9a-f]{{17}}", resource_id)
    if "arn" in computed:
        assert computed["arn"] == f"arn:aws:ec2:us-east-1:{ACCOUNT}:{computed['arn'].split(':')[5]}"
        assert computed["arn"].endswith(f"/{resource_id}")


def test_ec2_details():
    vpc = compute("aws:ec2/vpc:Vpc")[1]
    assert vpc["defaultSecurityGroupId"].startswith("sg-")
    assert vpc["mainRouteTableId"].startswith("rtb-")
    assert (
        compute("aws:ec2/subnet:Subnet", availabilityZone="us-east-1b")[1]["availabilityZoneId"] == "use1-az2"
    )
    assert compute("aws:ec2/subnet:Subnet")[1]["availabilityZone"] == "us-east-1a"
    assert compute("aws:ec2/natGateway:NatGateway")[1]["networkInterfaceId"].startswith("eni-")
    assert re.fullmatch(r"3\.\d+\.\d+\.\d+", compute("aws:ec2/eip:Eip")[1]["publicIp"])
    assert compute("aws:ec2/securityGroup:SecurityGroup", name="sg")[1].get("name") is None
    assert compute("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")[1][
        "securityGroupRuleId"
    ].startswith("sgr-")
    assert compute("aws:ec2/vpcEndpoint:VpcEndpoint")[1]["state"] == "available"
    assert compute("aws:ec2/route:Route", routeTableId="rtb-1")[0].startswith("r-rtb-1")
    assert identity.zone_id("ap-southeast-2", "c") == "apse2-az3"


def test_secrets_queues_repositories_certificates():
    arn, _ = compute("aws:secretsmanager/secret:Secret", name="db")
    assert re.fullmatch(rf"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:db-[A-Za-z]{{6}}", arn)
    assert compute("aws:secretsmanager/secretVersion:SecretVersion", secretId=arn)[1]["arn"] == arn
    assert compute("aws:ecr/repository:Repository", name="r")[1]["repositoryUrl"] == (
        f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/r"
    )
    assert compute("aws:acm/certificate:Certificate")[0].startswith(
        f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/"
    )


def test_a_secret_rotation_reports_rotation_enabled_unless_the_program_turned_it_off():
    rotation = "aws:secretsmanager/secretRotation:SecretRotation"
    secret, _ = compute("aws:secretsmanager/secret:Secret", name="db")
    # AWS reports rotation enabled once a rotation is configured; nothing else is invented for it.
    assert compute(rotation, secretId=secret) == (secret, {"rotationEnabled": True})
    assert compute(rotation, secretId=secret, rotationEnabled=False) == (secret, {})
    assert re.fullmatch(r"rot-[0-9a-f]{7}", compute(rotation, logical="rot")[0])


def test_unknown_types_still_get_an_id_and_aws_types_an_arn():
    resource_id, computed = compute("aws:glue/catalogDatabase:CatalogDatabase", logical="db", name="sales")
    assert resource_id == "sales"
    assert computed["arn"] == f"arn:aws:glue:us-east-1:{ACCOUNT}:catalog-database/sales"
    assert "catalogId" not in computed  # an input the program left unset is not invented from its type
    # Output-only values come from the SDK's types (tests/preflight/test_corpus.py).
    assert compute("aws:ec2/vpcIpam:VpcIpam", logical="ipam")[1]["scopeCount"] == 1
    resource_id, computed = compute("aws:custom:Thing", logical="t")
    assert re.fullmatch(r"t-[0-9a-f]{7}", resource_id)
    assert computed["arn"] == f"arn:aws:custom:us-east-1:{ACCOUNT}:thing/{resource_id}"
    assert compute("acme:index/widget:Widget", logical="w")[1] == {}  # no SDK installed: nothing to read
    key = compute("tls:index/privateKey:PrivateKey", logical="key", algorithm="ED25519")[1]
    assert key["privateKeyPem"].startswith("-----BEGIN PRIVATE KEY-----\n")  # any SDK's types are read
    assert compute("aws:cloudwatch/logGroup:LogGroup", namePrefix="/app-")[0].startswith("/app-")


def test_random_password_honours_length_and_character_classes():
    _, computed = compute(
        "random:index/randomPassword:RandomPassword",
        length=24,
        special=False,
        minNumeric=3,
        minUpper=2,
    )
    result = computed["result"]
    assert len(result) == 24
    assert sum(c.isdigit() for c in result) >= 3
    assert sum(c.isupper() for c in result) >= 2
    assert result.isalnum()
    assert computed["bcryptHash"].startswith("$2a$10$")
    _, computed = compute(
        "random:index/randomPassword:RandomPassword", length=40, overrideSpecial="#", minSpecial=1
    )
    assert "#" in computed["result"]
    assert len(computed["result"]) == 40
    assert set(computed["result"]) <= set("#" + values.string.ascii_letters + values.string.digits)
    assert len(compute("random:index/randomPassword:RandomPassword", length=80)[1]["result"]) == 80
    resource_id, computed = compute(
        "random:index/randomString:RandomString", length=8, special=False, upper=False
    )
    assert resource_id == computed["result"]
    assert re.fullmatch(r"[a-z0-9]{8}", resource_id)
    assert (
        compute(
            "random:index/randomString:RandomString",
            length=4,
            upper=False,
            lower=False,
            numeric=False,
            special=False,
        )[0]
        == ""
    )


def test_other_random_resources():
    resource_id, computed = compute("random:index/randomId:RandomId", byteLength=4, prefix="x-")
    assert re.fullmatch(r"x-[0-9a-f]{8}", computed["hex"])
    assert int(computed["dec"][2:]) == int(computed["hex"][2:], 16)
    assert resource_id == computed["b64Url"][2:]
    assert len(compute("random:index/randomId:RandomId")[1]["hex"]) == 16
    pet, _ = compute("random:index/randomPet:RandomPet", length=3, separator="_", prefix="app")
    assert pet.startswith("app_")
    assert pet.count("_") == 3
    assert compute("random:index/randomPet:RandomPet")[0].count("-") == 1
    resource_id, computed = compute("random:index/randomInteger:RandomInteger", min=10, max=12)
    assert 10 <= computed["result"] <= 12
    assert resource_id == str(computed["result"])
    assert compute("random:index/randomInteger:RandomInteger")[1]["result"] == 0
    resource_id, computed = compute("random:index/randomUuid:RandomUuid")
    assert resource_id == computed["result"]


def test_autoname_adds_the_name_property_like_the_provider_check():
    inputs = struct()
    urn = "urn:pulumi:dev::demo::aws:s3/bucket:Bucket::My-Data"
    assert values.autoname("aws:s3/bucket:Bucket", "My-Data", urn, inputs) == "bucket"
    assert re.fullmatch(r"my-data-[0-9a-f]{7}", inputs["bucket"])
    named = struct(name="given")
    assert values.autoname("aws:dynamodb/table:Table", "t", urn, named) is None
    assert named["name"] == "given"
    assert values.autoname("aws:dynamodb/table:Table", "t", urn, struct(namePrefix="p")) is None
    assert values.autoname("aws:kms/key:Key", "k", urn, struct()) is None
    alias = struct()
    values.autoname("aws:kms/alias:Alias", "key", urn, alias)
    assert alias["name"].startswith("alias/key-")
    queue = struct(fifoQueue=True)
    values.autoname("aws:sqs/queue:Queue", "q", urn, queue)
    assert queue["name"].endswith(".fifo")
    long = struct()
    values.autoname("aws:lb/loadBalancer:LoadBalancer", "a-very-long-load-balancer-name-indeed", urn, long)
    assert len(long["name"]) == 32


def test_tags_all_merges_provider_default_tags():
    assert values.tags_all(struct(tags={"A": "1", "B": "2"}), {"B": "default", "C": "3"}) == {
        "A": "1",
        "B": "2",
        "C": "3",
    }
    assert values.tags_all(struct(), {"C": "3"}) == {"C": "3"}
    assert values.tags_all(struct(tags=UNKNOWN), {}) == UNKNOWN
    assert values.tags_all(struct(tags={"A": UNKNOWN}), {}) == UNKNOWN


def test_reading_inputs():
    inputs = struct(plain="p", secret=SECRET, unknown=UNKNOWN, count=3, flag=True, nested={"a": [1, None]})
    assert values.text(inputs, "plain") == "p"
    assert values.text(inputs, "secret") == "hidden"
    assert values.text(inputs, "unknown") is None
    assert values.text(inputs, "count") is None
    assert values.text(inputs, "nested") is None
    assert values.text(inputs, "missing") is None
    assert values.number(inputs, "count") == 3
    assert values.number(inputs, "plain") is None
    assert values.flag(inputs, "flag") is True
    assert values.flag(inputs, "plain", True) is True
    assert {key: values.plain(value) for key, value in inputs.fields.items()} == {
        "plain": "p",
        "secret": "hidden",
        "unknown": UNKNOWN,
        "count": 3.0,
        "flag": True,
        "nested": {"a": [1.0, None]},
    }
    assert values.contains_unknown([{"x": UNKNOWN}])


def test_type_info_reads_the_sdk_class():
    info = values.type_info("aws:s3/bucket:Bucket")
    assert {"arn", "bucketDomainName", "tagsAll"} <= set(info.computed)
    assert "bucket" not in info.computed
    assert "bucket" in info.state
    assert info.taggable
    assert values.type_info("random:index/randomPassword:RandomPassword").computed == ("bcryptHash", "result")
    assert values.type_info("acme:index:Thing") == values.TypeInfo((), None, False)
    assert values.type_info("malformed") == values.TypeInfo((), None, False)


def test_ids_are_deterministic_and_shaped():
    ids = values.Ids("urn:x")
    assert ids.hex(17) == values.Ids("urn:x").hex(17)
    assert len(ids.hex(17)) == 17
    assert ids.lower(10).islower() or ids.lower(10).isdigit()
    assert ids.upper(5).upper() == ids.upper(5)
    assert ids.digits(6).isdigit()
    assert values.autoname_suffix("urn:x") == ids.hex(7, "autoname")


# --- invokes -----------------------------------------------------------------------------------------------


def test_caller_identity_region_and_partition():
    identity = invokes.answer("aws:index/getCallerIdentity:getCallerIdentity", {}, TARGET)
    assert identity == {
        "accountId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:user/preflight",
        "userId": "AIDAPREFLIGHTUSER0001",
        "id": ACCOUNT,
    }
    region = invokes.answer("aws:index/getRegion:getRegion", {}, values.Target(ACCOUNT, "eu-west-1"))
    assert region["region"] == region["name"] == region["id"] == "eu-west-1"
    assert region["endpoint"] == "ec2.eu-west-1.amazonaws.com"
    assert region["description"] == "Europe (Ireland)"
    assert (
        invokes.answer("aws:index/getRegion:getRegion", {"region": "xx-new-1"}, TARGET)["description"]
        == "xx-new-1"
    )
    assert invokes.answer(
        "aws:index/getPartition:getPartition", {}, values.Target(ACCOUNT, "cn-north-1")
    ) == {
        "partition": "aws-cn",
        "dnsSuffix": "amazonaws.com.cn",
        "reverseDnsPrefix": "cn.com.amazonaws",
        "id": "aws-cn",
    }


def test_availability_zones_honour_state_and_exclusions():
    zones = invokes.answer(
        "aws:index/getAvailabilityZones:getAvailabilityZones", {"state": "available"}, TARGET
    )
    assert zones["names"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert zones["zoneIds"] == ["use1-az1", "use1-az2", "use1-az3"]
    assert zones["groupNames"] == ["us-east-1"]
    other = invokes.answer(
        "aws:index/getAvailabilityZones:getAvailabilityZones",
        {"region": "eu-central-1", "excludeNames": ["eu-central-1a"], "excludeZoneIds": ["euc1-az3"]},
        TARGET,
    )
    assert other["names"] == ["eu-central-1b"]
    none = invokes.answer(
        "aws:index/getAvailabilityZones:getAvailabilityZones", {"state": "unavailable"}, TARGET
    )
    assert none["names"] == []
    assert none["groupNames"] == []


def test_policy_document_invoke_and_unknown_invokes():
    result = invokes.answer(
        "aws:iam/getPolicyDocument:getPolicyDocument", {"statements": [{"actions": ["s3:*"]}]}, TARGET
    )
    assert '"Action": "s3:*"' in result["json"]
    assert invokes.answer("aws:ec2/getAmi:getAmi", {}, TARGET) is None
