"""The rules that cover what checkov, cdk-nag and AWS Config find on these services: WAF on public stages,
execution logging, Aurora PostgreSQL statement and slow-query logging, log exports, S3 server access
logging and public object ACLs, Secrets Manager keys and rotation."""

from __future__ import annotations

import json

import pytest
from policy_fixtures import compliant_stack, find, tls_policy
from policy_harness import ACCOUNT, R, U, run

STAGE_ARN = "arn:aws:apigateway:us-east-1::/restapis/api1/stages/dev"


def faults(rule, resources, config=None):
    return [
        d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0] for d in run(rule, resources, config)
    ]


def api_and_stage(**api_props):
    api = R("aws:apigateway/restApi:RestApi", "api", {"name": "trading-api-dev", "id": "api1", **api_props})
    stage = R(
        "aws:apigateway/stage:Stage",
        "stage",
        {"restApi": "api1", "stageName": "dev", "arn": STAGE_ARN},
        deps={"restApi": [api]},
    )
    return api, stage


def web_acl(rules):
    return R("aws:wafv2/webAcl:WebAcl", "acl", {"scope": "REGIONAL", "rules": rules, "arn": "arn:waf"})


def association(resource_arn, **deps):
    return R(
        "aws:wafv2/webAclAssociation:WebAclAssociation",
        "assoc",
        {"resourceArn": resource_arn, "webAclArn": "arn:waf"},
        deps=deps,
    )


def test_a_public_stage_needs_a_web_acl_association():
    api, stage = api_and_stage(endpointConfiguration={"types": "REGIONAL"})
    (fault,) = faults("apigateway-stage-waf", [api, stage])
    assert fault.startswith("is a public REST API stage with no aws.wafv2.WebAclAssociation")
    private_api, private_stage = api_and_stage(endpointConfiguration={"types": "PRIVATE"})
    assert faults("apigateway-stage-waf", [private_api, private_stage]) == []
    listed_api, listed_stage = api_and_stage(endpointConfiguration={"types": ["PRIVATE"]})
    assert faults("apigateway-stage-waf", [listed_api, listed_stage]) == []


@pytest.mark.parametrize(
    "resource_arn",
    [STAGE_ARN, "arn:aws:apigateway:us-east-1::/restapis/api1/stages/dev"],
)
def test_the_association_is_found_by_the_stage_arn_or_the_api_id_and_stage_name(resource_arn):
    api, stage = api_and_stage()
    del stage.props["arn"]
    assert faults("apigateway-stage-waf", [api, stage, association(resource_arn)]) == []
    stage.props["restApi"] = U
    assert faults("apigateway-stage-waf", [api, stage, association(resource_arn)]) == []
    other = association("arn:aws:apigateway:us-east-1::/restapis/api2/stages/dev")
    assert faults("apigateway-stage-waf", [api, stage, other])
    assert faults("apigateway-stage-waf", [api, stage, association("arn:aws:elasticloadbalancing:x")])


def test_an_empty_web_acl_protects_nothing():
    api, stage = api_and_stage()
    link = association(U, resourceArn=[stage], webAclArn=[web_acl([])])
    (fault,) = faults("apigateway-stage-waf", [api, stage, web_acl([]), link])
    assert fault.startswith("web ACL 'acl' has no rules")
    acl = web_acl([{"name": "common"}])
    assert (
        faults(
            "apigateway-stage-waf", [api, stage, acl, association(U, resourceArn=[stage], webAclArn=[acl])]
        )
        == []
    )


NO_RULES = "web ACL 'acl' has no rules, so it lets every request through"
COUNT_ONLY = (
    "web ACL 'acl' only counts what its rules match (each rule's action or overrideAction is count) and "
    "allows every request by default, so it blocks nothing; let the rules act (overrideAction none for rule "
    "groups)"
)


