"""CloudWatch Logs rules, above all whether a log group's key can really be used by CloudWatch Logs."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from policy_fixtures import logs_key_policy, logs_statement, root_statement
from policy_harness import ACCOUNT, FUZZ, R, U, run
from test_policy_documents import DOCUMENTS

RULE = "log-group-kms-key-allows-logs"
GROUP_ARN = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/trading-orders-dev"
CN_PREFIX = f"arn:aws-cn:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/*"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def key(*statements, name="key", **props):
    policy = logs_key_policy(*statements) if statements else logs_key_policy()
    return R("aws:kms/key:Key", name, {"policy": policy, **props})


def group(target, name="/aws/lambda/trading-orders-dev", provider=None, **props):
    resource = R(LOG_GROUP, "group", {"name": name, "kmsKeyId": U, **props}, deps={"kmsKeyId": [target]})
    if provider is not None:
        resource.provider = provider
    return resource


def faults(resources, config=None, rule=RULE):
    return [
        d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0] for d in run(rule, resources, config)
    ]


def test_the_documented_statement_passes_and_so_do_wildcard_actions_under_arn_equals():
    k = key()
    assert faults([k, group(k)]) == []
    exact = logs_statement(
        Action="kms:*",
        Condition={"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": GROUP_ARN}},
    )
    k = key(root_statement(), exact)
    assert faults([k, group(k)]) == []


def test_the_model_failure_key_policy_is_caught_at_preview():
    policy = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "logs.amazonaws.com"},
                    "Action": ["kms:CreateGrant"],
                    "Resource": "*",
                }
            ]
        }
    )
    k = R("aws:kms/key:Key", "key", {"policy": policy, "arn": U})
    (fault,) = faults([k, group(k)])
    assert (
        'allows "logs.amazonaws.com", but CloudWatch Logs calls KMS as logs.us-east-1.amazonaws.com' in fault
    )


def test_a_key_without_any_statement_for_logs():
    k = key(root_statement())
    (fault,) = faults([k, group(k)])
    assert fault == (
        "KMS key 'key' has no Allow statement for logs.us-east-1.amazonaws.com; creating the log "
        "group fails with AccessDeniedException"
    )


def test_a_key_without_a_policy_cannot_be_used_by_logs():
    k = R("aws:kms/key:Key", "key", {})
    (fault,) = faults([k, group(k)])
    assert "has no key policy, so AWS applies its default policy" in fault


def test_a_key_without_a_policy_input_is_flagged_at_preview_too():
    # Red-team b19: aws.kms.Key("k", enable_key_rotation=True, tags=TAGS) used by a log group. At preview
    # the key's policy output is unknown, but no input (no resource) feeds it: AWS's default policy.
    k = R("aws:kms/key:Key", "key", {"policy": U, "arn": U, "enableKeyRotation": True})
    (fault,) = faults([k, group(k)])
    assert fault.startswith(
        "KMS key 'key' has no key policy, so AWS applies its default policy, which does not let "
        "logs.us-east-1.amazonaws.com use the key"
    )


def test_the_aws_documentation_example_scopes_the_key_to_the_account_and_region():
    # Red-team c12: ArnLike kms:EncryptionContext:aws:logs:arn = arn:aws:logs:<region>:<account>:*
    for value in (
        f"arn:aws:logs:us-east-1:{ACCOUNT}:*",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-*",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:*group:/aws/*",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:l?g-group:/aws/lambda/trading-*",
    ):
        documented = logs_statement(Condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": value}})
        k = key(root_statement(), documented)
        assert faults([k, group(k)]) == [], value
        assert faults([k, group(k, name=U)]) == [], value


@pytest.mark.parametrize(
    "value",
    [
        f"arn:aws:logs:us-east-1:{ACCOUNT}:destination:*",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-stream",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:l?x*",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group",
    ],
)
def test_resource_globs_that_cannot_match_a_log_group_are_not_log_group_arns(value):
    k = key(
        root_statement(), logs_statement(Condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": value}})
    )
    found = faults([k, group(k, name=U)])
    assert [f.split(", which ", 1)[1] for f in found] == [
        "is not a CloudWatch Logs log group ARN (arn:aws:logs:<region>:<account>:log-group:<name>)"
    ]


def test_arn_equals_takes_wildcards_like_arn_like_but_string_equals_is_exact():
    # Red-team c21: ArnEquals ...:log-group:/trading/* for the log group /trading/app-dev.
    pattern = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/trading/*"
    for operator in ("ArnEquals", "ArnLike", "StringLike"):
        scoped = logs_statement(Condition={operator: {"kms:EncryptionContext:aws:logs:arn": pattern}})
        k = key(root_statement(), scoped)
        assert faults([k, group(k, name="/trading/app-dev")]) == [], operator
    exact = logs_statement(Condition={"StringEquals": {"kms:EncryptionContext:aws:logs:arn": pattern}})
    k = key(root_statement(), exact)
    (fault,) = faults([k, group(k, name="/trading/app-dev")])
    assert "limits kms:EncryptionContext:aws:logs:arn to values that do not match this log group" in fault
    elsewhere = logs_statement(Condition={"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": pattern}})
    k = key(root_statement(), elsewhere)
    (fault,) = faults([k, group(k, name="/other/app-dev")])
    assert f"do not match this log group (arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/other/app-dev)" in fault


def test_missing_actions_are_listed():
    k = key(root_statement(), logs_statement(Action=["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]))
    (fault,) = faults([k, group(k)])
    assert (
        "does not allow logs.us-east-1.amazonaws.com kms:ReEncryptFrom, kms:ReEncryptTo, kms:DescribeKey"
        in fault
    )


def test_an_unconditioned_or_if_exists_statement_is_unscoped():
    for statement in (
        {key_: value for key_, value in logs_statement().items() if key_ != "Condition"},
        logs_statement(
            Condition={
                "ArnLikeIfExists": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"
                }
            }
        ),
    ):
        k = key(root_statement(), statement)
        (fault,) = faults([k, group(k)])
        assert "without an ArnLike or ArnEquals condition on kms:EncryptionContext:aws:logs:arn" in fault


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("arn:aws:logs:*:123456789012:log-group:*", "does not name this stack's region (us-east-1)"),
        ("arn:aws:logs:eu-west-1:123456789012:log-group:*", "does not name this stack's region (us-east-1)"),
        ("arn:aws:logs:us-east-1:*:log-group:*", "does not name this stack's account (123456789012)"),
        (
            "arn:aws:logs:us-east-1:999999999999:log-group:*",
            "does not name this stack's account (123456789012)",
        ),
        ("arn:aws:s3:::bucket", "is not a CloudWatch Logs log group ARN"),
        ("*", "is not a CloudWatch Logs log group ARN"),
    ],
)
def test_the_encryption_context_must_name_this_account_and_region(value, problem):
    k = key(
        root_statement(), logs_statement(Condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": value}})
    )
    found = faults([k, group(k)])
    assert any(problem in fault and f"'{value}'" in fault for fault in found), found


def test_the_condition_must_match_this_log_group():
    scoped = logs_statement(
        Condition={
            "StringEquals": {
                "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/other"
            }
        }
    )
    k = key(root_statement(), scoped)
    (fault,) = faults([k, group(k)])
    assert "limits kms:EncryptionContext:aws:logs:arn to values that do not match this log group" in fault
    assert f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/trading-orders-dev" in fault
    prefix = logs_statement(Condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": CN_PREFIX}})
    k = key(root_statement(), prefix)
    assert faults([k, group(k)]) == []


def test_unknown_condition_values_and_blocks_are_not_judged():
    for condition in ({"ArnLike": {"kms:EncryptionContext:aws:logs:arn": U}}, U):
        k = key(root_statement(), logs_statement(Condition=condition))
        assert faults([k, group(k)]) == []
    k = key(
        root_statement(), logs_statement(Condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": True}})
    )
    (fault,) = faults([k, group(k)])
    assert "is not a CloudWatch Logs log group ARN" in fault


def test_a_key_policy_resource_wins_and_aliases_lead_to_their_key():
    k = R("aws:kms/key:Key", "key", {"keyId": U})
    override = R(
        "aws:kms/keyPolicy:KeyPolicy",
        "kp",
        {"keyId": U, "policy": logs_key_policy(root_statement())},
        deps={"keyId": [k]},
    )
    alias = R(
        "aws:kms/alias:Alias",
        "alias",
        {"name": "alias/trading-logs-dev", "targetKeyId": U},
        deps={"targetKeyId": [k]},
    )
    (fault,) = faults([k, override, alias, group(alias)])
    assert "has no Allow statement for logs.us-east-1.amazonaws.com" in fault


def test_keys_outside_the_stack_and_groups_without_keys_are_not_judged():
    outside = R(
        LOG_GROUP, "group", {"name": "/x", "kmsKeyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/elsewhere"}
    )
    plain = R(LOG_GROUP, "plain", {"name": "/y"})
    assert faults([outside, plain]) == []


def test_key_region_and_key_spec_must_suit_cloudwatch_logs():
    k = key(region="eu-west-1", customerMasterKeySpec="RSA_2048")
    found = faults([k, group(k)])
    assert "KMS key 'key' is in eu-west-1 but the log group is in us-east-1" in found[0]
    assert "is not a symmetric key" in found[1]


def test_unreadable_and_unknown_key_policies():
    k = R("aws:kms/key:Key", "key", {"policy": "{not json"})
    (fault,) = faults([k, group(k)])
    assert "the key policy of KMS key 'key' is unreadable: policy document is not valid JSON" in fault
    role = R("aws:iam/role:Role", "role", {"arn": U})
    k = R("aws:kms/key:Key", "key", {"policy": U}, deps={"policy": [role]})
    assert faults([role, k, group(k)]) == []


def test_region_comes_from_the_resource_provider_or_config():
    k = key(root_statement(), logs_statement(region="eu-west-1"))
    k.provider = {}
    (fault,) = faults([k, group(k, provider={"region": "us-east-1"})])
    assert "no Allow statement for logs.us-east-1.amazonaws.com" in fault
    assert faults([k, group(k, provider={"region": "eu-west-1"})]) == []
    assert faults([k, group(k, provider=None, region="eu-west-1")]) == []
    assert faults([k, group(k, provider={})], {"region": "eu-west-1"}) == []
    assert faults([k, group(k, provider={})]) == []
    k = key(root_statement(), logs_statement(region="eu-west-1"), name="other")
    k.provider = None
    k.props["policy"] = k.props["policy"].replace("logs.eu-west-1.amazonaws.com", "logs.amazonaws.com")
    (fault,) = faults([k, group(k, provider={})])
    assert "as logs.<region>.amazonaws.com" in fault


def test_account_comes_from_config_or_the_key_policy():
    k = key()
    wrong_account, no_match = faults([k, group(k)], {"accountId": "999999999999"})
    assert "does not name this stack's account (999999999999)" in wrong_account
    assert "arn:aws:logs:us-east-1:999999999999:log-group:/aws/lambda/trading-orders-dev" in no_match
    no_root = key(logs_statement())
    assert faults([no_root, group(no_root)]) == []


@FUZZ
@settings(max_examples=100, deadline=None)
@given(document=DOCUMENTS)
def test_random_key_policies_never_crash_the_log_group_check(document):
    k = R("aws:kms/key:Key", "key", {"policy": json.dumps(document)})
    for diag in run(RULE, [k, group(k)]):
        assert diag.level == "mandatory"
        assert "'group'" in diag.message


def test_encryption_needs_a_key_id():
    assert faults([R(LOG_GROUP, "g", {"kmsKeyId": ""})], rule="log-group-encrypted") == [
        "kmsKeyId is not set, so the log data is not encrypted with a key you control"
    ]


@pytest.mark.parametrize(
    "value",
    [
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "alias/trading-logs-dev",
        f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/trading-logs-dev",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:key/1234abcd",
    ],
)
def test_a_known_key_id_that_is_not_a_key_arn_is_refused(value):
    # Red-team b28: kms_key_id=key.key_id, which update knows as a bare key id.
    assert faults([R(LOG_GROUP, "g", {"kmsKeyId": value})], rule="log-group-encrypted") == [
        f"kmsKeyId is '{value}', which is not a KMS key ARN; CloudWatch Logs accepts only the key ARN "
        "(arn:aws:kms:<region>:<account>:key/<key-id>), not a key id or an alias, so pass key.arn"
    ]


def test_key_arns_and_key_ids_unknown_at_preview_are_accepted():
    for value in (
        f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        f"arn:aws-us-gov:kms:us-gov-west-1:{ACCOUNT}:key/mrk-1234abcd",
        U,
    ):
        assert faults([R(LOG_GROUP, "g", {"kmsKeyId": value})], rule="log-group-encrypted") == []


@pytest.mark.parametrize(
    ("days", "config", "expected"),
    [
        (365, None, []),
        (30, {"minimumRetentionDays": 30}, []),
        (30.0, {"minimumRetentionDays": 30.0}, []),
        (
            0,
            None,
            [
                "retentionInDays is not set, so the logs never expire; set an explicit retention "
                "of at least 365 days"
            ],
        ),
        (
            None,
            {"minimumRetentionDays": 90},
            [
                "retentionInDays is not set, so the logs never expire; set an explicit retention "
                "of at least 90 days"
            ],
        ),
        (42, None, ["retentionInDays is 42, which CloudWatch Logs does not accept"]),
        ("forever", None, ["retentionInDays is 'forever', which CloudWatch Logs does not accept"]),
        (180, None, ["retentionInDays is 180; audit logs must be kept at least 365 days"]),
    ],
)
def test_retention(days, config, expected):
    props = {} if days is None else {"retentionInDays": days}
    assert faults([R(LOG_GROUP, "g", props)], config, rule="log-group-retention") == expected


def test_an_aws_principal_spelled_like_the_logs_service_is_not_the_logs_service():
    impostor = logs_statement(Principal={"AWS": "logs.us-east-1.amazonaws.com"})
    k = key(root_statement(), impostor)
    (fault,) = faults([k, group(k)])
    assert "has no Allow statement for logs.us-east-1.amazonaws.com" in fault


def test_arn_like_matches_the_log_group_arn_case_sensitively_as_aws_does():
    shouting = logs_statement(
        Condition={
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/AWS/*"
            }
        }
    )
    k = key(root_statement(), shouting)
    (fault,) = faults([k, group(k)])
    assert "limits kms:EncryptionContext:aws:logs:arn to values that do not match this log group" in fault


def test_a_root_named_only_in_a_deny_statement_is_not_the_account_the_condition_must_name():
    deny_other = {
        "Effect": "Deny",
        "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    k = key(deny_other, logs_statement())
    # The account comes from no Allow statement, so the condition's account is not judged against the Deny's.
    assert faults([k, group(k)]) == []
    k = key(deny_other, logs_statement(account="999999999999"), root_statement())
    found = faults([k, group(k)])
    assert any(f"does not name this stack's account ({ACCOUNT})" in fault for fault in found)


def test_the_account_the_condition_must_name_is_never_taken_from_a_root_the_key_policy_names():
    other = "999999999999"
    other_admin = {**root_statement(), "Sid": "Other", "Principal": {"AWS": f"arn:aws:iam::{other}:root"}}
    # The provider runs only in ACCOUNT: a policy that names another account's root first does not make
    # that account the one whose log groups may use the key.
    k = key(other_admin, root_statement(), logs_statement(account=other))
    k.provider = {"region": "us-east-1", "allowedAccountIds": json.dumps([ACCOUNT])}
    found = faults([k, group(k)])
    assert any(f"does not name this stack's account ({ACCOUNT})" in fault for fault in found)
    # Nothing trusted tells the account and the lock-out check proves none (two accounts administer the
    # key), so no account is assumed: the condition only has to name one account (the KMS rules report
    # the second administrator).
    k.provider = {"region": "us-east-1"}
    assert faults([k, group(k)]) == []
    # One administrator: AWS's lock-out check proves the key is in its account.
    k = key(root_statement(), logs_statement(account=other))
    wrong_account, no_match = faults([k, group(k)])
    assert f"does not name this stack's account ({ACCOUNT})" in wrong_account
    assert f"do not match this log group (arn:aws:logs:us-east-1:{ACCOUNT}:log-group:" in no_match


def test_a_disabled_key_cannot_encrypt_a_log_group():
    # CreateLogGroup and AssociateKmsKey refuse a disabled key with InvalidParameterException.
    k = key(isEnabled=False)
    (diag,) = run(RULE, [k, group(k)])
    assert diag.level == "mandatory"
    assert faults([k, group(k)]) == [
        "KMS key 'key' is disabled (isEnabled false), and CloudWatch Logs refuses a disabled key: creating "
        "the log group fails with InvalidParameterException"
    ]
    assert faults([key(isEnabled=True), group(key(isEnabled=True))]) == []
    assert faults([key(isEnabled=U), group(key(isEnabled=U))]) == []


@pytest.mark.parametrize(
    ("deny", "shown"),
    [
        ({"Principal": "*", "Action": "kms:Decrypt"}, '"*" kms:Decrypt'),
        (
            {"Principal": {"Service": "logs.us-east-1.amazonaws.com"}, "Action": "kms:GenerateData*"},
            '{"Service": "logs.us-east-1.amazonaws.com"} kms:GenerateDataKey',
        ),
        # NotPrincipal denies everyone it does not name, CloudWatch Logs included.
        (
            {"NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "NotAction": "kms:Describe*"},
            f'NotPrincipal {{"AWS": "arn:aws:iam::{ACCOUNT}:root"}} kms:Encrypt, kms:Decrypt, '
            "kms:ReEncryptFrom, kms:ReEncryptTo, kms:GenerateDataKey",
        ),
    ],
)
def test_a_deny_without_a_condition_takes_the_key_from_cloudwatch_logs(deny, shown):
    k = key(root_statement(), logs_statement(), {"Sid": "Deny", "Effect": "Deny", "Resource": "*", **deny})
    (diag,) = run(RULE, [k, group(k)])
    assert diag.level == "mandatory"
    assert faults([k, group(k)]) == [
        f"statement 'Deny' (Statement[2]) of KMS key 'key' denies {shown} without a Condition, and a Deny "
        "overrides every Allow: CloudWatch Logs (logs.us-east-1.amazonaws.com) cannot use the key"
    ]


@pytest.mark.parametrize(
    "deny",
    [
        # A Condition, an action CloudWatch Logs does not need, another principal, NotPrincipal naming the
        # service, or a resource that is not this key: the Deny leaves CloudWatch Logs its access.
        {"Principal": "*", "Action": "kms:Decrypt", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Principal": "*", "Action": "kms:ScheduleKeyDeletion"},
        {"Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "kms:*"},
        {"NotPrincipal": {"Service": "logs.us-east-1.amazonaws.com"}, "Action": "kms:*"},
        {"Principal": {"Service": "logs.eu-west-1.amazonaws.com"}, "Action": "kms:*"},
        {"Principal": "*", "Action": "kms:*", "Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/other"},
        {"Principal": "*", "Action": "kms:*", "NotResource": "*"},
    ],
)
def test_a_deny_that_spares_cloudwatch_logs_passes(deny):
    resource = {} if "NotResource" in deny else {"Resource": "*"}
    k = key(root_statement(), logs_statement(), {"Effect": "Deny", **resource, **deny})
    assert faults([k, group(k)]) == []


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("ArnNotLike", "arn:aws:logs:*:*:log-group:*"),
        ("ArnNotEqualsIfExists", GROUP_ARN),
        ("StringNotEquals", GROUP_ARN),
        ("StringNotLike", "arn:aws:logs:us-east-1:*:log-group:/aws/lambda/*"),
    ],
)
def test_a_negated_condition_that_matches_the_log_group_excludes_it(operator, value):
    statement = logs_statement()
    statement["Condition"][operator] = {"kms:EncryptionContext:aws:logs:arn": [value]}
    k = key(root_statement(), statement)
    (diag,) = run(RULE, [k, group(k)])
    assert diag.level == "mandatory"
    assert faults([k, group(k)]) == [
        f"statement 'AllowCloudWatchLogs' (Statement[1]) of KMS key 'key' has {operator} "
        f"kms:EncryptionContext:aws:logs:arn '{value}', which excludes this log group ({GROUP_ARN}), so "
        "CloudWatch Logs cannot use the key for it"
    ]


def test_a_negated_condition_that_spares_the_log_group_passes():
    statement = logs_statement()
    statement["Condition"]["ArnNotLike"] = {
        "kms:EncryptionContext:aws:logs:arn": ["arn:aws:logs:*:*:log-group:/tmp/*", U]
    }
    statement["Condition"]["StringNotEquals"] = {"kms:EncryptionContext:aws:logs:arn": GROUP_ARN + "-old"}
    k = key(root_statement(), statement)
    assert faults([k, group(k)]) == []


def key_policies(key, *policies):
    return [
        R("aws:kms/keyPolicy:KeyPolicy", name, {"keyId": U, "policy": policy}, deps={"keyId": [key]})
        for name, policy in policies
    ]


def test_each_key_policy_resource_of_a_key_must_let_cloudwatch_logs_use_it():
    # Each KeyPolicy replaces the key's whole policy; whichever is applied last is the one KMS keeps.
    k = R("aws:kms/key:Key", "key", {"keyId": U})
    policies = key_policies(k, ("bad", logs_key_policy(root_statement())), ("good", logs_key_policy()))
    log_group = group(k)
    log_group.depends_on = list(policies)
    (diag,) = run(RULE, [k, *policies, log_group])
    assert diag.level == "mandatory"
    assert faults([k, *policies, log_group]) == [
        "KMS key 'key' (as KeyPolicy 'bad' sets it) has no Allow statement for logs.us-east-1.amazonaws.com; "
        "creating the log group fails with AccessDeniedException"
    ]
    policies[0].props["policy"] = logs_key_policy()
    assert faults([k, *policies, log_group]) == []


def test_a_log_group_that_does_not_wait_for_the_key_policy_may_meet_the_keys_initial_policy():
    # The log group depends on the key only: the engine may create it before the KeyPolicy is put.
    k = R("aws:kms/key:Key", "key", {"keyId": U})
    (policy,) = key_policies(k, ("kp", logs_key_policy()))
    (diag,) = run(RULE, [k, policy, group(k)])
    assert diag.level == "mandatory"
    assert faults([k, policy, group(k)]) == [
        "the log group does not depend on KeyPolicy 'kp', so it may be created before KMS key 'key' gets "
        "that policy, while the key's own policy does not let logs.us-east-1.amazonaws.com use it: creating "
        "the log group fails with AccessDeniedException; make the log group depend on the KeyPolicy "
        "(depends_on)"
    ]
    # Waiting for the key along two paths is not waiting for the KeyPolicy.
    alias = R(
        "aws:kms/alias:Alias", "alias", {"name": "alias/x", "targetKeyId": U}, deps={"targetKeyId": [k]}
    )
    by_two_paths = group(k)
    by_two_paths.depends_on = [alias]
    assert len(faults([k, policy, alias, by_two_paths])) == 1
    # Waiting for it, directly or through another resource, or a key whose own policy already lets
    # CloudWatch Logs in: no race to lose.
    waits = group(k)
    waits.depends_on = [policy]
    assert faults([k, policy, waits]) == []
    alias = R("aws:kms/alias:Alias", "alias", {"name": "alias/x", "targetKeyId": U}, depends_on=[policy])
    through = group(k)
    through.depends_on = [alias, k]
    assert faults([k, policy, alias, through]) == []
    ready = R("aws:kms/key:Key", "key", {"keyId": U, "policy": logs_key_policy()})
    (policy,) = key_policies(ready, ("kp", logs_key_policy()))
    assert faults([ready, policy, group(ready)]) == []


@pytest.mark.parametrize("log_class", ["DELIVERY", "delivery"])
def test_a_delivery_class_log_group_keeps_its_events_a_day_or_two_whatever_its_retention(log_class):
    group = R(LOG_GROUP, "g", {"retentionInDays": 365, "logGroupClass": log_class})
    assert faults([group], None, rule="log-group-retention") == [
        "logGroupClass is DELIVERY, so CloudWatch Logs keeps the events for a day or two whatever "
        "retentionInDays says; audit logs must be kept at least 365 days (use STANDARD or INFREQUENT_ACCESS)"
    ]
    assert [d.level for d in run("log-group-retention", [group])] == ["mandatory"]
    for kept in ("STANDARD", "INFREQUENT_ACCESS", U):
        assert (
            faults(
                [R(LOG_GROUP, "g", {"retentionInDays": 365, "logGroupClass": kept})],
                None,
                rule="log-group-retention",
            )
            == []
        )