@pytest.mark.parametrize(
    ("acl_props", "extra", "expected"),
    [
        # No rules at all, inline or otherwise.
        ({"rules": None}, [], NO_RULES),
        ({"rules": None, "ruleJson": "[]"}, [], NO_RULES),
        # Rules that only count, with the default action allowing everything.
        ({"rules": [{"name": "common", "overrideAction": {"count": {}}}]}, [], COUNT_ONLY),
        ({"rules": [{"name": "ip", "action": {"count": {}}}]}, [], COUNT_ONLY),
        (
            {"rules": None, "ruleJson": json.dumps([{"Name": "c", "OverrideAction": {"Count": {}}}])},
            [],
            COUNT_ONLY,
        ),
        ({"rules": None}, [{"overrideAction": "count"}], COUNT_ONLY),
        # Rules that act, or a default that blocks, or what is not known yet.
        ({"rules": [{"name": "common", "overrideAction": {"none": {}}}]}, [], None),
        ({"rules": [{"action": {"count": {}}}, {"action": {"block": {}}}]}, [], None),
        ({"rules": [{"action": {"count": {}}}], "defaultAction": {"block": {}}}, [], None),
        ({"rules": None}, [{"overrideAction": "none"}], None),
        ({"rules": None}, [{"action": {"block": {}}}], None),
        ({"rules": U}, [], None),
        ({"rules": None, "ruleJson": U}, [], None),
        ({"rules": None, "ruleJson": "{not json"}, [], None),
    ],
)
def test_a_web_acl_must_act_on_what_its_rules_match(acl_props, extra, expected):
    api, stage = api_and_stage()
    acl = web_acl([])
    acl.props.update({"defaultAction": {"allow": {}}, **acl_props})
    acl.props = {k: v for k, v in acl.props.items() if v is not None}
    kinds = (
        "aws:wafv2/webAclRule:WebAclRule",
        "aws:wafv2/webAclRuleGroupAssociation:WebAclRuleGroupAssociation",
    )
    rules = [
        R(
            kinds[isinstance(props.get("overrideAction"), str)],
            f"rule{i}",
            {"webAclArn": U, **props},
            deps={"webAclArn": [acl]},
        )
        for i, props in enumerate(extra)
    ]
    link = association(U, resourceArn=[stage], webAclArn=[acl])
    diags = run("apigateway-stage-waf", [api, stage, acl, *rules, link])
    found = faults("apigateway-stage-waf", [api, stage, acl, *rules, link])
    if expected is None:
        assert found == []
        return
    assert [d.level for d in diags] == ["mandatory"]
    assert found[0].startswith(expected)


def test_an_association_built_from_the_api_id_is_a_note_at_preview():
    api, stage = api_and_stage()
    (diag,) = run("apigateway-stage-waf", [api, stage, association(U, resourceArn=[api])])
    assert diag.level == "advisory"
    assert "the stage's WAF web ACL association cannot be checked until" in diag.message
    assert "'assoc'.resourceArn is known (it depends on aws:apigateway/restApi:RestApi 'api')" in diag.message


def settings(path="*/*", level="ERROR", **props):
    return R(
        "aws:apigateway/methodSettings:MethodSettings",
        f"settings-{path}",
        {
            "restApi": "api1",
            "stageName": "dev",
            "methodPath": path,
            "settings": {"loggingLevel": level},
            **props,
        },
    )


@pytest.mark.parametrize(
    ("method_settings", "expected"),
    [
        ([settings()], []),
        ([settings(level="INFO")], []),
        ([settings(level="OFF")], ["execution logging for */* is 'OFF'"]),
        ([settings(path="orders/GET")], ["execution logging for */* is not set (OFF)"]),
        ([], ["execution logging for */* is not set (OFF)"]),
        ([settings(restApi="api2")], ["execution logging for */* is not set (OFF)"]),
        (
            [settings(), settings(path="orders/GET", level="OFF")],
            ["method settings 'settings-orders/GET' turn execution logging OFF for 'orders/GET'"],
        ),
    ],
)
def test_execution_logging_is_on_for_every_method_of_every_stage(method_settings, expected):
    _, stage = api_and_stage()
    found = [
        f.split(", so errors")[0] for f in faults("apigateway-execution-logging", [stage, *method_settings])
    ]
    assert found == expected


def test_a_second_stage_wide_setting_that_turns_logging_off_is_a_violation():
    # Two MethodSettings for */* overwrite each other; the one API Gateway applies last decides.
    _, stage = api_and_stage()
    off = settings(level="OFF")
    off.name = "settings-off"
    (fault,) = faults("apigateway-execution-logging", [stage, settings(), off])
    assert fault == (
        "method settings 'settings-off' turn execution logging OFF for '*/*', overwriting (or overwritten "
        "by) the other settings for */*: the last one applied wins"
    )


def test_settings_of_another_api_with_the_same_stage_name_do_not_count_at_preview():
    # At preview neither API's id is known; the property dependencies still tell the APIs apart.
    def api_with_stage(name):
        api = R("aws:apigateway/restApi:RestApi", name, {"name": name})
        stage = R(
            "aws:apigateway/stage:Stage",
            f"{name}-stage",
            {"restApi": U, "stageName": "dev"},
            deps={"restApi": [api]},
        )
        return api, stage

    (api_a, stage_a), (api_b, stage_b) = api_with_stage("a"), api_with_stage("b")
    logging_a = settings(restApi=U)
    logging_a.deps = {"restApi": [api_a]}
    diags = run("apigateway-execution-logging", [api_a, api_b, stage_a, stage_b, logging_a])
    assert [(d.level, d.urn) for d in diags] == [("mandatory", stage_b.urn)]
    assert "execution logging for */* is not set (OFF)" in diags[0].message
    unlinked = settings(restApi=U)
    assert faults("apigateway-execution-logging", [api_a, stage_a, unlinked]) == []


def cluster(**props):
    return R(
        "aws:rds/cluster:Cluster",
        "db",
        {"engine": "aurora-postgresql", "dbClusterParameterGroupName": "trading-db-dev", **props},
    )


def parameter_group(**parameters):
    return R(
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "params",
        {"name": "trading-db-dev", "parameters": [{"name": k, "value": v} for k, v in parameters.items()]},
    )


@pytest.mark.parametrize(
    ("parameters", "config", "expected"),
    [
        ({"log_statement": "ddl", "log_min_duration_statement": "1000"}, None, []),
        ({"log_statement": "all", "log_min_duration_statement": 0}, None, []),
        (
            {
                "shared_preload_libraries": "pg_stat_statements,pgaudit",
                "pgaudit.log": "ddl,role,write",
                "log_min_duration_statement": "500",
            },
            None,
            [],
        ),
        (
            {"pgaudit.log": "all", "log_min_duration_statement": "500"},
            None,
            ["logs no statements"],
        ),
        (
            {
                "shared_preload_libraries": "pgaudit",
                "pgaudit.log": "none",
                "log_min_duration_statement": "500",
            },
            None,
            ["logs no statements"],
        ),
        ({"log_statement": "none", "log_min_duration_statement": "-1"}, None, ["logs no statements", "-1"]),
        ({"log_statement": "mod"}, None, ["not set (-1, off)"]),
        ({"LOG_STATEMENT": "DDL", "log_min_duration_statement": "60000"}, None, ["'60000'"]),
        ({"log_statement": "ddl", "log_min_duration_statement": "60000"}, {"maximumSlowQueryMs": 60000}, []),
        ({"log_statement": "ddl", "log_min_duration_statement": "soon"}, None, ["'soon'"]),
    ],
)
def test_aurora_postgresql_logs_statements_and_slow_queries(parameters, config, expected):
    found = faults("rds-postgresql-query-logging", [cluster(), parameter_group(**parameters)], config)
    assert len(found) == len(expected)
    for fault, part in zip(found, expected, strict=True):
        assert fault.startswith("cluster parameter group 'params' ")
        assert part in fault


def test_an_instance_parameter_group_that_turns_logging_off_overrides_the_clusters():
    # Aurora applies a parameter set in an instance's DB parameter group over the cluster group's value.
    db = cluster(clusterIdentifier="trading-db-dev")
    group = parameter_group(log_statement="ddl", log_min_duration_statement="1000")
    quiet = R(
        "aws:rds/parameterGroup:ParameterGroup",
        "instance-params",
        {"name": "quiet", "parameters": [{"name": "log_statement", "value": "none"}]},
    )
    member = R(
        "aws:rds/clusterInstance:ClusterInstance",
        "db-1",
        {"clusterIdentifier": U, "dbParameterGroupName": U},
        deps={"clusterIdentifier": [db], "dbParameterGroupName": [quiet]},
    )
    diags = run("rds-postgresql-query-logging", [db, group, quiet, member])
    assert [(d.level, d.urn) for d in diags] == [("mandatory", db.urn)]
    assert faults("rds-postgresql-query-logging", [db, group, quiet, member]) == [
        "DB parameter group 'instance-params' of instance 'db-1', which overrides cluster parameter group "
        "'params', logs no statements: set log_statement to ddl, mod or all, or load pgaudit "
        "(shared_preload_libraries) with pgaudit.log set (e.g. ddl,role,write)"
    ]
    # An instance group that leaves the logging parameters alone, or sets them as well, changes nothing.
    quiet.props["parameters"] = [{"name": "work_mem", "value": "65536"}]
    assert faults("rds-postgresql-query-logging", [db, group, quiet, member]) == []
    quiet.props["parameters"] = [{"name": "log_statement", "value": "all"}]
    assert faults("rds-postgresql-query-logging", [db, group, quiet, member]) == []
    quiet.props["parameters"] = U
    assert faults("rds-postgresql-query-logging", [db, group, quiet, member]) == []


def test_query_logging_needs_a_declared_parameter_group():
    (fault,) = faults("rds-postgresql-query-logging", [cluster(dbClusterParameterGroupName=None)])
    assert fault.startswith("uses the default cluster parameter group <not set>")
    (fault,) = faults(
        "rds-postgresql-query-logging", [cluster(dbClusterParameterGroupName="default.aurora-postgresql16")]
    )
    assert "default cluster parameter group 'default.aurora-postgresql16'" in fault
    (fault,) = faults("rds-postgresql-query-logging", [cluster(dbClusterParameterGroupName="shared-audit")])
    assert "'shared-audit', which the stack does not declare" in fault
    assert faults("rds-postgresql-query-logging", [cluster(dbClusterParameterGroupName=U)]) == []
    assert faults("rds-postgresql-query-logging", [cluster(engine="aurora-mysql")]) == []
    unknown_value = parameter_group(log_statement=U, log_min_duration_statement="1")
    assert faults("rds-postgresql-query-logging", [cluster(), unknown_value]) == []
    # A name computed from some other resource: nothing to judge until it is known.
    elsewhere = R("random:index/randomId:RandomId", "suffix", {})
    computed = cluster(dbClusterParameterGroupName=U)
    computed.deps = {"dbClusterParameterGroupName": [elsewhere]}
    assert faults("rds-postgresql-query-logging", [computed, elsewhere]) == []
    # A parameter without a usable name counts for nothing.
    group = parameter_group(log_statement="ddl", log_min_duration_statement="1")
    group.props["parameters"].append({"name": None, "value": "none"})
    assert faults("rds-postgresql-query-logging", [cluster(), group]) == []


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"engine": "aurora-postgresql", "enabledCloudwatchLogsExports": ["postgresql"]}, []),
        ({"engine": "aurora-postgresql"}, ["enabledCloudwatchLogsExports is not set"]),
        (
            {"engine": "aurora-postgresql", "enabledCloudwatchLogsExports": []},
            ["enabledCloudwatchLogsExports is not set"],
        ),
        (
            {"engine": "aurora-mysql", "enabledCloudwatchLogsExports": ["error"]},
            ["enabledCloudwatchLogsExports ['error'] does not export audit, slowquery"],
        ),
        ({"engine": "oracle-ee", "enabledCloudwatchLogsExports": ["alert"]}, []),
        ({"engine": U, "enabledCloudwatchLogsExports": [U]}, []),
        ({"engine": "postgres", "replicateSourceDb": "primary"}, []),
    ],
)
def test_databases_export_their_logs(props, expected):
    found = [
        f.split(", so")[0]
        for f in faults("rds-log-exports-enabled", [R("aws:rds/instance:Instance", "db", props)])
    ]
    assert found == expected


def bucket(name, **props):
    return R("aws:s3/bucket:Bucket", name, {"bucket": f"trading-{name}-{ACCOUNT}-us-east-1-dev", **props})


def test_buckets_log_access_except_the_log_targets():
    data, other = bucket("data"), bucket("other")
    logs = bucket("logs", policy=tls_policy(f"trading-logs-{ACCOUNT}-us-east-1-dev", log_sources=("*",)))
    logging = R(
        "aws:s3/bucketLogging:BucketLogging",
        "data-logging",
        {"bucket": data.props["bucket"], "targetBucket": logs.props["bucket"]},
    )
    diags = run("s3-bucket-access-logging", [data, logs, other, logging])
    assert [d.urn.rsplit("::", 1)[1] for d in diags] == ["other"]
    assert (
        run("s3-bucket-access-logging", [data, logs, other, logging], {"logTargetBuckets": ["other"]}) == []
    )
    inline = bucket("inline", logging={"targetBucket": logs.props["bucket"]})
    # The inline target is an access-log bucket too, so neither needs a log of its own.
    assert run("s3-bucket-access-logging", [inline, logs]) == []


@pytest.mark.parametrize(
    ("type_", "props", "expected"),
    [
        (
            "aws:s3/bucketObjectv2:BucketObjectv2",
            {"acl": "public-read"},
            ["acl is 'public-read', which opens the object to everyone"],
        ),
        (
            "aws:s3/bucketObject:BucketObject",
            {"acl": "public-read-write"},
            ["acl is 'public-read-write', which opens the object to everyone"],
        ),
        (
            "aws:s3/bucketObjectv2:BucketObjectv2",
            {"acl": "authenticated-read"},
            ["acl is 'authenticated-read', which opens the object to everyone"],
        ),
        ("aws:s3/bucketObjectv2:BucketObjectv2", {"acl": "private"}, []),
        ("aws:s3/bucketObjectv2:BucketObjectv2", {"acl": "bucket-owner-full-control"}, []),
        (
            "aws:s3/objectCopy:ObjectCopy",
            {
                "grants": [
                    {
                        "type": "Group",
                        "uri": "http://acs.amazonaws.com/groups/global/AllUsers",
                        "permissions": ["READ"],
                    }
                ]
            },
            ["grants ['READ'] to http://acs.amazonaws.com/groups/global/AllUsers"],
        ),
        (
            "aws:s3/objectCopy:ObjectCopy",
            {"grants": [{"type": "CanonicalUser", "id": "abc", "permissions": ["READ"]}]},
            [],
        ),
        ("aws:s3/bucketObjectv2:BucketObjectv2", {"acl": U}, []),
    ],
)
def test_public_object_acls(type_, props, expected):
    assert faults("s3-no-public-acl", [R(type_, "o", {"bucket": "b", "key": "k", **props})]) == expected


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (
            R(
                "aws:secretsmanager/secret:Secret",
                "s",
                {"kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1"},
            ),
            [],
        ),
        (R("aws:secretsmanager/secret:Secret", "s", {}), ["kmsKeyId is <not set>"]),
        (
            R("aws:secretsmanager/secret:Secret", "s", {"kmsKeyId": "alias/aws/secretsmanager"}),
            ["kmsKeyId is 'alias/aws/secretsmanager'"],
        ),
        (
            R("aws:rds/cluster:Cluster", "c", {"manageMasterUserPassword": True}),
            ["manageMasterUserPassword is true but masterUserSecretKmsKeyId is <not set>"],
        ),
        (
            R(
                "aws:rds/instance:Instance",
                "i",
                {"manageMasterUserPassword": True, "masterUserSecretKmsKeyId": U},
            ),
            [],
        ),
        (R("aws:rds/cluster:Cluster", "c", {"manageMasterUserPassword": False}), []),
    ],
)
def test_secrets_use_a_customer_managed_key(resource, expected):
    found = [f.split(", so")[0] for f in faults("secretsmanager-secret-encrypted-with-cmk", [resource])]
    assert found == expected


def secret(name="trading-api-dev"):
    return R("aws:secretsmanager/secret:Secret", "secret", {"name": name, "arn": f"arn:secret:{name}"})


def rotation(rules=None, **props):
    return R(
        "aws:secretsmanager/secretRotation:SecretRotation",
        "rotation",
        {
            "secretId": "arn:secret:trading-api-dev",
            **({"rotationRules": rules} if rules is not None else {}),
            **props,
        },
    )


@pytest.mark.parametrize(
    ("resources", "config", "expected"),
    [
        ([secret(), rotation({"automaticallyAfterDays": 30})], None, []),
        ([secret(), rotation({"scheduleExpression": "rate(10 days)"})], None, []),
        ([secret(), rotation({"scheduleExpression": "rate(4 hours)"})], None, []),
        ([secret(), rotation({"scheduleExpression": "cron(0 16 1,15 * ? *)"})], None, []),
        (
            [secret(), rotation({"automaticallyAfterDays": 365})],
            None,
            [("rotation", "rotates every 365 days; rotate at least every 90 days")],
        ),
        (
            [secret(), rotation({"scheduleExpression": "rate(120 days)"})],
            {"maximumRotationDays": 100},
            [("rotation", "rotates every 120 days; rotate at least every 100 days")],
        ),
        ([secret()], None, [("secret", "has no aws.secretsmanager.SecretRotation")]),
        ([secret("rds!cluster-1234")], None, []),
        ([secret("events!connection/x")], None, []),
        (
            [secret(), rotation(rotationEnabled=False)],
            None,
            [
                (
                    "rotation",
                    "rotationEnabled is false, which turns rotation off (on an RDS-managed master secret",
                )
            ],
        ),
        (
            [
                rotation(
                    secretId="arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1",
                    rotationEnabled=False,
                )
            ],
            None,
            [("rotation", "rotationEnabled is false")],
        ),
    ],
)
def test_secrets_rotate(resources, config, expected):
    diags = run("secretsmanager-secret-rotation", resources, config)
    assert len(diags) == len(expected)
    for diag, (name, part) in zip(diags, expected, strict=True):
        assert diag.urn.endswith(f"::{name}")
        assert part in diag.message


ROTATION = "secretsmanager-secret-rotation"


def rotation_faults(rules, config=None):
    return faults(ROTATION, [secret(), rotation(rules)], config)


@pytest.mark.parametrize(
    ("expression", "longest"),
    [
        ("cron(0 8 1 1 ? *)", 366),  # once a year, 366 days across a leap day
        ("cron(0 0 1 JAN,APR,JUL,OCT ? *)", 92),  # quarterly on the 1st: July to October
        ("cron(0 0 1 */3 ? *)", 92),
        ("cron(0 0 ? 1,7 MON#1 *)", 189),  # first Monday of January and July
        ("cron(0 0 L 1/4 ? *)", 123),  # last day of January, May, September
        ("cron(0 0 ? 2,6 6L *)", 245),  # last Friday of February and June
        ("cron(0 0 31W 1,7 ? *)", 186),  # a Sunday 31 July moves to Friday 29, then 31 January
        ("cron(0 0 LW 1,6 ? *)", 217),
        ("cron(0 0 1W FEB,SEP ? *)", 215),  # Wednesday 1 February to Monday 3 September, leap year
    ],
)
def test_a_cron_schedule_is_judged_by_its_longest_gap_between_rotations(expression, longest):
    assert rotation_faults({"scheduleExpression": expression}) == [
        f"rotationRules.scheduleExpression '{expression}' leaves up to {longest} days between two rotations; "
        "rotate at least every 90 days"
    ]
    assert rotation_faults({"scheduleExpression": expression}, {"maximumRotationDays": longest}) == []


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 8 1 * ? *)",  # monthly: 31 days at most
        "cron(0 16 L * ? *)",
        "cron(0 0 ? * SUN#1 *)",
        "cron(0 0 ? * 2#5 *)",  # fifth Monday: at most 119 days, accepted with maximumRotationDays 120
        "cron(0 4/12 * * ? *)",
        "cron(0 22-2 ? * MON-FRI *)",
        "cron(0 0 ? * FRI-MON *)",
        "cron(0 0 ? * L *)",
        "cron(0 0 LW * ? *)",
        "cron(0 0 15W,L * ? *)",
        "cron(0 0 1 jan-dec/1 ? *)",
    ],
)
def test_cron_schedules_that_rotate_often_enough_pass(expression):
    assert rotation_faults({"scheduleExpression": expression}, {"maximumRotationDays": 120}) == []


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        (
            "cron(0 8 1 *)",
            "it has 4 fields, not the 6 of minutes, hours, day-of-month, month, day-of-week and year",
        ),
        ("cron(0 8 1 1 ? 2025)", "the year field must be *"),
        ("cron(0 8 1 * * *)", "exactly one of day-of-month and day-of-week must be ?"),
        ("cron(0 8 ? * ? *)", "exactly one of day-of-month and day-of-week must be ?"),
        ("cron(0 8 1 13 ? *)", "'13' is not a value of the month field (1-12)"),
        ("cron(0 8 L-3 * ? *)", "'L' is not a value of the day-of-month field (1-31)"),
        ("cron(0 8 32W * ? *)", "'32' is not a value of the day-of-month field (1-31)"),
        ("cron(0 8 ? * SUN#6 *)", "'6' is not a value of the day-of-week's # field (1-5)"),
        ("cron(0 8 ? * XL *)", "'X' is not a value of the day-of-week field (1-7)"),
        ("cron(0 8/0 1 * ? *)", "the hours field's step in '8/0' is not a positive number"),
        ("cron(0,x 8 1 * ? *)", "'X' is not a value of the minutes field (0-59)"),
    ],
)
def test_a_cron_schedule_the_pack_cannot_evaluate_is_a_violation(expression, problem):
    assert rotation_faults({"scheduleExpression": expression}) == [
        f"rotationRules.scheduleExpression '{expression}' cannot be evaluated ({problem}), so how often the "
        "secret rotates cannot be checked; write rate(30 days) or a cron() expression of the form Secrets "
        "Manager documents"
    ]


def test_other_schedules_and_rotation_rules():
    assert rotation_faults({"scheduleExpression": "every month"}) == [
        "rotationRules.scheduleExpression 'every month' is neither rate() nor cron(), so how often the "
        "secret rotates cannot be checked; write rate(30 days) or a cron() expression"
    ]
    # 29 February: eight years across 2100, which is not a leap year.
    assert rotation_faults({"scheduleExpression": "cron(0 0 29 2 ? *)"}, {"maximumRotationDays": 1000}) == [
        "rotationRules.scheduleExpression 'cron(0 0 29 2 ? *)' leaves up to 2921 days between two rotations; "
        "rotate at least every 1000 days"
    ]
    assert rotation_faults({"scheduleExpression": "cron(0 0 31 2 ? *)"}) == [
        "rotationRules.scheduleExpression 'cron(0 0 31 2 ? *)' matches no date, so the secret never rotates"
    ]
    assert rotation_faults({"automaticallyAfterDays": "ninety"}) == [
        "rotationRules.automaticallyAfterDays is 'ninety', which is not a number of days"
    ]
    # Both set (AWS takes one): each is judged.
    assert rotation_faults({"automaticallyAfterDays": 30, "scheduleExpression": "cron(0 8 1 1 ? *)"}) == [
        "rotationRules.scheduleExpression 'cron(0 8 1 1 ? *)' leaves up to 366 days between two rotations; "
        "rotate at least every 90 days"
    ]
    assert rotation_faults({"automaticallyAfterDays": 30, "scheduleExpression": "rate(30 days)"}) == []


ROTATION_TYPE = "aws:secretsmanager/secretRotation:SecretRotation"
LATER = "preview with preflight --mode update or check after the first deployment"


def verdicts(resources, config=None):
    """(level, what the violation says about its resource) for each violation of the rotation rule."""
    return [
        (d.level, d.message.split("\n", 1)[1].split("': ", 1)[1].split(". Fix: ", 1)[0])
        for d in run(ROTATION, resources, config)
    ]


def rotation_from_parameter(rules=None, **props):
    """A rotation whose rotationRules and rotationEnabled, where set, are built from a parameter's value
    (rotation_rules=days.value.apply(...)), so they are unknown at preview."""
    days = R("aws:ssm/parameter:Parameter", "days", {"name": "rotation-days", "value": U})
    resource = rotation(rules, **props)
    resource.deps = {prop: [days] for prop in ("rotationRules", "rotationEnabled") if prop in resource.props}
    return [secret(), days, resource]


def unknown_until(prop, what):
    return (
        "advisory",
        f"{what} cannot be checked until {ROTATION_TYPE} 'rotation'.{prop} is known (it depends on "
        f"aws:ssm/parameter:Parameter 'days'); {LATER}",
    )


@pytest.mark.parametrize(
    ("rules", "props", "expected"),
    [
        (
            {"automaticallyAfterDays": 30},
            {"rotationEnabled": U},
            unknown_until("rotationEnabled", "whether rotation is on"),
        ),
        (U, {}, unknown_until("rotationRules", "how often the secret rotates")),
        (
            {"automaticallyAfterDays": U},
            {},
            unknown_until(
                "rotationRules", "how often the secret rotates (rotationRules.automaticallyAfterDays)"
            ),
        ),
        (
            {"scheduleExpression": U},
            {},
            unknown_until("rotationRules", "how often the secret rotates (rotationRules.scheduleExpression)"),
        ),
        (
            {"automaticallyAfterDays": U, "scheduleExpression": U},
            {},
            unknown_until(
                "rotationRules",
                "how often the secret rotates (rotationRules.automaticallyAfterDays and "
                "rotationRules.scheduleExpression)",
            ),
        ),
    ],
)
def test_a_rotation_setting_unknown_at_preview_is_one_note_naming_it(rules, props, expected):
    assert verdicts(rotation_from_parameter(rules, **props)) == [expected]


def test_a_known_rotation_setting_that_breaks_the_limit_still_blocks_beside_a_note():
    # rotationEnabled unknown: the rules matter all the same if it turns out on.
    assert verdicts(rotation_from_parameter({"automaticallyAfterDays": 365}, rotationEnabled=U)) == [
        unknown_until("rotationEnabled", "whether rotation is on"),
        ("mandatory", "rotates every 365 days; rotate at least every 90 days"),
    ]
    # One rule unknown, the other known and too slow: AWS may take either.
    assert verdicts(
        rotation_from_parameter({"automaticallyAfterDays": U, "scheduleExpression": "rate(120 days)"})
    ) == [
        ("mandatory", "rotates every 120 days; rotate at least every 90 days"),
        unknown_until("rotationRules", "how often the secret rotates (rotationRules.automaticallyAfterDays)"),
    ]
    # Rotation turned off: that alone is the finding, whatever the rules will be.
    assert verdicts(rotation_from_parameter(U, rotationEnabled=False)) == [
        (
            "mandatory",
            "rotationEnabled is false, which turns rotation off (on an RDS-managed master secret it stops "
            "the rotation RDS would otherwise do every 7 days)",
        )
    ]


@pytest.mark.parametrize(
    ("rules", "props"),
    [
        ({"automaticallyAfterDays": 30}, {"rotationEnabled": U}),
        ({"automaticallyAfterDays": 30, "scheduleExpression": U, "duration": U}, {}),
        ({"scheduleExpression": U}, {}),
    ],
)
def test_an_unknown_the_program_did_not_set_is_the_providers_value_not_a_note(rules, props):
    # A real preview shows what the provider fills in (rotationEnabled, the rule the program left out)
    # unknown, with no dependency: the program set nothing there, and rotationEnabled defaults to on.
    assert verdicts([secret(), rotation(rules, **props)]) == []


def test_the_compliant_stack_has_every_new_kind_of_resource():
    resources = compliant_stack("update")
    for name in (
        "web-acl-association",
        "db-parameters",
        "secret-rotation",
        "private-1",
        "function-to-internet",
    ):
        assert find(resources, name)


def test_every_replica_of_a_secret_names_a_customer_managed_key():
    # Secrets Manager encrypts a replica with aws/secretsmanager of its region unless it names a key.
    key = "arn:aws:kms:us-east-1:123456789012:key/1"
    replicas = [
        {"region": "us-west-2", "kmsKeyId": "arn:aws:kms:us-west-2:123456789012:key/2"},
        {"region": "eu-west-1"},
        {"kmsKeyId": "alias/aws/secretsmanager"},
        {"region": "ap-south-1", "kmsKeyId": U},
    ]
    secret = R("aws:secretsmanager/secret:Secret", "s", {"kmsKeyId": key, "replicas": replicas})
    diags = run("secretsmanager-secret-encrypted-with-cmk", [secret])
    assert [d.level for d in diags] == ["mandatory", "mandatory"]
    assert faults("secretsmanager-secret-encrypted-with-cmk", [secret]) == [
        "replicas[1] (eu-west-1) has kmsKeyId <not set>, so that region's copy of the secret is encrypted "
        "with the AWS managed key aws/secretsmanager",
        "replicas[2] has kmsKeyId 'alias/aws/secretsmanager', so that region's copy of the secret is "
        "encrypted with the AWS managed key aws/secretsmanager",
    ]


def test_a_parameter_group_of_the_same_name_in_another_region_is_not_the_clusters():
    # The cluster uses the group of that name in its own region, which the stack does not declare.
    group = parameter_group(log_statement="ddl", log_min_duration_statement="1000")
    group.provider = {"region": "us-west-2"}
    (diag,) = run("rds-postgresql-query-logging", [cluster(), group])
    assert diag.level == "mandatory"
    (fault,) = faults("rds-postgresql-query-logging", [cluster(), group])
    assert "'trading-db-dev', which the stack does not declare" in fault


def test_a_rotation_in_another_region_rotates_another_secret():
    # A secret name (even a replica's) names a secret of each region: this one is left unrotated.
    elsewhere = rotation({"automaticallyAfterDays": 30}, secretId="trading-api-dev")
    elsewhere.provider = {"region": "us-west-2"}
    diags = run(ROTATION, [secret(), elsewhere])
    assert [(d.level, d.urn.rsplit("::", 1)[1]) for d in diags] == [("mandatory", "secret")]
    assert "has no aws.secretsmanager.SecretRotation" in diags[0].message


def test_settings_naming_another_api_by_literal_id_do_not_count_at_preview():
    # At preview the stage's API is being created and its id is unknown: a literal id names another API.
    api = R("aws:apigateway/restApi:RestApi", "a", {"name": "a", "id": U})
    stage = R(
        "aws:apigateway/stage:Stage", "a-stage", {"restApi": U, "stageName": "dev"}, deps={"restApi": [api]}
    )
    other = settings(restApi="abc123defg")
    (diag,) = run("apigateway-execution-logging", [api, stage, other])
    assert diag.level == "mandatory"
    assert "execution logging for */* is not set (OFF)" in diag.message
    known = R("aws:apigateway/restApi:RestApi", "a", {"name": "a", "id": "abc123defg"})
    stage.deps = {"restApi": [known]}
    assert run("apigateway-execution-logging", [known, stage, other]) == []
